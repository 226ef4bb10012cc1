import { test } from 'node:test';
import assert from 'node:assert/strict';
import { importApiText } from './index.js';

const WSDL = `<?xml version="1.0"?>
<definitions xmlns="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/" xmlns:s12="http://schemas.xmlsoap.org/wsdl/soap12/" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:tns="urn:shop" targetNamespace="urn:shop">
  <types><xs:schema targetNamespace="urn:shop">
    <xs:element name="GetOrder"><xs:complexType><xs:sequence><xs:element name="orderId" type="xs:int"/><xs:element name="email" type="xs:string"/></xs:sequence></xs:complexType></xs:element>
  </xs:schema></types>
  <message name="GetOrderIn"><part name="p" element="tns:GetOrder"/></message>
  <message name="CancelIn"><part name="id" type="xs:int"/></message>
  <message name="BrokenIn"><part name="p" element="tns:Missing"/></message>
  <portType name="Shop">
    <operation name="GetOrder"><input message="tns:GetOrderIn"/></operation>
    <operation name="Cancel"><input message="tns:CancelIn"/></operation>
    <operation name="Broken"><input message="tns:BrokenIn"/></operation>
  </portType>
  <binding name="ShopSoap" type="tns:Shop"><soap:binding style="document"/>
    <operation name="GetOrder"><soap:operation soapAction="urn:shop#GetOrder"/></operation>
    <operation name="Cancel"><soap:operation soapAction="urn:shop#Cancel" style="rpc"/></operation>
    <operation name="Broken"><soap:operation soapAction="urn:shop#Broken"/></operation>
  </binding>
  <binding name="ShopSoap12" type="tns:Shop"><s12:binding style="document"/>
    <operation name="GetOrder"><s12:operation soapAction="urn:shop#GetOrder12"/></operation>
  </binding>
  <service name="S">
    <port name="P" binding="tns:ShopSoap"><soap:address location="https://shop.example/ws/shop"/></port>
    <port name="P12" binding="tns:ShopSoap12"><s12:address location="https://shop.example/ws/shop12"/></port>
  </service>
</definitions>`;

test('a WSDL becomes SOAP operations with their action, address path and a sample envelope', () => {
  const m = importApiText(WSDL, '/tmp/shop.wsdl');
  assert.equal(m.format, 'wsdl-1.1');
  assert.deepEqual(m.servers, ['https://shop.example']);
  assert.deepEqual(m.operations.map((o) => `${o.path} ${o.operationId} ${o.soap?.version ?? '-'} ${o.exercisable}`), ['/ws/shop GetOrder 1.1 true', '/ws/shop Cancel 1.1 true', '/ws/shop Broken - false', '/ws/shop12 GetOrder 1.2 true']);
  const get = m.operations[0]!;
  assert.deepEqual(get.params.map((p) => [p.name, p.in, p.example]), [['SOAPAction', 'header', '"urn:shop#GetOrder"']]);
  assert.match(String(get.body!.example), /<soap:Body><tns:GetOrder><orderId>1<\/orderId><email>palisade\.probe@example\.com<\/email><\/tns:GetOrder><\/soap:Body>/);
  assert.match(String(m.operations[1]!.body!.example), /<tns:Cancel><id>1<\/id><\/tns:Cancel>/);
  assert.match(m.operations[3]!.body!.contentType, /application\/soap\+xml; charset=utf-8; action="urn:shop#GetOrder12"/);
  assert.ok(m.defects.some((d) => d.severity === 'error' && /operation Broken: the element of its input message BrokenIn is not declared/.test(d.message)));
});

test('a WSDL with a DTD or broken XML is refused with the reason', () => {
  assert.throws(() => importApiText('<definitions xmlns="http://schemas.xmlsoap.org/wsdl/"><message>', '/tmp/b.wsdl'), /\/tmp\/b\.wsdl: not well-formed XML/);
  assert.throws(() => importApiText('<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><definitions xmlns="http://schemas.xmlsoap.org/wsdl/">&x;</definitions>', '/tmp/c.wsdl'), /\/tmp\/c\.wsdl: a document type declaration \(DTD\) is not accepted in a WSDL/);
});

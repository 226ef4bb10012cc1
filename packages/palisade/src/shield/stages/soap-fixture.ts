// Test support for the SOAP unit tests: one WSDL 1.1 document with what the reader must handle —
// document/literal operations in a SOAP 1.1 and a SOAP 1.2 binding, an rpc binding, an explicit
// wsam:Action, an HTTP binding to ignore, and operations that cannot be allowed. Used only by
// *.test.ts files.

export const STOCK_TNS = 'urn:example:stock';
export const STOCK_TYPES = 'urn:example:stock:types';
export const RPC_NS = 'urn:example:rpc';

export const STOCK_WSDL = `<?xml version="1.0" encoding="UTF-8"?>
<definitions name="Stock" targetNamespace="${STOCK_TNS}"
    xmlns="http://schemas.xmlsoap.org/wsdl/"
    xmlns:tns="${STOCK_TNS}"
    xmlns:st="${STOCK_TYPES}"
    xmlns:xsd="http://www.w3.org/2001/XMLSchema"
    xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"
    xmlns:soap12="http://schemas.xmlsoap.org/wsdl/soap12/"
    xmlns:http="http://schemas.xmlsoap.org/wsdl/http/"
    xmlns:wsam="http://www.w3.org/2007/05/addressing/metadata">
  <types>
    <xsd:schema targetNamespace="${STOCK_TYPES}" elementFormDefault="qualified">
      <xsd:element name="GetQuote"><xsd:complexType><xsd:sequence><xsd:element name="symbol" type="xsd:string"/></xsd:sequence></xsd:complexType></xsd:element>
      <xsd:element name="GetQuoteResponse"><xsd:complexType><xsd:sequence><xsd:element name="price" type="xsd:decimal"/></xsd:sequence></xsd:complexType></xsd:element>
      <xsd:element name="DeleteAll"><xsd:complexType/></xsd:element>
    </xsd:schema>
  </types>
  <message name="GetQuoteIn"><part name="parameters" element="st:GetQuote"/></message>
  <message name="GetQuoteOut"><part name="parameters" element="st:GetQuoteResponse"/></message>
  <message name="DeleteAllIn"><part name="parameters" element="st:DeleteAll"/></message>
  <message name="TwoParts"><part name="a" element="st:GetQuote"/><part name="b" element="st:DeleteAll"/></message>
  <message name="Typed"><part name="who" type="xsd:string"/></message>
  <portType name="StockPort">
    <operation name="GetQuote"><input message="tns:GetQuoteIn"/><output message="tns:GetQuoteOut"/></operation>
    <operation name="DeleteAll"><input message="tns:DeleteAllIn" wsam:Action="urn:example:stock:DeleteAllAction"/></operation>
    <operation name="Batch"><input message="tns:TwoParts"/></operation>
    <operation name="Loose"><input message="tns:Typed"/></operation>
  </portType>
  <portType name="RpcPort">
    <operation name="Ping"><input message="tns:Typed"/><output message="tns:Typed"/></operation>
  </portType>
  <binding name="StockSoap11" type="tns:StockPort">
    <soap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>
    <operation name="GetQuote"><soap:operation soapAction="urn:example:stock#GetQuote"/><input><soap:body use="literal"/></input><output><soap:body use="literal"/></output></operation>
    <operation name="DeleteAll"><soap:operation soapAction="urn:example:stock#DeleteAll"/><input><soap:body use="literal"/></input></operation>
    <operation name="Batch"><soap:operation soapAction="urn:example:stock#Batch"/><input><soap:body use="literal"/></input></operation>
    <operation name="Loose"><soap:operation soapAction=""/><input><soap:body use="literal"/></input></operation>
  </binding>
  <binding name="StockSoap12" type="tns:StockPort">
    <soap12:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>
    <operation name="GetQuote"><soap12:operation soapAction="urn:example:stock#GetQuote"/><input><soap12:body use="literal"/></input><output><soap12:body use="literal"/></output></operation>
  </binding>
  <binding name="RpcSoap11" type="tns:RpcPort">
    <soap:binding style="rpc" transport="http://schemas.xmlsoap.org/soap/http"/>
    <operation name="Ping"><soap:operation soapAction=""/><input><soap:body use="literal" namespace="${RPC_NS}"/></input><output><soap:body use="literal" namespace="${RPC_NS}"/></output></operation>
  </binding>
  <binding name="StockHttp" type="tns:StockPort">
    <http:binding verb="GET"/>
    <operation name="GetQuote"><http:operation location="/quote"/><input><http:urlEncoded/></input><output/></operation>
  </binding>
  <service name="Stock">
    <port name="StockSoap11" binding="tns:StockSoap11"><soap:address location="http://localhost/stock"/></port>
  </service>
</definitions>
`;

export function envelope11(body: string, header = ''): string {
  return `<?xml version="1.0"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">${header}<soap:Body>${body}</soap:Body></soap:Envelope>`;
}

export function envelope12(body: string, header = ''): string {
  return `<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope">${header}<env:Body>${body}</env:Body></env:Envelope>`;
}

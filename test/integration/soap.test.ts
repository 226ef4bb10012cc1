// SOAP through the gateway: a real SOAP upstream on port 0, operations allowed by a WSDL, refused
// envelopes and operations, XXE, a leaky upstream fault scrubbed, and a broken WSDL refused at load.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isPalisadeError } from 'palisade';
import { adminFetch, httpRequest, startTestShield, startUpstream, tempDir } from './helpers.js';
import type { RawResponse, TestShield, Upstream } from './helpers.js';

const TNS = 'urn:example:stock';
const TYPES = 'urn:example:stock:types';
const SOAP11 = 'http://schemas.xmlsoap.org/soap/envelope/';
const SOAP12 = 'http://www.w3.org/2003/05/soap-envelope';

const WSDL = `<?xml version="1.0" encoding="UTF-8"?>
<definitions targetNamespace="${TNS}" xmlns="http://schemas.xmlsoap.org/wsdl/" xmlns:tns="${TNS}" xmlns:st="${TYPES}"
    xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/" xmlns:soap12="http://schemas.xmlsoap.org/wsdl/soap12/">
  <types>
    <xsd:schema targetNamespace="${TYPES}" elementFormDefault="qualified">
      <xsd:element name="GetQuote"><xsd:complexType><xsd:sequence><xsd:element name="symbol" type="xsd:string"/></xsd:sequence></xsd:complexType></xsd:element>
      <xsd:element name="GetQuoteResponse"><xsd:complexType><xsd:sequence><xsd:element name="price" type="xsd:decimal"/></xsd:sequence></xsd:complexType></xsd:element>
      <xsd:element name="DeleteAll"><xsd:complexType/></xsd:element>
    </xsd:schema>
  </types>
  <message name="GetQuoteIn"><part name="parameters" element="st:GetQuote"/></message>
  <message name="GetQuoteOut"><part name="parameters" element="st:GetQuoteResponse"/></message>
  <message name="DeleteAllIn"><part name="parameters" element="st:DeleteAll"/></message>
  <portType name="StockPort">
    <operation name="GetQuote"><input message="tns:GetQuoteIn"/><output message="tns:GetQuoteOut"/></operation>
    <operation name="DeleteAll"><input message="tns:DeleteAllIn"/></operation>
  </portType>
  <binding name="StockSoap11" type="tns:StockPort">
    <soap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>
    <operation name="GetQuote"><soap:operation soapAction="${TNS}#GetQuote"/><input><soap:body use="literal"/></input><output><soap:body use="literal"/></output></operation>
    <operation name="DeleteAll"><soap:operation soapAction="${TNS}#DeleteAll"/><input><soap:body use="literal"/></input></operation>
  </binding>
  <binding name="StockSoap12" type="tns:StockPort">
    <soap12:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>
    <operation name="GetQuote"><soap12:operation soapAction="${TNS}#GetQuote"/><input><soap12:body use="literal"/></input><output><soap12:body use="literal"/></output></operation>
  </binding>
  <service name="Stock"><port name="p" binding="tns:StockSoap11"><soap:address location="http://localhost/stock"/></port></service>
</definitions>
`;

const JAVA_TRACE =
  'java.lang.NullPointerException: Cannot invoke "com.example.stock.Quote.price()" because "q" is null\n' +
  '\tat com.example.stock.QuoteService.find(QuoteService.java:87)\n' +
  '\tat com.example.stock.QuoteEndpoint.getQuote(QuoteEndpoint.java:31)\n' +
  '\tat org.apache.cxf.service.invoker.AbstractInvoker.performInvocation(AbstractInvoker.java:179)';

const env11 = (body: string, extra = '') => `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="${SOAP11}"${extra}><soap:Body>${body}</soap:Body></soap:Envelope>`;
const env12 = (body: string) => `<env:Envelope xmlns:env="${SOAP12}"><env:Body>${body}</env:Body></env:Envelope>`;
const getQuote = (symbol: string) => `<q:GetQuote xmlns:q="${TYPES}"><q:symbol>${symbol}</q:symbol></q:GetQuote>`;

describe('SOAP through the gateway', () => {
  let up: Upstream;
  let shield: TestShield;
  let dir: { dir: string; cleanup(): void };
  /** Bodies the upstream received whole: a refused request must never get here. */
  const received: string[] = [];

  before(async () => {
    up = await startUpstream((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        received.push(body);
        const v12 = (req.headers['content-type'] ?? '').startsWith('application/soap+xml');
        const type = v12 ? 'application/soap+xml; charset=utf-8' : 'text/xml; charset=utf-8';
        if (body.includes('>BOOM<')) {
          // What an unguarded Java stack (CXF, Axis) sends: the exception and its stack in the fault.
          res.writeHead(500, { 'content-type': type });
          res.end(env11(`<soap:Fault><faultcode>soap:Server</faultcode><faultstring>java.lang.NullPointerException</faultstring><detail><stackTrace xmlns="urn:cxf">${JAVA_TRACE}</stackTrace></detail></soap:Fault>`));
          return;
        }
        if (body.includes('>NONE<')) {
          res.writeHead(500, { 'content-type': type });
          res.end(env11('<soap:Fault><faultcode>soap:Server</faultcode><faultstring>Unknown symbol NONE</faultstring></soap:Fault>'));
          return;
        }
        res.writeHead(200, { 'content-type': type });
        const answer = `<q:GetQuoteResponse xmlns:q="${TYPES}"><q:price>42.00</q:price></q:GetQuoteResponse>`;
        res.end(v12 ? env12(answer) : env11(answer));
      });
    });
    dir = tempDir();
    writeFileSync(join(dir.dir, 'stock.wsdl'), WSDL);
    shield = await startTestShield(
      [`apis: [{ name: stock, upstream: '${up.url}' }]`, 'routes:', '  - { api: stock, pathPrefix: /stock, stages: { soap: { enabled: true, wsdl: stock.wsdl } } }', ''].join('\n'),
      { dir: dir.dir },
    );
  });
  after(async () => {
    await shield?.close();
    await up?.close();
    dir?.cleanup();
  });

  const post11 = (body: string, action?: string) =>
    httpRequest(`${shield.gatewayUrl}/stock`, { method: 'POST', headers: { 'content-type': 'text/xml; charset=utf-8', ...(action !== undefined ? { soapaction: action } : {}) }, body });
  const post12 = (body: string, action: string) => httpRequest(`${shield.gatewayUrl}/stock`, { method: 'POST', headers: { 'content-type': `application/soap+xml; charset=utf-8; action="${action}"` }, body });

  function problem(r: RawResponse, status: number, code: string): void {
    assert.equal(r.status, status, r.body);
    assert.equal(r.headers['content-type'], 'application/problem+json');
    const p = JSON.parse(r.body) as { type: string; requestId: string };
    assert.equal(p.type, `urn:palisade:problem:${code}`);
    assert.equal(p.requestId, r.headers['x-request-id']);
  }

  async function refusedUnseen(send: () => Promise<RawResponse>, status: number, code: string): Promise<void> {
    const before = received.length;
    problem(await send(), status, code);
    assert.equal(received.length, before, 'the upstream never received the whole body');
  }

  test('an allowed operation passes, in SOAP 1.1 and 1.2', async () => {
    const r = await post11(env11(getQuote('ACME')), `"${TNS}#GetQuote"`);
    assert.equal(r.status, 200, r.body);
    assert.match(r.body, /<q:price>42\.00<\/q:price>/);
    const r12 = await post12(env12(getQuote('ACME')), `${TNS}#GetQuote`);
    assert.equal(r12.status, 200, r12.body);
    assert.match(r12.headers['content-type'] ?? '', /application\/soap\+xml/);
  });

  test('an operation the WSDL does not list is refused', async () => {
    await refusedUnseen(() => post11(env11(`<q:DropAllTables xmlns:q="${TYPES}"/>`), '""'), 403, 'soap-operation-not-allowed');
    await refusedUnseen(() => post12(env12(`<q:DeleteAll xmlns:q="${TYPES}"/>`), `${TNS}#DeleteAll`), 403, 'soap-operation-not-allowed');
  });

  test('a SOAPAction that does not match the Body is refused', async () => {
    await refusedUnseen(() => post11(env11(getQuote('ACME')), `"${TNS}#DeleteAll"`), 403, 'soap-operation-not-allowed');
  });

  test('malformed envelopes are refused: two Body elements, wrong namespace, wrong version', async () => {
    await refusedUnseen(() => post11(env11(getQuote('ACME') + `<q:DeleteAll xmlns:q="${TYPES}"/>`), `"${TNS}#GetQuote"`), 400, 'soap-envelope-invalid');
    await refusedUnseen(() => post11(`<soap:Envelope xmlns:soap="http://example.com/not-soap"><soap:Body>${getQuote('ACME')}</soap:Body></soap:Envelope>`, '""'), 400, 'soap-envelope-invalid');
    await refusedUnseen(() => post11(env12(getQuote('ACME')), '""'), 400, 'soap-envelope-invalid');
    await refusedUnseen(() => httpRequest(`${shield.gatewayUrl}/stock`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"op":"DeleteAll"}' }), 415, 'soap-content-type-refused');
  });

  test('an XXE payload is refused', async () => {
    const xxe = `<?xml version="1.0"?><!DOCTYPE soap:Envelope [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><soap:Envelope xmlns:soap="${SOAP11}"><soap:Body>${getQuote('&xxe;')}</soap:Body></soap:Envelope>`;
    await refusedUnseen(() => post11(xxe, `"${TNS}#GetQuote"`), 400, 'xml-dtd-refused');
  });

  test("an upstream fault with a Java stack trace becomes a generic fault carrying the request id; a fault that leaks nothing passes", async () => {
    const r = await post11(env11(getQuote('BOOM')), `"${TNS}#GetQuote"`);
    assert.equal(r.status, 500);
    assert.equal(r.headers['content-type'], 'text/xml; charset=utf-8');
    const id = r.headers['x-request-id'];
    assert.ok(typeof id === 'string' && id.length > 0);
    assert.match(r.body, new RegExp(`<soap:Fault><faultcode>soap:Server</faultcode><faultstring>Internal error \\(request id ${id}\\)</faultstring></soap:Fault>`));
    assert.doesNotMatch(r.body, /java|QuoteService|stackTrace|detail/);

    const plain = await post11(env11(getQuote('NONE')), `"${TNS}#GetQuote"`);
    assert.equal(plain.status, 500);
    assert.match(plain.body, /<faultstring>Unknown symbol NONE<\/faultstring>/);
  });
});

describe('a broken WSDL', () => {
  test('makes the configuration fail to load, naming the file and the problem', async () => {
    const t = tempDir();
    try {
      writeFileSync(join(t.dir, 'broken.wsdl'), WSDL.replace('<portType name="StockPort">', '<portType name="Renamed">'));
      const yaml = `apis: [{ name: stock, upstream: 'http://127.0.0.1:9' }]\nroutes:\n  - { api: stock, pathPrefix: /stock, stages: { soap: { enabled: true, wsdl: broken.wsdl } } }\n`;
      await assert.rejects(startTestShield(yaml, { dir: t.dir }), (e: unknown) => {
        assert.ok(isPalisadeError(e));
        assert.equal(e.code, 'PALISADE_ERR_WSDL_INVALID');
        assert.equal(e.message, `${join(t.dir, 'broken.wsdl')}: binding "StockSoap11" names the port type {${TNS}}StockPort, which this document does not define`);
        return true;
      });
      await assert.rejects(startTestShield(yaml.replace('broken.wsdl', 'missing.wsdl'), { dir: t.dir }), /missing\.wsdl: cannot read the WSDL/);
    } finally {
      t.cleanup();
    }
  });

  test('is refused at reload while the previous configuration keeps serving', async () => {
    const up = await startUpstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.end(env11('<ok/>'));
    });
    const t = tempDir();
    const file = join(t.dir, 'palisade.yaml');
    const yaml = (wsdl: string) => `apis: [{ name: stock, upstream: '${up.url}' }]\nroutes:\n  - { api: stock, pathPrefix: /, stages: { soap: { enabled: true, wsdl: ${wsdl} } } }\n`;
    writeFileSync(join(t.dir, 'stock.wsdl'), WSDL);
    writeFileSync(join(t.dir, 'broken.wsdl'), '<definitions xmlns="http://schemas.xmlsoap.org/wsdl/"><binding>');
    writeFileSync(file, yaml('stock.wsdl'));
    const shield = await startTestShield(readFileSync(file, 'utf8'), { configPath: file, dir: t.dir });
    try {
      const call = () => httpRequest(`${shield.gatewayUrl}/`, { method: 'POST', headers: { 'content-type': 'text/xml', soapaction: '""' }, body: env11(getQuote('ACME')) });
      assert.equal((await call()).status, 200);
      writeFileSync(file, yaml('broken.wsdl'));
      const r = await adminFetch(shield, '/reload', { method: 'POST' });
      const body = (await r.json()) as { ok: boolean; error: string };
      assert.equal(r.status, 422);
      assert.match(body.error, /PALISADE_ERR_WSDL_INVALID: .*broken\.wsdl: not well-formed XML/);
      assert.equal((await call()).status, 200, 'the previous configuration still serves');
    } finally {
      await shield.close();
      await up.close();
      t.cleanup();
    }
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { StageSettings, Verdict } from '../../core/index.js';
import type { Stage } from '../stage.js';
import { parseWsdl } from '../wsdl.js';
import { createSoapStage } from './soap.js';
import { fakeContext, settingsFor } from './fake-context.js';
import { RPC_NS, STOCK_TYPES, STOCK_WSDL, envelope11, envelope12 } from './soap-fixture.js';

const WSDL = parseWsdl(STOCK_WSDL, 'stock.wsdl');
const fromWsdl = build({ wsdl: '/cfg/stock.wsdl' });

function build(overrides: Partial<StageSettings['soap']>): Stage {
  const stage = createSoapStage(settingsFor('soap', { enabled: true, ...overrides }), overrides.wsdl !== undefined ? WSDL : undefined);
  assert.ok(stage);
  return stage;
}

const T11 = 'text/xml; charset=utf-8';
const T12 = 'application/soap+xml; charset=utf-8';

/** The code a body gets, fed in small chunks (decisions must not depend on chunking), or 'ok'. */
function run(stage: Stage, body: string, headers: Record<string, string>, chunk = 7): string {
  const ins = stage.requestBody!(fakeContext({ method: 'POST', headers }));
  if (!ins) return 'not inspected';
  const buf = Buffer.from(body);
  let v: Verdict | undefined;
  for (let i = 0; i < buf.length && !v; i += chunk) v = ins.push(buf.subarray(i, i + chunk));
  v ??= ins.end() as Verdict | undefined;
  if (!v || v.kind === 'continue') return 'ok';
  return v.kind === 'deny' ? (v.rule ? `${v.code}:${v.rule}` : v.code) : 'respond';
}

const quote = `<q:GetQuote xmlns:q="${STOCK_TYPES}"><q:symbol>ACME</q:symbol></q:GetQuote>`;
const deleteAll = `<q:DeleteAll xmlns:q="${STOCK_TYPES}"/>`;
const h11 = (action?: string): Record<string, string> => ({ 'content-type': T11, ...(action !== undefined ? { soapaction: action } : {}) });
const h12 = (action?: string): Record<string, string> => ({ 'content-type': action !== undefined ? `${T12}; action="${action}"` : T12 });

describe('soap stage: operations allowed by a WSDL', () => {
  it('lets an allowed operation through, with its soapAction, an empty one or none', () => {
    assert.equal(run(fromWsdl, envelope11(quote), h11('"urn:example:stock#GetQuote"')), 'ok');
    assert.equal(run(fromWsdl, envelope11(quote), h11('""')), 'ok');
    assert.equal(run(fromWsdl, envelope11(quote), h11()), 'ok');
    assert.equal(run(fromWsdl, envelope12(quote), h12('urn:example:stock#GetQuote')), 'ok');
    assert.equal(run(fromWsdl, envelope12(quote), h12()), 'ok');
    assert.equal(run(fromWsdl, envelope11(`<r:Ping xmlns:r="${RPC_NS}"><who>me</who></r:Ping>`), h11('""')), 'ok', 'rpc: the operation name in the binding namespace');
  });

  it('refuses an operation the WSDL does not have, or in another namespace, or in a version it has no binding for', () => {
    assert.equal(run(fromWsdl, envelope11(`<q:DropTables xmlns:q="${STOCK_TYPES}"/>`), h11()), 'soap-operation-not-allowed:unknown-operation');
    assert.equal(run(fromWsdl, envelope11('<GetQuote><symbol>ACME</symbol></GetQuote>'), h11()), 'soap-operation-not-allowed:unknown-operation');
    assert.equal(run(fromWsdl, envelope11(`<q:GetQuote xmlns:q="urn:other"/>`), h11()), 'soap-operation-not-allowed:unknown-operation');
    assert.equal(run(fromWsdl, envelope12(deleteAll), h12()), 'soap-operation-not-allowed:unknown-operation', 'DeleteAll has only a SOAP 1.1 binding');
    assert.equal(run(fromWsdl, envelope11(`<r:Ping xmlns:r="${STOCK_TYPES}"/>`), h11()), 'soap-operation-not-allowed:unknown-operation');
  });

  it('refuses an allowed Body carried with the action of another operation (SOAPAction spoofing)', () => {
    assert.equal(run(fromWsdl, envelope11(quote), h11('"urn:example:stock#DeleteAll"')), 'soap-operation-not-allowed:action-mismatch');
    assert.equal(run(fromWsdl, envelope11(quote), h11('urn:example:stock#Nope')), 'soap-operation-not-allowed:action-mismatch');
    assert.equal(run(fromWsdl, envelope12(quote), h12('urn:example:stock#DeleteAll')), 'soap-operation-not-allowed:action-mismatch');
    assert.equal(run(fromWsdl, envelope12(quote), { ...h12('urn:example:stock#GetQuote'), soapaction: 'urn:example:stock#DeleteAll' }), 'soap-operation-not-allowed:action-mismatch', 'a SOAPAction header with 1.2 counts too');
    assert.equal(run(fromWsdl, envelope11(`<r:Ping xmlns:r="${RPC_NS}"/>`), h11('urn:anything')), 'soap-operation-not-allowed:action-mismatch', 'the WSDL says soapAction=""');
    // Repeated SOAPAction headers arrive joined and match nothing.
    assert.equal(run(fromWsdl, envelope11(quote), h11('"urn:example:stock#GetQuote", "urn:example:stock#DeleteAll"')), 'soap-operation-not-allowed:action-mismatch');
  });

  it('checks wsa:Action headers like SOAPAction', () => {
    const wsa = (action: string) => `<soap:Header><wsa:Action xmlns:wsa="http://www.w3.org/2005/08/addressing">${action}</wsa:Action></soap:Header>`;
    assert.equal(run(fromWsdl, envelope11(deleteAll, wsa('urn:example:stock:DeleteAllAction')), h11('urn:example:stock#DeleteAll')), 'ok');
    assert.equal(run(fromWsdl, envelope11(quote, wsa(' urn:example:stock:StockPort:GetQuoteRequest ')), h11()), 'ok', 'the default action');
    assert.equal(run(fromWsdl, envelope11(quote, wsa('urn:example:stock:DeleteAllAction')), h11('urn:example:stock#GetQuote')), 'soap-operation-not-allowed:action-mismatch');
    assert.equal(run(fromWsdl, envelope11(quote, wsa('x'.repeat(5000))), h11()), 'soap-envelope-invalid');
  });

  it('narrows the WSDL to the listed operations', () => {
    const narrow = build({ wsdl: '/cfg/stock.wsdl', operations: ['GetQuote'] });
    assert.equal(run(narrow, envelope11(quote), h11('urn:example:stock#GetQuote')), 'ok');
    assert.equal(run(narrow, envelope11(deleteAll), h11('urn:example:stock#DeleteAll')), 'soap-operation-not-allowed:unknown-operation');
  });
});

describe('soap stage: operations listed in the settings', () => {
  const listed = build({ operations: ['GetQuote', `{${RPC_NS}}Ping`, { name: 'Transfer', soapAction: 'urn:bank#Transfer' }] });
  it('matches the Body element, in any namespace unless one is given', () => {
    assert.equal(run(listed, envelope11(quote), h11()), 'ok');
    assert.equal(run(listed, envelope12('<GetQuote/>'), h12()), 'ok');
    assert.equal(run(listed, envelope11(`<p:Ping xmlns:p="${RPC_NS}"/>`), h11()), 'ok');
    assert.equal(run(listed, envelope11('<Ping/>'), h11()), 'soap-operation-not-allowed:unknown-operation');
    assert.equal(run(listed, envelope11(deleteAll), h11()), 'soap-operation-not-allowed:unknown-operation');
  });

  it("accepts a SOAPAction ending with the operation's name, or the configured one", () => {
    assert.equal(run(listed, envelope11(quote), h11('"http://tempuri.org/IStock/GetQuote"')), 'ok');
    assert.equal(run(listed, envelope11(quote), h11('urn:stock#GetQuote')), 'ok');
    assert.equal(run(listed, envelope11(quote), h11('http://tempuri.org/IStock/DeleteAll')), 'soap-operation-not-allowed:action-mismatch');
    assert.equal(run(listed, envelope11('<Transfer/>'), h11('urn:bank#Transfer')), 'ok');
    assert.equal(run(listed, envelope11('<Transfer/>'), h11('urn:evil#Transfer')), 'soap-operation-not-allowed:action-mismatch');
  });
});

describe('soap stage: the envelope', () => {
  it('refuses anything but Envelope(Header?, Body(one element))', () => {
    const ns11 = 'xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"';
    const cases: Record<string, string> = {
      'two Body elements': envelope11(quote + quote),
      'an empty Body': envelope11(''),
      'text in the Body': envelope11('hello' + quote),
      'no Body': `<soap:Envelope ${ns11}><soap:Header/></soap:Envelope>`,
      'two Bodies': `<soap:Envelope ${ns11}><soap:Body>${quote}</soap:Body><soap:Body>${quote}</soap:Body></soap:Envelope>`,
      'Header after Body': `<soap:Envelope ${ns11}><soap:Body>${quote}</soap:Body><soap:Header/></soap:Envelope>`,
      'two Headers': `<soap:Envelope ${ns11}><soap:Header/><soap:Header/><soap:Body>${quote}</soap:Body></soap:Envelope>`,
      'an element after Body': `<soap:Envelope ${ns11}><soap:Body>${quote}</soap:Body><x:Extra xmlns:x="urn:x"/></soap:Envelope>`,
      'a foreign element in the Envelope': `<soap:Envelope ${ns11}><Body>${quote}</Body></soap:Envelope>`,
      'text in the Envelope': `<soap:Envelope ${ns11}>text<soap:Body>${quote}</soap:Body></soap:Envelope>`,
      'a root that is not an Envelope': quote,
      'an Envelope in the wrong namespace': `<soap:Envelope xmlns:soap="urn:not-soap"><soap:Body>${quote}</soap:Body></soap:Envelope>`,
      'SOAP 1.2 sent as text/xml': envelope12(quote),
      'a processing instruction': `<?xml-stylesheet href="x.xsl"?>${envelope11(quote).replace('<?xml version="1.0"?>', '')}`,
    };
    for (const [name, body] of Object.entries(cases)) assert.equal(run(fromWsdl, body, h11()), 'soap-envelope-invalid', name);
    assert.equal(run(fromWsdl, envelope11(quote), h12()), 'soap-envelope-invalid', 'SOAP 1.1 sent as application/soap+xml');
  });

  it('accepts whitespace, comments, a Header with content, and any chunking', () => {
    const body = envelope11(`\n  <!-- c -->\n  ${quote}\n`, '<soap:Header><h:Token xmlns:h="urn:h">abc</h:Token></soap:Header>\n');
    for (const chunk of [1, 3, 64, 4096]) assert.equal(run(fromWsdl, body, h11(), chunk), 'ok', `chunk ${chunk}`);
    assert.equal(run(fromWsdl, envelope11(`<q:GetQuote xmlns:q="${STOCK_TYPES}"><q:symbol>é€😀</q:symbol></q:GetQuote>`), h11(), 1), 'ok');
  });

  it('refuses DTDs itself (XXE, entity expansion), and malformed XML', () => {
    const xxe = `<?xml version="1.0"?><!DOCTYPE soap:Envelope [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>${envelope11(`<q:GetQuote xmlns:q="${STOCK_TYPES}"><q:symbol>&xxe;</q:symbol></q:GetQuote>`).replace('<?xml version="1.0"?>', '')}`;
    assert.equal(run(fromWsdl, xxe, h11()), 'xml-dtd-refused');
    assert.equal(run(fromWsdl, envelope11(quote).replace('</soap:Body>', ''), h11()), 'xml-malformed');
    assert.equal(run(fromWsdl, envelope11('<u:GetQuote/>'), h11()), 'xml-malformed', 'an unbound prefix');
    assert.equal(run(fromWsdl, '', h11()), 'xml-malformed');
  });
});

describe('soap stage: content types', () => {
  it('refuses non-SOAP bodies unless told to pass them, and compressed ones', () => {
    assert.equal(run(fromWsdl, '{"op":"DeleteAll"}', { 'content-type': 'application/json' }), 'soap-content-type-refused');
    assert.equal(run(fromWsdl, envelope11(quote), { 'content-type': 'application/xml' }), 'soap-content-type-refused');
    assert.equal(run(fromWsdl, 'x', {}), 'soap-content-type-refused');
    assert.equal(run(fromWsdl, envelope11(quote), { ...h11(), 'content-encoding': 'gzip' }), 'xml-encoding-refused');
    const lenient = build({ wsdl: '/cfg/stock.wsdl', otherBodies: 'pass' });
    assert.equal(run(lenient, '{"op":"DeleteAll"}', { 'content-type': 'application/json' }), 'not inspected');
    assert.equal(run(lenient, envelope11(deleteAll), h11()), 'ok');
  });

  it('is off unless enabled, and refuses to be built with nothing to allow', () => {
    assert.equal(createSoapStage(settingsFor('soap', { operations: ['X'] }), undefined), null);
    assert.throws(() => createSoapStage(settingsFor('soap', { enabled: true }), undefined), /without a wsdl or any operations/);
  });
});

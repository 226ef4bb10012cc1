import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Verdict } from '../../core/index.js';
import { createXmlStage, isXmlContentType } from './xml.js';
import { fakeContext, fakeEnv, settingsFor } from './fake-context.js';

const stage = createXmlStage(settingsFor('xml', { maxDepth: 8, maxAttributes: 4, maxElements: 50 }), fakeEnv())!;

function run(xml: string, type = 'application/xml', chunk = 5): string {
  const ins = stage.requestBody!(fakeContext({ method: 'POST', headers: { 'content-type': type } }));
  assert.ok(ins);
  const buf = Buffer.from(xml);
  let v: Verdict | undefined;
  // Small chunks: limits and refusals must hold whatever the chunking (multi-byte characters included).
  for (let i = 0; i < buf.length && !v; i += chunk) v = ins.push(buf.subarray(i, i + chunk));
  v ??= ins.end() as Verdict | undefined;
  return v && v.kind === 'deny' ? v.code : 'ok';
}

test('XXE: external entities, parameter entities and any DOCTYPE are refused', () => {
  assert.equal(run('<?xml version="1.0"?><!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><foo>&xxe;</foo>'), 'xml-dtd-refused');
  assert.equal(run('<!DOCTYPE foo [<!ENTITY % p SYSTEM "http://169.254.169.254/"> %p;]><foo/>'), 'xml-dtd-refused');
  assert.equal(run('<!DOCTYPE foo SYSTEM "http://evil.example/x.dtd"><foo/>'), 'xml-dtd-refused');
  assert.equal(run('<!DOCTYPE html><html/>', 'text/xml'), 'xml-dtd-refused');
});

test('entity expansion (billion laughs) is refused before anything expands', () => {
  const lol = '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">' + Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i || ''};`.repeat(10)}">`).join('') + ']><lolz>&lol9;</lolz>';
  assert.equal(run(lol), 'xml-dtd-refused');
  assert.equal(run('<a>&undefined;</a>'), 'xml-malformed', 'undeclared entities are errors, not lookups');
});

test('depth, attribute and element limits; malformed XML; SOAP content types', () => {
  assert.equal(run('<a>' + '<b>'.repeat(10) + '</b>'.repeat(10) + '</a>'), 'xml-too-deep');
  assert.equal(run('<a x="1" y="2" z="3" w="4" v="5"/>'), 'xml-too-many-attributes');
  assert.equal(run('<a>' + '<b/>'.repeat(60) + '</a>'), 'xml-too-large');
  assert.equal(run('<a><b></a>'), 'xml-malformed');
  assert.equal(run('<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope"><soap:Body><m:Get xmlns:m="urn:x">é€😀</m:Get></soap:Body></soap:Envelope>', 'application/soap+xml; charset=utf-8', 1), 'ok');
  assert.equal(run('<order id="1"><item sku="A" qty="2"/></order>'), 'ok');
  assert.ok(isXmlContentType('application/atom+xml') && !isXmlContentType('application/json') && !isXmlContentType(undefined));
  assert.equal(stage.requestBody!(fakeContext({ method: 'POST', headers: { 'content-type': 'application/json' } })), undefined);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PalisadeError, parseConfig } from '../core/index.js';
import { loadWsdl, loadWsdls, parseWsdl, soapAllowList } from './wsdl.js';
import { RPC_NS, STOCK_TYPES, STOCK_WSDL } from './stages/soap-fixture.js';
import { settingsFor } from './stages/fake-context.js';

function wsdlError(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => e instanceof PalisadeError && e.code === 'PALISADE_ERR_WSDL_INVALID' && pattern.test(e.message));
}

test('reads SOAP 1.1, SOAP 1.2 and rpc binding operations: Body element, soapAction, wsa:Action', () => {
  const w = parseWsdl(STOCK_WSDL, 'stock.wsdl');
  assert.equal(w.targetNamespace, 'urn:example:stock');
  const ops = w.operations.map((o) => `${o.binding}/${o.name} ${o.version} ${o.style} {${o.element.ns}}${o.element.local} [${o.soapAction}] [${o.wsaAction}]`);
  assert.deepEqual(ops, [
    `StockSoap11/GetQuote 1.1 document {${STOCK_TYPES}}GetQuote [urn:example:stock#GetQuote] [urn:example:stock:StockPort:GetQuoteRequest]`,
    `StockSoap11/DeleteAll 1.1 document {${STOCK_TYPES}}DeleteAll [urn:example:stock#DeleteAll] [urn:example:stock:DeleteAllAction]`,
    `StockSoap12/GetQuote 1.2 document {${STOCK_TYPES}}GetQuote [urn:example:stock#GetQuote] [urn:example:stock:StockPort:GetQuoteRequest]`,
    `RpcSoap11/Ping 1.1 rpc {${RPC_NS}}Ping [] [urn:example:stock:RpcPort:PingRequest]`,
  ]);
  // Operations whose Body would not be exactly one known element are left out, with why.
  assert.deepEqual(
    w.skipped.map((s) => s.name),
    ['Batch', 'Loose'],
  );
  assert.match(w.skipped[0]!.reason, /2 body parts/);
  assert.match(w.skipped[1]!.reason, /type=/);
});

test('the default wsa:Action uses / for URL namespaces', () => {
  const w = parseWsdl(STOCK_WSDL.replaceAll('urn:example:stock"', 'http://example.com/stock/"'), 'x.wsdl');
  assert.equal(w.targetNamespace, 'http://example.com/stock/');
  assert.equal(w.operations[0]!.wsaAction, 'http://example.com/stock/StockPort/GetQuoteRequest');
});

test('a broken WSDL is a clear PALISADE_ERR_WSDL_INVALID naming the file and the problem', () => {
  wsdlError(() => parseWsdl('<definitions xmlns="http://schemas.xmlsoap.org/wsdl/"><message>', 'a.wsdl'), /^a\.wsdl: not well-formed XML/);
  wsdlError(() => parseWsdl('', 'a.wsdl'), /^a\.wsdl: not well-formed/);
  wsdlError(() => parseWsdl('<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><d>&x;</d>', 'a.wsdl'), /DTDs\) are not accepted/);
  wsdlError(() => parseWsdl('<description xmlns="http://www.w3.org/ns/wsdl"/>', 'a.wsdl'), /not a WSDL 1\.1 wsdl:definitions \(WSDL 2\.0 is not supported\)/);
  wsdlError(() => parseWsdl('<definitions xmlns="http://schemas.xmlsoap.org/wsdl/"><import location="x.wsdl"/></definitions>', 'a.wsdl'), /wsdl:import is not supported/);
  wsdlError(() => parseWsdl('<definitions xmlns="http://schemas.xmlsoap.org/wsdl/"/>', 'a.wsdl'), /no SOAP 1\.1 or 1\.2 binding/);
  wsdlError(() => parseWsdl(STOCK_WSDL.replace('type="tns:RpcPort"', 'type="tns:Nope"'), 'a.wsdl'), /binding "RpcSoap11" names the port type \{urn:example:stock\}Nope, which this document does not define/);
  wsdlError(() => parseWsdl(STOCK_WSDL.replace('message="tns:DeleteAllIn"', 'message="tns:Gone"'), 'a.wsdl'), /operation "DeleteAll" names the message \{urn:example:stock\}Gone/);
  wsdlError(() => parseWsdl(STOCK_WSDL.replace('element="st:DeleteAll"', 'element="zz:DeleteAll"'), 'a.wsdl'), /undeclared namespace prefix "zz"/);
  wsdlError(() => parseWsdl(STOCK_WSDL.replace('<operation name="Ping"><soap:operation', '<operation name="Pong"><soap:operation'), 'a.wsdl'), /operation "Pong" is not an operation of port type "RpcPort"/);
  const onlyBroken = STOCK_WSDL.replace(/<binding name="StockSoap11"[\s\S]*?<\/binding>/, '').replace(/<binding name="StockSoap12"[\s\S]*?<\/binding>/, '').replace(/<binding name="RpcSoap11"[\s\S]*?<\/binding>/, '<binding name="B" type="tns:StockPort"><soap:binding/><operation name="Batch"><input><soap:body/></input></operation></binding>');
  wsdlError(() => parseWsdl(onlyBroken, 'a.wsdl'), /no SOAP operation can be allowed \(Batch: .*2 body parts/);
});

test('loadWsdl reads files only, and names the file it could not read', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'palisade-wsdl-'));
  try {
    writeFileSync(join(dir, 'stock.wsdl'), STOCK_WSDL);
    assert.equal((await loadWsdl(join(dir, 'stock.wsdl'))).operations.length, 4);
    await assert.rejects(loadWsdl(join(dir, 'missing.wsdl')), (e: unknown) => e instanceof PalisadeError && e.code === 'PALISADE_ERR_WSDL_INVALID' && e.message.includes('missing.wsdl'));
    await assert.rejects(loadWsdl('https://example.com/stock?wsdl'), /local file, not fetched/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('allow-lists: the WSDL, the WSDL narrowed by operations, or operations alone', () => {
  const w = parseWsdl(STOCK_WSDL, 'stock.wsdl');
  const all = soapAllowList(settingsFor('soap', { enabled: true, wsdl: '/x/stock.wsdl' }), w, 'defaults.soap');
  assert.equal(all.length, 4);
  assert.deepEqual([...all[1]!.actions!].sort(), ['urn:example:stock#DeleteAll', 'urn:example:stock:DeleteAllAction']);
  assert.deepEqual([...all[3]!.actions!], ['urn:example:stock:RpcPort:PingRequest'], 'an empty soapAction allows no non-empty SOAPAction');

  const narrowed = soapAllowList(settingsFor('soap', { enabled: true, wsdl: '/x/stock.wsdl', operations: ['GetQuote', `{${RPC_NS}}Ping`] }), w, 'defaults.soap');
  assert.deepEqual(narrowed.map((o) => `${o.name} ${o.version}`), ['GetQuote 1.1', 'GetQuote 1.2', 'Ping 1.1']);
  assert.throws(
    () => soapAllowList(settingsFor('soap', { enabled: true, wsdl: '/x/stock.wsdl', operations: ['Nope'] }), w, 'routes[0].stages.soap'),
    /routes\[0\]\.stages\.soap: "Nope" is not an operation of stock\.wsdl \(it has: GetQuote, DeleteAll, Ping\)/,
  );
  assert.throws(() => soapAllowList(settingsFor('soap', { enabled: true, wsdl: '/x/stock.wsdl', operations: ['Batch'] }), w, 'd'), /cannot be allowed: .*2 body parts/);
  assert.throws(() => soapAllowList(settingsFor('soap', { enabled: true, wsdl: '/x/stock.wsdl', operations: [{ name: 'GetQuote', soapAction: 'x' }] }), w, 'd'), /actions come from the WSDL/);
  assert.throws(() => soapAllowList(settingsFor('soap', { enabled: true, wsdl: '/x/stock.wsdl' }), undefined, 'd'), /was not loaded/);

  const listed = soapAllowList(settingsFor('soap', { enabled: true, operations: ['{urn:a}GetQuote', { name: 'Ping', soapAction: '' }, { name: 'Pong', soapAction: 'urn:pong' }] }), undefined, 'd');
  assert.deepEqual(
    listed.map((o) => [o.namespace, o.local, o.actions && [...o.actions]]),
    [
      ['urn:a', 'GetQuote', undefined],
      [undefined, 'Ping', []],
      [undefined, 'Pong', ['urn:pong']],
    ],
  );
  assert.throws(() => soapAllowList(settingsFor('soap', { enabled: true }), undefined, 'd'), /without a wsdl or any operations/);
});

test('loadWsdls loads each WSDL once, resolved against the configuration, and checks every route', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'palisade-wsdl-'));
  try {
    writeFileSync(join(dir, 'stock.wsdl'), STOCK_WSDL);
    const yaml = (ops: string) => `
apis: [{ name: s, upstream: 'http://127.0.0.1:1' }]
defaults: { soap: { wsdl: stock.wsdl } }
routes:
  - { api: s, pathPrefix: /a, stages: { soap: { enabled: true } } }
  - { api: s, pathPrefix: /b, stages: { soap: { enabled: true, operations: [${ops}] } } }
  - { api: s, pathPrefix: /c }
`;
    const cfg = parseConfig(yaml('GetQuote'), 't.yaml', { baseDir: dir, env: {} });
    assert.equal(cfg.defaults.soap.wsdl, join(dir, 'stock.wsdl'));
    const loaded = await loadWsdls(cfg);
    assert.deepEqual([...loaded.keys()], [join(dir, 'stock.wsdl')]);
    await assert.rejects(loadWsdls(parseConfig(yaml('Nope'), 't.yaml', { baseDir: dir, env: {} })), /routes\[1\]\.stages\.soap: "Nope" is not an operation/);
    writeFileSync(join(dir, 'stock.wsdl'), '<definitions');
    await assert.rejects(loadWsdls(cfg), (e: unknown) => e instanceof PalisadeError && e.code === 'PALISADE_ERR_WSDL_INVALID' && e.message.startsWith(join(dir, 'stock.wsdl')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the configuration refuses a soap stage that allows nothing', () => {
  assert.throws(
    () => parseConfig('apis: [{ name: s, upstream: "http://127.0.0.1:1" }]\nroutes:\n  - { api: s, pathPrefix: /, stages: { soap: { enabled: true } } }\n', 't.yaml', { env: {} }),
    (e: unknown) => e instanceof PalisadeError && e.code === 'PALISADE_ERR_CONFIG_INVALID' && e.details.some((d) => /routes\[0\]\.stages\.soap.*without a wsdl or any operations/.test(d)),
  );
  assert.throws(
    () => parseConfig('apis: [{ name: s, upstream: "http://127.0.0.1:1" }]\ndefaults: { soap: { enabled: true, operations: ["bad name!"] } }\n', 't.yaml', { env: {} }),
    (e: unknown) => e instanceof PalisadeError && e.code === 'PALISADE_ERR_CONFIG_INVALID',
  );
});

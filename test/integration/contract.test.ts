// The demo's own OpenAPI 3.1 document through Palisade's contract compiler.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { loadContract } from 'palisade';
import { DEMO_OPENAPI_PATH } from 'palisade-demo';
import { httpRequest, startTestShield, startUpstream, tempDir } from './helpers.js';
import type { TestShield, Upstream } from './helpers.js';

test("the demo's OpenAPI 3.1 document compiles; its limits and its undocumented endpoints show", async () => {
  const c = await loadContract(DEMO_OPENAPI_PATH);
  assert.ok(c.operations.length >= 15);
  const r = c.match('GET', '/api/v2/products');
  assert.equal(r.kind, 'match');
  if (r.kind !== 'match') return;
  assert.deepEqual(c.validateRequest(r.match, { query: new URLSearchParams('limit=1000000'), headers: {}, hasBody: false }).map((v) => v.pointer), ['/query/limit']);
  assert.deepEqual(c.validateRequest(r.match, { query: new URLSearchParams('limit=20&page=2'), headers: {}, hasBody: false }), []);
  assert.equal(c.match('GET', '/api/v1/users/2').kind, 'not-found', 'the zombie v1 API is not in the contract');
  assert.equal(c.match('GET', '/debug/config').kind, 'not-found');
});

describe('response validation through the gateway', () => {
  const DOC = `
openapi: 3.1.0
info: { title: t, version: '1' }
paths:
  /big:
    get:
      responses:
        '200': { description: ok, content: { application/json: { schema: { type: object, properties: { items: { type: array, items: { type: object, properties: { id: { type: integer } } } } } } } } }
  /small:
    get:
      responses:
        '200': { description: ok, content: { application/json: { schema: { type: object, required: [ok], properties: { ok: { type: boolean } } } } } }
`;
  // 200 KB of JSON, sent chunked (no Content-Length), its last item carrying an undeclared field.
  const items = Array.from({ length: 20_000 }, (_, i) => ({ id: i }));
  const big = Buffer.from(JSON.stringify({ items: [...items, { id: -1, leaked: 'tail-secret' }] }));

  let up: Upstream;
  let shield: TestShield;
  let dir: { dir: string; cleanup(): void };
  before(async () => {
    up = await startUpstream((req, res) => {
      if (req.url === '/big') {
        res.writeHead(200, { 'content-type': 'application/json' });
        for (let i = 0; i < big.length; i += 16_384) res.write(big.subarray(i, i + 16_384));
        res.end();
        return;
      }
      const leak = req.url === '/small?leak=1';
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      res.end(gzipSync(JSON.stringify(leak ? { ok: true, secret: 'gz-secret' } : { ok: true })));
    });
    dir = tempDir();
    writeFileSync(join(dir.dir, 'api.yaml'), DOC);
    const route = (prefix: string, responses: string) => `  - { api: up, pathPrefix: ${prefix}, stripPrefix: true, stages: { contract: { responses: ${responses} } } }`;
    const yaml = [
      `apis: [{ name: up, upstream: ${up.url}, openapi: api.yaml }]`,
      'routes:',
      route('/report', 'report'),
      route('/block', 'block'),
      'defaults: { contract: { enabled: true, maxResponseBytes: 65536 } }',
    ].join('\n');
    shield = await startTestShield(yaml, { dir: dir.dir });
  });
  after(async () => {
    await shield.close();
    await up.close();
    dir.cleanup();
  });

  test('report: a body beyond maxResponseBytes is judged on its first bytes, then streams through whole', async () => {
    const r = await httpRequest(`${shield.gatewayUrl}/report/big`);
    assert.equal(r.status, 200);
    assert.equal(Buffer.byteLength(r.body), big.length);
    assert.equal(r.body, big.toString('utf8'));
  });

  test('block: the same body is refused, since padding must not be a way around the check', async () => {
    const r = await httpRequest(`${shield.gatewayUrl}/block/big`);
    assert.equal(r.status, 502);
    const p = JSON.parse(r.body) as { type: string; violations: Array<{ pointer: string; message: string }> };
    assert.equal(p.type, 'urn:palisade:problem:response-contract-violation');
    assert.deepEqual(p.violations.map((v) => v.pointer), ['/response/body']);
    assert.match(p.violations[0]!.message, /larger than 65536 bytes/);
    assert.doesNotMatch(r.body, /tail-secret/);
  });

  test('block: compressed answers are decoded and checked; a valid one passes as sent', async () => {
    const bad = await httpRequest(`${shield.gatewayUrl}/block/small?leak=1`);
    assert.equal(bad.status, 502);
    assert.deepEqual((JSON.parse(bad.body) as { violations: Array<{ pointer: string }> }).violations.map((v) => v.pointer), ['/response/body/secret']);
    assert.doesNotMatch(bad.body, /gz-secret/);
    const ok = await fetch(`${shield.gatewayUrl}/block/small`);
    assert.equal(ok.status, 200);
    assert.deepEqual(await ok.json(), { ok: true });
  });
});

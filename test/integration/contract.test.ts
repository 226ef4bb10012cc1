// The demo's own OpenAPI 3.1 document through Palisade's contract compiler.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadContract } from 'palisade';
import { DEMO_OPENAPI_PATH } from 'palisade-demo';

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

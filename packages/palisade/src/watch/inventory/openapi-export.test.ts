import { test } from 'node:test';
import assert from 'node:assert/strict';
import SwaggerParser from '@apidevtools/swagger-parser';
import { Inventory } from './inventory.js';
import { exportOpenApi } from './openapi-export.js';
import { exchange } from './test-support.js';

test('the learnt API exports as a valid OpenAPI 3.1 document', async () => {
  const inv = new Inventory();
  const jwt = `${Buffer.from('{"alg":"HS256"}').toString('base64url')}.${Buffer.from('{}').toString('base64url')}.s`;
  for (let i = 1; i <= 5; i++) {
    inv.ingest(exchange('GET', `/users/${i}/orders/550e8400-e29b-41d4-a716-44665544000${i}?page=${i}`, 200, { requestHeaders: { authorization: `Bearer ${jwt}` }, responseBodySample: JSON.stringify({ id: i, email: `u${i}@x.io`, items: [{ sku: 'a' }] }) }));
  }
  inv.ingest(exchange('GET', '/users/1/orders/550e8400-e29b-41d4-a716-446655440009', 404, { requestHeaders: { authorization: `Bearer ${jwt}` } }));
  inv.ingest(exchange('POST', '/login', 200, { requestHeaders: { 'content-type': 'application/json' }, requestBodySample: '{"user":"a","password":"b"}' }));
  inv.ingest(exchange('GET', '/keys', 200, { requestHeaders: { 'x-api-key': '[redacted]', 'x-tenant': 't1' }, responseHeaders: { 'content-type': 'text/plain' } }));
  inv.ingest(exchange('PROPFIND', '/dav', 207));
  const doc = exportOpenApi(inv, { title: 'T', version: '1' });
  const copy = structuredClone(doc);
  await SwaggerParser.validate(copy as never);
  const paths = doc.paths as Record<string, Record<string, Record<string, unknown>>>;
  const op = paths['/users/{userId}/orders/{orderId}']!.get!;
  const params = op.parameters as Array<Record<string, unknown>>;
  // The 404 call came without ?page: the parameter is optional.
  assert.deepEqual(params.map((p) => [p.name, p.in, p.required]), [['userId', 'path', true], ['orderId', 'path', true], ['page', 'query', false]]);
  assert.deepEqual(params[0]!.schema, { type: 'integer' });
  assert.deepEqual(params[1]!.schema, { type: 'string', format: 'uuid' });
  assert.deepEqual(op.security, [{ jwtAuth: [] }]);
  const ok = (op.responses as Record<string, { content?: Record<string, { schema: Record<string, unknown> }> }>)['200']!;
  assert.deepEqual(ok.content!['application/json']!.schema.required, ['email', 'id', 'items']);
  assert.ok((op.responses as Record<string, unknown>)['404']);
  assert.deepEqual(paths['/login']!.post!.security, [{}], 'seen without credentials');
  assert.deepEqual(paths['/keys']!.get!.security, [{ apiKeyAuth: [] }]);
  assert.ok((paths['/keys']!.get!.parameters as Array<{ name: string }>).some((p) => p.name === 'x-tenant'));
  assert.deepEqual(Object.keys((doc.components as { securitySchemes: object }).securitySchemes).sort(), ['apiKeyAuth', 'jwtAuth']);
  assert.equal(paths['/dav']?.propfind, undefined, 'methods OpenAPI cannot describe are left out');
});

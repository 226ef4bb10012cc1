import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PalisadeError } from '../errors.js';
import { loadContract } from './contract.js';
import type { Contract, OperationMatch } from './contract.js';

function dir(files: Record<string, string>): { path: (f: string) => string; cleanup(): void } {
  const d = mkdtempSync(join(tmpdir(), 'pal-oas-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(d, name), text);
  return { path: (f) => join(d, f), cleanup: () => rmSync(d, { recursive: true, force: true }) };
}

function matched(c: Contract, method: string, path: string): OperationMatch {
  const r = c.match(method, path);
  assert.equal(r.kind, 'match', `${method} ${path}`);
  return (r as { match: OperationMatch }).match;
}

const OAS30 = `
openapi: 3.0.3
info: { title: Shop, version: '1.0' }
servers: [{ url: 'https://api.example.com/{base}', variables: { base: { default: v1 } } }]
paths:
  /users/me:
    get: { operationId: me, responses: { '200': { description: ok } } }
  /users/{userId}:
    parameters: [{ name: userId, in: path, required: true, schema: { type: integer, minimum: 1 } }]
    get: { operationId: getUser, responses: { '200': { description: ok } } }
    patch:
      operationId: patchUser
      requestBody:
        required: true
        content: { application/json: { schema: { $ref: 'schemas.yaml#/UserUpdate' } } }
      responses: { '200': { description: ok } }
  /search:
    get:
      parameters:
        - { name: q, in: query, required: true, schema: { type: string, maxLength: 5 } }
        - { name: tags, in: query, schema: { type: array, items: { type: string } } }
        - { name: X-Api-Version, in: header, schema: { type: string, enum: ['1', '2'] } }
      responses: { '200': { description: ok } }
`;
const SCHEMAS = `
UserUpdate:
  type: object
  properties:
    name: { type: string, maxLength: 10 }
    nickname: { type: string, nullable: true }
    age: { type: integer, minimum: 0, exclusiveMinimum: true }
`;

test('OpenAPI 3.0: server base path, $refs across files, literal segments first, parameter coercion', async () => {
  const d = dir({ 'api.yaml': OAS30, 'schemas.yaml': SCHEMAS });
  try {
    const c = await loadContract(d.path('api.yaml'));
    assert.deepEqual(c.basePaths, ['/v1']);
    assert.equal(matched(c, 'GET', '/v1/users/me').operation.operationId, 'me');
    const m = matched(c, 'GET', '/v1/users/42');
    assert.equal(m.operation.operationId, 'getUser');
    assert.deepEqual(m.pathParams, { userId: '42' });
    assert.deepEqual(c.validateRequest(m, { query: new URLSearchParams(), headers: {}, hasBody: false }), []);
    const bad = matched(c, 'GET', '/v1/users/abc');
    assert.deepEqual(c.validateRequest(bad, { query: new URLSearchParams(), headers: {}, hasBody: false }).map((v) => v.pointer), ['/path/userId']);
    assert.equal(c.match('GET', '/users/42').kind, 'not-found', 'outside the base path');
    const mna = c.match('DELETE', '/v1/users/42');
    assert.deepEqual(mna.kind === 'method-not-allowed' && mna.allowed.sort(), ['GET', 'PATCH']);
    assert.equal(matched(c, 'HEAD', '/v1/users/me').operation.method, 'GET', 'HEAD is served by GET');

    const s = matched(c, 'GET', '/v1/search');
    const check = (qs: string, headers: Record<string, string> = {}) => c.validateRequest(s, { query: new URLSearchParams(qs), headers, hasBody: false }).map((v) => `${v.pointer} ${v.message}`);
    assert.deepEqual(check('q=abc&tags=a&tags=b', { 'x-api-version': '2' }), []);
    assert.deepEqual(check(''), ['/query/q is required']);
    assert.deepEqual(check('q=toolong'), ['/query/q must NOT have more than 5 characters']);
    assert.deepEqual(check('q=a&q=b'), ['/query/q must not repeat']);
    assert.deepEqual(check('q=a', { 'x-api-version': '3' }), ['/headers/x-api-version must be equal to one of the allowed values']);
  } finally {
    d.cleanup();
  }
});

test('request bodies: schema, nullable (3.0), exclusive bounds, content type, unknown properties in strict mode', async () => {
  const d = dir({ 'api.yaml': OAS30, 'schemas.yaml': SCHEMAS });
  try {
    for (const strict of [false, true]) {
      const c = await loadContract(d.path('api.yaml'), { rejectUnknownProperties: strict });
      const m = matched(c, 'PATCH', '/v1/users/7');
      const run = (body: unknown, contentType = 'application/json', hasBody = true) =>
        c.validateRequest(m, { query: new URLSearchParams(), headers: {}, contentType, body, hasBody }).map((v) => `${v.pointer} ${v.message}`);
      assert.deepEqual(run({ name: 'Al', nickname: null, age: 3 }), []);
      assert.deepEqual(run({ age: 0 }), ['/body/age must be > 0']);
      assert.deepEqual(run({ name: 'x'.repeat(11) }), ['/body/name must NOT have more than 10 characters']);
      assert.deepEqual(run(undefined, 'application/json', false), ['/body is required']);
      assert.deepEqual(run('<x/>', 'application/xml'), ['/headers/content-type must be one of application/json']);
      assert.deepEqual(run({ name: 'Al', role: 'admin' }), strict ? ['/body/role is not a documented property'] : []);
    }
  } finally {
    d.cleanup();
  }
});

test('Swagger 2.0: basePath, body parameter, formData-free operations', async () => {
  const d = dir({
    'swagger.json': JSON.stringify({
      swagger: '2.0',
      info: { title: 'Old', version: '0.9' },
      basePath: '/api/v0',
      paths: {
        '/orders': {
          post: {
            consumes: ['application/json'],
            parameters: [{ name: 'order', in: 'body', required: true, schema: { type: 'object', required: ['qty'], properties: { qty: { type: 'integer', maximum: 10 } } } }],
            responses: { 201: { description: 'created' } },
          },
          get: { parameters: [{ name: 'limit', in: 'query', type: 'integer', maximum: 50 }], responses: { 200: { description: 'ok' } } },
        },
      },
    }),
  });
  try {
    const c = await loadContract(d.path('swagger.json'));
    assert.deepEqual(c.basePaths, ['/api/v0']);
    const post = matched(c, 'POST', '/api/v0/orders');
    assert.deepEqual(c.validateRequest(post, { query: new URLSearchParams(), headers: {}, contentType: 'application/json', body: { qty: 11 }, hasBody: true }).map((v) => v.pointer), ['/body/qty']);
    const get = matched(c, 'GET', '/api/v0/orders');
    assert.deepEqual(c.validateRequest(get, { query: new URLSearchParams('limit=100'), headers: {}, hasBody: false }).map((v) => v.pointer), ['/query/limit']);
  } finally {
    d.cleanup();
  }
});

test('a broken document is a clear PALISADE_ERR_OPENAPI_INVALID naming the source', async () => {
  const d = dir({ 'bad.yaml': 'openapi: 3.0.3\ninfo: { title: x, version: "1" }\npaths:\n  /a:\n    get:\n      responses: { "200": { $ref: "missing.yaml#/R" } }\n' });
  try {
    await assert.rejects(loadContract(d.path('bad.yaml')), (e: unknown) => e instanceof PalisadeError && e.code === 'PALISADE_ERR_OPENAPI_INVALID' && e.message.includes('bad.yaml'));
    await assert.rejects(loadContract(d.path('nope.yaml')), (e: unknown) => e instanceof PalisadeError && e.code === 'PALISADE_ERR_OPENAPI_INVALID');
  } finally {
    d.cleanup();
  }
});

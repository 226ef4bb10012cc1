import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PalisadeError } from '../errors.js';
import { compileContract, loadContract } from './contract.js';
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

// ------------------------------------------------------------------------------------ responses

function responseDoc(): Record<string, unknown> {
  const error = { type: 'object', required: ['error'], properties: { error: { type: 'string' } } };
  const base = { type: 'object', required: ['id'], properties: { id: { type: 'integer' }, meta: { type: 'object', properties: { a: { type: 'string' } } } } };
  return {
    openapi: '3.1.0',
    info: { title: 'Quotes', version: '1' },
    paths: {
      '/quotes/{id}': {
        get: {
          operationId: 'getQuote',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'integer' } }],
          responses: {
            '200': {
              description: 'a quote',
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    required: ['carrier', 'price'],
                    properties: {
                      carrier: { type: 'string', maxLength: 20 },
                      price: { type: 'number', minimum: 0 },
                      note: { type: ['string', 'null'] },
                      password: { type: 'string', writeOnly: true },
                      lines: { type: 'array', items: { type: 'object', properties: { qty: { type: 'integer' } } } },
                    },
                  },
                },
              },
            },
            '204': { description: 'no quote' },
            '4XX': { description: 'client error', content: { 'application/problem+json': { schema: error }, 'application/json': { schema: error } } },
          },
        },
      },
      '/things': {
        get: {
          responses: {
            '200': { description: 'composed', content: { 'application/json': { schema: { allOf: [base, { type: 'object', properties: { name: { type: 'string' } } }] } } } },
            default: { description: 'anything else', content: { 'application/json': { schema: error } } },
          },
        },
        post: {
          requestBody: { content: { 'application/json': { schema: { allOf: [base, { properties: { name: { type: 'string' } } }] } } } },
          responses: {
            '201': {
              description: 'one of two shapes',
              content: {
                'application/json': {
                  schema: {
                    oneOf: [
                      { type: 'object', required: ['kind'], properties: { kind: { const: 'cat' }, meow: { type: 'string' } } },
                      { type: 'object', required: ['kind'], properties: { kind: { const: 'dog' }, bark: { type: 'string' } } },
                    ],
                  },
                },
              },
            },
          },
        },
      },
      '/pictures/{id}': {
        get: {
          responses: { '200': { description: 'a picture', content: { 'image/png': { schema: { type: 'string', contentMediaType: 'image/png' } } } } },
        },
      },
    },
  };
}

function responseChecker(responses: 'open' | 'closed' = 'closed', method = 'GET', path = '/quotes/7') {
  const c = compileContract(responseDoc(), 'quotes.yaml', { responses });
  const m = matched(c, method, path);
  return {
    c,
    m,
    check: (status: number, body: unknown, contentType = 'application/json') =>
      c.validateResponse(m, { status, contentType, ...(body === undefined ? {} : { text: typeof body === 'string' ? body : JSON.stringify(body) }) }).map((v) => `${v.pointer} ${v.message}`),
  };
}

test('responses: a documented answer passes; extra fields, wrong types and broken bounds are caught with pointers', () => {
  const { check } = responseChecker();
  assert.deepEqual(check(200, { carrier: 'Speedy', price: 4.99, note: null, lines: [{ qty: 1 }] }), []);
  assert.deepEqual(check(200, { carrier: 'Evil', price: 4.99, adminOverride: true }), ['/response/body/adminOverride is not a documented property']);
  assert.deepEqual(check(200, { carrier: 'Evil', price: 'cheap' }), ['/response/body/price must be number']);
  assert.deepEqual(check(200, { carrier: 'Evil', price: 1, lines: [{ qty: 1, sku: 'x' }] }), ['/response/body/lines/0/sku is not a documented property']);
  const negative = check(200, { carrier: 'Evil', price: -40 });
  assert.deepEqual(negative, ['/response/body/price must be >= 0']);
  assert.doesNotMatch(negative.join(), /-40/, 'the offending value is never quoted');
  assert.deepEqual(check(200, { price: 1 }), ['/response/body/carrier is required']);
  // writeOnly properties (passwords) must never come back, even though the schema declares them.
  assert.deepEqual(check(200, { carrier: 'Speedy', price: 1, password: 'hunter2' }), ['/response/body/password must not be present']);
  // Property names are escaped as RFC 6901 pointer segments.
  assert.deepEqual(check(200, { carrier: 'S', price: 1, 'a/b~c': 1 }), ['/response/body/a~1b~0c is not a documented property']);
});

test('responses: open schemas accept undeclared properties unless closed; the rest is still checked', () => {
  const { check } = responseChecker('open');
  assert.deepEqual(check(200, { carrier: 'Evil', price: 4.99, adminOverride: true }), []);
  assert.deepEqual(check(200, { carrier: 'Evil', price: -1, adminOverride: true }), ['/response/body/price must be >= 0']);
});

test('responses: status exact, then range, then default; undocumented statuses are violations', () => {
  const { check } = responseChecker();
  assert.deepEqual(check(404, { error: 'no such quote' }), [], '4XX range');
  assert.deepEqual(check(404, { error: 'x', stack: 'at db.js:1' }), ['/response/body/stack is not a documented property']);
  assert.deepEqual(check(500, { error: 'boom' }), ['/response/status is not documented for this operation (documented: 200, 204, 4XX)']);
  const things = responseChecker('closed', 'GET', '/things');
  assert.deepEqual(things.check(503, { error: 'later' }), [], 'default');
  assert.deepEqual(things.check(503, { error: 'later', host: 'db-1' }), ['/response/body/host is not a documented property']);
});

test('responses: content type, documented emptiness, empty and non-JSON bodies', () => {
  const { c, m, check } = responseChecker();
  assert.deepEqual(check(200, { carrier: 'S', price: 1 }, 'application/json; charset=utf-8'), []);
  assert.deepEqual(check(404, { error: 'x' }, 'application/problem+json'), []);
  assert.deepEqual(check(200, '<html>', 'text/html'), ['/response/headers/content-type must be one of application/json']);
  assert.deepEqual(check(204, { leaked: true }), ['/response/body must be empty: no content is documented for this status']);
  assert.deepEqual(check(204, undefined), []);
  assert.deepEqual(check(200, ''), [], 'an empty body leaks nothing');
  const broken = check(200, '{"carrier":"secret-value",');
  assert.deepEqual(broken, ['/response/body is not valid JSON']);
  assert.doesNotMatch(broken.join(), /secret-value/);
  // HEAD: only the status counts.
  assert.deepEqual(c.validateResponse(m, { status: 200, contentType: 'application/json', hasBody: false }), []);
  // A parsed body may be given instead of text.
  assert.deepEqual(c.validateResponse(m, { status: 200, contentType: 'application/json', body: { carrier: 'S', price: -1 } }).map((v) => v.pointer), ['/response/body/price']);
});

test('responses: allOf and oneOf compositions are closed at the top, never branch by branch', () => {
  const things = responseChecker('closed', 'GET', '/things');
  assert.deepEqual(things.check(200, { id: 1, name: 'lamp', meta: { a: 'x' } }), [], 'properties of every allOf branch are declared');
  assert.deepEqual(things.check(200, { id: 1, name: 'lamp', secret: 's' }), ['/response/body/secret is not a documented property']);
  assert.deepEqual(things.check(200, { id: 1, meta: { a: 'x', b: 'y' } }), ['/response/body/meta/b is not a documented property'], 'objects inside branches are closed');
  const shapes = responseChecker('closed', 'POST', '/things');
  assert.deepEqual(shapes.check(201, { kind: 'cat', meow: 'loud' }), []);
  assert.deepEqual(shapes.check(201, { kind: 'dog', bark: 'loud' }), []);
  assert.ok(shapes.check(201, { kind: 'cat', bark: 'loud' }).includes('/response/body/bark is not a documented property'));
  // The same fix on the request side: a closed allOf body accepts what its branches declare.
  const c = compileContract(responseDoc(), 'quotes.yaml', { rejectUnknownProperties: true });
  const post = matched(c, 'POST', '/things');
  const req = (body: unknown) => c.validateRequest(post, { query: new URLSearchParams(), headers: {}, contentType: 'application/json', body, hasBody: true }).map((v) => v.pointer);
  assert.deepEqual(req({ id: 1, name: 'lamp' }), []);
  assert.deepEqual(req({ id: 1, name: 'lamp', role: 'admin' }), ['/body/role']);
});

test('responses: which heads need their body read', () => {
  const { c, m } = responseChecker();
  assert.equal(c.inspectsResponse(m, 200, 'application/json'), true);
  assert.equal(c.inspectsResponse(m, 500, 'application/json'), true, 'undocumented status');
  assert.equal(c.inspectsResponse(m, 200, 'text/html'), true, 'undocumented type');
  const pic = responseChecker('closed', 'GET', '/pictures/1');
  assert.equal(pic.c.inspectsResponse(pic.m, 200, 'image/png'), false, 'documented, and not JSON');
  assert.deepEqual(pic.check(200, 'PNG...', 'image/png'), []);
  // Without `responses`, nothing about responses is compiled or checked.
  const plain = compileContract(responseDoc(), 'quotes.yaml');
  const pm = matched(plain, 'GET', '/quotes/7');
  assert.equal(plain.inspectsResponse(pm, 500, 'text/html'), false);
  assert.deepEqual(plain.validateResponse(pm, { status: 500, text: 'x' }), []);
});

test('responses: OpenAPI 3.0 (nullable, $ref cycles) and Swagger 2.0 (schema on the response, produces)', async () => {
  const d = dir({
    'api.yaml': `
openapi: 3.0.3
info: { title: Tree, version: '1' }
paths:
  /nodes/{id}:
    get:
      parameters: [{ name: id, in: path, required: true, schema: { type: integer } }]
      responses:
        '200': { description: ok, content: { application/json: { schema: { $ref: '#/components/schemas/Node' } } } }
components:
  schemas:
    Node:
      type: object
      required: [name]
      properties:
        name: { type: string, nullable: true }
        children: { type: array, items: { $ref: '#/components/schemas/Node' } }
`,
  });
  try {
    const c = await loadContract(d.path('api.yaml'), { responses: 'closed' });
    const m = matched(c, 'GET', '/nodes/1');
    const check = (body: unknown) => c.validateResponse(m, { status: 200, contentType: 'application/json', body }).map((v) => `${v.pointer} ${v.message}`);
    assert.deepEqual(check({ name: null, children: [{ name: 'a', children: [{ name: 'b' }] }] }), []);
    assert.deepEqual(check({ name: 'r', children: [{ name: 'a', children: [{ name: 'b', owner: 'x' }] }] }), ['/response/body/children/0/children/0/owner is not a documented property']);
  } finally {
    d.cleanup();
  }
  const swagger = compileContract(
    {
      swagger: '2.0',
      info: { title: 'Old', version: '1' },
      produces: ['application/json'],
      paths: {
        '/orders/{id}': {
          get: {
            parameters: [{ name: 'id', in: 'path', required: true, type: 'integer' }],
            responses: {
              200: { description: 'ok', schema: { type: 'object', properties: { total: { type: 'number', minimum: 0 } } } },
              404: { description: 'none' },
            },
          },
        },
      },
    },
    'swagger.json',
    { responses: 'closed' },
  );
  const sm = matched(swagger, 'GET', '/orders/1');
  const scheck = (status: number, body: unknown, type = 'application/json') => swagger.validateResponse(sm, { status, contentType: type, text: JSON.stringify(body) }).map((v) => `${v.pointer} ${v.message}`);
  assert.deepEqual(scheck(200, { total: 3 }), []);
  assert.deepEqual(scheck(200, { total: -3, coupon: 'x' }).sort(), ['/response/body/coupon is not a documented property', '/response/body/total must be >= 0']);
  assert.deepEqual(scheck(404, { error: 'x' }), ['/response/body must be empty: no content is documented for this status']);
  assert.deepEqual(scheck(200, 'x', 'text/plain'), ['/response/headers/content-type must be one of application/json']);
});

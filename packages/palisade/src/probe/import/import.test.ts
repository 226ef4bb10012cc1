import { test } from 'node:test';
import assert from 'node:assert/strict';
import { importApiText } from './index.js';

const OAS = `openapi: 3.0.3
info: { title: T, version: '1' }
servers: [{ url: /api }]
components:
  securitySchemes: { b: { type: http, scheme: bearer } }
  schemas: { Thing: { type: object, properties: { id: { type: integer } } } }
paths:
  /things/{id}:
    parameters: [{ name: id, in: path, required: true, schema: { type: integer } }]
    get:
      security: [{ b: [] }]
      responses: { '200': { description: ok, content: { application/json: { schema: { $ref: '#/components/schemas/Thing' } } } } }
    delete:
      responses: { '200': { $ref: '#/components/responses/Missing' } }
`;

test('OpenAPI 3: relative servers resolved against the spec URL, $refs followed, a broken $ref skips only its operation', () => {
  const m = importApiText(OAS, 'https://api.example.com/docs/openapi.yaml', true);
  assert.equal(m.format, 'openapi-3.0');
  assert.deepEqual(m.servers, ['https://api.example.com/api']);
  const get = m.operations.find((o) => o.method === 'GET')!;
  assert.equal(get.exercisable, true);
  assert.equal(get.security, 'required');
  assert.equal((get.responses['200']!.schema!.properties as Record<string, unknown>).id !== undefined, true);
  const del = m.operations.find((o) => o.method === 'DELETE')!;
  assert.equal(del.exercisable, false);
  assert.match(del.reason!, /Missing/);
  assert.equal(del.security, 'unknown');
  assert.ok(m.defects.some((d) => d.severity === 'error' && d.pointer === '/paths/~1things~1{id}/delete'));
  assert.ok(m.defects.some((d) => /no operation-wide `security`/.test(d.message)));
});

test('a relative server in a file is a defect, not a failure; tabs are replaced and reported', () => {
  const tabbed = OAS.replace('  /things/{id}:', '\t/things/{id}:').replace('    get:', '\t  get:');
  const m = importApiText(tabbed, '/tmp/openapi.yaml');
  assert.ok(m.defects.some((d) => /tabs used for indentation/.test(d.message) && d.line !== undefined));
  assert.ok(m.defects.some((d) => /relative and the document is a file/.test(d.message)));
  assert.equal(m.operations.length, 2);
});

test('Swagger 2.0: host, basePath and schemes make the server; body and formData parameters make the body', () => {
  const m = importApiText(JSON.stringify({
    swagger: '2.0', info: { title: 'S', version: '1' }, host: 'shop.example', basePath: '/v1', schemes: ['https'],
    paths: {
      '/pets': { post: { parameters: [{ name: 'b', in: 'body', required: true, schema: { type: 'object', properties: { name: { type: 'string' } } } }], responses: { '201': { description: 'ok', schema: { type: 'object' } } } } },
      '/upload': { post: { consumes: ['application/x-www-form-urlencoded'], parameters: [{ name: 'file', in: 'formData', type: 'string', required: true }, { name: 'q', in: 'query', type: 'integer', maximum: 5 }], responses: {} } },
    },
  }), 'swagger.json');
  assert.equal(m.format, 'swagger-2.0');
  assert.deepEqual(m.servers, ['https://shop.example/v1']);
  const pets = m.operations.find((o) => o.path === '/pets')!;
  assert.equal(pets.body?.contentType, 'application/json');
  const up = m.operations.find((o) => o.path === '/upload')!;
  assert.equal(up.body?.contentType, 'application/x-www-form-urlencoded');
  assert.equal(up.params.find((p) => p.name === 'q')?.schema?.maximum, 5);
});

test('HAR and Postman: one operation per method and templated path, recorded values kept', () => {
  const har = importApiText(JSON.stringify({ log: { entries: [
    { request: { method: 'GET', url: 'http://a.test/orders/1001?expand=1', headers: [{ name: 'Authorization', value: 'Bearer x' }] }, response: { status: 200 } },
    { request: { method: 'GET', url: 'http://a.test/orders/1002' }, response: { status: 200 } },
    { request: { method: 'POST', url: 'not a url' } },
  ] } }), 'x.har');
  assert.equal(har.format, 'har');
  assert.deepEqual(har.operations.map((o) => `${o.method} ${o.path}`), ['GET /orders/{orderId}']);
  assert.equal(har.operations[0]!.recorded?.pathValues?.orderId, '1001');
  assert.equal(har.operations[0]!.recorded?.headers?.authorization, undefined, 'credentials are not kept from recordings');
  assert.equal(har.defects.length, 1);
  const pm = importApiText(JSON.stringify({ info: { name: 'P', schema: 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json' }, variable: [{ key: 'base', value: 'http://b.test' }], item: [{ name: 'f', item: [{ name: 'get user', request: { method: 'GET', url: { raw: '{{base}}/users/:userId' } } }] }] }), 'p.json');
  assert.equal(pm.format, 'postman-2.1');
  assert.deepEqual(pm.operations.map((o) => `${o.method} ${o.path}`), ['GET /users/{userId}']);
  assert.deepEqual(pm.servers, ['http://b.test']);
});

test('not an API description, or broken YAML: a clear error naming the input', () => {
  assert.throws(() => importApiText('hello: world', 'x.yaml'), /x\.yaml: not an OpenAPI 3\.x, Swagger 2\.0, HAR or Postman/);
  assert.throws(() => importApiText('a: [1, 2', 'y.yaml'), /y\.yaml: not valid JSON or YAML/);
});

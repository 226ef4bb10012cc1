// Every audit rule against a document that should trigger it and a near miss that should not.
// Both start from one clean document that triggers nothing at all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AUDIT_RULES } from './rules/index.js';
import { auditSource } from './engine.js';
import { SpecSource } from './source.js';

type J = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- fixtures are edited freely as plain JSON

const err = { description: 'error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
const errors = { '400': err, '401': err, '403': err, '429': err };

function clean(): J {
  return {
    openapi: '3.1.0',
    info: { title: 'Shop', version: '1.0.0', description: 'Items and orders.' },
    servers: [{ url: 'https://api.example.com/v1' }],
    security: [{ oauth: ['items:read'] }],
    components: {
      securitySchemes: {
        oauth: { type: 'oauth2', flows: { clientCredentials: { tokenUrl: 'https://auth.example.com/token', scopes: { 'items:read': 'read', 'items:write': 'write' } } } },
      },
      schemas: { Error: { type: 'object', additionalProperties: false, required: ['error'], properties: { error: { type: 'string', maxLength: 200 } } } },
    },
    paths: {
      '/items/{itemId}': {
        get: {
          operationId: 'getItem',
          parameters: [{ name: 'itemId', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } }],
          responses: {
            '200': { description: 'ok', content: { 'application/json': { schema: { type: 'object', additionalProperties: false, properties: { id: { type: 'string' }, name: { type: 'string' } } }, example: { id: 'a1', name: 'Anvil' } } } },
            ...errors,
          },
        },
      },
      '/items': {
        post: {
          operationId: 'createItem',
          security: [{ oauth: ['items:write'] }],
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  additionalProperties: false,
                  properties: { name: { type: 'string', maxLength: 100 }, tags: { type: 'array', maxItems: 10, items: { type: 'string', maxLength: 20 } }, qty: { type: 'integer', minimum: 1, maximum: 10 } },
                },
              },
            },
          },
          responses: { '201': { description: 'created', content: { 'application/json': { schema: { type: 'object', additionalProperties: false, properties: { id: { type: 'string' } } } } } }, ...errors },
        },
      },
    },
  };
}

function mut(f: (d: J) => void): J {
  const d = clean();
  f(d);
  return d;
}

const getItem = (d: J): J => d.paths['/items/{itemId}'].get;
const createItem = (d: J): J => d.paths['/items'].post;
const bodySchema = (d: J): J => createItem(d).requestBody.content['application/json'].schema;
const addProp = (d: J, name: string, schema: J): void => {
  bodySchema(d).properties[name] = schema;
};
const addQuery = (d: J, name: string, schema: J): void => {
  getItem(d).parameters.push({ name, in: 'query', schema });
};
const okSchema = (d: J): J => getItem(d).responses['200'].content['application/json'].schema;
const adminOp = (extra: J): J => ({ operationId: 'adminList', responses: { '200': { description: 'ok', content: { 'application/json': { schema: { type: 'object', additionalProperties: false, properties: { n: { type: 'integer' } } } } } }, ...errors }, ...extra });

const FIXTURES: Record<string, { positive: J; negative: J }> = {
  'PAL-AUDIT-001': { positive: mut((d) => { delete d.components.securitySchemes; delete d.security; delete createItem(d).security; }), negative: clean() },
  'PAL-AUDIT-002': { positive: mut((d) => delete d.security), negative: clean() },
  'PAL-AUDIT-003': { positive: mut((d) => (getItem(d).security = [])), negative: clean() },
  'PAL-AUDIT-004': { positive: mut((d) => (d.security = [{ nope: [] }])), negative: clean() },
  'PAL-AUDIT-005': { positive: mut((d) => (d.components.securitySchemes.basic = { type: 'http', scheme: 'basic' })), negative: mut((d) => (d.components.securitySchemes.b = { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })) },
  'PAL-AUDIT-006': { positive: mut((d) => (d.components.securitySchemes.key = { type: 'apiKey', in: 'query', name: 'api_key' })), negative: mut((d) => (d.components.securitySchemes.key = { type: 'apiKey', in: 'header', name: 'X-API-Key' })) },
  'PAL-AUDIT-007': { positive: mut((d) => (d.components.securitySchemes.key = { type: 'apiKey', in: 'cookie', name: 'sid' })), negative: mut((d) => (d.components.securitySchemes.key = { type: 'apiKey', in: 'header', name: 'X-API-Key' })) },
  'PAL-AUDIT-008': {
    positive: mut((d) => (d.components.securitySchemes.oauth.flows.implicit = { authorizationUrl: 'https://auth.example.com/authorize', scopes: { 'items:read': 'r' } })),
    negative: mut((d) => (d.components.securitySchemes.oauth.flows.authorizationCode = { authorizationUrl: 'https://auth.example.com/authorize', tokenUrl: 'https://auth.example.com/token', scopes: { 'items:read': 'r' } })),
  },
  'PAL-AUDIT-009': { positive: mut((d) => (d.components.securitySchemes.oauth.flows.password = { tokenUrl: 'https://auth.example.com/token', scopes: { 'items:read': 'r' } })), negative: clean() },
  'PAL-AUDIT-010': { positive: mut((d) => (d.components.securitySchemes.other = { type: 'oauth2', flows: { clientCredentials: { tokenUrl: 'https://auth.example.com/t', scopes: {} } } })), negative: clean() },
  'PAL-AUDIT-011': { positive: mut((d) => (getItem(d).security = [{ oauth: [] }])), negative: clean() },
  'PAL-AUDIT-012': { positive: mut((d) => (d.components.securitySchemes.oauth.flows.clientCredentials.scopes['items:admin'] = 'admin')), negative: clean() },
  'PAL-AUDIT-013': { positive: mut((d) => (d.components.securitySchemes.b = { type: 'http', scheme: 'bearer' })), negative: mut((d) => (d.components.securitySchemes.b = { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })) },
  'PAL-AUDIT-014': {
    positive: mut((d) => (d.components.securitySchemes.oidc = { type: 'openIdConnect', openIdConnectUrl: 'http://id.example.com/.well-known/openid-configuration' })),
    negative: mut((d) => (d.components.securitySchemes.oidc = { type: 'openIdConnect', openIdConnectUrl: 'https://id.example.com/.well-known/openid-configuration' })),
  },
  'PAL-AUDIT-015': { positive: mut((d) => (d.components.securitySchemes.oauth.flows.clientCredentials.tokenUrl = 'http://auth.example.com/token')), negative: mut((d) => (d.components.securitySchemes.oauth.flows.clientCredentials.tokenUrl = 'http://127.0.0.1:9000/token')) },
  'PAL-AUDIT-016': {
    positive: mut((d) => (d.paths['/items/{itemId}'].delete = { operationId: 'deleteItem', security: [], parameters: getItem(d).parameters, responses: { '204': { description: 'gone' }, ...errors } })),
    negative: mut((d) => (d.paths['/items/{itemId}'].delete = { operationId: 'deleteItem', security: [{ oauth: ['items:write'] }], parameters: getItem(d).parameters, responses: { '204': { description: 'gone' }, ...errors } })),
  },
  'PAL-AUDIT-017': {
    positive: mut((d) => (d.paths['/admin/users'] = { get: adminOp({}) })),
    negative: mut((d) => (d.paths['/admin/users'] = { get: adminOp({ 'x-palisade-roles': ['admin'] }) })),
  },
  'PAL-AUDIT-018': { positive: mut((d) => delete getItem(d).responses['401']), negative: clean() },
  'PAL-AUDIT-019': { positive: mut((d) => delete createItem(d).responses['403']), negative: mut((d) => { getItem(d).security = [{ oauth: [] }]; delete getItem(d).responses['403']; d.security = [{ oauth: [] }]; }) },
  'PAL-AUDIT-020': { positive: mut((d) => (d.servers = [{ url: 'http://api.example.com/v1' }])), negative: mut((d) => d.servers.push({ url: 'http://127.0.0.1:8080/v1' })) },
  'PAL-AUDIT-021': { positive: mut((d) => d.servers.push({ url: 'http://localhost:3000/v1' })), negative: mut((d) => d.servers.push({ url: 'https://staging.example.com/v1' })) },
  'PAL-AUDIT-022': { positive: mut((d) => (d.servers = [{ url: 'https://bob:hunter2@api.example.com/v1' }])), negative: clean() },
  'PAL-AUDIT-023': { positive: mut((d) => addQuery(d, 'access_token', { type: 'string', maxLength: 100 })), negative: mut((d) => addQuery(d, 'sort', { type: 'string', maxLength: 10 })) },
  'PAL-AUDIT-024': { positive: mut((d) => addQuery(d, 'email', { type: 'string', maxLength: 254 })), negative: mut((d) => addQuery(d, 'name', { type: 'string', maxLength: 100 })) },
  'PAL-AUDIT-025': { positive: mut((d) => addProp(d, 'note', { type: 'string' })), negative: mut((d) => addProp(d, 'color', { type: 'string', enum: ['red', 'blue'] })) },
  'PAL-AUDIT-026': { positive: mut((d) => delete bodySchema(d).properties.tags.maxItems), negative: clean() },
  'PAL-AUDIT-027': { positive: mut((d) => delete bodySchema(d).properties.qty.maximum), negative: clean() },
  'PAL-AUDIT-028': { positive: mut((d) => addProp(d, 'ownerId', { type: 'string', maxLength: 36 })), negative: mut((d) => addProp(d, 'ownerId', { type: 'string', format: 'uuid' })) },
  'PAL-AUDIT-029': { positive: mut((d) => addProp(d, 'email', { type: 'string', maxLength: 254 })), negative: mut((d) => addProp(d, 'email', { type: 'string', format: 'email', maxLength: 254 })) },
  'PAL-AUDIT-030': { positive: mut((d) => delete bodySchema(d).additionalProperties), negative: mut((d) => { delete bodySchema(d).additionalProperties; bodySchema(d).unevaluatedProperties = false; }) },
  'PAL-AUDIT-031': { positive: mut((d) => (createItem(d).requestBody.content['application/json'].schema = { type: 'object' })), negative: mut((d) => (createItem(d).requestBody.content['application/json'].schema = { type: 'object', additionalProperties: { type: 'integer', minimum: 0, maximum: 9 }, maxProperties: 10 })) },
  'PAL-AUDIT-032': { positive: mut((d) => addQuery(d, 'limit', { type: 'integer', minimum: 1 })), negative: mut((d) => addQuery(d, 'limit', { type: 'integer', minimum: 1, maximum: 100 })) },
  'PAL-AUDIT-033': { positive: mut((d) => addProp(d, 'picture', { type: 'string', format: 'binary' })), negative: mut((d) => addProp(d, 'picture', { type: 'string', format: 'binary', maxLength: 1048576 })) },
  'PAL-AUDIT-034': { positive: mut((d) => addProp(d, 'callback', { type: 'string', format: 'uri', maxLength: 2000 })), negative: mut((d) => addProp(d, 'title', { type: 'string', maxLength: 100 })) },
  'PAL-AUDIT-035': {
    positive: mut((d) => (createItem(d).requestBody.content['*/*'] = createItem(d).requestBody.content['application/json'])),
    negative: mut((d) => (createItem(d).requestBody.content['application/merge-patch+json'] = createItem(d).requestBody.content['application/json'])),
  },
  'PAL-AUDIT-036': { positive: mut((d) => (createItem(d).requestBody.content['application/xml'] = createItem(d).requestBody.content['application/json'])), negative: clean() },
  'PAL-AUDIT-037': { positive: mut((d) => delete getItem(d).responses['429']), negative: mut((d) => { delete getItem(d).responses['429']; getItem(d).responses['4XX'] = err; }) },
  'PAL-AUDIT-038': { positive: mut((d) => delete createItem(d).responses['400']), negative: mut((d) => { delete createItem(d).responses['400']; createItem(d).responses['422'] = err; }) },
  'PAL-AUDIT-039': {
    positive: mut((d) => { for (const k of ['400', '401', '403', '429']) getItem(d).responses[k] = { description: 'error' }; }),
    negative: mut((d) => { for (const k of ['400', '401', '403', '429']) getItem(d).responses[k] = { description: 'error' }; getItem(d).responses.default = err; }),
  },
  'PAL-AUDIT-040': { positive: mut((d) => (getItem(d).responses['200'] = { description: 'ok', content: { 'application/json': {} } })), negative: clean() },
  'PAL-AUDIT-041': { positive: mut((d) => delete okSchema(d).additionalProperties), negative: clean() },
  'PAL-AUDIT-042': {
    positive: mut((d) => (okSchema(d).properties.password_hash = { type: 'string' })),
    negative: mut((d) => (d.paths['/login'] = { post: { operationId: 'login', security: [], requestBody: createItem(d).requestBody, responses: { '200': { description: 'ok', content: { 'application/json': { schema: { type: 'object', additionalProperties: false, properties: { accessToken: { type: 'string' } } } } } }, ...errors } } })),
  },
  'PAL-AUDIT-043': {
    positive: mut((d) => (createItem(d).requestBody.content['application/json'].example = { name: 'x', password: 'Winter2024!' })),
    negative: mut((d) => (createItem(d).requestBody.content['application/json'].example = { name: 'Anvil', qty: 2 })),
  },
  'PAL-AUDIT-044': { positive: mut((d) => (getItem(d).description = 'TODO: remove before release; backed by items.corp')), negative: mut((d) => (getItem(d).description = 'Returns one item of the catalogue.')) },
  'PAL-AUDIT-045': {
    positive: mut((d) => (getItem(d).responses['200'].headers = { 'Access-Control-Allow-Origin': { schema: { type: 'string', enum: ['*'] } } })),
    negative: mut((d) => (getItem(d).responses['200'].headers = { 'Access-Control-Allow-Origin': { schema: { type: 'string' }, example: 'https://app.example.com' } })),
  },
  'PAL-AUDIT-046': { positive: mut((d) => (getItem(d).parameters[0].schema = { type: 'integer', minimum: 1, maximum: 1000000 })), negative: mut((d) => { getItem(d).parameters[0].schema = { type: 'integer', minimum: 1, maximum: 1000000 }; getItem(d).security = []; }) },
  'PAL-AUDIT-047': { positive: mut((d) => (d.servers = [{ url: 'https://api.example.com' }])), negative: mut((d) => { d.servers = [{ url: 'https://api.example.com' }]; d.paths = { '/v2/items': d.paths['/items'], '/healthz': { get: { ...adminOp({ operationId: 'health' }), security: [] } } }; }) },
  'PAL-AUDIT-048': { positive: mut((d) => (getItem(d).deprecated = true)), negative: mut((d) => { getItem(d).deprecated = true; getItem(d)['x-sunset'] = '2027-01-01'; }) },
  'PAL-AUDIT-049': { positive: mut((d) => (createItem(d).operationId = 'getItem')), negative: clean() },
  'PAL-AUDIT-050': { positive: mut((d) => delete createItem(d).operationId), negative: clean() },
  'PAL-AUDIT-051': { positive: mut((d) => (d.paths['/graphql'] = { post: { ...createItem(d), operationId: 'graphql' } })), negative: clean() },
};

function ids(doc: J): string[] {
  const source = SpecSource.fromFiles({ 'api.json': JSON.stringify(doc, null, 2) }, 'api.json');
  const { report } = auditSource(source);
  return report.findings.map((f) => f.checkId);
}

test('the clean fixture triggers no rule', () => {
  assert.deepEqual(ids(clean()), []);
});

test('there are at least 40 rules, with unique permanent ids and complete metadata', () => {
  assert.ok(AUDIT_RULES.length >= 40, `${AUDIT_RULES.length} rules`);
  const seen = new Set<string>();
  for (const r of AUDIT_RULES) {
    assert.match(r.id, /^PAL-AUDIT-\d{3}$/);
    assert.ok(!seen.has(r.id), `duplicate ${r.id}`);
    seen.add(r.id);
    assert.ok(r.title.length > 5 && r.description.length > 40 && r.remediation.length > 15, `${r.id} metadata`);
    assert.match(r.category, /^API(10|[1-9]):2023$/);
    assert.ok(Number.isInteger(r.cwe) && r.cwe > 0, `${r.id} cwe`);
  }
});

test('every rule has a positive and a negative fixture', () => {
  assert.deepEqual(Object.keys(FIXTURES).sort(), AUDIT_RULES.map((r) => r.id).sort());
});

for (const rule of AUDIT_RULES) {
  test(`${rule.id} ${rule.title}: fires on the positive fixture, not on the negative`, () => {
    const fx = FIXTURES[rule.id];
    assert.ok(fx, `no fixture for ${rule.id}`);
    assert.ok(ids(fx.positive).includes(rule.id), `${rule.id} did not fire on its positive fixture`);
    assert.ok(!ids(fx.negative).includes(rule.id), `${rule.id} fired on its negative fixture`);
  });
}

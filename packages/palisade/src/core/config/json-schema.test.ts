import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import { CONFIG_SCHEMA_ID, configJsonSchema } from './json-schema.js';
import { ConfigSchema } from './schema.js';

const SAMPLE = `
gateway:
  listen: { host: 0.0.0.0, port: 8080 }
  workers: auto
  trustedProxies: [10.0.0.0/8]
apis:
  - name: Shop_v2
    upstream: http://127.0.0.1:3001
    openapi: openapi.yaml
    versions:
      - { name: v1, state: deprecated, deprecatedSince: "2026-01-01T00:00:00Z", pathPrefix: /v1 }
routes:
  - api: Shop_v2
    pathPrefix: /api
    stages:
      limits: { maxBodyBytes: 65536 }
      methods: { allow: [GET, POST] }
  - api: Shop_v2
    pathPrefix: /admin
    stages:
      ipFilter: { allow: [10.1.0.0/16] }
defaults:
  cors: { enabled: true, origins: ['https://app.example.com'] }
`;

function compile() {
  // strict: the schema must be clean for any 2020-12 validator; formats are an editor's business.
  const ajv = new Ajv2020({ strict: true, validateFormats: false, allErrors: true });
  return ajv.compile(configJsonSchema());
}

test('the schema is 2020-12 with an id and a title', () => {
  const s = configJsonSchema();
  assert.equal(s.$schema, 'https://json-schema.org/draft/2020-12/schema');
  assert.equal(s.$id, CONFIG_SCHEMA_ID);
  assert.equal(typeof s.title, 'string');
});

test('it accepts a realistic file, the empty file, and the fully defaulted form', () => {
  const validate = compile();
  assert.ok(validate(parse(SAMPLE)), JSON.stringify(validate.errors));
  assert.ok(validate({}), JSON.stringify(validate.errors));
  assert.ok(validate(JSON.parse(JSON.stringify(ConfigSchema.parse({})))), JSON.stringify(validate.errors));
});

test('it rejects what the loader rejects: unknown options, wrong types, out-of-range values, bad enums', () => {
  const validate = compile();
  const cases: unknown[] = [
    { gateway: { lisen: {} } },
    { defaults: { limits: { maxBodyBytes: 'big' } } },
    { gateway: { listen: { port: 70000 } } },
    { log: { level: 'loud' } },
    { apis: [{ name: 'my api', upstream: 'http://h' }] },
    { apis: [{ upstream: 'http://h' }] },
    { routes: [{ api: 'a', stages: { limits: { maxBodyByte: 1 } } }] },
    { version: 2 },
  ];
  for (const c of cases) {
    assert.equal(validate(c), false, JSON.stringify(c));
    assert.equal(ConfigSchema.safeParse(c).success, false, `zod agrees: ${JSON.stringify(c)}`);
  }
});

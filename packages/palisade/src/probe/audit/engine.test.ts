import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { auditFile, auditScore, auditSource } from './engine.js';
import { SpecSource } from './source.js';
import type { Operation } from './model.js';

const YAML_30 = `openapi: 3.0.3
info: { title: t, version: '1' }
servers:
  - url: http://api.example.com/v1
paths:
  /users:
    get:
      operationId: listUsers
      parameters:
        - $ref: 'params.yaml#/Limit'
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: { $ref: 'schemas.yaml#/User' }
`;
const PARAMS = `Limit:
  name: limit
  in: query
  schema:
    type: integer
`;
const SCHEMAS = `User:
  type: object
  properties:
    id: { type: integer }
    password: { type: string }
`;

test('findings point at the file and line where the problem is written, across $refs', () => {
  const src = SpecSource.fromFiles({ 'api.yaml': YAML_30, 'params.yaml': PARAMS, 'schemas.yaml': SCHEMAS }, 'api.yaml');
  const { report } = auditSource(src);
  const by = (id: string) => report.findings.find((f) => f.checkId === id);
  assert.deepEqual(by('PAL-AUDIT-020')?.location, { file: 'api.yaml', line: 4, pointer: '/servers/0/url' });
  // The page-size parameter is defined in params.yaml, line 1.
  assert.equal(by('PAL-AUDIT-032')?.location?.file, 'params.yaml');
  assert.equal(by('PAL-AUDIT-032')?.location?.line, 1);
  // The password property is in schemas.yaml, line 5.
  const pw = by('PAL-AUDIT-042');
  assert.equal(pw?.location?.file, 'schemas.yaml');
  assert.equal(pw?.location?.line, 5);
  assert.equal(pw?.location?.pointer, '/User/properties/password');
  assert.deepEqual(report.importDefects, []);
});

test('Swagger 2.0 in JSON: schemes, securityDefinitions, body and formData parameters', () => {
  const doc = {
    swagger: '2.0',
    info: { title: 't', version: '1' },
    host: 'api.example.com',
    basePath: '/v1',
    schemes: ['http', 'https'],
    securityDefinitions: { key: { type: 'apiKey', in: 'query', name: 'key' }, o: { type: 'oauth2', flow: 'implicit', authorizationUrl: 'https://a.example.com/auth', scopes: { r: 'read' } } },
    security: [{ key: [] }],
    paths: {
      '/upload': {
        post: {
          operationId: 'upload',
          consumes: ['multipart/form-data'],
          parameters: [{ name: 'file', in: 'formData', type: 'file' }],
          responses: { '200': { description: 'ok' } },
        },
      },
      '/items': {
        put: { operationId: 'put', security: [], parameters: [{ name: 'body', in: 'body', schema: { type: 'object', properties: { name: { type: 'string' } } } }], responses: { '200': { description: 'ok', schema: { type: 'object' } } } },
      },
    },
  };
  const src = SpecSource.fromFiles({ 'swagger.json': JSON.stringify(doc, null, 2) }, 'swagger.json');
  const { report, model } = auditSource(src);
  assert.equal(model.version, '2.0');
  const ids = new Set(report.findings.map((f) => f.checkId));
  for (const id of ['PAL-AUDIT-020', 'PAL-AUDIT-006', 'PAL-AUDIT-008', 'PAL-AUDIT-033', 'PAL-AUDIT-016', 'PAL-AUDIT-030', 'PAL-AUDIT-025']) assert.ok(ids.has(id), `${id} expected`);
  const http = report.findings.find((f) => f.checkId === 'PAL-AUDIT-020');
  assert.equal(http?.location?.pointer, '/schemes/0');
  assert.ok((http?.location?.line ?? 0) > 1);
});

test('broken and remote $refs and YAML errors become import defects, not exceptions', () => {
  const yaml = `openapi: 3.1.0
info: { title: t, version: '1' }
paths:
  /a:
    get:
      parameters:
        - $ref: '#/components/parameters/Missing'
        - $ref: 'https://example.com/p.yaml#/P'
      responses: { '200': { description: ok } }
`;
  const { report } = auditSource(SpecSource.fromFiles({ 'a.yaml': yaml }, 'a.yaml'));
  const msgs = (report.importDefects ?? []).map((d) => d.message);
  assert.ok(msgs.some((m) => /Missing points at nothing/.test(m)), msgs.join('\n'));
  assert.ok(msgs.some((m) => /remote \$ref/.test(m)), msgs.join('\n'));
  const bad = auditSource(SpecSource.fromFiles({ 'b.yaml': 'openapi: 3.1.0\npaths:\n  /a: {\n' }, 'b.yaml')).report;
  assert.ok((bad.importDefects ?? []).some((d) => d.severity === 'error' && /b\.yaml:\d+/.test(d.message)));
});

test('a $ref cycle is followed a bounded number of hops', () => {
  const yaml = `openapi: 3.1.0
info: { title: t, version: '1' }
components:
  schemas:
    A: { $ref: '#/components/schemas/B' }
    B: { $ref: '#/components/schemas/A' }
paths:
  /a:
    post:
      requestBody: { content: { application/json: { schema: { $ref: '#/components/schemas/A' } } } }
      responses: { '200': { description: ok } }
`;
  const { report } = auditSource(SpecSource.fromFiles({ 'a.yaml': yaml }, 'a.yaml'));
  assert.ok((report.importDefects ?? []).some((d) => /hops/.test(d.message)));
});

test('auditFile validates with swagger-parser and still audits an invalid document', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pal-audit-'));
  const p = join(dir, 'api.yaml');
  writeFileSync(p, 'openapi: 3.1.0\ninfo: { title: t }\nservers: [{ url: "http://api.example.com/v1" }]\npaths: {}\n');
  const { report } = await auditFile(p);
  assert.ok((report.importDefects ?? []).some((d) => d.severity === 'error' && /not a valid OpenAPI document/.test(d.message)));
  assert.equal(report.kind, 'audit');
});

test('the score is bounded, severity-weighted and independent of the size of the document', () => {
  const op = (i: number) => ({ method: 'GET', path: `/p${i}` }) as Operation;
  const ops = (n: number) => Array.from({ length: n }, (_x, i) => op(i));
  const high = { severity: 'high' as const };
  const low = { severity: 'low' as const };
  assert.equal(auditScore([], 10), 100);
  // The same share of a small and a large API costs the same.
  const small = auditScore([{ rule: high, occurrences: ops(1).map((o) => ({ loc: { file: 'f', pointer: '' }, key: o.path, message: '', affects: [o] })) }], 2);
  const large = auditScore([{ rule: high, occurrences: ops(50).map((o) => ({ loc: { file: 'f', pointer: '' }, key: o.path, message: '', affects: [o] })) }], 100);
  assert.equal(small, large);
  const oneLow = auditScore([{ rule: low, occurrences: [{ loc: { file: 'f', pointer: '' }, key: 'k', message: '' }] }], 10);
  const oneHigh = auditScore([{ rule: high, occurrences: [{ loc: { file: 'f', pointer: '' }, key: 'k', message: '' }] }], 10);
  assert.ok(oneHigh < oneLow && oneLow < 100);
  const many = auditScore(Array.from({ length: 200 }, () => ({ rule: { severity: 'critical' as const }, occurrences: [{ loc: { file: 'f', pointer: '' }, key: 'k', message: '' }] })), 10);
  assert.ok(many >= 0 && many <= 1);
});

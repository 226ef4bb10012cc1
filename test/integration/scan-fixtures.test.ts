// Every scanner check against a small vulnerable API (it must report) and the same API fixed (a
// scan must report nothing at all): the positive and the negative case of each check.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseScanConfig, importApi, importApiText, runScan } from 'palisade';
import type { ReportedFinding, ScanConfig } from 'palisade';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { buildSchema, introspectionFromSchema } from 'graphql';
import { FIXTURE_GRAPHQL_SDL, FIXTURE_SPEC, fixtureWsdl, startFixtureApi } from '../fixtures/probe/api.js';

function config(target: string, spec: string, extra: Record<string, unknown> = {}): ScanConfig {
  const login = (email: string, password: string) => ({ path: '/v2/login', body: { email, password }, extract: { json: 'token' } });
  return parseScanConfig({
    ...extra,
    target,
    spec,
    destructive: true,
    identities: [
      { name: 'ann', login: login('ann@notes.test', 'ann-password-1') },
      { name: 'ben', login: login('ben@notes.test', 'ben-password-2') },
      { name: 'root', role: 'admin', login: login('root@notes.test', 'root-password-9') },
    ],
    budgets: { maxRequests: 3000, maxDurationSeconds: 60 },
  });
}

/** Checks with a positive case in the OpenAPI scan (SSRF-002, GraphQL and SOAP have their own scans below). */
const EXPECTED = [
  'PAL-SCAN-JWT-002', 'PAL-SCAN-INJ-003', 'PAL-SCAN-INJ-004', 'PAL-SCAN-INJ-006',
  'PAL-SCAN-AUTH-001', 'PAL-SCAN-AUTH-002', 'PAL-SCAN-AUTH-003', 'PAL-SCAN-BFLA-001', 'PAL-SCAN-BFLA-002', 'PAL-SCAN-BOLA-001', 'PAL-SCAN-BOLA-002',
  'PAL-SCAN-CONF-001', 'PAL-SCAN-CONF-002', 'PAL-SCAN-CONF-003', 'PAL-SCAN-CONF-004', 'PAL-SCAN-CONF-005', 'PAL-SCAN-FLOW-001', 'PAL-SCAN-INJ-001',
  'PAL-SCAN-INJ-002', 'PAL-SCAN-INV-001', 'PAL-SCAN-INV-002', 'PAL-SCAN-INV-003', 'PAL-SCAN-JWT-001', 'PAL-SCAN-JWT-003', 'PAL-SCAN-JWT-004',
  'PAL-SCAN-PROP-001', 'PAL-SCAN-PROP-002', 'PAL-SCAN-PROP-003', 'PAL-SCAN-RATE-001', 'PAL-SCAN-RATE-002', 'PAL-SCAN-RATE-003', 'PAL-SCAN-SSRF-001',
];

type Input = 'openapi' | 'graphql-live' | 'graphql-file' | 'wsdl';

async function scan(vulnerable: boolean, input: Input = 'openapi', extra: Record<string, unknown> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'palisade-scan-'));
  const api = await startFixtureApi(vulnerable);
  try {
    let spec = join(dir, 'openapi.json');
    if (input === 'openapi') {
      writeFileSync(spec, JSON.stringify(FIXTURE_SPEC));
      importApiText(JSON.stringify(FIXTURE_SPEC), spec);
    } else if (input === 'graphql-live') spec = `graphql:${api.url}/graphql`;
    else if (input === 'graphql-file') {
      // The fixed API refuses introspection, as it should: the schema comes from a saved result.
      spec = join(dir, 'schema.json');
      writeFileSync(spec, JSON.stringify(introspectionFromSchema(buildSchema(FIXTURE_GRAPHQL_SDL))));
    } else {
      spec = join(dir, 'notes.wsdl');
      writeFileSync(spec, fixtureWsdl(api.url));
    }
    return await runScan({ config: config(api.url, spec, extra) });
  } finally {
    await api.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('positive cases: the vulnerable fixture API trips every check', { timeout: 60_000 }, async () => {
  const { report, notes } = await scan(true);
  const ids = [...new Set(report.findings.map((f) => f.checkId))].sort();
  assert.deepEqual(EXPECTED.filter((id) => !ids.includes(id)), [], `missing; found ${ids.join(', ')}; notes ${notes.join(' | ')}`);
});

test('negative cases: the fixed fixture API gets no finding at all', { timeout: 60_000 }, async () => {
  const { report, notes } = await scan(false);
  assert.deepEqual(report.findings.map((f) => `${f.checkId} ${f.operation?.method ?? ''} ${f.operation?.path ?? ''}: ${f.description}`), [], notes.join(' | '));
  assert.ok((report.stats?.requests ?? 0) > 100, 'the scan did exercise the API');
});

function summary(findings: readonly ReportedFinding[]): string[] {
  return findings.map((f) => `${f.checkId} ${f.operation?.method ?? ''} ${f.operation?.path ?? ''}: ${f.description}`);
}

test('SSRF-002: a target that cannot reach the canary still shows it fetches internal addresses', { timeout: 60_000 }, async () => {
  // The canary's public URL is a closed loopback port: the target's fetches of it fail, like a
  // target that has no route back to the scanner.
  const { report, notes } = await scan(true, 'openapi', { checks: { enable: ['PAL-SCAN-SSRF'] }, canary: { host: '127.0.0.1', publicUrl: 'http://127.0.0.1:9' } });
  const ids = report.findings.map((f) => `${f.checkId} ${f.operation?.method} ${f.operation?.path}`);
  assert.deepEqual(ids, ['PAL-SCAN-SSRF-002 POST /v2/import'], notes.join(' | '));
});

test('GraphQL (introspected live): introspection, batching, depth and injection through an argument', { timeout: 60_000 }, async () => {
  const { report, notes } = await scan(true, 'graphql-live');
  assert.equal(report.coverage!.filter((c) => c.exercisable).length, 4, 'hello, note, notes, addNote (deleteNote is never sent)');
  const got = new Set(report.findings.map((f) => `${f.checkId} ${f.operation?.method} ${f.operation?.path}`));
  for (const want of ['PAL-SCAN-GQL-001 POST /graphql', 'PAL-SCAN-GQL-002 POST /graphql', 'PAL-SCAN-GQL-003 POST /graphql', 'PAL-SCAN-INJ-001 POST /graphql']) assert.ok(got.has(want), `${want} missing; found ${[...got].join(', ')}; notes ${notes.join(' | ')}`);
  assert.deepEqual(report.findings.filter((f) => f.checkId === 'PAL-SCAN-GQL-002').map((f) => f.evidence[0]!.matched ?? '').sort(), ['100 aliases answered', 'batch of 100 answered']);
  assert.match(report.findings.find((f) => f.checkId === 'PAL-SCAN-INJ-001')?.description ?? '', /variable parameter search/);
  // Both query fields returning Note reach the recursion Note.author → Author.notes.
  const depth = report.findings.filter((f) => f.checkId === 'PAL-SCAN-GQL-003');
  assert.deepEqual(depth.map((f) => f.operation?.operationId).sort(), ['query.note', 'query.notes']);
  assert.match(depth[0]!.description ?? '', /nested 15 levels through author → notes/);
  assert.match(depth[0]!.evidence[0]!.request?.body ?? '', /(\{ author \{ notes ){7}\{ author \{ __typename \}/);
});

test('GraphQL (saved introspection) against the fixed API: no finding', { timeout: 60_000 }, async () => {
  const fixed = await startFixtureApi(false);
  try {
    await assert.rejects(importApi(`graphql:${fixed.url}/graphql`), /graphql:http:\/\/127\.0\.0\.1:\d+\/graphql: GraphQL endpoint .* refused introspection .*save the schema's introspection result to a file/);
  } finally {
    await fixed.close();
  }
  const { report, notes } = await scan(false, 'graphql-file');
  assert.deepEqual(summary(report.findings), [], notes.join(' | '));
  assert.ok(report.coverage!.some((c) => c.answered2xx), 'the GraphQL operations were exercised');
});

test('SOAP (WSDL): XXE through the canary and a local file, SOAPAction spoofing, SQL injection through element text', { timeout: 60_000 }, async () => {
  const { report, notes } = await scan(true, 'wsdl');
  const got = report.findings.map((f) => `${f.checkId} ${f.operation?.operationId}`);
  for (const want of ['PAL-SCAN-INJ-005 GetNote', 'PAL-SCAN-INJ-005 SearchNotes', 'PAL-SCAN-SOAP-001 GetNote', 'PAL-SCAN-INJ-001 SearchNotes']) assert.ok(got.includes(want), `${want} missing; found ${got.join(', ')}; notes ${notes.join(' | ')}`);
  const xxe = report.findings.filter((f) => f.checkId === 'PAL-SCAN-INJ-005').map((f) => f.evidence[0]!.matched ?? '');
  assert.ok(xxe.some((m) => m.startsWith('external entity fetched by the server')), xxe.join(' | '));
  assert.ok(xxe.some((m) => m.startsWith('file content: root:')), `the local-file entity is expanded into SearchNotes' answer: ${xxe.join(' | ')}`);
  const sqli = report.findings.find((f) => f.checkId === 'PAL-SCAN-INJ-001')!;
  assert.match(sqli.description ?? '', /^xml parameter text: a ' produces a database error/);
  assert.match(sqli.evidence[0]!.request?.body ?? '', /<(\w+:)?text>palisade'<\/(\w+:)?text>/, 'the quote went into the element text');
  assert.match(sqli.evidence[0]!.response?.bodyExcerpt ?? '', /soap:Fault.*SqliteError/, 'the error came back in a SOAP fault');
  assert.ok(!got.includes('PAL-SCAN-INJ-001 GetNote'), 'GetNote does not build SQL from its text');
});

test('SOAP (WSDL) against the fixed API: no finding', { timeout: 60_000 }, async () => {
  const { report, notes } = await scan(false, 'wsdl');
  assert.deepEqual(summary(report.findings), [], notes.join(' | '));
  assert.ok(report.coverage!.filter((c) => c.answered2xx).length === 2, 'both SOAP operations answered');
});

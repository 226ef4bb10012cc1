// Reporters: golden files for a fixed report (test/golden/reports/), and for each format the
// property that matters to its consumer — SARIF valid against the SARIF 2.1.0 schema, JUnit
// well-formed XML, HTML inert, Markdown bounded, JSON stable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SaxesParser } from 'saxes';
import type { ProbeReport, ReportedFinding } from '../report.js';
import { REPORT_FORMATS, renderReport, reportFileName } from './index.js';
import { renderMarkdown } from './markdown.js';

function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && 'workspaces' in (JSON.parse(readFileSync(pkg, 'utf8')) as object)) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('repository root not found');
    dir = up;
  }
}

const T0 = Date.UTC(2026, 0, 15, 9, 0, 0);

function finding(over: Partial<ReportedFinding>): ReportedFinding {
  return {
    fingerprint: '0'.repeat(32),
    checkId: 'PAL-AUDIT-020',
    title: 'Server over plain HTTP',
    category: 'API8:2023',
    cwe: 319,
    severity: 'high',
    confidence: 'firm',
    source: 'audit',
    description: 'Credentials cross the network in clear text.',
    evidence: [{ matched: 'server http://api.example.com/v1' }],
    remediation: { summary: 'List https:// servers only.', shieldPolicy: 'gateway:\n  tls: { cert: tls.crt, key: tls.key }' },
    createdAt: T0,
    ...over,
  };
}

/** A fixed report mixing audit and scan-style findings, triage states, coverage and defects. */
export function fixedReport(): ProbeReport {
  return {
    kind: 'audit',
    tool: { name: 'palisade', version: '0.1.0' },
    spec: 'api/openapi.yaml',
    startedAt: T0,
    finishedAt: T0 + 1234,
    score: 71,
    stats: { requests: 0, durationMs: 1234, checks: 3, operations: 2 },
    findings: [
      finding({ fingerprint: '1a'.repeat(16), location: { file: 'api/openapi.yaml', line: 4, pointer: '/servers/0/url' } }),
      finding({
        fingerprint: '2b'.repeat(16),
        checkId: 'PAL-AUDIT-034',
        title: 'URL input (server-side request forgery risk)',
        category: 'API7:2023',
        cwe: 918,
        severity: 'medium',
        confidence: 'tentative',
        operation: { method: 'POST', path: '/users/{id}/avatar', operationId: 'importAvatar' },
        evidence: [
          {
            request: { method: 'POST', url: '/users/1/avatar', headers: { 'content-type': 'application/json' }, body: '{"url":"http://169.254.169.254/latest/meta-data/"}' },
            response: { status: 200, bodyExcerpt: '{"note":"<script>alert(1)</script>","ami-id":"ami-0abc"}' },
            matched: '<script>alert(1)</script>',
          },
        ],
        remediation: { summary: 'Allow-list hosts & refuse internal addresses; "quote" \'this\'.', shieldPolicy: 'defaults:\n  ssrfGuard: { enabled: true }' },
        location: { file: 'api/openapi.yaml', line: 40, pointer: '/paths/~1users~1{id}~1avatar/post/requestBody' },
      }),
      finding({
        fingerprint: '3c'.repeat(16),
        checkId: 'PAL-AUDIT-037',
        title: 'No 429 response documented',
        category: 'API4:2023',
        cwe: 770,
        severity: 'low',
        operation: { method: 'GET', path: '/users/{id}' },
        evidence: [{ matched: 'GET /users/{id} has no 429 response ]]> & \u0007 bell' }],
        remediation: { summary: 'Document 429.' },
        triage: 'accepted',
        triageReason: 'rate limited at the CDN',
        location: { file: 'api/openapi.yaml', line: 22, pointer: '/paths/~1users~1{id}/get/responses' },
      }),
    ],
    coverage: [
      { operation: { method: 'GET', path: '/users/{id}' }, exercisable: true, reached: false, answered2xx: false, testedBy: ['PAL-AUDIT-037', 'PAL-AUDIT-034'] },
      { operation: { method: 'POST', path: '/users/{id}/avatar', operationId: 'importAvatar' }, exercisable: true, reached: false, answered2xx: false, testedBy: ['PAL-AUDIT-037', 'PAL-AUDIT-034'] },
    ],
    importDefects: [{ severity: 'warning', message: 'api/openapi.yaml#/paths/~1a: remote $ref https://example.com/x.yaml is not followed', pointer: '/paths/~1a', line: 30 }],
  };
}

const GOLDEN = join(repoRoot(), 'test', 'golden', 'reports');

for (const format of REPORT_FORMATS) {
  test(`${format} matches its golden file (PALISADE_UPDATE_GOLDEN=1 rewrites it)`, () => {
    const out = renderReport(format, fixedReport());
    const file = join(GOLDEN, reportFileName('audit', format));
    if (process.env.PALISADE_UPDATE_GOLDEN === '1') {
      mkdirSync(GOLDEN, { recursive: true });
      writeFileSync(file, out);
    }
    assert.equal(out, readFileSync(file, 'utf8'));
  });
}

test('SARIF validates against the SARIF 2.1.0 JSON schema and carries what code scanning needs', async () => {
  const require = createRequire(import.meta.url);
  // The schema ships with @microsoft/jest-sarif (MIT), the 2.1.0 schema GitHub code scanning used; it is draft-04.
  const schema = JSON.parse(readFileSync(require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'), 'utf8')) as object;
  const { default: Ajv04 } = (await import('ajv-draft-04')) as unknown as { default: new (o: object) => { compile(s: object): ((d: unknown) => boolean) & { errors?: unknown } } };
  const formats = (await import('ajv-formats')) as unknown as { default: (a: unknown) => void };
  // The schema's patterns are ECMAScript without the u flag (one is invalid under it).
  const ajv = new Ajv04({ allErrors: true, strict: false, unicodeRegExp: false });
  formats.default(ajv);
  const validate = ajv.compile(schema);
  const sarif = JSON.parse(renderReport('sarif', fixedReport())) as { version: string; runs: Array<{ tool: { driver: { rules: Array<Record<string, unknown>> } }; results: Array<Record<string, unknown>> }> };
  const ok = validate(sarif);
  assert.ok(ok, JSON.stringify(validate.errors, null, 2));
  // An invalid log is refused: the validation is real.
  assert.equal(validate({ ...sarif, version: '2.0.0' }), false);
  const run = sarif.runs[0]!;
  assert.deepEqual(run.tool.driver.rules.map((r) => r.id), ['PAL-AUDIT-020', 'PAL-AUDIT-034', 'PAL-AUDIT-037']);
  const ssrf = run.results.find((r) => r.ruleId === 'PAL-AUDIT-034') as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- reading parsed JSON
  assert.equal(ssrf.locations[0].physicalLocation.region.startLine, 40);
  assert.equal(ssrf.locations[0].physicalLocation.artifactLocation.uri, 'api/openapi.yaml');
  assert.equal(ssrf.locations[0].logicalLocations[0].fullyQualifiedName, 'POST /users/{id}/avatar');
  assert.equal(ssrf.partialFingerprints['palisadeFingerprint/v1'], '2b'.repeat(16));
  assert.equal(ssrf.properties['security-severity'], '5.5');
  const rule = run.tool.driver.rules.find((r) => r.id === 'PAL-AUDIT-034') as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- reading parsed JSON
  assert.match(rule.help.text, /Allow-list hosts/);
  assert.match(rule.help.markdown, /ssrfGuard/);
  assert.equal(rule.properties['security-severity'], '5.5');
  const accepted = run.results.find((r) => r.ruleId === 'PAL-AUDIT-037') as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- reading parsed JSON
  assert.equal(accepted.suppressions[0].status, 'accepted');
  assert.match(accepted.suppressions[0].justification, /CDN/);
  // A scan finding without a spec location still gets the spec file and the operation.
  const scan = fixedReport();
  scan.kind = 'scan';
  scan.target = 'http://127.0.0.1:3001';
  for (const f of scan.findings) delete f.location;
  const s2 = JSON.parse(renderReport('sarif', scan)) as typeof sarif;
  assert.ok(validate(s2), JSON.stringify(validate.errors));
  const r0 = s2.runs[0]!.results[0] as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- reading parsed JSON
  assert.equal(r0.locations[0].physicalLocation.artifactLocation.uri, 'api/openapi.yaml');
});

test('JUnit is well-formed XML: one test case per check and operation, failures for open findings', () => {
  const xml = renderReport('junit', fixedReport());
  const parser = new SaxesParser();
  const cases: Array<{ classname: string; name: string; failure: boolean; skipped: boolean }> = [];
  let current: (typeof cases)[number] | undefined;
  parser.on('opentag', (t) => {
    const a = t.attributes as Record<string, string>;
    if (t.name === 'testcase') cases.push((current = { classname: a.classname!, name: a.name!, failure: false, skipped: false }));
    if (t.name === 'failure' && current) current.failure = true;
    if (t.name === 'skipped' && current) current.skipped = true;
  });
  parser.write(xml).close();
  const key = (c: (typeof cases)[number]) => `${c.classname} | ${c.name.split(' ')[0]}`;
  assert.deepEqual(cases.filter((c) => c.classname !== 'import').map(key).sort(), [
    '(document) | PAL-AUDIT-020',
    'GET /users/{id} | PAL-AUDIT-034',
    'GET /users/{id} | PAL-AUDIT-037',
    'POST /users/{id}/avatar | PAL-AUDIT-034',
    'POST /users/{id}/avatar | PAL-AUDIT-037',
  ]);
  assert.ok(cases.find((c) => c.classname === 'POST /users/{id}/avatar' && c.name.startsWith('PAL-AUDIT-034'))?.failure);
  assert.ok(cases.find((c) => c.classname === 'GET /users/{id}' && c.name.startsWith('PAL-AUDIT-037'))?.skipped);
  assert.ok(!cases.find((c) => c.classname === 'GET /users/{id}' && c.name.startsWith('PAL-AUDIT-034'))?.failure);
  assert.ok(!xml.includes('\u0007'));
});

test('HTML is one inert, self-contained page: everything escaped, no script, no external resource', () => {
  const html = renderReport('html', fixedReport());
  assert.ok(!/<script/i.test(html), 'a <script> tag survived');
  assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
  assert.ok(/<mark>&lt;script&gt;alert\(1\)&lt;\/script&gt;<\/mark>/.test(html), 'the match is highlighted');
  assert.ok(!/\b(src|href)=["']?(https?:)?\/\/(?!cwe\.mitre\.org)/i.test(html.replace(/<a href="https:\/\/cwe\.mitre\.org[^"]*"/g, '')), 'external resource');
  assert.ok(!/<link\b|@import|url\(/i.test(html));
  assert.match(html, /prefers-color-scheme:dark/);
  assert.match(html, /Content-Security-Policy/);
  assert.ok(html.includes('&quot;quote&quot; &#39;this&#39;'));
  // Summary, grouping, coverage, defects, triage.
  for (const s of ['By OWASP API Security Top 10', 'Coverage', 'Import defects', 'Accepted and false positives', 'rate limited at the CDN', 'Shield policy']) assert.ok(html.includes(s), s);
});

test('Markdown stays within its bound and escapes markup', () => {
  const r = fixedReport();
  const many: ReportedFinding[] = [];
  for (let i = 0; i < 2000; i++) many.push({ ...r.findings[1]!, fingerprint: i.toString(16).padStart(32, '0'), evidence: [{ matched: `x${i} <img src=x onerror=alert(1)> | pipe` }] });
  r.findings = many;
  const md = renderMarkdown(r, 20_000);
  assert.ok(md.length <= 20_000, `${md.length}`);
  assert.match(md, /more findings not shown here/);
  assert.ok(!md.includes('<img'));
  const small = renderMarkdown(fixedReport());
  assert.match(small, /Score \*\*71\/100\*\*/);
  assert.match(small, /<details>/);
});

test('JSON is the report in a stable order whatever the input order', () => {
  const a = fixedReport();
  const b = fixedReport();
  b.findings.reverse();
  b.coverage!.reverse();
  assert.equal(renderReport('json', a), renderReport('json', b));
  const parsed = JSON.parse(renderReport('json', a)) as ProbeReport;
  assert.deepEqual(parsed.findings.map((f) => f.severity), ['high', 'medium', 'low']);
  assert.equal(parsed.score, 71);
});

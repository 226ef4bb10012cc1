// `palisade scan` against the demo API on port 0: which DEMO-* vulnerabilities of
// demo/VULNERABILITIES.md it finds (by check id and operation), and that every finding maps to a
// real weakness. Prints recall per category, wall time and request count for the record.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEMO_OPENAPI_PATH, DEMO_VULNERABILITIES_PATH, startDemo } from 'palisade-demo';
import { loadScanConfig, runScan } from 'palisade';
import type { ReportedFinding } from 'palisade';

type Rule = [checkId: string, operation?: string];

/** Each catalogued weakness and the findings that count as finding it directly. */
const EXPECTED: Record<string, Rule[]> = {
  'DEMO-API1-01': [['PAL-SCAN-BOLA-001', 'GET /api/v2/orders/{orderId}']],
  'DEMO-API1-02': [['PAL-SCAN-BOLA-002', 'PATCH /api/v2/orders/{orderId}']],
  'DEMO-API2-01': [['PAL-SCAN-JWT-003']],
  'DEMO-API2-02': [['PAL-SCAN-JWT-001', 'GET /api/v2/orders/{orderId}/invoice'], ['PAL-SCAN-JWT-004', 'GET /api/v2/orders/{orderId}/invoice']],
  'DEMO-API2-03': [['PAL-SCAN-AUTH-003', 'POST /api/v2/auth/login']],
  'DEMO-API2-04': [['PAL-SCAN-PROP-003']],
  'DEMO-API3-01': [['PAL-SCAN-PROP-002', 'GET /api/v2/users/me']],
  'DEMO-API3-02': [['PAL-SCAN-PROP-001', 'PATCH /api/v2/users/me']],
  'DEMO-API3-03': [['PAL-SCAN-AUTH-001', 'GET /api/v2/users/lookup'], ['PAL-SCAN-PROP-002', 'GET /api/v2/users/lookup']],
  'DEMO-API4-01': [['PAL-SCAN-RATE-002', 'GET /api/v2/products']],
  'DEMO-API4-02': [['PAL-SCAN-AUTH-002', 'POST /api/v2/auth/login'], ['PAL-SCAN-RATE-001']],
  'DEMO-API4-03': [['PAL-SCAN-RATE-003']],
  'DEMO-API4-04': [['PAL-SCAN-RATE-002', 'GET /api/v2/products/{productId}/thumbnail']],
  'DEMO-API5-01': [['PAL-SCAN-BFLA-001', 'GET /api/v2/admin/users']],
  'DEMO-API5-02': [['PAL-SCAN-BFLA-002', 'DELETE /api/v2/admin/users/{userId}']],
  'DEMO-API6-01': [['PAL-SCAN-FLOW-001', 'POST /api/v2/orders']],
  'DEMO-API6-02': [['PAL-SCAN-FLOW-001', 'POST /api/v2/coupons/redeem']],
  'DEMO-API7-01': [['PAL-SCAN-SSRF-001', 'POST /api/v2/users/me/avatar']],
  'DEMO-API8-01': [['PAL-SCAN-CONF-003']],
  'DEMO-API8-02': [['PAL-SCAN-CONF-005']],
  'DEMO-API8-03': [['PAL-SCAN-CONF-002']],
  'DEMO-API8-04': [['PAL-SCAN-CONF-004']],
  'DEMO-API9-01': [['PAL-SCAN-INV-002']],
  'DEMO-API9-02': [['PAL-SCAN-INV-003', 'GET /debug/config']],
  'DEMO-INJ-01': [['PAL-SCAN-INJ-001', 'GET /api/v2/products/search']],
};

/**
 * Out of a DAST scanner's reach with the demo's well-behaved partner: they need the third-party
 * shipping partner to misbehave, which the scanner does not control.
 */
const OUT_OF_REACH = ['DEMO-API10-01', 'DEMO-API10-02'];

/**
 * Findings that are true but not catalogued (each inspected): missing nosniff/no-store headers,
 * and the admin user endpoint returning password_hash and internal_notes beyond AdminUser.
 */
const TRUE_UNCATALOGUED: Rule[] = [['PAL-SCAN-CONF-001'], ['PAL-SCAN-PROP-002', 'GET /api/v2/admin/users/{userId}'], ['PAL-SCAN-PROP-002', 'PATCH /api/v2/users/me']];

function matches(f: ReportedFinding, [id, op]: Rule): boolean {
  return f.checkId === id && (op === undefined || `${f.operation?.method} ${f.operation?.path}` === op);
}

test('palisade scan finds the demo API\'s catalogued vulnerabilities, with evidence and no false positives', { timeout: 120_000 }, async () => {
  const catalogue = [...readFileSync(DEMO_VULNERABILITIES_PATH, 'utf8').matchAll(/^\| (DEMO-[A-Z0-9]+-\d+) \|/gm)].map((m) => m[1]!);
  assert.deepEqual([...Object.keys(EXPECTED), ...OUT_OF_REACH].sort(), [...new Set(catalogue)].sort(), 'every catalogued vulnerability has an expectation here');
  const demo = await startDemo({ host: '127.0.0.1', port: 0, quiet: true });
  try {
    const config = loadScanConfig(join(DEMO_OPENAPI_PATH, '..', 'palisade-scan.yaml'));
    const started = Date.now();
    const { report, notes } = await runScan({ config, target: demo.url });
    const wall = Date.now() - started;
    const found: string[] = [];
    const missed: string[] = [];
    for (const [id, rules] of Object.entries(EXPECTED)) (report.findings.some((f) => rules.some((r) => matches(f, r))) ? found : missed).push(id);
    const accounted = (f: ReportedFinding) => Object.values(EXPECTED).flat().some((r) => matches(f, r)) || TRUE_UNCATALOGUED.some((r) => matches(f, r));
    const unexplained = report.findings.filter((f) => !accounted(f));
    const byCategory = new Map<string, [number, number]>();
    for (const id of [...Object.keys(EXPECTED), ...OUT_OF_REACH]) {
      const cat = /DEMO-(API\d+|INJ)/.exec(id)![1]!;
      const c = byCategory.get(cat) ?? [0, 0];
      byCategory.set(cat, [c[0] + (found.includes(id) ? 1 : 0), c[1] + 1]);
    }
    console.log(`scan of the demo: ${found.length}/${found.length + missed.length + OUT_OF_REACH.length} catalogued found (${OUT_OF_REACH.length} out of DAST reach), ${report.findings.length} findings, ${unexplained.length} unexplained, ${report.stats?.requests} requests, ${wall} ms`);
    console.log(`recall by category: ${[...byCategory].map(([c, [a, b]]) => `${c} ${a}/${b}`).join(', ')}`);
    assert.deepEqual(missed, [], `missed: ${missed.join(', ')}; notes: ${notes.join(' | ')}`);
    assert.ok(unexplained.length <= 1, `unexplained findings: ${unexplained.map((f) => `${f.checkId} ${f.operation?.method} ${f.operation?.path}`).join(', ')}`);
    for (const f of report.findings) {
      assert.ok(f.evidence.length > 0 && f.evidence.every((e) => e.request || e.response), `${f.checkId} has evidence`);
      assert.match(f.checkId, /^PAL-SCAN-[A-Z]+-\d{3}$/);
      assert.ok(f.remediation.summary.length > 0);
    }
    assert.ok(report.coverage!.every((c) => c.exercisable), 'every documented operation is exercisable');
    assert.ok(report.coverage!.filter((c) => c.answered2xx).length >= 17, 'most operations answered 2xx');
    assert.ok(wall < 120_000);
  } finally {
    await demo.close();
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OWASP_API_TOP10 } from '../../core/index.js';
import { SCAN_CHECKS } from './index.js';
import { runScan } from '../scanner.js';
import { parseScanConfig } from '../scan-config.js';

function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'docs', 'scanner.md'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('repository root not found');
    dir = up;
  }
  return dir;
}

test('every check has a permanent, unique id, an OWASP category, a CWE, a remediation, and a section in docs/scanner.md', () => {
  const doc = readFileSync(join(repoRoot(), 'docs', 'scanner.md'), 'utf8');
  const ids = SCAN_CHECKS.map((c) => c.id);
  assert.equal(new Set(ids).size, ids.length);
  for (const c of SCAN_CHECKS) {
    assert.match(c.id, /^PAL-SCAN-[A-Z]+-\d{3}$/);
    assert.ok(c.category in OWASP_API_TOP10, c.id);
    assert.ok(Number.isInteger(c.cwe) && c.cwe > 0, c.id);
    assert.ok(c.remediation.summary.length > 20 && c.description.length > 40, c.id);
    assert.ok(doc.includes(`### ${c.id} — ${c.title}`), `docs/scanner.md documents ${c.id}`);
  }
});

test('--dry-run lists sign-ins, exploration requests and checks without sending anything', async () => {
  const spec = join(repoRoot(), 'demo', 'openapi.yaml');
  const config = parseScanConfig({ spec, identities: [{ name: 'alice', login: { path: '/api/v2/auth/login', body: { email: 'a@x.test', password: 'p' }, extract: { json: 'token' } } }] });
  // Port 9 (discard) on loopback: nothing answers there, so any request sent would show up as a failure.
  const r = await runScan({ config, target: 'http://127.0.0.1:9', dryRun: true });
  assert.ok(r.plan!.some((l) => l.startsWith('[auth alice] POST http://127.0.0.1:9/api/v2/auth/login')));
  assert.ok(r.plan!.some((l) => l.startsWith('[explore alice] GET http://127.0.0.1:9/api/v2/orders/')));
  assert.ok(!r.plan!.some((l) => /\[explore \w+\] DELETE/.test(l)), 'no DELETE in exploration');
  assert.ok(r.plan!.some((l) => l.startsWith('[check] PAL-SCAN-BOLA-001')));
  assert.ok(r.notes.some((n) => /PAL-SCAN-BFLA-002 skipped: it needs destructive: true/.test(n)));
  assert.equal(r.report.stats?.requests, 0);
});

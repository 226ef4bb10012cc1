import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PalisadeError } from '../core/index.js';
import { applyBaseline, fingerprintFinding, loadBaseline, parseBaseline, staleEntries, writeBaseline } from './baseline.js';
import type { ProbeReport, ReportedFinding } from './report.js';

function f(checkId: string, path: string, part: string, severity: ReportedFinding['severity'] = 'high'): ReportedFinding {
  const operation = { method: 'GET', path };
  return {
    fingerprint: fingerprintFinding({ checkId, operation, parts: [part] }),
    checkId,
    title: checkId,
    category: 'API8:2023',
    severity,
    confidence: 'firm',
    source: 'audit',
    operation,
    evidence: [{ matched: part }],
    remediation: { summary: 'fix' },
    createdAt: Date.now(),
  };
}

function report(findings: ReportedFinding[]): ProbeReport {
  return { kind: 'audit', tool: { name: 'palisade', version: '0' }, startedAt: 0, finishedAt: 0, findings };
}

test('fingerprints depend on check, operation template and the stable part only', () => {
  const a = fingerprintFinding({ checkId: 'PAL-AUDIT-025', operation: { method: 'get', path: '/users/{id}' }, parts: ['query:q'] });
  assert.equal(a, fingerprintFinding({ checkId: 'PAL-AUDIT-025', operation: { method: 'GET', path: '/users/{id}' }, parts: ['query:q'] }));
  assert.match(a, /^[0-9a-f]{32}$/);
  assert.notEqual(a, fingerprintFinding({ checkId: 'PAL-AUDIT-026', operation: { method: 'GET', path: '/users/{id}' }, parts: ['query:q'] }));
  assert.notEqual(a, fingerprintFinding({ checkId: 'PAL-AUDIT-025', operation: { method: 'POST', path: '/users/{id}' }, parts: ['query:q'] }));
  assert.notEqual(a, fingerprintFinding({ checkId: 'PAL-AUDIT-025', operation: { method: 'GET', path: '/users/{id}' }, parts: ['query:r'] }));
  // Parts are separated: ['ab', 'c'] is not ['a', 'bc'].
  assert.notEqual(fingerprintFinding({ checkId: 'X', parts: ['ab', 'c'] }), fingerprintFinding({ checkId: 'X', parts: ['a', 'bc'] }));
});

test('a written baseline survives a second run: known findings keep their triage, new ones are new', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pal-baseline-'));
  const path = join(dir, 'baseline.yaml');
  const first = report([f('PAL-AUDIT-001', '/a', 'x'), f('PAL-AUDIT-002', '/b', 'y')]);
  writeBaseline(path, first);
  // A person marks one as a false positive.
  const edited = readFileSync(path, 'utf8').replace(/state: accepted\n(\s+)reason: [^\n]*\n(?=[\s\S]*PAL-AUDIT-002)/, 'state: accepted\n$1reason: reviewed\n');
  writeFileSync(path, edited.replace(/(checkId: PAL-AUDIT-002[\s\S]*?)state: accepted\n(\s+)reason: [^\n]*/, '$1state: false-positive\n$2reason: the path is not reachable from outside'));
  const second = report([f('PAL-AUDIT-001', '/a', 'x'), f('PAL-AUDIT-002', '/b', 'y'), f('PAL-AUDIT-003', '/c', 'z')]);
  const baseline = loadBaseline(path);
  const fresh = applyBaseline(second, baseline);
  assert.deepEqual(fresh.map((x) => x.checkId), ['PAL-AUDIT-003']);
  assert.equal(second.findings[0]!.triage, 'accepted');
  assert.equal(second.findings[1]!.triage, 'false-positive');
  assert.equal(second.findings[1]!.triageReason, 'the path is not reachable from outside');
  assert.equal(second.findings[2]!.triage, 'new');
  // Rewriting keeps the person's decisions.
  writeBaseline(path, second, baseline);
  const again = loadBaseline(path);
  assert.equal(again.entries.find((e) => e.checkId === 'PAL-AUDIT-002')?.state, 'false-positive');
  assert.equal(again.entries.length, 3);
  assert.deepEqual(staleEntries(report([f('PAL-AUDIT-001', '/a', 'x')]), again).map((e) => e.checkId).sort(), ['PAL-AUDIT-002', 'PAL-AUDIT-003']);
});

test('an expired entry no longer hides its finding', () => {
  const x = f('PAL-AUDIT-001', '/a', 'x');
  const b = parseBaseline(`version: 1\nfindings:\n  - fingerprint: ${x.fingerprint}\n    state: accepted\n    reason: until the migration\n    expires: 2020-01-01\n`);
  assert.equal(applyBaseline(report([x]), b).length, 1);
  assert.equal(applyBaseline(report([x]), b, new Date('2019-06-01')).length, 0);
});

test('invalid baselines are refused with the entry and field named', () => {
  const cases: Array<[string, RegExp]> = [
    ['version: 2\nfindings: []\n', /version must be 1/],
    ['version: 1\nfindings:\n  - fingerprint: zz\n    state: accepted\n', /findings\[0\]\.fingerprint/],
    ['version: 1\nfindings:\n  - fingerprint: abcdef0123456789\n    state: maybe\n', /findings\[0\]\.state must be one of/],
    ['version: 1\nfindings:\n  - fingerprint: abcdef0123456789\n    state: false-positive\n', /findings\[0\]\.reason is required/],
    ['version: 1\nfindings:\n  - fingerprint: abcdef0123456789\n    state: confirmed\n    expires: soon\n', /findings\[0\]\.expires/],
    ['version: 1\nfindings: {\n', /b\.yaml/],
  ];
  for (const [text, re] of cases) {
    assert.throws(() => parseBaseline(text, 'b.yaml'), (e: unknown) => e instanceof PalisadeError && e.code === 'PALISADE_ERR_BASELINE_INVALID' && re.test(e.message), text);
  }
  assert.deepEqual(parseBaseline('{"version":1,"findings":[]}').entries, []);
});

// `palisade audit` end to end on the demo's OpenAPI document: report files, exit codes for
// --fail-on, --min-score and a baseline written by one run and honoured by the next.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, ROOT, tempDir as makeTemp } from './helpers.js';

const temps: Array<{ cleanup(): void }> = [];
function tempDir(): string {
  const t = makeTemp('palisade-audit-');
  temps.push(t);
  return t.dir;
}
after(() => temps.forEach((t) => t.cleanup()));

const SPEC = join(ROOT, 'demo/openapi.yaml');

function audit(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, 'audit', SPEC, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('audit writes every report format and prints the score', () => {
  const out = tempDir();
  const r = audit('--format', 'sarif,junit,json,html,md', '--out', out);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /score \d+\/100, 20 operations/);
  for (const f of ['palisade-audit.sarif', 'palisade-audit.junit.xml', 'palisade-audit.json', 'palisade-audit.html', 'palisade-audit.md']) assert.ok(existsSync(join(out, f)), f);
  const report = JSON.parse(readFileSync(join(out, 'palisade-audit.json'), 'utf8')) as { kind: string; score: number; findings: Array<{ checkId: string; location?: { line?: number } }> };
  assert.equal(report.kind, 'audit');
  // Real issues of the demo document: PII in the lookup URL, the avatar URL input, the example password.
  for (const id of ['PAL-AUDIT-024', 'PAL-AUDIT-034', 'PAL-AUDIT-043']) assert.ok(report.findings.some((f) => f.checkId === id), id);
  assert.ok(report.findings.every((f) => typeof f.location?.line === 'number'));
});

test('one format without --out goes to standard output', () => {
  const r = audit('--format', 'sarif', '--quiet');
  assert.equal(r.code, 0, r.stderr);
  assert.equal((JSON.parse(r.stdout) as { version: string }).version, '2.1.0');
});

test('--fail-on and --min-score set the exit code; a baseline limits --fail-on to new findings', () => {
  assert.equal(audit('--fail-on', 'medium', '--quiet').code, 1);
  assert.equal(audit('--fail-on', 'high', '--quiet').code, 0);
  assert.equal(audit('--min-score', '100', '--quiet').code, 1);
  assert.equal(audit('--min-score', '10', '--quiet').code, 0);
  const baseline = join(tempDir(), 'baseline.yaml');
  assert.equal(audit('--write-baseline', baseline, '--quiet').code, 0);
  const r = audit('--fail-on', 'info', '--baseline', baseline);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /0 new/);
  const bad = audit('--fail-on', 'severe');
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /--fail-on: "severe" is not a severity/);
});

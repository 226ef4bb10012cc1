import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RULES_BEGIN, RULES_END, renderAuditRulesDoc } from './docs.js';

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

test('docs/audit.md carries the generated rule reference (node packages/palisade/dist/probe/audit/gen-docs-main.js rewrites it)', () => {
  const doc = readFileSync(join(repoRoot(), 'docs/audit.md'), 'utf8');
  const start = doc.indexOf(RULES_BEGIN);
  const end = doc.indexOf(RULES_END);
  assert.ok(start >= 0 && end > start, 'markers missing');
  assert.equal(doc.slice(start, end + RULES_END.length), renderAuditRulesDoc());
});

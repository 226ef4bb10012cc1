import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderConfigurationDoc, renderErrorsDoc } from './docs.js';
import { ERROR_CODES } from '../errors.js';

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

test('docs/configuration.md is generated from the current schema', () => {
  const committed = readFileSync(join(repoRoot(), 'docs/configuration.md'), 'utf8');
  assert.equal(committed, renderConfigurationDoc(), 'docs out of date: run npm run docs');
});

test('docs/errors.md lists every error code of the registry', () => {
  const committed = readFileSync(join(repoRoot(), 'docs/errors.md'), 'utf8');
  assert.equal(committed, renderErrorsDoc(), 'docs out of date: run npm run docs');
  for (const code of Object.keys(ERROR_CODES)) assert.match(committed, new RegExp(code));
});

test('the configuration reference documents every option with its default', () => {
  const doc = renderConfigurationDoc();
  for (const option of ['gateway.listen.port', 'defaults.limits.maxBodyBytes', 'apis[].upstream', 'routes[].pathPrefix', 'routes[].stages', 'store.retention.maxAgeDays', 'PALISADE_ADMIN_TOKEN']) {
    assert.ok(doc.includes(`\`${option}\``), option);
  }
  assert.match(doc, /\| `defaults\.limits\.maxBodyBytes` \| integer[^|]*\| `1048576` \|/);
});

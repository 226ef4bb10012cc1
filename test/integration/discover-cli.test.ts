// `palisade discover` as a user runs it: files in, a report out, parse errors named by line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import SwaggerParser from '@apidevtools/swagger-parser';
import { parse as parseYaml } from 'yaml';
import { DEMO_OPENAPI_PATH } from 'palisade-demo';
import type { InventoryReport } from 'palisade';
import { CLI, tempDir } from './helpers.js';

function cli(...args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 60_000 });
}

const LOG = [
  '203.0.113.5 - - [01/Jan/2026:10:00:00 +0000] "GET /api/v2/products/12 HTTP/1.1" 200 90 "-" "curl/8" 0.004',
  '203.0.113.5 - - [01/Jan/2026:10:00:01 +0000] "GET /api/v2/products/13 HTTP/1.1" 200 90 "-" "curl/8" 0.006',
  'this line is not a log line',
  '10.0.0.7 - - [01/Jan/2026:10:00:02 +0000] "GET /api/v1/users/7 HTTP/1.1" 200 310 "-" "curl/8" 0.002',
  '{"time":"2026-01-01T10:00:03Z","remote_addr":"198.51.100.1","request_method":"GET","request_uri":"/debug/config","status":200,"request_time":0.001}',
  '198.51.100.1 - - [01/Jan/2026:10:00:04 +0000] "GET /api/v2/users/lookup?email=alice%40acme.test HTTP/1.1" 200 90 "-" "curl/8" 0.003',
  '198.51.100.1 - - [01/Jan/2026:10:00:05 +0000] "GET /api/v2/users/lookup?email=nobody%40acme.test HTTP/1.1" 404 40 "-" "curl/8" 0.003',
].join('\n');

test('discover --log with --spec: JSON, Markdown and OpenAPI output; bad lines reported, not fatal', async () => {
  const t = tempDir();
  try {
    const log = join(t.dir, 'access.log');
    writeFileSync(log, LOG);
    const out = join(t.dir, 'report.json');
    const r = cli('discover', '--log', log, '--spec', DEMO_OPENAPI_PATH, '--format', 'json', '--out', out);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /6 records \(1 unreadable\)/);
    assert.match(r.stderr, /line 3: not in combined\/common log format/);
    const report = JSON.parse(readFileSync(out, 'utf8')) as InventoryReport;
    const ep = (tpl: string) => report.endpoints.find((e) => e.template === tpl);
    assert.equal(ep('/api/v2/products/{productId}')?.count, 2);
    assert.equal(ep('/api/v2/products/{productId}')?.documentation?.status, 'documented');
    assert.equal(ep('/api/v1/users/{userId}')?.documentation?.zombie, true);
    assert.equal(ep('/api/v1/users/{userId}')?.callers.internal, 1);
    assert.equal(ep('/debug/config')?.documentation?.shadow, true);
    assert.equal(ep('/api/v2/users/lookup')?.existenceOracle, true);
    assert.deepEqual(report.input, { records: 6, errors: 1, firstErrors: ['line 3: not in combined/common log format'] });
    assert.ok(report.totals.orphan > 10, 'most documented operations were never called');

    const md = cli('discover', '--log', log, '--spec', DEMO_OPENAPI_PATH);
    assert.equal(md.status, 0, md.stderr);
    assert.match(md.stdout, /^# API inventory/);
    assert.match(md.stdout, /\| GET \| \/debug\/config \|/);
    assert.match(md.stdout, /## Documented, never seen \(orphans\)/);

    const yamlOut = join(t.dir, 'learnt.yaml');
    const oa = cli('discover', '--log', log, '--format', 'openapi', '--out', yamlOut);
    assert.equal(oa.status, 0, oa.stderr);
    const doc = parseYaml(readFileSync(yamlOut, 'utf8')) as Record<string, unknown>;
    await SwaggerParser.validate(doc as never);
    assert.ok((doc.paths as Record<string, unknown>)['/api/v1/users/{userId}']);
  } finally {
    t.cleanup();
  }
});

test('discover --har; usage and input errors', () => {
  const t = tempDir();
  try {
    const har = join(t.dir, 'x.har');
    const entry = (url: string, status: number) => ({ startedDateTime: '2026-01-01T00:00:00Z', time: 5, request: { method: 'GET', url, headers: [] }, response: { status, headers: [], content: { mimeType: 'application/json', text: '{"ok":true}' } } });
    writeFileSync(har, JSON.stringify({ log: { version: '1.2', entries: [entry('https://shop.test/api/items/1', 200), entry('https://shop.test/api/items/2', 200)] } }));
    const r = cli('discover', '--har', har, '--format', 'json');
    assert.equal(r.status, 0, r.stderr);
    const report = JSON.parse(r.stdout) as InventoryReport;
    assert.deepEqual(report.endpoints.map((e) => e.template), ['/api/items/{itemId}']);

    const none = cli('discover');
    assert.equal(none.status, 1);
    assert.match(none.stderr, /PALISADE_ERR_CLI_USAGE: discover needs one input/);
    const missing = cli('discover', '--log', join(t.dir, 'nope.log'));
    assert.match(missing.stderr, /PALISADE_ERR_DISCOVER_INPUT: .*nope\.log: no such file/);
    const fmt = cli('discover', '--har', har, '--format', 'xml');
    assert.match(fmt.stderr, /--format must be json, md or openapi/);
    const fields = cli('discover', '--log', har, '--fields', 'verb=x');
    assert.match(fields.stderr, /--fields: "verb=x" should be NAME=PATH/);
  } finally {
    t.cleanup();
  }
});

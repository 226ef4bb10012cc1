import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Inventory } from './inventory.js';
import { diffAgainstSpec, documentedPaths, loadSpec } from './spec-diff.js';
import { buildReport } from './report.js';
import { exchange } from './test-support.js';

const SPEC = {
  openapi: '3.1.0',
  info: { title: 'T', version: '2' },
  servers: [{ url: '/api' }],
  paths: {
    '/v2/items/{itemId}': {
      get: {
        operationId: 'getItem',
        parameters: [{ name: 'itemId', in: 'path', required: true, schema: { type: 'integer' } }, { name: 'fields', in: 'query', schema: { type: 'string' } }],
        responses: {
          '200': { description: 'ok', content: { 'application/json': { schema: { type: 'object', properties: { id: { type: 'integer' }, name: { type: 'string' }, meta: { type: 'object' } } } } } },
          '404': { description: 'nf' },
        },
      },
    },
    '/v2/items': {
      post: {
        operationId: 'createItem',
        requestBody: { content: { 'application/json': { schema: { type: 'object', properties: { name: { type: 'string' } } } } } },
        responses: { '201': { description: 'created' } },
      },
    },
    '/v2/old': { get: { operationId: 'old', deprecated: true, responses: { '200': { description: 'ok' } } } },
    '/v2/sunset': { get: { operationId: 'sunset', 'x-sunset': '2020-01-01', responses: { '200': { description: 'ok' } } } },
    '/v2/never': { get: { operationId: 'never', responses: { '200': { description: 'ok' } } } },
  },
};

async function withSpec(fn: (path: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'watch-spec-'));
  try {
    const p = join(dir, 'spec.json');
    writeFileSync(p, JSON.stringify(SPEC));
    await fn(p);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('shadow, zombie, orphan and drift', async () => {
  await withSpec(async (path) => {
    const inv = new Inventory();
    inv.ingest(exchange('GET', '/api/v2/items/1?fields=name&debug=1', 200, { responseBodySample: '{"id":1,"name":"x","meta":{"a":1},"owner":{"email":"a@b.io"}}', requestHeaders: { 'x-trace-me': '1' } }));
    inv.ingest(exchange('GET', '/api/v2/items/2', 500));
    inv.ingest(exchange('POST', '/api/v2/items', 201, { requestHeaders: { 'content-type': 'application/json' }, requestBodySample: '{"name":"x","role":"admin"}' }));
    inv.ingest(exchange('GET', '/api/v2/old', 200));
    inv.ingest(exchange('GET', '/api/v2/sunset', 200));
    inv.ingest(exchange('GET', '/api/v1/items/1', 200));
    inv.ingest(exchange('GET', '/debug/config', 200));
    inv.ingest(exchange('DELETE', '/api/v2/items/1', 204));
    const spec = await loadSpec(path);
    const diff = diffAgainstSpec(inv.list(), spec, Date.UTC(2025, 0, 1));
    const by = (m: string, t: string) => diff.byEndpoint.get(inv.get(undefined, m, t)!)!;

    const item = by('GET', '/api/v2/items/{itemId}');
    assert.equal(item.documented, true);
    assert.equal(item.operation?.operationId, 'getItem');
    assert.deepEqual(item.drift.sort(), ['header.x-trace-me', 'query.debug', 'response.200.body.owner', 'response.500'].sort());

    assert.deepEqual(by('POST', '/api/v2/items').drift, ['request.body.role']);
    assert.equal(by('GET', '/api/v2/old').zombie, true);
    assert.equal(by('GET', '/api/v2/old').zombieReason, 'documented as deprecated');
    assert.equal(by('GET', '/api/v2/sunset').zombie, true);
    const v1 = by('GET', '/api/v1/items/{itemId}');
    assert.deepEqual([v1.shadow, v1.zombie], [true, true], 'an older version still called: shadow and zombie');
    assert.match(v1.zombieReason!, /v1 is older than the documented v2/);
    const dbg = by('GET', '/debug/config');
    assert.deepEqual([dbg.shadow, dbg.zombie], [true, false]);
    assert.equal(by('DELETE', '/api/v2/items/{itemId}').shadow, true, 'an undocumented method is shadow too');
    assert.deepEqual(diff.orphans.map((o) => o.operationId), ['never']);

    const report = buildReport(inv, diff);
    assert.equal(report.totals.shadow, 3);
    assert.equal(report.totals.zombie, 3);
    assert.equal(report.totals.orphan, 1);
    const scores = report.endpoints.map((e) => e.risk.score);
    assert.deepEqual(scores, [...scores].sort((a, b) => b - a), 'highest risk first');
    // Anonymous personal data (+10 +10 +20), half the calls failing (+15), drift (+5).
    assert.equal(report.endpoints[0]!.template, '/api/v2/items/{itemId}');
    assert.equal(report.endpoints[0]!.risk.score, 60);
    const v1r = report.endpoints.find((e) => e.template === '/api/v1/items/{itemId}')!;
    assert.deepEqual(v1r.risk.reasons.map((r) => r.points), [25, 10, 5]);
  });
});

test('documented paths: composition, arrays, open objects', () => {
  const d = documentedPaths({
    allOf: [{ type: 'object', properties: { a: { type: 'string' } } }, { properties: { list: { type: 'array', items: { type: 'object', properties: { x: {} } } } } }],
  });
  assert.deepEqual([...d.paths].sort(), ['a', 'list', 'list[].x']);
  const open = documentedPaths({ type: 'object', properties: { meta: { type: 'object' }, extra: { type: 'object', additionalProperties: { type: 'string' } } } });
  assert.ok(open.open.has('meta'));
  assert.ok(open.open.has('extra'));
});

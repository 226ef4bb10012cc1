// The console's data endpoints on a real console server over a seeded SQLite store: overview,
// inventory (live Inventory + OpenAPI diff), findings (triage across re-ingests, apply protection
// end to end on a temporary palisade.yaml, undo byte for byte), threats and blocks. Every answer
// is checked against the console's OpenAPI document.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { AlertRecord, Exchange, PalisadeConfigInput } from '../core/index.js';
import { fingerprintFinding } from '../probe/index.js';
import type { ProbeReport, ReportedFinding } from '../probe/index.js';
import { Inventory } from '../watch/index.js';
import { startConsole } from './console.test-support.js';
import type { ConsoleClient, TestConsole } from './console.test-support.js';
import { alertFingerprint, ingestReport } from './findings.js';
import { assertDocumented } from './openapi-check.test-support.js';

const NOW = Date.now();
const dir = mkdtempSync(join(tmpdir(), 'palisade-data-routes-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const SPEC = join(dir, 'openapi.yaml');
writeFileSync(
  SPEC,
  `openapi: 3.0.3
info: { title: Shop, version: '1' }
paths:
  /orders/{orderId}:
    get:
      operationId: getOrder
      parameters: [{ name: orderId, in: path, required: true, schema: { type: string } }]
      responses:
        '200':
          description: An order
          content: { application/json: { schema: { type: object, properties: { id: { type: string }, total: { type: number } } } } }
  /products:
    get:
      operationId: listProducts
      responses: { '200': { description: Products } }
`,
);

// Comments and alignment the console must keep when it edits the file.
const CONFIG_TEXT = `# Shop behind Palisade (data-routes test)
apis:
  - name: shop
    upstream: http://127.0.0.1:9     # never called
    openapi: openapi.yaml
defaults:
  authenticate:
    enabled: true
    methods: [apiKey]     # keys from the store
`;
const CONFIG_PATH = join(dir, 'palisade.yaml');
writeFileSync(CONFIG_PATH, CONFIG_TEXT);

const CONFIG: PalisadeConfigInput = {
  apis: [{ name: 'shop', upstream: 'http://127.0.0.1:9', openapi: SPEC }],
  defaults: { authenticate: { enabled: true, methods: ['apiKey'] } },
};

let seq = 0;
function x(over: Partial<Exchange>): Exchange {
  seq++;
  return {
    id: `x-${String(seq).padStart(5, '0')}`,
    startedAt: NOW - 60_000 + seq,
    api: 'shop',
    method: 'GET',
    url: '/products',
    clientIp: '192.0.2.10',
    requestHeaders: { accept: 'application/json' },
    requestBytes: 0,
    status: 200,
    responseHeaders: { 'content-type': 'application/json' },
    responseBytes: 10,
    timings: { total: 5 + (seq % 7) },
    verdicts: [],
    ...over,
  };
}

const exchanges: Exchange[] = [
  ...[1, 2, 3, 4, 5, 6].map((n) => x({ url: `/orders/${1000 + n}`, route: 'GET /orders/{orderId}', responseBodySample: `{"id":"${1000 + n}","total":12.5,"email":"alice${n}@example.com"}` })),
  x({ url: '/debug/config', status: 500 }),
  x({ url: '/orders/1?q=%27%20or%201=1', route: 'GET /orders/{orderId}', clientIp: '203.0.113.7', status: 403, blockedBy: 'waf', verdicts: [{ stage: 'waf', outcome: 'deny', code: 'waf-blocked', rule: '942100' }] }),
  x({ url: '/orders/2?q=%27%20or%201=1', route: 'GET /orders/{orderId}', clientIp: '203.0.113.7', status: 403, blockedBy: 'waf', verdicts: [{ stage: 'waf', outcome: 'deny', code: 'waf-blocked', rule: '942100' }] }),
];

const alert: AlertRecord = {
  id: 'alert-1',
  detector: 'PAL-WATCH-INJECTION',
  title: 'Injection attempts',
  severity: 'high',
  category: 'API8:2023',
  actor: { kind: 'ip', id: '203.0.113.7' },
  endpoint: 'GET /orders/{orderId}',
  figures: { attempts: 2, threshold: 1 },
  sampleExchangeIds: [exchanges[7]!.id, exchanges[8]!.id],
  remediation: 'Block the address; turn on the WAF.',
  firstSeenAt: NOW - 50_000,
  lastSeenAt: NOW - 40_000,
  count: 2,
};

function reported(checkId: string, severity: ReportedFinding['severity'], operation: ReportedFinding['operation'], title: string): ReportedFinding {
  return {
    fingerprint: fingerprintFinding({ checkId, ...(operation ? { operation } : {}) }),
    checkId,
    title,
    category: 'API2:2023',
    cwe: 306,
    severity,
    confidence: 'confirmed',
    source: 'probe',
    api: 'shop',
    ...(operation ? { operation } : {}),
    evidence: [{ request: { method: 'GET', url: '/orders/1001' }, response: { status: 200, bodyExcerpt: '{"id":"1001"}' }, matched: 'answered without credentials' }],
    remediation: { summary: 'Require authentication.', shieldPolicy: 'authenticate stage' },
    createdAt: NOW,
  };
}

const authFinding = reported('PAL-SCAN-AUTH-001', 'high', { method: 'GET', path: '/orders/{orderId}', operationId: 'getOrder' }, 'Operation answers without authentication');
const sqlFinding = reported('PAL-SCAN-INJ-001', 'critical', { method: 'GET', path: '/products', operationId: 'listProducts' }, 'SQL injection');
const report = (findings: ReportedFinding[]): ProbeReport => ({ kind: 'scan', tool: { name: 'palisade', version: 'test' }, target: 'http://127.0.0.1:9', startedAt: NOW - 1000, finishedAt: NOW, findings });

let t: TestConsole;
let viewer: ConsoleClient;
let operator: ConsoleClient;
let reloads = 0;
let reloadOutcome: { ok: boolean; error?: string } = { ok: true };
const inventory = new Inventory();
const blocks: Array<{ entry: string; reason: string; createdBy: string; ttlMs?: number }> = [];

/** GET or change as `c`, check the answer against the OpenAPI document, return status and body. */
async function call<T = Record<string, unknown>>(c: ConsoleClient, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await c.request(`/console/api${path}`, { method, ...(body !== undefined ? { body } : {}) });
  const status = res.status;
  const parsed = (await assertDocumented(res, method, path)) as T;
  return { status, body: parsed };
}

before(async () => {
  t = await startConsole(CONFIG, {
    configPath: CONFIG_PATH,
    reload: async () => {
      reloads++;
      return reloadOutcome;
    },
    inventory: () => inventory,
    blocks: {
      add: async (b) => {
        blocks.push(b);
        await t.store.addBlock({ entry: b.entry, reason: b.reason, createdBy: b.createdBy, ...(b.ttlMs ? { expiresAt: Date.now() + b.ttlMs } : {}) });
      },
      remove: async (entry) => t.store.removeBlock(entry),
    },
  });
  t.clock.now = NOW;
  await t.store.recordExchanges(exchanges);
  for (const e of exchanges) inventory.ingest(e);
  await t.store.alerts.upsert(alert);
  await ingestReport(t.store, report([authFinding, sqlFinding]), 'scan', 'scan-1');
  viewer = await t.signedIn('viewer');
  operator = await t.signedIn('operator');
});
after(async () => {
  await t.close();
});

describe('console data endpoints', () => {
  it('overview: traffic, refusals by reason, findings by severity, alerts, top endpoints and actors', async () => {
    const { status, body } = await call<{
      traffic: Array<{ total: number; blocked: number; errors: number }>;
      blockedByReason: Array<{ reason: string; count: number }>;
      findingsBySeverity: Record<string, number>;
      alertsOverTime: Array<{ count: number }>;
      topEndpoints: Array<{ endpoint: string; attacks: number }>;
      topActors: Array<{ kind: string; id: string; alerts: number; blocked: number }>;
      totals: { requests: number; blocked: number; openFindings: number; endpoints: number };
    }>(viewer, 'GET', '/overview?hours=24');
    assert.equal(status, 200);
    assert.equal(body.traffic.reduce((s, b) => s + b.total, 0), exchanges.length);
    assert.equal(body.traffic.reduce((s, b) => s + b.errors, 0), 1);
    assert.deepEqual(body.blockedByReason, [{ reason: 'waf-blocked', count: 2 }]);
    // Two from the scan, one from the alert (turned into a finding when the overview was asked for).
    assert.deepEqual(body.findingsBySeverity, { critical: 1, high: 2, medium: 0, low: 0, info: 0 });
    assert.equal(body.alertsOverTime.reduce((s, b) => s + b.count, 0), 1);
    assert.equal(body.topEndpoints[0]?.endpoint, 'GET /orders/{orderId}');
    assert.equal(body.topEndpoints[0]?.attacks, 3);
    assert.deepEqual(body.topActors[0], { kind: 'ip', id: '203.0.113.7', alerts: 1, blocked: 2, lastSeen: alert.lastSeenAt });
    assert.deepEqual({ ...body.totals }, { requests: exchanges.length, blocked: 2, openFindings: 3, openAlerts: 1, endpoints: inventory.size });
    assert.equal((await call(viewer, 'GET', '/overview?hours=0')).status, 400);
  });

  it('inventory: learnt endpoints with shadow and orphan flags, an endpoint page, export and split', async () => {
    const { body } = await call<{ live: boolean; endpoints: Array<{ key: string; template: string; method: string; flags: Record<string, boolean>; volume: number; sensitive: string[]; operationId?: string }> }>(viewer, 'GET', '/inventory');
    assert.equal(body.live, true);
    const orders = body.endpoints.find((e) => e.template.startsWith('/orders/'));
    assert.ok(orders, JSON.stringify(body.endpoints.map((e) => e.template)));
    assert.equal(orders.operationId, 'getOrder');
    assert.equal(orders.volume, 8);
    assert.deepEqual(orders.flags, { new: true, shadow: false, zombie: false, orphan: false });
    assert.ok(orders.sensitive.includes('email'));
    assert.equal(body.endpoints.find((e) => e.template === '/debug/config')?.flags.shadow, true);
    assert.equal(body.endpoints.find((e) => e.template === '/products')?.flags.orphan, true);

    const detail = await call<{ series: { requests: number[]; errors: number[] }; responses: Record<string, { samples: string[] }>; findings: Array<{ checkId: string }>; alerts: Array<{ id: string }>; riskReasons: unknown[] }>(
      viewer,
      'GET',
      `/inventory/endpoints/${orders.key}`,
    );
    assert.equal(detail.status, 200);
    assert.equal(detail.body.series.requests.reduce((s, n) => s + n, 0), 8);
    const sample = detail.body.responses['200']?.samples[0] ?? '';
    assert.match(sample, /"email":"\[email\]"/, 'sensitive values are masked in samples');
    assert.doesNotMatch(sample, /example\.com/);
    assert.deepEqual(detail.body.findings.map((f) => f.checkId).sort(), ['PAL-SCAN-AUTH-001', 'PAL-WATCH-INJECTION']);
    assert.deepEqual(detail.body.alerts.map((a) => a.id), ['alert-1']);
    assert.equal((await call(viewer, 'GET', '/inventory/endpoints/bm9wZQ')).status, 404);

    const exported = await viewer.request('/console/api/inventory/openapi.json');
    assert.equal(exported.status, 200);
    const doc = (await exported.json()) as { openapi: string; paths: Record<string, unknown> };
    assert.equal(doc.openapi, '3.1.0');
    assert.ok(Object.keys(doc.paths).some((p) => p.startsWith('/orders/')));

    assert.equal((await call(viewer, 'POST', '/inventory/split', { key: orders.key, segment: 1 })).status, 403, 'viewers cannot split');
    const split = await call<{ templates: string[] }>(operator, 'POST', '/inventory/split', { key: orders.key, segment: 1 });
    assert.equal(split.status, 200);
    assert.ok(split.body.templates.includes(orders.template));
    assert.ok((await t.store.getState('watch.inventory.overrides'))?.includes('split'));
    assert.equal((await call(operator, 'POST', '/inventory/split', { key: orders.key, segment: 0 })).status, 400);
  });

  it('findings: the queue from scans and Watch; triage survives re-ingesting the same report; gone findings become fixed', async () => {
    const list = await call<{ findings: Array<{ id: string; source: string; status: string; severity: string }> }>(viewer, 'GET', '/findings');
    assert.deepEqual(list.body.findings.map((f) => f.severity), ['critical', 'high', 'high']);
    assert.ok(list.body.findings.some((f) => f.id === alertFingerprint(alert) && f.source === 'watch'));
    assert.deepEqual((await call<{ findings: unknown[] }>(viewer, 'GET', '/findings?source=watch')).body.findings.length, 1);
    assert.deepEqual((await call<{ findings: unknown[] }>(viewer, 'GET', '/findings?severity=critical&q=sql')).body.findings.length, 1);
    assert.equal((await call(viewer, 'GET', '/findings?status=open')).status, 400);

    assert.equal((await call(viewer, 'PATCH', `/findings/${authFinding.fingerprint}`, { status: 'confirmed' })).status, 403);
    const patched = await call<{ status: string }>(operator, 'PATCH', `/findings/${authFinding.fingerprint}`, { status: 'confirmed', note: 'reproduced' });
    assert.equal(patched.status, 200);
    assert.equal(patched.body.status, 'confirmed');
    assert.equal((await call(operator, 'PATCH', `/findings/${authFinding.fingerprint}`, { status: 'done' })).status, 400);
    assert.equal((await call(operator, 'PATCH', '/findings/nope', { status: 'confirmed' })).status, 404);

    const again = await ingestReport(t.store, report([authFinding, sqlFinding]), 'scan', 'scan-2');
    assert.deepEqual(again, { created: 0, updated: 2, fixed: 0 });
    const page = await call<{ status: string; statusBy: string; statusNote: string; scanId: string }>(viewer, 'GET', `/findings/${authFinding.fingerprint}`);
    assert.equal(page.body.status, 'confirmed');
    assert.equal(page.body.statusNote, 'reproduced');
    assert.equal(page.body.scanId, 'scan-2');

    const third = await ingestReport(t.store, report([authFinding]), 'scan', 'scan-3');
    assert.equal(third.fixed, 1);
    assert.equal((await t.store.findings.get(sqlFinding.fingerprint))?.status, 'fixed');
    const audit = await t.store.consoleUsers.listAudit({ limit: 50 });
    assert.ok(audit.some((e) => e.action === 'finding.status' && e.target === authFinding.fingerprint));
  });

  it('apply protection: preview, write, reload, change history, undo byte for byte; a failed reload changes nothing', async () => {
    const page = await call<{ evidence: Array<{ matched?: string }>; protection: { available: boolean; description: string; preview?: { before: string; after: string; diff: string } } }>(viewer, 'GET', `/findings/${authFinding.fingerprint}`);
    assert.equal(page.body.evidence[0]?.matched, 'answered without credentials');
    const p = page.body.protection;
    assert.equal(p.available, true, p.description);
    assert.equal(p.preview?.before, CONFIG_TEXT);
    assert.match(p.preview!.diff, /^\+ {6}- name: console-getOrder$/m);
    assert.match(p.preview!.after, /upstream: http:\/\/127\.0\.0\.1:9 {5}# never called/, 'untouched lines keep their layout and comments');

    assert.equal((await call(viewer, 'POST', `/findings/${authFinding.fingerprint}/protection`)).status, 403);

    reloadOutcome = { ok: false, error: 'upstream unreachable' };
    const refused = await call<{ issues: Array<{ message: string }> }>(operator, 'POST', `/findings/${authFinding.fingerprint}/protection`);
    assert.equal(refused.status, 422);
    assert.equal(refused.body.issues[0]?.message, 'upstream unreachable');
    assert.equal(readFileSync(CONFIG_PATH, 'utf8'), CONFIG_TEXT, 'a refused reload puts the old file back');
    reloadOutcome = { ok: true };

    const before = reloads;
    const applied = await call<{ change: { id: string; findingId: string; diff: string } }>(operator, 'POST', `/findings/${authFinding.fingerprint}/protection`);
    assert.equal(applied.status, 200);
    assert.equal(reloads, before + 1);
    const written = readFileSync(CONFIG_PATH, 'utf8');
    assert.equal(written, p.preview!.after);
    assert.match(written, /operations: \[getOrder\]/);
    assert.equal(applied.body.change.findingId, authFinding.fingerprint);

    const changes = await call<{ changes: Array<{ id: string }> }>(viewer, 'GET', '/changes');
    assert.equal(changes.body.changes[0]?.id, applied.body.change.id);
    const noLonger = await call<{ protection: { available: boolean } }>(viewer, 'GET', `/findings/${authFinding.fingerprint}`);
    assert.equal(noLonger.body.protection.available, false, 'the protection is in place now');

    const undone = await call<{ change: { undoneAt: number; undoneBy: string } }>(operator, 'POST', `/changes/${applied.body.change.id}/undo`);
    assert.equal(undone.status, 200);
    assert.equal(undone.body.change.undoneBy, 'operator2');
    assert.equal(readFileSync(CONFIG_PATH, 'utf8'), CONFIG_TEXT, 'undo restores the file byte for byte');
    assert.equal(reloads, before + 2);
    assert.equal((await call(operator, 'POST', `/changes/${applied.body.change.id}/undo`)).status, 409);
    assert.equal((await call(operator, 'POST', '/changes/nope/undo')).status, 404);

    const audit = await t.store.consoleUsers.listAudit({ limit: 50 });
    assert.ok(audit.some((e) => e.action === 'config.protect'));
    assert.ok(audit.some((e) => e.action === 'config.undo'));
  });

  it('threats: alerts by actor with a timeline; block and unblock through the block control, audited', async () => {
    const threats = await call<{ actors: Array<{ kind: string; id: string; blocked: boolean; alerts: Array<{ id: string }> }> }>(viewer, 'GET', '/threats?hours=24');
    assert.deepEqual(threats.body.actors.map((a) => [a.kind, a.id, a.blocked, a.alerts.map((x) => x.id)]), [['ip', '203.0.113.7', false, ['alert-1']]]);
    const tl = await call<{ events: Array<{ type: string; exchangeId?: string; alertId?: string }> }>(viewer, 'GET', '/threats/ip/203.0.113.7/timeline');
    assert.deepEqual(tl.body.events.filter((e) => e.type === 'exchange').map((e) => e.exchangeId), [exchanges[8]!.id, exchanges[7]!.id]);
    assert.deepEqual(tl.body.events.filter((e) => e.type === 'alert').map((e) => e.alertId), ['alert-1']);

    assert.equal((await call(viewer, 'POST', '/blocks', { entry: '203.0.113.7', reason: 'injection' })).status, 403);
    assert.equal((await call(operator, 'POST', '/blocks', { entry: 'not-an-ip', reason: 'x' })).status, 400);
    const placed = await call<{ block: { entry: string; createdBy: string } }>(operator, 'POST', '/blocks', { entry: '203.0.113.7', reason: 'injection', ttlSeconds: 3600 });
    assert.equal(placed.status, 201);
    assert.equal(placed.body.block.createdBy, 'console:operator2');
    assert.equal(blocks.at(-1)?.ttlMs, 3_600_000);
    assert.equal((await call<{ blocks: unknown[] }>(viewer, 'GET', '/blocks')).body.blocks.length, 1);
    const blocked = await call<{ actors: Array<{ blocked: boolean; blockEntry?: { reason: string } }> }>(viewer, 'GET', '/threats');
    assert.equal(blocked.body.actors[0]?.blocked, true);
    assert.equal(blocked.body.actors[0]?.blockEntry?.reason, 'injection');
    const withBlock = await call<{ events: Array<{ type: string }> }>(viewer, 'GET', '/threats/ip/203.0.113.7/timeline');
    assert.ok(withBlock.body.events.some((e) => e.type === 'block'));

    assert.equal((await call(operator, 'DELETE', `/blocks/${encodeURIComponent('203.0.113.7')}`)).status, 204);
    assert.equal((await call(operator, 'DELETE', `/blocks/${encodeURIComponent('203.0.113.7')}`)).status, 404);
    assert.equal((await call<{ blocks: unknown[] }>(viewer, 'GET', '/blocks')).body.blocks.length, 0);
    const audit = await t.store.consoleUsers.listAudit({ limit: 50 });
    assert.ok(audit.some((e) => e.action === 'block.add' && e.target === '203.0.113.7'));
    assert.ok(audit.some((e) => e.action === 'block.remove' && e.target === '203.0.113.7'));
  });

  it('answers 401 without a session', async () => {
    const res = await fetch(`${t.url}/console/api/findings`);
    assert.equal(res.status, 401);
  });
});

// Watch wired into a real gateway as `palisade start` wires it (cli/watch-live.ts): a scanner's
// request is recorded, detected, and its address blocked through Shield's dynamic block list; the
// next request is refused; the block is lifted through the admin API and requests pass again.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { parseConfig, startShield, createWatchRuntime } from 'palisade';
import type { RunningShield, WatchRuntime } from 'palisade';
import { ADMIN_TOKEN, startUpstream, tempDir } from './helpers.js';
import type { Upstream } from './helpers.js';

async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('Watch live: automatic block through a real gateway', () => {
  let up: Upstream;
  let shield: RunningShield;
  let runtime: WatchRuntime | undefined;
  const t = tempDir();
  const admin = (path: string, init: RequestInit = {}) => fetch(shield.adminUrl + path, { ...init, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });

  before(async () => {
    up = await startUpstream((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'));
    const env = { PALISADE_GATEWAY_PORT: '0', PALISADE_ADMIN_PORT: '0', PALISADE_STORE_PATH: join(t.dir, 'store.db'), PALISADE_LOG_LEVEL: 'silent' };
    const config = parseConfig(
      `
apis: [{ name: up, upstream: ${up.url} }]
recording: { flushIntervalMs: 20 }
watch:
  detect:
    detectors:
      scanner: { response: { action: block, minutes: 5 } }
`,
      'test.yaml',
      { env, baseDir: t.dir },
    );
    shield = await startShield({
      config,
      logger: pino({ level: 'silent' }),
      adminToken: ADMIN_TOKEN,
      observeExchanges: (b) => runtime?.feed(b),
      adminExtensions: [{ adminRoute: async (r) => (runtime ? runtime.adminRoute(r) : undefined) }],
    });
    runtime = createWatchRuntime(config, { store: shield.store, blocks: shield.blocks, sinks: [] });
  });

  after(async () => {
    await runtime?.close();
    await shield?.close();
    await up?.close();
    t.cleanup();
  });

  it('blocks a scanner, lists the alert and the block, and unblocks through the admin API', async () => {
    const ok = await fetch(`${shield.gatewayUrl}/products`);
    assert.equal(ok.status, 200);
    const scan = await fetch(`${shield.gatewayUrl}/products?id=1`, { headers: { 'user-agent': 'sqlmap/1.8.2#stable (https://sqlmap.org)' } });
    assert.equal(scan.status, 200, 'the request that reveals the scanner is not itself refused');

    const alerts = await until('the alert', async () => {
      const r = (await (await admin('/alerts?detector=PAL-WATCH-SCANNER')).json()) as { alerts: Array<{ id: string; actor: { id: string }; response?: { targets: string[] }; sampleExchangeIds: string[] }> };
      return r.alerts.length > 0 ? r.alerts : undefined;
    });
    assert.equal(alerts[0]!.actor.id, '127.0.0.1');
    assert.deepEqual(alerts[0]!.response?.targets, ['127.0.0.1']);
    const one = await admin(`/alerts/${alerts[0]!.id}`);
    assert.equal(one.status, 200);
    const sampleId = alerts[0]!.sampleExchangeIds.at(-1)!;
    assert.equal((await admin(`/exchanges/${sampleId}`)).status, 200, 'sample ids open the recorded exchange');

    const refused = await fetch(`${shield.gatewayUrl}/products`);
    assert.equal(refused.status, 403);
    await refused.arrayBuffer();

    const blocks = (await (await admin('/blocks')).json()) as { blocks: Array<{ entry: string; reason: string; expiresAt?: number }> };
    const b = blocks.blocks.find((x) => x.entry === '127.0.0.1');
    assert.ok(b, JSON.stringify(blocks));
    assert.match(b.reason, /PAL-WATCH-SCANNER/);
    assert.ok(b.expiresAt! > Date.now() && b.expiresAt! <= Date.now() + 5 * 60_000);

    const del = await admin('/blocks/127.0.0.1', { method: 'DELETE' });
    assert.equal(del.status, 200);
    const again = await fetch(`${shield.gatewayUrl}/products`);
    assert.equal(again.status, 200);

    const status = (await (await admin('/watch/status')).json()) as { processed: number; alerts: number; blocks: number; dropped: number };
    assert.ok(status.processed >= 2);
    assert.equal(status.alerts, 1);
    assert.equal(status.blocks, 1);
    assert.equal(status.dropped, 0);
    assert.equal((await admin('/alerts?limit=0')).status, 400);
    assert.equal((await admin('/alerts/nope')).status, 404);
  });
});

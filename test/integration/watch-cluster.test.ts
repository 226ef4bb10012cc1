// Watch in a cluster (decision 0041):
// - two gateway instances sharing one store and one Redis: a block or a rate-limit override placed
//   on one (by the admin API or by Watch's automatic response) is applied by the other at once,
//   through the Redis change notice, well before the 5 s periodic sync; lifting it on the other
//   one is seen back;
// - `palisade gateway` with two workers: the workers' exchanges reach the primary's detectors.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { parseConfig, startShield, createWatchRuntime } from 'palisade';
import type { RunningShield, WatchRuntime } from 'palisade';
import { ADMIN_TOKEN, CLI, REDIS_URL, redisSkip, startUpstream, tempDir, waitFor } from './helpers.js';
import type { Upstream } from './helpers.js';

/** Less than the periodic block sync (5 s): a change seen within it came through the Redis notice. */
const NOTICE_BOUND_MS = 3000;

const redisSkipReason = await redisSkip();

/** Polls until `fn` returns a value, for at most `ms`. */
async function until<T>(what: string, fn: () => Promise<T | undefined>, ms: number): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const status = async (url: string) => (await fetch(url)).status;

describe('two gateways sharing Redis', { skip: redisSkipReason }, () => {
  let up: Upstream;
  let a: RunningShield;
  let b: RunningShield;
  let runtime: WatchRuntime | undefined;
  const t = tempDir();
  const prefix = `palisade-test-${randomUUID()}:`;
  const admin = (s: RunningShield, path: string, init: RequestInit = {}) => fetch(s.adminUrl + path, { ...init, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' } });

  before(async () => {
    up = await startUpstream((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'));
    const config = parseConfig(
      `
apis: [{ name: up, upstream: ${up.url} }]
gateway: { listen: { port: 0 } }
admin: { listen: { port: 0 } }
store: { path: ${JSON.stringify(join(t.dir, 'shared.db'))}, redis: { url: ${REDIS_URL}, keyPrefix: '${prefix}' } }
recording: { flushIntervalMs: 20 }
watch:
  detect:
    detectors:
      scanner: { response: { action: rate-limit, limit: 2, windowSeconds: 60, minutes: 5 } }
`,
      'test.yaml',
      { env: { PALISADE_LOG_LEVEL: 'silent' }, baseDir: t.dir },
    );
    const logger = pino({ level: 'silent' });
    a = await startShield({
      config,
      logger,
      adminToken: ADMIN_TOKEN,
      observeExchanges: (batch) => runtime?.feed(batch),
      adminExtensions: [{ adminRoute: async (r) => (runtime ? runtime.adminRoute(r) : undefined) }],
    });
    b = await startShield({ config, logger, adminToken: ADMIN_TOKEN });
    runtime = createWatchRuntime(config, { store: a.store, blocks: a.blocks, rateLimits: a.rateLimits, sinks: [] });
  });

  after(async () => {
    await runtime?.close();
    await a?.close();
    await b?.close();
    await up?.close();
    const r = new Redis(REDIS_URL);
    const keys = await r.keys(`${prefix}*`);
    if (keys.length) await r.del(...keys);
    r.disconnect();
    t.cleanup();
  });

  it('a block placed through one admin API is applied by the other gateway, and lifted from it', async () => {
    assert.equal(await status(`${b.gatewayUrl}/x`), 200);
    assert.equal((await admin(a, '/blocks', { method: 'POST', body: JSON.stringify({ entry: '127.0.0.1', ttlSeconds: 300 }) })).status, 201);
    await until('gateway B to refuse the blocked address', async () => ((await status(`${b.gatewayUrl}/x`)) === 403 ? true : undefined), NOTICE_BOUND_MS);
    assert.equal((await admin(b, '/blocks/127.0.0.1', { method: 'DELETE' })).status, 200);
    await until('gateway A to let the address through again', async () => ((await status(`${a.gatewayUrl}/x`)) === 200 ? true : undefined), NOTICE_BOUND_MS);
  });

  it("Watch's rate-limit response on one gateway holds the actor on the other; listed and lifted through the admin API", async () => {
    const scan = await fetch(`${a.gatewayUrl}/products?id=1`, { headers: { 'user-agent': 'sqlmap/1.8.2#stable (https://sqlmap.org)' } });
    assert.equal(scan.status, 200);
    const response = await until(
      'the alert and its response',
      async () => {
        await runtime!.idle();
        const r = (await (await admin(a, '/alerts?detector=PAL-WATCH-SCANNER')).json()) as { alerts: Array<{ response?: { action: string; targets: string[] } }> };
        return r.alerts[0]?.response;
      },
      5000,
    );
    assert.equal(response.action, 'rate-limit');
    assert.deepEqual(response.targets, ['127.0.0.1']);

    // The override is a window of 2 requests per minute counted in Redis, shared by both gateways.
    const refused = await until(
      'gateway B to hold the address to 2 requests a minute',
      async () => {
        const r = await fetch(`${b.gatewayUrl}/x`);
        return r.status === 429 ? r : undefined;
      },
      NOTICE_BOUND_MS,
    );
    assert.equal(refused.headers.get('ratelimit-policy'), '2;w=60');
    assert.equal(await status(`${a.gatewayUrl}/x`), 429, 'one count across both gateways');

    const listed = (await (await admin(b, '/rate-overrides')).json()) as { overrides: Array<{ target: string; limit: number; windowSeconds: number; createdBy: string }> };
    assert.deepEqual(
      listed.overrides.map((o) => [o.target, o.limit, o.windowSeconds, o.createdBy]),
      [['127.0.0.1', 2, 60, 'watch:PAL-WATCH-SCANNER']],
    );
    assert.equal((await admin(b, '/rate-overrides/127.0.0.1', { method: 'DELETE' })).status, 200);
    assert.equal((await admin(b, '/rate-overrides/127.0.0.1', { method: 'DELETE' })).status, 404);
    await until('gateway A to lift the override', async () => ((await status(`${a.gatewayUrl}/x`)) === 200 ? true : undefined), NOTICE_BOUND_MS);
    assert.deepEqual(((await (await admin(a, '/rate-overrides')).json()) as { overrides: unknown[] }).overrides, []);
  });

  it('refuses malformed overrides through the admin API', async () => {
    const bad = await admin(a, '/rate-overrides', { method: 'POST', body: JSON.stringify({ target: '10.0.0.0/8', limit: 1, windowSeconds: 60, ttlSeconds: 60 }) });
    assert.equal(bad.status, 400);
    const missing = await admin(a, '/rate-overrides', { method: 'POST', body: JSON.stringify({ target: 'principal:x', limit: 0 }) });
    assert.equal(missing.status, 400);
    const ok = await admin(a, '/rate-overrides', { method: 'POST', body: JSON.stringify({ target: 'principal:mallory', limit: 5, windowSeconds: 60, ttlSeconds: 60 }) });
    assert.equal(ok.status, 201);
    assert.equal((await admin(a, `/rate-overrides/${encodeURIComponent('principal:mallory')}`, { method: 'DELETE' })).status, 200);
  });
});

describe('palisade gateway with two workers', () => {
  it("sends the workers' exchanges to the primary's detectors: a scanner is alerted and blocked", async () => {
    const up = await startUpstream((_req, res) => res.end('ok'));
    const t = tempDir();
    const file = join(t.dir, 'palisade.yaml');
    writeFileSync(
      file,
      `gateway: { workers: 2, listen: { port: 0 } }\nadmin: { listen: { port: 0 } }\nstore: { path: ${JSON.stringify(join(t.dir, 'db.sqlite'))} }\napis: [{ name: up, upstream: ${up.url} }]\nrecording: { flushIntervalMs: 20 }\nlog: { level: info }\nwatch: { detect: { detectors: { scanner: { response: { action: block, minutes: 5 } } } } }\n`,
    );
    const child = spawn(process.execPath, [CLI, 'gateway', '-c', file], { env: { ...process.env, PALISADE_ADMIN_TOKEN: ADMIN_TOKEN }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    try {
      const urls = await waitFor(() => {
        const g = /Shield gateway\s+(http:\/\/\S+)/.exec(out)?.[1];
        const a = /admin API\s+(http:\/\/\S+)/.exec(out)?.[1];
        return g && a ? { g, a } : undefined;
      }, 20_000, `the start banner; output so far: ${out}`);
      assert.match(out, /2 workers/);
      // Several requests, so that both workers (connections are spread between them) see one.
      for (let i = 0; i < 6; i++) await fetch(`${urls.g}/products?id=${i}`, { headers: { 'user-agent': 'sqlmap/1.8.2#stable (https://sqlmap.org)', connection: 'close' } });
      const alerts = await until('the alert from the primary', async () => {
        const r = (await (await fetch(`${urls.a}/alerts?detector=PAL-WATCH-SCANNER`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json()) as { alerts: Array<{ actor: { id: string }; response?: { action: string } }> };
        return r.alerts.length ? r.alerts : undefined;
      }, 10_000);
      assert.equal(alerts[0]!.actor.id, '127.0.0.1');
      assert.equal(alerts[0]!.response?.action, 'block');
      const status = (await (await fetch(`${urls.a}/watch/status`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json()) as { processed: number };
      assert.ok(status.processed >= 1);
      // The block reaches the workers (the primary tells them over IPC).
      await until('a worker to refuse the address', async () => ((await fetch(`${urls.g}/x`, { headers: { connection: 'close' } })).status === 403 ? true : undefined), 10_000);
    } finally {
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      child.kill('SIGTERM');
      assert.equal(await exited, 0, out);
      await up.close();
      t.cleanup();
    }
  });
});

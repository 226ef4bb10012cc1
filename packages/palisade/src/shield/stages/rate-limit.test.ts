import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import type { Verdict } from '../../core/index.js';
import { createRateLimitStage } from './rate-limit.js';
import type { RateLimitStage } from './rate-limit.js';
import { fakeContext, fakeEnv, settingsFor } from './fake-context.js';
import type { FakeEnv, FakeRequest } from './fake-context.js';
import type { StageSettings } from '../../core/index.js';

type Limits = StageSettings['rateLimit']['limits'];

const REDIS_URL = 'redis://127.0.0.1:6379';

async function redisProblem(): Promise<string | null> {
  const probe = new Redis(REDIS_URL, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 2000 });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    await probe.ping();
    return null;
  } catch (err) {
    return (err as Error).message;
  } finally {
    probe.disconnect();
  }
}

const problem = await redisProblem();
if (problem && process.env.CI === 'true') throw new Error(`Redis at ${REDIS_URL} is unreachable in CI: ${problem}`);
const redisSkip = problem ? `Redis at ${REDIS_URL} is unreachable (${problem}); start redis-server to run these tests` : false;

function limit(name: string, points: number, durationSeconds: number, extra: Partial<Limits[number]> = {}): Limits[number] {
  return { name, key: 'ip', points, durationSeconds, burst: 0, ...extra };
}

function stageWith(limits: Limits, env: FakeEnv = fakeEnv(), extra: Partial<StageSettings['rateLimit']> = {}): RateLimitStage {
  const stage = createRateLimitStage(settingsFor('rateLimit', { enabled: true, limits, ...extra }), env);
  assert.ok(stage);
  return stage as RateLimitStage;
}

async function send(stage: RateLimitStage, init: FakeRequest = {}): Promise<{ verdict: Verdict; headers: Record<string, string> | undefined }> {
  const ctx = fakeContext(init);
  const verdict = await stage.request!(ctx);
  return { verdict, headers: ctx.extraResponseHeaders };
}

/** How many of `n` requests are admitted. */
async function admitted(stage: RateLimitStage, n: number, init: FakeRequest = {}): Promise<number> {
  let ok = 0;
  for (let i = 0; i < n; i++) if ((await send(stage, init)).verdict.kind === 'continue') ok++;
  return ok;
}

describe('rateLimit stage', () => {
  it('is off by default and without limits', () => {
    assert.equal(createRateLimitStage(settingsFor('rateLimit'), fakeEnv()), null);
    assert.equal(createRateLimitStage(settingsFor('rateLimit', { enabled: true }), fakeEnv()), null);
  });

  it('refuses with 429, Retry-After and RateLimit headers once the window is spent', async () => {
    const stage = stageWith([limit('per-ip', 3, 60)]);
    assert.equal(await admitted(stage, 3), 3);
    const { verdict } = await send(stage);
    assert.ok(verdict.kind === 'deny');
    assert.equal(verdict.code, 'rate-limited');
    assert.equal(verdict.status, 429);
    const h = verdict.headers!;
    assert.ok(Number(h['Retry-After']) >= 1 && Number(h['Retry-After']) <= 60, h['Retry-After']);
    assert.equal(h['RateLimit-Policy'], '3;w=60');
    assert.match(h.RateLimit!, /^limit=3, remaining=0, reset=\d+$/);
    // Another address has its own count.
    assert.equal(await admitted(stage, 3, { clientIp: '198.51.100.1' }), 3);
  });

  it('puts RateLimit headers on allowed requests unless headers is false', async () => {
    const on = stageWith([limit('a', 5, 60)]);
    const { verdict, headers } = await send(on);
    assert.equal(verdict.kind, 'continue');
    assert.equal(headers?.['ratelimit-policy'], '5;w=60');
    assert.match(headers?.ratelimit ?? '', /^limit=5, remaining=4, reset=\d+$/);
    const off = stageWith([limit('a', 5, 60)], fakeEnv(), { headers: false });
    assert.equal((await send(off)).headers, undefined);
  });

  it('checks several windows at once and refuses when any is spent', async () => {
    const stage = stageWith([limit('second', 10, 1), limit('hour', 4, 3600)]);
    const first = await send(stage);
    assert.equal(first.headers?.['ratelimit-policy'], '10;w=1, 4;w=3600');
    // The header describes the window closest to refusing: the hourly one.
    assert.match(first.headers?.ratelimit ?? '', /^limit=4, remaining=3, reset=\d+$/);
    assert.equal(await admitted(stage, 5), 3);
    const { verdict } = await send(stage);
    assert.ok(verdict.kind === 'deny' && verdict.code === 'rate-limited');
    assert.ok(Number(verdict.headers!['Retry-After']) > 1, 'Retry-After comes from the hourly window');
  });

  it('admits burst requests on top of points', async () => {
    const stage = stageWith([limit('b', 2, 60, { burst: 3 })]);
    assert.equal(await admitted(stage, 10), 5);
    const { verdict } = await send(stage);
    assert.ok(verdict.kind === 'deny');
    assert.equal(verdict.headers!['RateLimit-Policy'], '5;w=60');
  });

  it('counts per route only when route is part of the key', async () => {
    const env = fakeEnv();
    const perRouteA = stageWith([limit('r', 2, 60, { key: ['ip', 'route'] })], env);
    const perRouteB = stageWith([limit('r', 2, 60, { key: ['ip', 'route'] })], env);
    assert.equal(await admitted(perRouteA, 5, { routeName: 'a' }), 2);
    assert.equal(await admitted(perRouteB, 5, { routeName: 'b' }), 2);

    const sharedA = stageWith([limit('s', 2, 60)], env);
    const sharedB = stageWith([limit('s', 2, 60)], env);
    assert.equal(await admitted(sharedA, 1, { routeName: 'a' }), 1);
    assert.equal(await admitted(sharedB, 5, { routeName: 'b' }), 1, 'one count for both routes');
  });

  it('keys by principal, falling back to the client address', async () => {
    const stage = stageWith([limit('p', 1, 60, { key: 'principal' })]);
    const as = async (id: string | undefined, ip = '203.0.113.7') => {
      const ctx = fakeContext({ clientIp: ip });
      if (id !== undefined) ctx.principal = { id, method: 'jwt', roles: [], scopes: [] };
      return (await stage.request!(ctx)).kind;
    };
    assert.equal(await as('alice'), 'continue');
    assert.equal(await as('alice', '198.51.100.9'), 'deny', 'same principal from elsewhere');
    assert.equal(await as('bob'), 'continue');
    assert.equal(await as(undefined), 'continue');
    assert.equal(await as(undefined), 'deny');
    assert.equal(await as(undefined, '198.51.100.9'), 'continue');
  });

  it('keys by API key and by any header, hashed, falling back to the client address', async () => {
    const env = fakeEnv();
    const byKey = stageWith([limit('k', 1, 60, { key: 'apiKey' })], env);
    assert.equal((await send(byKey, { headers: { 'x-api-key': 'k1' } })).verdict.kind, 'continue');
    assert.equal((await send(byKey, { headers: { 'x-api-key': 'k1' }, clientIp: '198.51.100.2' })).verdict.kind, 'deny');
    assert.equal((await send(byKey, { headers: { 'x-api-key': 'k2' } })).verdict.kind, 'continue');
    assert.equal((await send(byKey)).verdict.kind, 'continue');
    assert.equal((await send(byKey)).verdict.kind, 'deny');

    const byTenant = stageWith([limit('t', 1, 60, { key: ['header:X-Tenant', 'route'] })], env);
    assert.equal((await send(byTenant, { headers: { 'x-tenant': 'acme' } })).verdict.kind, 'continue');
    assert.equal((await send(byTenant, { headers: { 'x-tenant': 'acme' }, clientIp: '198.51.100.3' })).verdict.kind, 'deny');
    assert.equal((await send(byTenant, { headers: { 'x-tenant': 'other' } })).verdict.kind, 'continue');
  });

  it('waits instead of refusing when delayMs covers the rest of the window', async () => {
    const stage = stageWith([limit('d', 1, 1)], fakeEnv(), { delayMs: 5000 });
    assert.equal((await send(stage)).verdict.kind, 'continue');
    // The window is 1 s, so the second request waits for it to end and is then admitted.
    assert.equal((await send(stage)).verdict.kind, 'continue');
    const strict = stageWith([limit('d2', 1, 3600)], fakeEnv(), { delayMs: 100 });
    assert.equal((await send(strict)).verdict.kind, 'continue');
    assert.equal((await send(strict)).verdict.kind, 'deny', 'an hour is longer than delayMs');
  });

  it('keys by operation: the contract operation, else method and route, never the object id', async () => {
    const stage = stageWith([limit('op', 1, 60, { key: ['operation'] })]);
    const resolveOperation = (method: string, path: string) => (path.startsWith('/orders/') ? `${method} /orders/{id}` : undefined);
    const call = async (method: string, url: string, withContract = true) => {
      const ctx = { ...fakeContext({ method, url }), ...(withContract ? { resolveOperation } : {}) };
      return (await stage.request!(ctx)).kind;
    };
    assert.equal(await call('GET', '/orders/1'), 'continue');
    assert.equal(await call('GET', '/orders/2'), 'deny', 'another id, same operation');
    assert.equal(await call('DELETE', '/orders/2'), 'continue', 'another operation');
    assert.equal(await call('GET', '/other', false), 'continue');
    assert.equal(await call('GET', '/another', false), 'deny', 'without a contract: method and route');
  });

  it('applies the limits of the caller\'s plan, read from a claim or a scope', async () => {
    const plans = { gold: [limit('g', 3, 60, { key: 'principal' })], free: [limit('f', 1, 60, { key: 'principal' })] };
    const byClaim = stageWith([limit('anon', 2, 60)], fakeEnv(), { plan: 'claim:plan', plans });
    const as = async (stage: RateLimitStage, id: string | undefined, claims: Record<string, unknown> = {}, scopes: string[] = []) => {
      const ctx = fakeContext({});
      if (id !== undefined) ctx.principal = { id, method: 'jwt', roles: [], scopes, claims };
      const v = await stage.request!(ctx);
      return v.kind === 'deny' ? `deny ${v.headers?.['RateLimit-Policy']}` : 'ok';
    };
    const run = async (stage: RateLimitStage, n: number, ...args: Parameters<typeof as> extends [unknown, ...infer R] ? R : never) => {
      const out: string[] = [];
      for (let i = 0; i < n; i++) out.push(await as(stage, ...args));
      return out;
    };
    assert.deepEqual(await run(byClaim, 4, 'g1', { plan: 'gold' }), ['ok', 'ok', 'ok', 'deny 3;w=60']);
    assert.deepEqual(await run(byClaim, 2, 'f1', { plan: 'free' }), ['ok', 'deny 1;w=60']);
    // No plan, or one the configuration does not know: the default limits (keyed by address here).
    assert.deepEqual(await run(byClaim, 3, 'x1', { plan: 'platinum' }), ['ok', 'ok', 'deny 2;w=60']);
    const byScope = stageWith([], fakeEnv(), { plan: 'scope:plan.', plans });
    assert.deepEqual(await run(byScope, 2, 's1', {}, ['read', 'plan.free']), ['ok', 'deny 1;w=60']);
    assert.deepEqual(await run(byScope, 5, undefined), ['ok', 'ok', 'ok', 'ok', 'ok'], 'no default limits: anonymous callers pass');
    assert.throws(() => stageWith([], fakeEnv(), { plans }), /rateLimit\.plan/);
  });

  it('validates key parts', () => {
    assert.throws(() => settingsFor('rateLimit', { limits: [{ ...limit('x', 1, 1), key: 'cookie' }] }));
    assert.throws(() => settingsFor('rateLimit', { limits: [{ ...limit('x', 1, 1), key: 'header:' }] }));
  });

  it('decides synchronously when counting in memory: no promise on the pipeline\'s path', () => {
    const stage = stageWith([limit('sync', 1, 60)]);
    const first = stage.request!(fakeContext());
    assert.ok(!(first instanceof Promise));
    assert.equal(first.kind, 'continue');
    const second = stage.request!(fakeContext());
    assert.ok(!(second instanceof Promise) && second.kind === 'deny');
  });

  it('sets Retry-After to what is left of the longest refusing window', async () => {
    const minuteOnly = stageWith([limit('m', 1, 60), limit('h', 10, 3600)]);
    await send(minuteOnly);
    const m = (await send(minuteOnly)).verdict;
    assert.ok(m.kind === 'deny');
    assert.equal(m.headers!['Retry-After'], '60', 'only the minute window refuses');
    assert.match(m.headers!.RateLimit!, /^limit=1, remaining=0, reset=60$/);

    const both = stageWith([limit('m2', 1, 60), limit('h2', 1, 3600)]);
    await send(both);
    const b = (await send(both)).verdict;
    assert.ok(b.kind === 'deny');
    assert.equal(b.headers!['Retry-After'], '3600');
    assert.match(b.headers!.RateLimit!, /^limit=1, remaining=0, reset=60$/, 'the first of the windows closest to refusing');
  });

  it('refuses for blockDurationSeconds once a window is exhausted', async () => {
    const stage = stageWith([limit('blk', 2, 1, { blockDurationSeconds: 300 })]);
    assert.equal(await admitted(stage, 2), 2);
    const { verdict } = await send(stage);
    assert.ok(verdict.kind === 'deny');
    assert.equal(verdict.headers!['Retry-After'], '300');
  });

  it('adds its headers to those other stages set, and does not replace them', async () => {
    const stage = stageWith([limit('hdr', 5, 60)]);
    const ctx = fakeContext();
    ctx.extraResponseHeaders = { Vary: 'Origin' };
    assert.equal((await stage.request!(ctx)).kind, 'continue');
    assert.equal(ctx.extraResponseHeaders.Vary, 'Origin');
    assert.equal(ctx.extraResponseHeaders['ratelimit-policy'], '5;w=60');
  });

  describe('counting in Redis (127.0.0.1:6379)', { skip: redisSkip }, () => {
    const prefix = `palisade-test-${randomUUID()}:`;
    let client: Redis;
    before(async () => {
      // Configured as the gateway's client (shield/host.ts), which waits for 'ready' before serving.
      client = new Redis(REDIS_URL, { enableOfflineQueue: false, maxRetriesPerRequest: 1, enableAutoPipelining: true });
      await new Promise((resolve) => client.once('ready', resolve));
    });
    after(async () => {
      try {
        const keys = await client.keys(`${prefix}*`);
        if (keys.length > 0) await client.del(...keys);
      } finally {
        client.disconnect();
      }
    });

    it('gives the verdicts and headers the memory counters give, for several windows, burst and keys', async () => {
      const limits = [limit('s', 3, 60, { burst: 1 }), limit('h', 6, 3600, { key: ['ip', 'route'] })];
      const memory = stageWith(limits);
      const redis = stageWith(limits, { ...fakeEnv(), redis: { client, keyPrefix: prefix } });
      const trace = async (stage: RateLimitStage) => {
        const out: string[] = [];
        for (let i = 0; i < 8; i++) {
          const { verdict, headers } = await send(stage, { clientIp: i % 4 === 3 ? '198.51.100.8' : '203.0.113.7' });
          const h = verdict.kind === 'deny' ? verdict.headers : headers;
          out.push(`${verdict.kind} ${h?.['Retry-After'] ?? ''} ${h?.['RateLimit-Policy']} ${h?.RateLimit?.replace(/reset=\d+/, '')}`);
        }
        return out;
      };
      const fromRedis = await trace(redis);
      assert.deepEqual(fromRedis, await trace(memory));
      assert.equal(fromRedis.filter((t) => t.startsWith('deny 60 4;w=60, 6;w=3600 limit=4, remaining=0')).length, 2);
      assert.equal(redis.storeFailures, 0);
    });

    it('shares one count between two stages (two gateways) on the same Redis', async () => {
      const limits = [limit('shared', 4, 60)];
      const a = stageWith(limits, { ...fakeEnv(), redis: { client, keyPrefix: prefix } });
      const b = stageWith(limits, { ...fakeEnv(), redis: { client, keyPrefix: prefix } });
      const kinds = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).request!(fakeContext({ clientIp: '192.0.2.44' }))));
      assert.equal(kinds.filter((v) => v.kind === 'continue').length, 4);
    });
  });

  describe('when Redis is unreachable', () => {
    const clients: Redis[] = [];
    after(() => {
      for (const c of clients) c.disconnect();
    });

    async function unreachableRedis(): Promise<Redis> {
      // A port that was free a moment ago: nothing listens there.
      const server = net.createServer();
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
      const port = (server.address() as AddressInfo).port;
      await new Promise<void>((r) => server.close(() => r()));
      const client = new Redis({ host: '127.0.0.1', port, enableOfflineQueue: false, maxRetriesPerRequest: 1, retryStrategy: () => null });
      client.on('error', () => undefined);
      clients.push(client);
      return client;
    }

    for (const failMode of ['open', 'closed'] as const) {
      it(`fails ${failMode}, logs once and counts every failure`, async () => {
        const env: FakeEnv = { ...fakeEnv(), redis: { client: await unreachableRedis(), keyPrefix: 'palisade-test:' } };
        const stage = stageWith([limit('r', 1, 60)], env, { failMode });
        for (let i = 0; i < 3; i++) {
          const { verdict, headers } = await send(stage);
          if (failMode === 'open') {
            assert.equal(verdict.kind, 'continue');
            assert.equal(headers, undefined, 'no counts to advertise');
          } else {
            assert.ok(verdict.kind === 'deny');
            assert.equal(verdict.code, 'rate-limit-unavailable');
            assert.equal(verdict.status, 503);
          }
        }
        assert.equal(stage.storeFailures, 3);
        assert.equal(env.logs.filter((l) => l.level === 'error').length, 1, 'the log is rate-limited');
      });
    }
  });
});

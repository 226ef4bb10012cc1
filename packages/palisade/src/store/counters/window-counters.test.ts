// One suite for both WindowCounters implementations (in-process and Redis), plus what only one of
// them has: the in-process clock at a window's edges, Redis's single round trip and its key names.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import { MemoryWindowCounters } from './window-counters.js';
import type { CounterWindow, WindowCounters, WindowCounts } from './window-counters.js';
import { RedisWindowCounters } from './redis-window-counters.js';

const REDIS_URL = 'redis://127.0.0.1:6379';

function win(id: string, limit: number, durationSeconds: number, blockSeconds = 0): CounterWindow {
  return { id, limit, durationSeconds, blockSeconds };
}

/** Counts only, without the times. */
function countsOf(r: WindowCounts): number[] {
  return r.filter((_, i) => i % 2 === 0);
}

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

interface Subject {
  counters: WindowCounters;
  /** Lets the counters' clock move on by `ms` (really waiting, for Redis). */
  advance(ms: number): Promise<void>;
}

function contractSuite(name: string, make: () => Subject, skip: string | false = false): void {
  describe(`WindowCounters contract: ${name}`, { skip }, () => {
    let n = 0;
    /** A window id of its own per test: counts never carry over. */
    const fresh = (limit: number, durationSeconds: number, blockSeconds = 0) => win(`t${n++}-${randomUUID().slice(0, 8)}`, limit, durationSeconds, blockSeconds);

    it('counts per key, from 1, with the whole window ahead', async () => {
      const { counters } = make();
      const w = fresh(3, 60);
      const first = await counters.add([w], ['a'], 1);
      assert.equal(first[0], 1);
      assert.ok(first[1]! > 59_000 && first[1]! <= 60_000, `ms left ${first[1]}`);
      assert.equal((await counters.add([w], ['a'], 1))[0], 2);
      assert.equal((await counters.add([w], ['b'], 1))[0], 1, 'another key counts alone');
    });

    it('keeps counting past the limit: refused requests count too', async () => {
      const { counters } = make();
      const w = fresh(2, 60);
      const seen: number[] = [];
      for (let i = 0; i < 4; i++) seen.push((await counters.add([w], ['k'], 1))[0]!);
      assert.deepEqual(seen, [1, 2, 3, 4]);
    });

    it('counts several windows in one call, each with its own key and time', async () => {
      const { counters } = make();
      const second = fresh(10, 1);
      const hour = fresh(4, 3600);
      await counters.add([hour], ['ip=1'], 1);
      const r = await counters.add([second, hour], ['ip=1|route=a', 'ip=1'], 1);
      assert.deepEqual(countsOf(r), [1, 2]);
      assert.ok(r[1]! <= 1000 && r[1]! > 0, `second window: ${r[1]} ms`);
      assert.ok(r[3]! > 3_500_000 && r[3]! <= 3_600_000, `hour window: ${r[3]} ms`);
    });

    it('gives a request back with delta -1', async () => {
      const { counters } = make();
      const w = fresh(1, 60);
      await counters.add([w], ['k'], 1);
      await counters.add([w], ['k'], 1);
      assert.equal((await counters.add([w], ['k'], -1))[0], 1);
      assert.equal((await counters.add([w], ['k'], 1))[0], 2);
    });

    it('shares counts between windows with the same id, not between different ids', async () => {
      const { counters } = make();
      const w = fresh(5, 60);
      const same = { ...w };
      const other = { ...w, id: `${w.id}-other` };
      await counters.add([w], ['k'], 1);
      assert.deepEqual(countsOf(await counters.add([same, other], ['k', 'k'], 1)), [2, 1]);
    });

    it('starts a new window once the old one has ended', async () => {
      const { counters, advance } = make();
      const w = fresh(1, 1);
      await counters.add([w], ['k'], 1);
      assert.equal((await counters.add([w], ['k'], 1))[0], 2);
      await advance(1100);
      const r = await counters.add([w], ['k'], 1);
      assert.equal(r[0], 1);
      assert.ok(r[1]! > 800, `a full new window: ${r[1]} ms`);
    });

    it('blocks for blockSeconds from the request that first went over', async () => {
      const { counters } = make();
      const w = fresh(2, 1, 30);
      await counters.add([w], ['k'], 1);
      const inside = await counters.add([w], ['k'], 1);
      assert.ok(inside[1]! <= 1000, 'within the limit: the window');
      const over = await counters.add([w], ['k'], 1);
      assert.equal(over[0], 3);
      assert.ok(over[1]! > 29_000 && over[1]! <= 30_000, `blocked: ${over[1]} ms`);
      const later = await counters.add([w], ['k'], 1);
      assert.equal(later[0], 4);
      assert.ok(later[1]! <= over[1]!, 'the block is not extended by later requests');
    });
  });
}

// The in-process counters, on a clock the test moves.
contractSuite('memory', () => {
  let now = 1_700_000_000_000;
  return {
    counters: new MemoryWindowCounters(() => now),
    advance: (ms) => {
      now += ms;
      return Promise.resolve();
    },
  };
});

describe('MemoryWindowCounters at the edges', () => {
  it('counts in the window up to its last millisecond and afresh from its end', () => {
    let now = 1_000_000;
    const c = new MemoryWindowCounters(() => now);
    const w = win('edge', 2, 10);
    assert.deepEqual(c.add([w], ['k'], 1), [1, 10_000]);
    now += 9_999;
    assert.deepEqual(c.add([w], ['k'], 1), [2, 1]);
    assert.deepEqual(c.add([w], ['k'], 1), [3, 1]);
    now += 1;
    assert.deepEqual(c.add([w], ['k'], 1), [1, 10_000], 'the window ends at exactly its duration');
  });

  it('a give-back to a window that has ended gives nothing to the next one', () => {
    let now = 1_000_000;
    const c = new MemoryWindowCounters(() => now);
    const w = win('refund', 1, 10);
    assert.deepEqual(c.add([w], ['k'], 1), [1, 10_000]);
    now += 10_000;
    assert.deepEqual(c.add([w], ['k'], -1), [0, 0]);
    assert.deepEqual(c.add([w], ['k'], 1), [1, 10_000]);
    assert.deepEqual(c.add([w], ['k'], 1), [2, 10_000], 'the new window holds its limit');
  });

  it('drops expired entries, so memory follows the keys of the current window', () => {
    let now = 5_000_000;
    const c = new MemoryWindowCounters(() => now);
    const w = win('sweep', 10, 1);
    for (let i = 0; i < 1000; i++) c.add([w], [`ip=${i}`], 1);
    assert.equal(c.entries('sweep'), 1000);
    now += 2000;
    c.add([w], ['ip=new'], 1);
    assert.equal(c.entries('sweep'), 1);
  });

  it('keeps a blocked key through its block although the window is shorter', () => {
    let now = 0;
    const c = new MemoryWindowCounters(() => now);
    const w = win('block', 1, 1, 60);
    c.add([w], ['k'], 1);
    c.add([w], ['k'], 1);
    now += 30_000;
    for (let i = 0; i < 10; i++) c.add([w], [`other=${i}`], 1);
    const r = c.add([w], ['k'], 1);
    assert.deepEqual(r, [3, 30_000], 'still blocked half-way through the block');
  });
});

describe('RedisWindowCounters', { skip: redisSkip }, () => {
  const prefix = `palisade-test-${randomUUID()}:`;
  let redis: Redis;

  before(async () => {
    redis = new Redis(REDIS_URL, { enableAutoPipelining: true });
    // As the gateway does at startup: counters refuse to queue until the connection is ready.
    await redis.ping();
  });

  after(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  contractSuite(
    'Redis',
    () => ({ counters: new RedisWindowCounters(redis, prefix), advance: (ms) => sleep(ms) }),
    redisSkip,
  );

  it('checks every window of a request in one script call', async () => {
    // A client of its own without auto-pipelining, whose commands all pass through sendCommand.
    const plain = new Redis(REDIS_URL);
    await plain.ping();
    const scripts: string[] = [];
    const send = plain.sendCommand.bind(plain);
    plain.sendCommand = (cmd, stream) => {
      scripts.push(cmd.name);
      return send(cmd, stream);
    };
    try {
      const counters = new RedisWindowCounters(plain, prefix);
      const r = await counters.add([win('one-a', 5, 60), win('one-b', 5, 3600), win('one-c', 5, 1)], ['k', 'k', 'k'], 1);
      assert.deepEqual(countsOf(r), [1, 1, 1]);
    } finally {
      plain.disconnect();
    }
    assert.equal(scripts.filter((s) => s === 'evalsha' || s === 'eval').length, scripts.length);
    assert.ok(scripts.length === 1 || (scripts.length === 2 && scripts[1] === 'eval'), `commands sent: ${scripts.join(', ')}`);
  });

  it('counts the requests of one event-loop turn with one script call, each as if alone', async () => {
    const plain = new Redis(REDIS_URL);
    await plain.ping();
    const sent: string[] = [];
    const send = plain.sendCommand.bind(plain);
    plain.sendCommand = (cmd, stream) => {
      sent.push(cmd.name);
      return send(cmd, stream);
    };
    try {
      const counters = new RedisWindowCounters(plain, prefix);
      const minute = win('turn-m', 3, 60);
      const hour = win('turn-h', 100, 3600, 0);
      const results = await Promise.all(Array.from({ length: 6 }, (_, i) => counters.add(i === 5 ? [hour] : [minute, hour], i === 5 ? ['b'] : ['a', 'b'], 1)));
      assert.deepEqual(results.map(countsOf), [[1, 1], [2, 2], [3, 3], [4, 4], [5, 5], [6]]);
      assert.equal(sent.filter((s) => s === 'evalsha' || s === 'eval').length, sent.includes('eval') ? 2 : 1, `commands sent: ${sent.join(', ')}`);
      // A later turn is a new call.
      assert.deepEqual(countsOf(await counters.add([minute], ['a'], -1)), [4]);
    } finally {
      plain.disconnect();
    }
  });

  it('shares counts with rate-limiter-flexible, which named the keys before (rolling upgrades)', async () => {
    const counters = new RedisWindowCounters(redis, prefix);
    const id = 'rl:m:ip:5:60:0';
    const old = new RateLimiterRedis({ storeClient: redis, keyPrefix: `${prefix}${id}`, points: 5, duration: 60 });
    await old.consume('ip=198.51.100.4');
    const r = await counters.add([win(id, 5, 60)], ['ip=198.51.100.4'], 1);
    assert.equal(r[0], 2);
    assert.equal((await old.consume('ip=198.51.100.4')).consumedPoints, 3);
  });

  it('gives concurrent requests of several clients distinct counts: the script is atomic', async () => {
    const other = new Redis(REDIS_URL);
    await other.ping();
    try {
      const a = new RedisWindowCounters(redis, prefix);
      const b = new RedisWindowCounters(other, prefix);
      const w = win('atomic', 1000, 60);
      const results = await Promise.all(Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? a : b).add([w, w], ['k', 'k2'], 1)));
      const counts = results.map((r) => r[0]!).sort((x, y) => x - y);
      assert.deepEqual(counts, Array.from({ length: 200 }, (_, i) => i + 1));
    } finally {
      other.disconnect();
    }
  });

  it('leases a busy key: two processes admit the limit less their unspent leases, never more, in few script calls', async () => {
    const clients = [new Redis(REDIS_URL), new Redis(REDIS_URL)];
    let scripts = 0;
    for (const c of clients) {
      await c.ping();
      const send = c.sendCommand.bind(c);
      c.sendCommand = (cmd, stream) => {
        if (cmd.name === 'evalsha' || cmd.name === 'eval') scripts++;
        return send(cmd, stream);
      };
    }
    try {
      // 2,000 per minute: leases of up to 1 % of it, capped at 16.
      const [a, b] = clients.map((c) => new RedisWindowCounters(c, prefix, { leaseFraction: 0.01, maxLease: 16 }));
      const windows = [win('lease-m', 2000, 60), win('lease-h', 100_000, 3600)];
      const keys = ['busy', 'busy'];
      const seen: number[] = [];
      let requests = 0;
      for (let i = 0; i < 2200; i += 20) {
        const batch = await Promise.all(Array.from({ length: 20 }, (_, j) => Promise.resolve(((i + j) % 2 === 0 ? a! : b!).add(windows, keys, 1))));
        requests += batch.length;
        for (const r of batch) seen.push(r[0]!);
      }
      const admitted = seen.filter((c) => c <= 2000);
      assert.ok(admitted.length <= 2000, `admitted ${admitted.length}`);
      assert.ok(admitted.length >= 2000 - 2 * 15, `admitted ${admitted.length}: more than two leases' worth unspent`);
      assert.equal(new Set(admitted).size, admitted.length, 'two requests were given the same count');
      assert.ok(scripts < requests / 4, `${scripts} script calls for ${requests} requests`);
      // What was refused was counted in Redis, one by one, as without leases.
      assert.ok(Number(await redis.get(`${prefix}lease-m:busy`)) > 2000);
    } finally {
      for (const c of clients) c.disconnect();
    }
  });

  it('takes no lease for a key seen once, nor for limits too small to lease', async () => {
    const counters = new RedisWindowCounters(redis, prefix, { leaseFraction: 0.01, maxLease: 16 });
    await counters.add([win('lease-once', 2000, 60)], ['k'], 1);
    assert.equal(await redis.get(`${prefix}lease-once:k`), '1');
    const small = [win('lease-small', 150, 60)];
    for (let i = 0; i < 5; i++) await counters.add(small, ['k'], 1);
    assert.equal(await redis.get(`${prefix}lease-small:k`), '5');
  });

  it('refuses at once, without queueing, when the connection is not ready', async () => {
    const offline = new Redis(REDIS_URL, { lazyConnect: true, enableOfflineQueue: false });
    try {
      const c = new RedisWindowCounters(offline, prefix);
      await assert.rejects(Promise.resolve(c.add([win('x', 1, 1)], ['k'], 1)), /Redis connection is not ready \(wait\)/);
    } finally {
      offline.disconnect();
    }
  });
});

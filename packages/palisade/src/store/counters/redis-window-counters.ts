// Fixed-window counters in Redis, shared by every gateway process: all the windows of a request
// are checked and counted by one Lua script, so a request costs one round trip whatever the number
// of windows, and no other gateway's request can slip between two of its windows. The requests of
// one event-loop turn share that script call.
//
// The script runs on one Redis node: its keys are not hash-tagged for Redis Cluster (store.redis
// is one URL, one node). Keys are `<keyPrefix><window id>:<key>`, as rate-limiter-flexible named
// them, so gateways of the previous version share counts with this one during a rolling upgrade.
import type { Redis } from 'ioredis';
import type { CounterWindow, WindowCounters, WindowCounts } from './window-counters.js';

/**
 * KEYS: the counter of every window of every request, in order. ARGV, per request: the change (1,
 * or -1 to give a request back), its number of windows, then per window: limit, duration and
 * block, in seconds. Per window as rate-limiter-flexible's script did: create the counter with its
 * expiry if absent, add, read what is left of the window (repairing a counter that lost its
 * expiry); the request that first goes over the limit starts the block. Returns count and
 * milliseconds left, per window, in order.
 */
export const WINDOW_SCRIPT = `
local out = {}
local k = 1
local a = 1
while a <= #ARGV do
  local delta = tonumber(ARGV[a])
  local windows = tonumber(ARGV[a + 1])
  a = a + 2
  for _ = 1, windows do
    local key = KEYS[k]
    local limit = tonumber(ARGV[a])
    local duration = ARGV[a + 1]
    local block = tonumber(ARGV[a + 2])
    k = k + 1
    a = a + 3
    redis.call('set', key, 0, 'EX', duration, 'NX')
    local count = redis.call('incrby', key, delta)
    local ttl = redis.call('pttl', key)
    if ttl < 0 then
      redis.call('expire', key, duration)
      ttl = 1000 * tonumber(duration)
    end
    if block > 0 and delta > 0 and count > limit and count <= limit + delta then
      redis.call('set', key, count, 'EX', block)
      ttl = 1000 * block
    end
    out[#out + 1] = count
    out[#out + 1] = ttl
  end
end
return out
`;

const COMMAND = 'palisadeWindowCounters';

/**
 * Windows counted by one script call at most: the script blocks Redis while it runs, so a burst
 * of requests is split rather than sent as one long script.
 */
const MAX_WINDOWS_PER_CALL = 1024;

type ScriptClient = Redis & Record<typeof COMMAND, (numKeys: number, ...args: Array<string | number>) => Promise<unknown>>;

/** A script is defined once per client (ioredis then sends EVALSHA, and EVAL once if Redis lost it). */
const defined = new WeakSet<Redis>();

interface Pending {
  readonly windows: readonly CounterWindow[];
  readonly keys: readonly string[];
  readonly delta: number;
  readonly resolve: (counts: WindowCounts) => void;
  readonly reject: (err: unknown) => void;
}

/**
 * Requests that arrive in the same turn of the event loop (those whose sockets became readable
 * together) are counted by one script call: one command, one reply and one Lua invocation for the
 * lot. Each request is still counted atomically and in arrival order, so the counts are exactly
 * those of one call per request; a request waits at most for the rest of the current turn.
 */
export class RedisWindowCounters implements WindowCounters {
  private readonly client: ScriptClient;
  private pending: Pending[] = [];
  private pendingWindows = 0;
  private scheduled = false;

  constructor(client: Redis, private readonly keyPrefix: string) {
    if (!defined.has(client)) {
      client.defineCommand(COMMAND, { lua: WINDOW_SCRIPT });
      defined.add(client);
    }
    this.client = client as ScriptClient;
  }

  add(windows: readonly CounterWindow[], keys: readonly string[], delta: number): Promise<WindowCounts> {
    // Not queued while disconnected: a request must not wait for Redis to come back; the caller's
    // failure mode decides instead.
    if (this.client.status !== 'ready') return Promise.reject(new Error(`Redis connection is not ready (${this.client.status})`));
    if (windows.length === 0) return Promise.resolve([]);
    return new Promise<WindowCounts>((resolve, reject) => {
      if (this.pendingWindows + windows.length > MAX_WINDOWS_PER_CALL) this.flush();
      this.pending.push({ windows, keys, delta, resolve, reject });
      this.pendingWindows += windows.length;
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(this.flushScheduled);
      }
    });
  }

  private readonly flushScheduled = (): void => {
    this.scheduled = false;
    this.flush();
  };

  private flush(): void {
    const batch = this.pending;
    const total = this.pendingWindows;
    if (batch.length === 0) return;
    this.pending = [];
    this.pendingWindows = 0;
    // KEYS first, then per request its change, its window count and three numbers per window.
    const args = new Array<string | number>(total + 2 * batch.length + 3 * total);
    let k = 0;
    let a = total;
    for (const p of batch) {
      args[a++] = p.delta;
      args[a++] = p.windows.length;
      for (let i = 0; i < p.windows.length; i++) {
        const w = p.windows[i]!;
        args[k++] = `${this.keyPrefix}${w.id}:${p.keys[i]!}`;
        args[a++] = w.limit;
        args[a++] = w.durationSeconds;
        args[a++] = w.blockSeconds;
      }
    }
    let sent: Promise<unknown>;
    try {
      sent = this.client[COMMAND](total, ...args);
    } catch (err) {
      sent = Promise.reject(err);
    }
    sent.then(
      (r) => {
        if (!Array.isArray(r) || r.length !== 2 * total || !r.every((x) => typeof x === 'number')) {
          const err = new Error(`Redis answered the window-counter script with ${JSON.stringify(r)?.slice(0, 80)}, not ${2 * total} integers`);
          for (const p of batch) p.reject(err);
          return;
        }
        let at = 0;
        for (const p of batch) {
          const n = 2 * p.windows.length;
          p.resolve((r as number[]).slice(at, at + n));
          at += n;
        }
      },
      (err: unknown) => {
        for (const p of batch) p.reject(err);
      },
    );
  }
}

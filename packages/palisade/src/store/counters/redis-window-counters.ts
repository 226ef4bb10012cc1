// Fixed-window counters in Redis, shared by every gateway process: all the windows of a request
// are checked and counted by one Lua script, so a request costs one round trip whatever the number
// of windows, and no other gateway's request can slip between two of its windows. The requests of
// one event-loop turn share that script call.
//
// A key that is busy takes its requests from Redis in leases (see LEASE_FRACTION): one script call
// counts a batch of them, and this process hands them out without a round trip until the batch is
// spent or its window ends. Leases are only taken while the whole batch fits under every window's
// limit, so no process admits more than the limit; what a process holds unspent when the window
// ends is lost, which bounds the under-admission by (lease size - 1) per process.
//
// The script runs on one Redis node: its keys are not hash-tagged for Redis Cluster (store.redis
// is one URL, one node). Keys are `<keyPrefix><window id>:<key>`, as rate-limiter-flexible named
// them, so gateways of the previous version share counts with this one during a rolling upgrade.
import type { Redis } from 'ioredis';
import type { CounterWindow, WindowCounters, WindowCounts } from './window-counters.js';

/**
 * KEYS: the counter of every window of every request, in order. ARGV, per request: the change (1,
 * or -1 to give a request back), the lease asked (1: none), its number of windows, then per window:
 * limit, duration and block, in seconds. A lease of n is granted (the change becomes n) only when
 * every window's count plus n stays within its limit; else the request counts as one. Per window
 * as rate-limiter-flexible's script did: create the counter with its expiry if absent, add, read
 * what is left of the window (repairing a counter that lost its expiry); the request that first
 * goes over the limit starts the block. Returns, per request, the change granted, then count and
 * milliseconds left per window, in order.
 */
export const WINDOW_SCRIPT = `
local out = {}
local k = 1
local a = 1
while a <= #ARGV do
  local delta = tonumber(ARGV[a])
  local lease = tonumber(ARGV[a + 1])
  local windows = tonumber(ARGV[a + 2])
  a = a + 3
  if lease > 1 then
    local fits = true
    for w = 0, windows - 1 do
      local current = tonumber(redis.call('get', KEYS[k + w]) or '0')
      if current + lease > tonumber(ARGV[a + 3 * w]) then fits = false end
    end
    if fits then delta = lease end
  end
  out[#out + 1] = delta
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

// A new name for the new argument layout: during a rolling upgrade each version runs its own script.
const COMMAND = 'palisadeWindowCounters2';

/**
 * A lease is at most this share of the smallest limit of its windows, so that P processes holding
 * unspent leases when a window ends under-admit by at most P/1000 of the limit (the two-gateway
 * accuracy test allows 1 % + burst). Limits under 2,000 are never leased: every request counts in
 * Redis, as before.
 */
export const LEASE_FRACTION = 0.001;
/** The largest lease: a busy key then costs one round trip per this many requests. */
export const MAX_LEASE = 64;

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
  /** Requests asked for at once (1: only this one). */
  readonly lease: number;
  /** The change granted (the lease, or 1), then the counts. */
  readonly resolve: (granted: number, counts: WindowCounts) => void;
  readonly reject: (err: unknown) => void;
}

/** Requests of one key (one set of windows and keys) counted in Redis ahead and handed out here. */
interface Lease {
  /** Requests left to hand out. */
  left: number;
  /** Counts and milliseconds left per window as Redis answered the lease: those of its last request. */
  counts: WindowCounts;
  /** When the lease was asked (before Redis counted it, so its end is never late). */
  at: number;
  /** The first window end among the lease's windows: unspent requests are worth nothing after it. */
  expiresAt: number;
  /** The size of the next lease asked: doubles while the key spends its leases, halves when it does not. */
  next: number;
  /** Requests that came while a lease was on its way; they take from it, or count alone. */
  waiting: Array<Omit<Pending, 'lease' | 'delta' | 'windows' | 'keys'>> | undefined;
}

export interface RedisWindowCountersOptions {
  /** Share of the smallest limit a lease may be (default LEASE_FRACTION); 0 turns leases off. */
  readonly leaseFraction?: number;
  /** Largest lease (default MAX_LEASE). */
  readonly maxLease?: number;
}

/** Expired leases are dropped at most this often, from the front of their map (oldest first). */
const LEASE_SWEEP_MS = 1000;

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
  private readonly leaseFraction: number;
  private readonly maxLease: number;
  /** Per set of windows (the stage passes the same array for every request of a set): the largest lease, and the leases by key. */
  private readonly leases = new WeakMap<readonly CounterWindow[], { max: number; byKey: Map<string, Lease>; nextSweep: number }>();

  constructor(
    client: Redis,
    private readonly keyPrefix: string,
    options: RedisWindowCountersOptions = {},
  ) {
    if (!defined.has(client)) {
      client.defineCommand(COMMAND, { lua: WINDOW_SCRIPT });
      defined.add(client);
    }
    this.client = client as ScriptClient;
    this.leaseFraction = options.leaseFraction ?? LEASE_FRACTION;
    this.maxLease = options.maxLease ?? MAX_LEASE;
  }

  add(windows: readonly CounterWindow[], keys: readonly string[], delta: number): WindowCounts | Promise<WindowCounts> {
    // Not queued while disconnected: a request must not wait for Redis to come back; the caller's
    // failure mode decides instead.
    if (this.client.status !== 'ready') return Promise.reject(new Error(`Redis connection is not ready (${this.client.status})`));
    if (windows.length === 0) return Promise.resolve([]);
    if (delta === 1) {
      const set = this.leaseSet(windows);
      if (set.max > 1) return this.leased(set, windows, keys);
    }
    return new Promise<WindowCounts>((resolve, reject) => this.enqueue({ windows, keys, delta, lease: 1, resolve: (_g, c) => resolve(c), reject }));
  }

  private leaseSet(windows: readonly CounterWindow[]): { max: number; byKey: Map<string, Lease>; nextSweep: number } {
    let set = this.leases.get(windows);
    if (!set) {
      let smallest = Infinity;
      for (const w of windows) smallest = Math.min(smallest, w.limit);
      set = { max: Math.max(1, Math.min(this.maxLease, Math.floor(smallest * this.leaseFraction))), byKey: new Map(), nextSweep: 0 };
      this.leases.set(windows, set);
    }
    return set;
  }

  /** One request of a leased set: from the key's lease when it has one, else from Redis (asking for the next lease). */
  private leased(set: { max: number; byKey: Map<string, Lease>; nextSweep: number }, windows: readonly CounterWindow[], keys: readonly string[]): WindowCounts | Promise<WindowCounts> {
    const now = Date.now();
    if (now >= set.nextSweep) sweep(set, now);
    // Windows with the same key parts share one key string (the stage computes it once).
    let id = keys[0]!;
    for (let i = 1; i < keys.length; i++) if (keys[i] !== keys[0]) id += `\n${keys[i]!}`;
    let lease = set.byKey.get(id);
    if (lease !== undefined) {
      if (lease.left > 0 && now < lease.expiresAt) return take(lease, now);
      if (lease.waiting) return new Promise<WindowCounts>((resolve, reject) => lease!.waiting!.push({ resolve: (_g, c) => resolve(c), reject }));
      // Spent before its end: the key is busy, ask for more. Outlived: it is not, ask for less.
      lease.next = now < lease.expiresAt ? Math.min(set.max, lease.next * 2) : Math.max(1, lease.next >> 1);
      set.byKey.delete(id);
    } else {
      // A key's first request counts alone: a client seen once takes no lease.
      lease = { left: 0, counts: [], at: now, expiresAt: 0, next: 1, waiting: undefined };
    }
    const l = lease;
    set.byKey.set(id, l);
    l.waiting = [];
    return new Promise<WindowCounts>((resolve, reject) => {
      this.enqueue({
        windows,
        keys,
        delta: 1,
        lease: l.next,
        resolve: (granted, counts) => {
          const waiting = l.waiting ?? [];
          l.waiting = undefined;
          l.at = now;
          l.counts = counts;
          l.left = granted;
          let end = Infinity;
          for (let i = 1; i < counts.length; i += 2) end = Math.min(end, now + counts[i]!);
          l.expiresAt = end;
          const at = Date.now();
          resolve(take(l, at));
          for (const w of waiting) {
            if (l.left > 0 && at < l.expiresAt) w.resolve(1, take(l, at));
            else this.enqueue({ windows, keys, delta: 1, lease: 1, resolve: w.resolve, reject: w.reject });
          }
        },
        reject: (err) => {
          const waiting = l.waiting ?? [];
          l.waiting = undefined;
          l.left = 0;
          reject(err);
          for (const w of waiting) w.reject(err);
        },
      });
    });
  }

  private enqueue(p: Pending): void {
    if (this.pendingWindows + p.windows.length > MAX_WINDOWS_PER_CALL) this.flush();
    this.pending.push(p);
    this.pendingWindows += p.windows.length;
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flushScheduled);
    }
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
    // KEYS first, then per request its change, its lease, its window count and three numbers per window.
    const args = new Array<string | number>(total + 3 * batch.length + 3 * total);
    let k = 0;
    let a = total;
    for (const p of batch) {
      args[a++] = p.delta;
      args[a++] = p.lease;
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
        const expected = 2 * total + batch.length;
        if (!Array.isArray(r) || r.length !== expected || !r.every((x) => typeof x === 'number')) {
          const err = new Error(`Redis answered the window-counter script with ${JSON.stringify(r)?.slice(0, 80)}, not ${expected} integers`);
          for (const p of batch) p.reject(err);
          return;
        }
        let at = 0;
        for (const p of batch) {
          const n = 2 * p.windows.length;
          p.resolve((r as number[])[at]!, (r as number[]).slice(at + 1, at + 1 + n));
          at += n + 1;
        }
      },
      (err: unknown) => {
        for (const p of batch) p.reject(err);
      },
    );
  }
}

/**
 * The next request of a lease: its counts are those Redis gave the lease's last request, less the
 * requests still left, so every request of every process sees a count of its own.
 */
function take(l: Lease, now: number): WindowCounts {
  l.left--;
  const c = l.counts;
  const out = new Array<number>(c.length);
  for (let i = 0; i < c.length; i += 2) {
    out[i] = c[i]! - l.left;
    out[i + 1] = Math.max(0, c[i + 1]! - (now - l.at));
  }
  return out;
}

/** Drops ended leases from the front of the map (where the oldest are), none that is on its way. */
function sweep(set: { byKey: Map<string, Lease>; nextSweep: number }, now: number): void {
  set.nextSweep = now + LEASE_SWEEP_MS;
  for (const [id, l] of set.byKey) {
    if (l.waiting || now < l.expiresAt) break;
    set.byKey.delete(id);
  }
}

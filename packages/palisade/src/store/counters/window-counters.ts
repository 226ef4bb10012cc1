// Fixed-window counters for rate limits: the port, and its in-process implementation. The Redis
// implementation (redis-window-counters.ts) shares the counts between gateway processes.
//
// Semantics (kept from rate-limiter-flexible, which counted before, so limits mean what they
// meant): a key's window starts with its first request and lasts durationSeconds; every request
// adds to the count, refused ones too; a count above `limit` is refused until the window ends, or,
// with blockSeconds, for that long from the request that first went over.

export interface CounterWindow {
  /** Names the counter: windows with the same id share their counts. Part of the Redis key. */
  readonly id: string;
  /** Requests admitted per window (points + burst). */
  readonly limit: number;
  readonly durationSeconds: number;
  /** Once the limit is passed, refuse the key for this long instead of until the window ends; 0: no block. */
  readonly blockSeconds: number;
}

/**
 * Flat results of one `add`, two numbers per window in the order given: the count after the
 * change at [2i], milliseconds until that count resets at [2i + 1].
 */
export type WindowCounts = readonly number[];

export interface WindowCounters {
  /**
   * Adds `delta` (1 for a request, -1 to give one back) to each window's count for the key at the
   * same index. Synchronous when the counts are in this process; one round trip, atomic for all the
   * windows, when they are in Redis. Rejects only when the store itself fails.
   */
  add(windows: readonly CounterWindow[], keys: readonly string[], delta: number): WindowCounts | Promise<WindowCounts>;
}

interface Entry {
  value: number;
  /** Epoch milliseconds; the entry is void from then on. */
  expiresAt: number;
}

/**
 * Expired entries are dropped at most this often. The map is swept from its front, where the
 * oldest entries are (see `MemoryWindow.add`), so a sweep costs what it removes, not the map's size.
 */
const SWEEP_INTERVAL_MS = 1000;

class MemoryWindow {
  private readonly entries = new Map<string, Entry>();
  private nextSweep = 0;
  private readonly durationMs: number;
  private readonly blockMs: number;

  constructor(private readonly limit: number, durationSeconds: number, blockSeconds: number) {
    this.durationMs = durationSeconds * 1000;
    this.blockMs = blockSeconds * 1000;
  }

  add(key: string, delta: number, now: number): Entry {
    if (now >= this.nextSweep) this.sweep(now);
    let e = this.entries.get(key);
    // Giving back to a window that has ended gives nothing: the new window starts from zero.
    if (delta < 0 && (e === undefined || e.expiresAt <= now)) return { value: 0, expiresAt: now };
    if (e === undefined || e.expiresAt <= now) {
      // Deleted and set again, not updated in place: insertion order then stays the order in which
      // entries expire (one duration per window), which is what lets sweep() stop early.
      if (e !== undefined) this.entries.delete(key);
      e = { value: delta, expiresAt: now + this.durationMs };
      this.entries.set(key, e);
    } else {
      e.value += delta;
    }
    if (this.blockMs > 0 && delta > 0 && e.value > this.limit && e.value <= this.limit + delta) {
      // The request that first went over starts the block. A block longer than the window can hold
      // back the sweep of entries behind it, by the difference at most: they are still void when read.
      e.expiresAt = now + this.blockMs;
      this.entries.delete(key);
      this.entries.set(key, e);
    }
    return e;
  }

  private sweep(now: number): void {
    this.nextSweep = now + SWEEP_INTERVAL_MS;
    for (const [key, e] of this.entries) {
      if (e.expiresAt > now) break;
      this.entries.delete(key);
    }
  }

  get size(): number {
    return this.entries.size;
  }
}

/**
 * Counts kept in this process, in plain maps: no promise, no timer per key. One instance per
 * gateway, so that routes configuring the same window share it and a reload keeps the counts.
 */
export class MemoryWindowCounters implements WindowCounters {
  private readonly windows = new Map<string, MemoryWindow>();

  constructor(private readonly clock: () => number = Date.now) {}

  add(windows: readonly CounterWindow[], keys: readonly string[], delta: number): WindowCounts {
    const now = this.clock();
    const out = new Array<number>(windows.length * 2);
    for (let i = 0; i < windows.length; i++) {
      const w = windows[i]!;
      let counter = this.windows.get(w.id);
      if (counter === undefined) this.windows.set(w.id, (counter = new MemoryWindow(w.limit, w.durationSeconds, w.blockSeconds)));
      const e = counter.add(keys[i]!, delta, now);
      out[2 * i] = e.value;
      out[2 * i + 1] = e.expiresAt - now;
    }
    return out;
  }

  /** Live entries of one window (expired ones not yet swept included): for tests and metrics. */
  entries(id: string): number {
    return this.windows.get(id)?.size ?? 0;
  }
}

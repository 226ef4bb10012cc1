// Bounded-memory building blocks for streaming detection: a distinct counter that is exact while
// small and a HyperLogLog past that, a count-min sketch for frequencies over an unbounded key
// space, an LRU map with a hard cap, and an EWMA baseline with variance. Detection state per actor
// is built from these, so memory depends on the configured caps, never on the traffic.
import { createHash } from 'node:crypto';

/** 32-bit FNV-1a, then a murmur3 finaliser: fast, well mixed, enough for sketches (not security). */
export function hash32(s: string, seed = 0): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A short, non-reversible fingerprint of a credential (token, session cookie) for use as an actor id. */
export function fingerprint(secret: string): string {
  return createHash('sha256').update(secret).digest('base64url').slice(0, 16);
}

/** HyperLogLog with 2^p one-byte registers; standard error about 1.04 / sqrt(2^p). */
export class HyperLogLog {
  readonly registers: Uint8Array;
  private readonly p: number;
  constructor(p = 8) {
    if (!Number.isInteger(p) || p < 4 || p > 16) throw new RangeError(`HyperLogLog precision must be an integer from 4 to 16, got ${p}`);
    this.p = p;
    this.registers = new Uint8Array(1 << p);
  }

  add(value: string): void {
    this.addHash(hash32(value), hash32(value, 0x9e3779b9));
  }

  /** Two independent 32-bit hashes: the first picks the register, the second gives the rank. */
  addHash(h1: number, h2: number): void {
    const idx = h1 >>> (32 - this.p);
    const rank = h2 === 0 ? 33 : Math.clz32(h2) + 1;
    if (rank > this.registers[idx]!) this.registers[idx] = rank;
  }

  merge(o: HyperLogLog): void {
    if (o.registers.length !== this.registers.length) throw new RangeError('HyperLogLog precisions differ');
    for (let i = 0; i < this.registers.length; i++) if (o.registers[i]! > this.registers[i]!) this.registers[i] = o.registers[i]!;
  }

  estimate(): number {
    const m = this.registers.length;
    let sum = 0;
    let zeros = 0;
    for (let i = 0; i < m; i++) {
      const r = this.registers[i]!;
      sum += 2 ** -r;
      if (r === 0) zeros++;
    }
    const alpha = m === 16 ? 0.673 : m === 32 ? 0.697 : m === 64 ? 0.709 : 0.7213 / (1 + 1.079 / m);
    const e = (alpha * m * m) / sum;
    // Small-range correction (linear counting) where the raw estimate is biased.
    if (e <= 2.5 * m && zeros > 0) return m * Math.log(m / zeros);
    return e;
  }
}

/**
 * Distinct values: an exact set up to `exactCap` (the thresholds of interest are small, and exact
 * counts there make alerts reproducible), then a HyperLogLog holding everything seen so far.
 */
export class DistinctCounter {
  private exact: Set<string> | undefined = new Set();
  private hll: HyperLogLog | undefined;
  constructor(
    private readonly exactCap = 64,
    private readonly precision = 8,
  ) {}

  /** True when the value was not seen before (always false once approximate and unsure). */
  add(value: string): boolean {
    if (this.exact) {
      if (this.exact.has(value)) return false;
      if (this.exact.size < this.exactCap) {
        this.exact.add(value);
        return true;
      }
      this.hll = new HyperLogLog(this.precision);
      for (const v of this.exact) this.hll.add(v);
      this.exact = undefined;
    }
    const before = this.hll!.estimate();
    this.hll!.add(value);
    return this.hll!.estimate() > before;
  }

  has(value: string): boolean | undefined {
    return this.exact ? this.exact.has(value) : undefined;
  }

  get size(): number {
    return this.exact ? this.exact.size : Math.round(this.hll!.estimate());
  }

  get approximate(): boolean {
    return this.exact === undefined;
  }
}

/** Count-min sketch: frequencies of arbitrary keys in width×depth counters; never under-counts. */
export class CountMin {
  private readonly rows: Uint32Array;
  constructor(
    readonly width = 4096,
    readonly depth = 4,
  ) {
    if (!Number.isInteger(width) || width < 16 || !Number.isInteger(depth) || depth < 1 || depth > 16) {
      throw new RangeError(`CountMin needs an integer width >= 16 and depth 1..16, got ${width}×${depth}`);
    }
    this.rows = new Uint32Array(width * depth);
  }

  /** Adds n to key's count and returns the new estimate. */
  add(key: string, n = 1): number {
    let min = Infinity;
    for (let d = 0; d < this.depth; d++) {
      const i = d * this.width + (hash32(key, d * 0x5bd1e995) % this.width);
      const v = (this.rows[i]! + n) >>> 0;
      this.rows[i] = v;
      if (v < min) min = v;
    }
    return min;
  }

  estimate(key: string): number {
    let min = Infinity;
    for (let d = 0; d < this.depth; d++) {
      const v = this.rows[d * this.width + (hash32(key, d * 0x5bd1e995) % this.width)]!;
      if (v < min) min = v;
    }
    return min;
  }

  clear(): void {
    this.rows.fill(0);
  }
}

/**
 * Count-min over a sliding window made of two halves: estimates cover between one and two halves
 * of history, so a key's count is never lost at a boundary.
 */
export class WindowedCountMin {
  private cur: CountMin;
  private prev: CountMin;
  private start = -Infinity;
  constructor(
    private readonly halfMs: number,
    width = 4096,
    depth = 4,
  ) {
    this.cur = new CountMin(width, depth);
    this.prev = new CountMin(width, depth);
  }

  private roll(t: number): void {
    if (t - this.start < this.halfMs) return;
    if (t - this.start < 2 * this.halfMs) {
      const old = this.prev;
      this.prev = this.cur;
      old.clear();
      this.cur = old;
    } else {
      this.prev.clear();
      this.cur.clear();
    }
    this.start = t;
  }

  add(key: string, t: number, n = 1): number {
    this.roll(t);
    return this.cur.add(key, n) + this.prev.estimate(key);
  }
}

/** A Map with a hard cap on entries; touching an entry makes it newest; the oldest is evicted. */
export class LruMap<K, V> {
  private readonly map = new Map<K, V>();
  evictions = 0;
  constructor(readonly cap: number) {
    if (!Number.isInteger(cap) || cap < 1) throw new RangeError(`LruMap cap must be a positive integer, got ${cap}`);
  }

  get(key: K): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }

  /** The entry for key, created by `make` (evicting the least recently used beyond cap). */
  upsert(key: K, make: () => V): V {
    const v = this.get(key);
    if (v !== undefined) return v;
    const n = make();
    this.map.set(key, n);
    if (this.map.size > this.cap) {
      const oldest = this.map.keys().next().value as K;
      this.map.delete(oldest);
      this.evictions++;
    }
    return n;
  }

  /** Sets (replacing) the entry for key as the newest, evicting beyond cap. */
  set(key: K, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.cap) {
      const oldest = this.map.keys().next().value as K;
      this.map.delete(oldest);
      this.evictions++;
    }
  }

  delete(key: K): boolean {
    return this.map.delete(key);
  }

  get size(): number {
    return this.map.size;
  }

  values(): IterableIterator<V> {
    return this.map.values();
  }
}

/**
 * Exponentially weighted mean and variance of a per-bucket figure (requests per minute, error
 * ratio). `ready` only after `warmup` buckets: a baseline learnt from three minutes is noise.
 * Once ready, a value is learnt clipped to mean + 3·max(σ, floor): the tail of an attack (the
 * bucket where it ended, below the alert threshold) moves the baseline only a little.
 */
export class EwmaBaseline {
  mean = 0;
  variance = 0;
  samples = 0;
  constructor(
    private readonly alpha: number,
    private readonly warmup: number,
    /** Smallest σ assumed when clipping (a flat baseline has σ = 0 and would never move). */
    private readonly floor = 0,
  ) {}

  /** `clip: false` adopts the value as is (a change of level confirmed by the caller). */
  update(value: number, clip = true): void {
    const x = clip && this.ready ? Math.min(value, this.mean + 3 * Math.max(this.std, this.floor, 0.1 * Math.abs(this.mean))) : value;
    if (this.samples === 0) {
      this.mean = x;
      this.variance = 0;
    } else {
      const d = x - this.mean;
      const incr = this.alpha * d;
      this.mean += incr;
      this.variance = (1 - this.alpha) * (this.variance + d * incr);
    }
    this.samples++;
  }

  get ready(): boolean {
    return this.samples >= this.warmup;
  }

  get std(): number {
    return Math.sqrt(this.variance);
  }
}

/**
 * Fixed-length buckets on the exchanges' own clock. `advance(t)` closes every bucket that ended
 * before t, handing each closed value (0 for silent buckets, at most `maxGap` of them) to `close`.
 */
export class BucketClock {
  start = -Infinity;
  constructor(
    readonly bucketMs: number,
    private readonly maxGap = 60,
  ) {}

  /** Returns how many buckets closed (the caller resets its running figures when > 0). */
  advance(t: number, close: (emptyBefore: number) => void): number {
    if (this.start === -Infinity) {
      this.start = t - (t % this.bucketMs);
      return 0;
    }
    const n = Math.floor((t - this.start) / this.bucketMs);
    if (n <= 0) return 0;
    close(Math.min(n - 1, this.maxGap));
    this.start += n * this.bucketMs;
    return n;
  }
}

/**
 * Which buckets a baseline learns: not those that fired (an attack must not become normal), unless
 * `adoptAfter` of them fired in a row — then the change of level is taken as the new normal (a
 * release that doubled traffic for good), unclipped, so the detector stops alerting on it.
 */
export class LearnGate {
  private run = 0;
  constructor(private readonly adoptAfter = 10) {}

  /** Learns `value` into `base` as appropriate for a bucket that did (not) fire. */
  close(base: EwmaBaseline, value: number | undefined, fired: boolean): void {
    if (value === undefined) return;
    if (!fired) {
      this.run = 0;
      base.update(value);
    } else if (++this.run >= this.adoptAfter) base.update(value, false);
  }
}

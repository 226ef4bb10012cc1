// Bounded sketches: a log-bucketed latency histogram (HDR-style: ~5% relative error, fixed
// memory whatever the traffic, mergeable) and a tiny bounded set for "distinct values seen".

/** Bucket i holds values in [GROWTH^(i-1), GROWTH^i) ms, beyond a linear first millisecond. */
const GROWTH = 1.1;
const LOG_GROWTH = Math.log(GROWTH);
/** 1.1^200 ms is about 6 days: everything longer lands in the last bucket. */
const BUCKETS = 200;
/** Sub-millisecond values in 0.1 ms steps. */
const SUB_MS = 10;

export class LatencySketch {
  readonly counts = new Uint32Array(SUB_MS + BUCKETS);
  total = 0;
  max = 0;

  add(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) return;
    this.counts[indexOf(ms)]!++;
    this.total++;
    if (ms > this.max) this.max = ms;
  }

  merge(o: LatencySketch): void {
    for (let i = 0; i < this.counts.length; i++) this.counts[i]! += o.counts[i]!;
    this.total += o.total;
    this.max = Math.max(this.max, o.max);
  }

  /** The q-quantile (0..1), as the upper bound of its bucket (never above the maximum seen). */
  quantile(q: number): number | undefined {
    if (this.total === 0) return undefined;
    const rank = Math.max(1, Math.ceil(q * this.total));
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return Math.min(upperOf(i), this.max);
    }
    return this.max;
  }
}

function indexOf(ms: number): number {
  if (ms < 1) return Math.floor(ms * SUB_MS);
  const i = Math.floor(Math.log(ms) / LOG_GROWTH) + 1;
  return SUB_MS + Math.min(i, BUCKETS - 1);
}

function upperOf(i: number): number {
  if (i < SUB_MS) return (i + 1) / SUB_MS;
  return Math.round(Math.pow(GROWTH, i - SUB_MS) * 1000) / 1000;
}

/** Remembers up to `cap` distinct values, then only that there were more. */
export class BoundedSet<T> {
  readonly values = new Set<T>();
  overflow = false;
  constructor(readonly cap: number) {}

  /** True when the value is new (and was kept or counted as overflow). */
  add(v: T): boolean {
    if (this.values.has(v)) return false;
    if (this.values.size >= this.cap) {
      this.overflow = true;
      return false;
    }
    this.values.add(v);
    return true;
  }

  has(v: T): boolean {
    return this.values.has(v);
  }

  get size(): number {
    return this.values.size;
  }
}

// The detector contract. A detector is a streaming state machine over WatchEvents with bounded
// memory; it emits Firings, which the alert manager deduplicates and turns into alerts.
import type { AlertActor, OwaspApiCategory, Severity } from '../../core/index.js';
import type { WatchEvent } from './event.js';
import { LruMap } from './sketch.js';

export interface Firing {
  actor: AlertActor;
  endpoint?: string;
  /** The window figures that crossed the thresholds, and the thresholds themselves. */
  figures: Record<string, number>;
  /** A few exchange ids from the window. */
  samples: string[];
  /** Overrides the detector's default severity (e.g. a tool fingerprint is surer than a ratio). */
  severity?: Severity;
  /** Extra words for the alert title ("sqlmap"). */
  detail?: string;
  /** Client addresses an automatic block would apply to (an IP actor's own address is implied). */
  addresses?: string[];
}

export interface DetectorInfo {
  /** Permanent id: PAL-WATCH-<NAME>. Retired, never reused. */
  readonly id: string;
  readonly title: string;
  readonly category: OwaspApiCategory;
  readonly severity: Severity;
  readonly remediation: string;
}

export interface Detector extends DetectorInfo {
  observe(e: WatchEvent, emit: (f: Firing) => void): void;
  /** Tracked keys (actors, accounts, endpoints) held now, for the memory-bound test and metrics. */
  tracked(): number;
}

/** Keeps the last `cap` exchange ids as samples. */
export class Samples {
  private readonly ids: string[] = [];
  constructor(private readonly cap = 5) {}
  add(id: string): void {
    this.ids.push(id);
    if (this.ids.length > this.cap) this.ids.shift();
  }
  list(): string[] {
    return [...this.ids];
  }
}

/**
 * Per-key tumbling windows in a bounded LRU: a key's window starts at its first event and restarts
 * `windowMs` later. An attacker is usually a new key, so its window starts with the attack.
 */
export class KeyedWindows<S> {
  private readonly map: LruMap<string, { start: number; s: S }>;
  constructor(
    cap: number,
    private readonly windowMs: number,
    private readonly make: () => S,
  ) {
    this.map = new LruMap(cap);
  }

  get(key: string, t: number): S {
    const w = this.map.upsert(key, () => ({ start: t, s: this.make() }));
    if (t - w.start >= this.windowMs || t < w.start - this.windowMs) {
      w.start = t;
      w.s = this.make();
    }
    return w.s;
  }

  get size(): number {
    return this.map.size;
  }

  get evictions(): number {
    return this.map.evictions;
  }
}

/** The actor key of an event: kind and id. */
export function actorKey(e: WatchEvent): string {
  return `${e.actor.kind}:${e.actor.id}`;
}

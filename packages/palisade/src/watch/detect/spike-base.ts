// The base of PAL-WATCH-ERROR-SPIKE and PAL-WATCH-TRAFFIC-SPIKE: an endpoint far off its own baseline.
// Each endpoint learns an EWMA mean and variance of its per-bucket figure; nothing fires during the
// warm-up; the running bucket is judged as it fills (no waiting for its end); buckets that fired
// are not learnt unless ten fire in a row (LearnGate), so an attack does not become the new
// normal but a lasting change of level does.
import type { Detector, Firing } from './detector.js';
import { Samples } from './detector.js';
import type { WatchEvent } from './event.js';
import { BucketClock, EwmaBaseline, LearnGate, LruMap } from './sketch.js';

/** Endpoints tracked; the templater keeps their number bounded too. */
const MAX_ENDPOINTS = 5000;
/** About the last 20 buckets weigh most in the baseline. */
const ALPHA = 0.05;

export interface EndpointState {
  clock: BucketClock;
  base: EwmaBaseline;
  requests: number;
  errors: number;
  /** Requests of the bucket before the running one (0 when it was silent): for a sliding estimate. */
  prevRequests: number;
  fired: boolean;
  samples: Samples;
  gate: LearnGate;
}


export abstract class SpikeDetector implements Detector {
  abstract readonly id: string;
  abstract readonly title: string;
  abstract readonly category: 'API4:2023' | 'API8:2023';
  abstract readonly severity: 'medium' | 'low';
  abstract readonly remediation: string;
  private readonly endpoints = new LruMap<string, EndpointState>(MAX_ENDPOINTS);

  constructor(
    private readonly bucketMs: number,
    private readonly warmup: number,
    private readonly floor: number,
  ) {}

  protected abstract figure(s: EndpointState): number | undefined;
  protected abstract judge(s: EndpointState, e: WatchEvent): Firing | undefined;
  protected abstract counts(e: WatchEvent): boolean;

  observe(e: WatchEvent, emit: (f: Firing) => void): void {
    const s = this.endpoints.upsert(e.endpoint, () => ({ clock: new BucketClock(this.bucketMs), base: new EwmaBaseline(ALPHA, this.warmup, this.floor), requests: 0, errors: 0, prevRequests: 0, fired: false, samples: new Samples(), gate: new LearnGate() }));
    s.clock.advance(e.t, (empty) => {
      s.gate.close(s.base, this.figure(s), s.fired);
      for (let i = 0; i < empty; i++) {
        const v = this.figure({ ...s, requests: 0, errors: 0 });
        if (v !== undefined) s.base.update(v);
      }
      s.prevRequests = empty > 0 ? 0 : s.requests;
      s.requests = 0;
      s.errors = 0;
      s.fired = false;
      s.samples = new Samples();
    });
    s.requests++;
    if (e.status >= 500) s.errors++;
    if (this.counts(e)) s.samples.add(e.x.id);
    if (s.fired || !s.base.ready) return;
    const f = this.judge(s, e);
    if (!f) return;
    s.fired = true;
    emit(f);
  }

  tracked(): number {
    return this.endpoints.size;
  }
}

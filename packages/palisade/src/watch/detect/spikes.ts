// PAL-WATCH-ERROR-SPIKE and PAL-WATCH-TRAFFIC-SPIKE: an endpoint far off its own baseline. Each
// endpoint learns an EWMA mean and variance of its per-bucket figure; nothing fires during the
// warm-up; the running bucket is judged as it fills (no waiting for its end); buckets that fired
// are not learnt unless ten fire in a row (LearnGate), so an attack does not become the new
// normal but a lasting change of level does.
import type { WatchDetectSettings } from '../../core/index.js';
import type { Detector, Firing } from './detector.js';
import { Samples } from './detector.js';
import type { WatchEvent } from './event.js';
import { BucketClock, EwmaBaseline, LearnGate, LruMap } from './sketch.js';
import { round } from './credential-stuffing.js';

/** Endpoints tracked; the templater keeps their number bounded too. */
const MAX_ENDPOINTS = 5000;
/** About the last 20 buckets weigh most in the baseline. */
const ALPHA = 0.05;

interface EndpointState {
  clock: BucketClock;
  base: EwmaBaseline;
  requests: number;
  errors: number;
  fired: boolean;
  samples: Samples;
  gate: LearnGate;
}


abstract class SpikeDetector implements Detector {
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
    const s = this.endpoints.upsert(e.endpoint, () => ({ clock: new BucketClock(this.bucketMs), base: new EwmaBaseline(ALPHA, this.warmup, this.floor), requests: 0, errors: 0, fired: false, samples: new Samples(), gate: new LearnGate() }));
    s.clock.advance(e.t, (empty) => {
      s.gate.close(s.base, this.figure(s), s.fired);
      for (let i = 0; i < empty; i++) {
        const v = this.figure({ ...s, requests: 0, errors: 0 });
        if (v !== undefined) s.base.update(v);
      }
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

export class ErrorSpikeDetector extends SpikeDetector {
  readonly id = 'PAL-WATCH-ERROR-SPIKE';
  readonly title = 'Error spike: an endpoint failing far more than usual';
  readonly category = 'API8:2023' as const;
  readonly severity = 'medium' as const;
  readonly remediation =
    'Check the upstream\'s health and recent deployments; if the errors follow unusual input (see the samples), an attacker may be probing an unhandled path — validate input (Shield: contract) and scrub error details (errorScrubbing).';

  constructor(private readonly s: WatchDetectSettings['detectors']['errorSpike']) {
    // σ of an error ratio is at least a point: clipping then lets a baseline of 0 % move.
    super(s.bucketSeconds * 1000, s.warmupBuckets, 0.01);
  }

  protected figure(s: EndpointState): number | undefined {
    // A bucket without traffic has no error ratio: it is not learnt.
    return s.requests > 0 ? s.errors / s.requests : undefined;
  }

  protected counts(e: WatchEvent): boolean {
    return e.status >= 500;
  }

  protected judge(s: EndpointState, e: WatchEvent): Firing | undefined {
    if (s.errors < this.s.minErrors) return undefined;
    const ratio = s.errors / s.requests;
    const threshold = s.base.mean + Math.max(this.s.minDeviations * s.base.std, this.s.minIncrease);
    if (ratio < threshold) return undefined;
    return {
      actor: { kind: 'endpoint', id: e.endpoint },
      endpoint: e.endpoint,
      figures: { errorRatio: round(ratio), errors: s.errors, requests: s.requests, baselineRatio: round(s.base.mean), baselineStd: round(s.base.std), threshold: round(threshold), bucketSeconds: this.s.bucketSeconds },
      samples: s.samples.list(),
    };
  }
}

export class TrafficSpikeDetector extends SpikeDetector {
  readonly id = 'PAL-WATCH-TRAFFIC-SPIKE';
  readonly title = 'Traffic spike: an endpoint called far more than usual';
  readonly category = 'API4:2023' as const;
  readonly severity = 'low' as const;
  readonly remediation =
    'Find who drives the spike (the samples\' actors), rate-limit the endpoint per client (Shield: rateLimit) and cap expensive parameters; a spike on a sensitive business flow may be abuse (API6).';

  constructor(private readonly s: WatchDetectSettings['detectors']['trafficSpike']) {
    // Counts are at least Poisson-noisy: σ of a few requests per bucket.
    super(s.bucketSeconds * 1000, s.warmupBuckets, 3);
  }

  protected figure(s: EndpointState): number {
    return s.requests;
  }

  protected counts(): boolean {
    return true;
  }

  protected judge(s: EndpointState, e: WatchEvent): Firing | undefined {
    if (s.requests < this.s.minRequests) return undefined;
    const threshold = Math.max(this.s.minFactor * s.base.mean, s.base.mean + this.s.minDeviations * s.base.std);
    if (s.requests < threshold) return undefined;
    return {
      actor: { kind: 'endpoint', id: e.endpoint },
      endpoint: e.endpoint,
      figures: { requests: s.requests, baselineRequests: round(s.base.mean, 1), baselineStd: round(s.base.std, 1), threshold: round(threshold, 1), bucketSeconds: this.s.bucketSeconds },
      samples: s.samples.list(),
    };
  }
}

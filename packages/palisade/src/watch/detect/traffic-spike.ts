// PAL-WATCH-TRAFFIC-SPIKE: an endpoint's request rate far above its own baseline (spike-base.ts).
import type { WatchDetectSettings } from '../../core/index.js';
import type { Firing } from './detector.js';
import type { WatchEvent } from './event.js';
import { SpikeDetector } from './spike-base.js';
import type { EndpointState } from './spike-base.js';
import { round } from './credential-stuffing.js';

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
    // The rate of the last bucketSeconds, not of the running bucket alone: the running bucket plus
    // the previous one's share that is still inside the sliding window (assumed spread evenly).
    // A flood that starts late in a bucket is judged on its full first bucketSeconds, instead of
    // waiting for the next bucket to fill on its own.
    const bucketMs = this.s.bucketSeconds * 1000;
    const elapsed = Math.min(1, Math.max(0, (e.t - s.clock.start) / bucketMs));
    const rate = s.requests + s.prevRequests * (1 - elapsed);
    if (rate < this.s.minRequests) return undefined;
    const threshold = Math.max(this.s.minFactor * s.base.mean, s.base.mean + this.s.minDeviations * s.base.std);
    if (rate < threshold) return undefined;
    return {
      actor: { kind: 'endpoint', id: e.endpoint },
      endpoint: e.endpoint,
      figures: { requests: Math.round(rate), baselineRequests: round(s.base.mean, 1), baselineStd: round(s.base.std, 1), threshold: round(threshold, 1), bucketSeconds: this.s.bucketSeconds },
      samples: s.samples.list(),
    };
  }
}

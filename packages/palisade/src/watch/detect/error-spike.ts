// PAL-WATCH-ERROR-SPIKE: an endpoint's 5xx share far above its own baseline (spike-base.ts).
import type { WatchDetectSettings } from '../../core/index.js';
import type { Firing } from './detector.js';
import type { WatchEvent } from './event.js';
import { SpikeDetector } from './spike-base.js';
import type { EndpointState } from './spike-base.js';
import { round } from './credential-stuffing.js';

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

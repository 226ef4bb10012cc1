// PAL-WATCH-CRED-STUFFING-DIST: stuffing spread over so many addresses that none stands out. The
// signal is global: the share of failed logins jumps far above its own baseline (EWMA of past
// buckets). Buckets are judged while they fill, so detection does not wait for a bucket to end;
// buckets that fired are not learnt (LearnGate), so an attack does not teach itself as normal.
import type { WatchDetectSettings } from '../../core/index.js';
import type { Detector, Firing } from './detector.js';
import { Samples } from './detector.js';
import type { WatchEvent } from './event.js';
import { BucketClock, EwmaBaseline, LearnGate } from './sketch.js';
import { round } from './credential-stuffing.js';

type Settings = WatchDetectSettings['detectors']['distributedStuffing'];

/** Buckets with fewer attempts say little about a ratio and are not learnt. */
const MIN_LEARN_ATTEMPTS = 5;

export class DistributedStuffingDetector implements Detector {
  readonly id = 'PAL-WATCH-CRED-STUFFING-DIST';
  readonly title = 'Distributed credential stuffing: the login failure ratio far above its baseline';
  readonly category = 'API2:2023' as const;
  readonly severity = 'high' as const;
  readonly remediation =
    'Stuffing from many addresses: add a challenge (CAPTCHA, proof of work) or a second factor to logins, watch for accounts that succeeded during the spike, and compare the failing accounts with breach corpora.';
  private readonly clock: BucketClock;
  private readonly base: EwmaBaseline;
  private attempts = 0;
  private failures = 0;
  private fired = false;
  private samples = new Samples();
  private readonly gate = new LearnGate();

  constructor(private readonly s: Settings) {
    this.clock = new BucketClock(s.bucketSeconds * 1000);
    this.base = new EwmaBaseline(0.05, s.warmupBuckets, 0.01);
  }

  observe(e: WatchEvent, emit: (f: Firing) => void): void {
    if (!e.login) return;
    this.clock.advance(e.t, () => {
      this.gate.close(this.base, this.attempts >= MIN_LEARN_ATTEMPTS ? this.failures / this.attempts : undefined, this.fired);
      this.attempts = 0;
      this.failures = 0;
      this.fired = false;
      // Samples belong to the bucket judged: older ones would point at an earlier incident.
      this.samples = new Samples();
    });
    this.attempts++;
    if (e.login.failed) {
      this.failures++;
      this.samples.add(e.x.id);
    }
    if (this.fired || !this.base.ready || this.attempts < this.s.minAttempts) return;
    const ratio = this.failures / this.attempts;
    const threshold = this.base.mean + Math.max(this.s.minDeviations * this.base.std, this.s.minIncrease);
    if (ratio < threshold) return;
    this.fired = true;
    emit({
      actor: { kind: 'global', id: 'logins' },
      endpoint: e.endpoint,
      figures: { failureRatio: round(ratio), baselineRatio: round(this.base.mean), baselineStd: round(this.base.std), threshold: round(threshold), attempts: this.attempts, failures: this.failures, bucketSeconds: this.s.bucketSeconds },
      samples: this.samples.list(),
    });
  }

  tracked(): number {
    return 1;
  }
}

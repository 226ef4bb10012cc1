// PAL-WATCH-BRUTE-FORCE: many failed logins for one account, whatever the addresses — password
// guessing, including the slow distributed kind. Two windows: a long one for slow guessing and a short
// one for bursts, so that guessing at typing speed or faster fires within a minute instead of when
// the long window's count fills. Accounts are an unbounded key space, so failures are counted in
// count-min sketches (fixed memory, never under-counts); only accounts already past half a
// threshold get exact state (the addresses to block).
import type { WatchDetectSettings } from '../../core/index.js';
import type { Detector, Firing } from './detector.js';
import { Samples } from './detector.js';
import type { WatchEvent } from './event.js';
import { LruMap, WindowedCountMin } from './sketch.js';

type Settings = WatchDetectSettings['detectors']['bruteForce'];

interface Suspect {
  ips: Set<string>;
  samples: Samples;
  firedAt: number;
}

const MAX_IPS = 16;

export class BruteForceDetector implements Detector {
  readonly id = 'PAL-WATCH-BRUTE-FORCE';
  readonly title = 'Brute force: many failed logins for one account';
  readonly category = 'API2:2023' as const;
  readonly severity = 'high' as const;
  readonly remediation =
    'Throttle or lock the account progressively (Shield: loginGuard.perAccount, perAccountIp), notify its owner, and require a second factor. Do not reveal whether the account exists.';
  private readonly counts: WindowedCountMin;
  private readonly burst: WindowedCountMin;
  private readonly suspects: LruMap<string, Suspect>;

  constructor(
    private readonly s: Settings,
    maxActors: number,
  ) {
    this.counts = new WindowedCountMin((s.windowSeconds * 1000) / 2, s.sketchWidth, 4);
    this.burst = new WindowedCountMin((s.burstSeconds * 1000) / 2, s.sketchWidth, 4);
    this.suspects = new LruMap(Math.max(100, Math.min(maxActors, 50_000)));
  }

  observe(e: WatchEvent, emit: (f: Firing) => void): void {
    const account = e.login?.account;
    if (!e.login?.failed || account === undefined) return;
    const n = this.counts.add(account, e.t);
    const b = this.burst.add(account, e.t);
    if (n * 2 < this.s.minFailures && b * 2 < this.s.burstFailures) return;
    const sus = this.suspects.upsert(account, () => ({ ips: new Set(), samples: new Samples(), firedAt: -Infinity }));
    if (sus.ips.size < MAX_IPS) sus.ips.add(e.ip);
    sus.samples.add(e.x.id);
    const byBurst = b >= this.s.burstFailures;
    if ((n < this.s.minFailures && !byBurst) || e.t - sus.firedAt < this.s.windowSeconds * 1000) return;
    sus.firedAt = e.t;
    emit({
      actor: { kind: 'account', id: account },
      endpoint: e.endpoint,
      figures: { failures: n, minFailures: this.s.minFailures, windowSeconds: this.s.windowSeconds, burstFailures: b, minBurstFailures: this.s.burstFailures, burstSeconds: this.s.burstSeconds, addresses: sus.ips.size },
      samples: sus.samples.list(),
      addresses: [...sus.ips],
    });
  }

  tracked(): number {
    return this.suspects.size;
  }
}

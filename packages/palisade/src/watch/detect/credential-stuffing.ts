// PAL-WATCH-CRED-STUFFING: one client address failing logins for many different accounts — lists
// of breached credentials replayed. Stuffing succeeds for a few percent of pairs at most, so the
// failed share stays high; a shared NAT address with many real users has many accounts but
// mostly successes, which is why both figures must cross their thresholds.
import type { WatchDetectSettings } from '../../core/index.js';
import type { Detector, Firing } from './detector.js';
import { KeyedWindows, Samples } from './detector.js';
import type { WatchEvent } from './event.js';
import { DistinctCounter } from './sketch.js';

type Settings = WatchDetectSettings['detectors']['credentialStuffing'];

interface State {
  attempts: number;
  failures: number;
  accounts: DistinctCounter;
  samples: Samples;
  fired: boolean;
}

export class CredentialStuffingDetector implements Detector {
  readonly id = 'PAL-WATCH-CRED-STUFFING';
  readonly title = 'Credential stuffing: failed logins for many accounts from one client';
  readonly category = 'API2:2023' as const;
  readonly severity = 'high' as const;
  readonly remediation =
    'Block the address, require a second factor or a challenge after failures, and check the accounts that succeeded from it for takeover. Shield: loginGuard.perIp.';
  private readonly windows: KeyedWindows<State>;

  constructor(
    private readonly s: Settings,
    maxActors: number,
  ) {
    this.windows = new KeyedWindows(maxActors, s.windowSeconds * 1000, () => ({ attempts: 0, failures: 0, accounts: new DistinctCounter(64), samples: new Samples(), fired: false }));
  }

  observe(e: WatchEvent, emit: (f: Firing) => void): void {
    if (!e.login) return;
    const w = this.windows.get(e.ip, e.t);
    w.attempts++;
    if (!e.login.failed) return;
    w.failures++;
    w.samples.add(e.x.id);
    if (e.login.account !== undefined) w.accounts.add(e.login.account);
    if (w.fired) return;
    const ratio = w.failures / w.attempts;
    if (ratio < this.s.minFailureRatio) return;
    const distinct = w.accounts.size;
    const byAccounts = distinct >= this.s.minDistinctAccounts;
    const blind = distinct === 0 && w.failures >= this.s.minFailuresWithoutAccounts;
    if (!byAccounts && !blind) return;
    w.fired = true;
    emit({
      actor: { kind: 'ip', id: e.ip },
      endpoint: e.endpoint,
      figures: { distinctAccounts: distinct, failures: w.failures, attempts: w.attempts, failureRatio: round(ratio), minDistinctAccounts: this.s.minDistinctAccounts, windowSeconds: this.s.windowSeconds },
      samples: w.samples.list(),
    });
  }

  tracked(): number {
    return this.windows.size;
  }
}

export function round(n: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

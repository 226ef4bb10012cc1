// PAL-WATCH-INJECTION: an injection campaign — one actor's requests keep matching WAF rules.
// Reads the verdicts of the stage named 'waf' generically (any non-continue outcome is a match),
// so it works with whatever WAF stage runs. A real user trips a rule once by accident, not five times.
import type { WatchDetectSettings } from '../../core/index.js';
import type { Detector, Firing } from './detector.js';
import { KeyedWindows, Samples, actorKey } from './detector.js';
import type { WatchEvent } from './event.js';

type Settings = WatchDetectSettings['detectors']['injection'];

interface State {
  matches: number;
  classes: Set<string>;
  samples: Samples;
  fired: boolean;
}

export class InjectionDetector implements Detector {
  readonly id = 'PAL-WATCH-INJECTION';
  readonly title = 'Injection campaign: repeated WAF matches from one actor';
  readonly category = 'API8:2023' as const;
  readonly severity = 'high' as const;
  readonly remediation =
    'Block the actor, check the matched requests that were let through (report-only rules, anomaly scores under the threshold) against the upstream\'s logs, and fix the injection at its source (parameterised queries, output encoding).';
  private readonly windows: KeyedWindows<State>;

  constructor(
    private readonly s: Settings,
    maxActors: number,
  ) {
    this.windows = new KeyedWindows(maxActors, s.windowSeconds * 1000, () => ({ matches: 0, classes: new Set(), samples: new Samples(), fired: false }));
  }

  observe(e: WatchEvent, emit: (f: Firing) => void): void {
    if (e.wafClasses.length === 0) return;
    const w = this.windows.get(actorKey(e), e.t);
    w.matches++;
    for (const c of e.wafClasses) if (w.classes.size < 32) w.classes.add(c);
    w.samples.add(e.x.id);
    if (w.fired || w.matches < this.s.minMatches) return;
    w.fired = true;
    emit({
      actor: e.actor,
      figures: { wafMatches: w.matches, attackClasses: w.classes.size, minMatches: this.s.minMatches, windowSeconds: this.s.windowSeconds },
      samples: w.samples.list(),
      detail: [...w.classes].slice(0, 3).join(', '),
      addresses: [e.ip],
    });
  }

  tracked(): number {
    return this.windows.size;
  }
}

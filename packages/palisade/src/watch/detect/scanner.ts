// PAL-WATCH-SCANNER: vulnerability scanners and content discovery. Three signals, each enough:
// an attack tool's User-Agent; many 404s over many distinct paths (wordlist discovery); several
// distinct attack classes from the WAF (a scanner tries everything, a real user triggers none).
import type { WatchDetectSettings } from '../../core/index.js';
import type { Detector, Firing } from './detector.js';
import { KeyedWindows, Samples } from './detector.js';
import type { WatchEvent } from './event.js';
import { DistinctCounter } from './sketch.js';
import { round } from './credential-stuffing.js';

type Settings = WatchDetectSettings['detectors']['scanner'];

interface State {
  requests: number;
  notFound: number;
  paths: DistinctCounter;
  classes: Set<string>;
  samples: Samples;
  fired: boolean;
}

const MAX_CLASSES = 32;

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export class ScannerDetector implements Detector {
  readonly id = 'PAL-WATCH-SCANNER';
  readonly title = 'Scanner: automated vulnerability scanning or content discovery';
  readonly category = 'API8:2023' as const;
  readonly severity = 'medium' as const;
  readonly remediation =
    'Block the address for a while, make sure unknown paths answer uniformly (no stack traces, no directory listings), and remove undocumented endpoints the scan found (see the inventory).';
  private readonly windows: KeyedWindows<State>;
  private readonly tools: RegExp | undefined;

  constructor(
    private readonly s: Settings,
    maxActors: number,
  ) {
    this.windows = new KeyedWindows(maxActors, s.windowSeconds * 1000, () => ({ requests: 0, notFound: 0, paths: new DistinctCounter(64), classes: new Set(), samples: new Samples(), fired: false }));
    // Words only: "zap" must not match "zappos", but does match "OWASP ZAP/2.14".
    this.tools = s.userAgents.length ? new RegExp(`(?:^|[^a-z0-9])(${s.userAgents.map(escape).join('|')})(?:$|[^a-z0-9])`, 'i') : undefined;
  }

  observe(e: WatchEvent, emit: (f: Firing) => void): void {
    const w = this.windows.get(e.ip, e.t);
    w.requests++;
    if (e.status === 404) w.notFound++;
    w.paths.add(e.path);
    for (const c of e.wafClasses) if (w.classes.size < MAX_CLASSES) w.classes.add(c);
    w.samples.add(e.x.id);
    if (w.fired) return;
    const tool = this.tools?.exec(e.ua.slice(0, 512))?.[1];
    const ratio = w.notFound / w.requests;
    const byNotFound = w.requests >= this.s.minRequests && ratio >= this.s.minNotFoundRatio && w.paths.size >= this.s.minDistinctPaths;
    const byClasses = w.classes.size >= this.s.minAttackClasses;
    if (tool === undefined && !byNotFound && !byClasses) return;
    w.fired = true;
    emit({
      actor: { kind: 'ip', id: e.ip },
      figures: { requests: w.requests, notFoundRatio: round(ratio), distinctPaths: w.paths.size, attackClasses: w.classes.size, toolFingerprint: tool !== undefined ? 1 : 0, windowSeconds: this.s.windowSeconds },
      samples: w.samples.list(),
      ...(tool !== undefined ? { detail: tool.toLowerCase(), severity: 'high' as const } : { detail: byClasses ? 'many attack classes' : 'many 404s' }),
    });
  }

  tracked(): number {
    return this.windows.size;
  }
}

// The detectors Watch runs, built from `watch.detect`, and the engine that feeds each exchange to
// every enabled detector. Adding a detector: one file, one line here, one section in
// docs/detectors.md, and its settings in core/config/watch-detect.ts.
import type { AlertActor, WatchDetectSettings } from '../../core/index.js';
import { Templater } from '../inventory/templater.js';
import type { Detector, DetectorInfo, Firing } from './detector.js';
import { EventDecoder } from './event.js';
import type { ObservedExchange, WatchEvent } from './event.js';
import { CredentialStuffingDetector } from './credential-stuffing.js';
import { DistributedStuffingDetector } from './distributed-stuffing.js';
import { BruteForceDetector } from './brute-force.js';
import { BolaDetector } from './bola.js';
import { ScrapingDetector } from './scraping.js';
import { AccountEnumerationDetector } from './account-enumeration.js';
import { TokenReuseDetector } from './token-reuse.js';
import { ScannerDetector } from './scanner.js';
import { InjectionDetector } from './injection.js';
import { ErrorSpikeDetector } from './error-spike.js';
import { TrafficSpikeDetector } from './traffic-spike.js';

type Detectors = WatchDetectSettings['detectors'];
export type DetectorKey = keyof Detectors;

/** Settings key → permanent id. Ids are never reused. */
export const DETECTOR_IDS: Readonly<Record<DetectorKey, string>> = {
  credentialStuffing: 'PAL-WATCH-CRED-STUFFING',
  distributedStuffing: 'PAL-WATCH-CRED-STUFFING-DIST',
  bruteForce: 'PAL-WATCH-BRUTE-FORCE',
  bola: 'PAL-WATCH-BOLA',
  scraping: 'PAL-WATCH-SCRAPING',
  accountEnumeration: 'PAL-WATCH-ACCOUNT-ENUM',
  tokenReuse: 'PAL-WATCH-TOKEN-REUSE',
  scanner: 'PAL-WATCH-SCANNER',
  injection: 'PAL-WATCH-INJECTION',
  errorSpike: 'PAL-WATCH-ERROR-SPIKE',
  trafficSpike: 'PAL-WATCH-TRAFFIC-SPIKE',
};

export function buildDetectors(s: WatchDetectSettings): Array<{ key: DetectorKey; detector: Detector }> {
  const d = s.detectors;
  const n = s.maxActors;
  const all: Array<{ key: DetectorKey; detector: Detector }> = [
    { key: 'credentialStuffing', detector: new CredentialStuffingDetector(d.credentialStuffing, n) },
    { key: 'distributedStuffing', detector: new DistributedStuffingDetector(d.distributedStuffing) },
    { key: 'bruteForce', detector: new BruteForceDetector(d.bruteForce, n) },
    { key: 'bola', detector: new BolaDetector(d.bola, n) },
    { key: 'scraping', detector: new ScrapingDetector(d.scraping, n) },
    { key: 'accountEnumeration', detector: new AccountEnumerationDetector(d.accountEnumeration, n) },
    { key: 'tokenReuse', detector: new TokenReuseDetector(d.tokenReuse, n) },
    { key: 'scanner', detector: new ScannerDetector(d.scanner, n) },
    { key: 'injection', detector: new InjectionDetector(d.injection, n) },
    { key: 'errorSpike', detector: new ErrorSpikeDetector(d.errorSpike) },
    { key: 'trafficSpike', detector: new TrafficSpikeDetector(d.trafficSpike) },
  ];
  return all.filter((x) => d[x.key].enabled);
}

/** A firing with the detector that produced it and the exchange clock when it fired. */
export interface Detection extends Firing {
  detector: DetectorInfo;
  key: DetectorKey;
  at: number;
  actor: AlertActor;
}

export function compileLoginPattern(pattern: string): RegExp {
  try {
    return new RegExp(pattern, 'i');
  } catch (err) {
    throw new SyntaxError(`watch.detect.login.pathPattern is not a valid regular expression: ${(err as Error).message}`);
  }
}

export class DetectionEngine {
  readonly detectors: Array<{ key: DetectorKey; detector: Detector }>;
  private readonly decoder: EventDecoder;
  /** Exchanges seen. */
  observed = 0;

  constructor(
    readonly settings: WatchDetectSettings,
    templater: Templater = new Templater(),
  ) {
    this.detectors = buildDetectors(settings);
    const l = settings.login;
    this.decoder = new EventDecoder(templater, { paths: l.paths, pathPattern: compileLoginPattern(l.pathPattern), usernameFields: l.usernameFields, failureStatuses: l.failureStatuses });
  }

  /** Runs every detector on one exchange; returns what fired (usually nothing). */
  observe(o: ObservedExchange): Detection[] {
    this.observed++;
    const e: WatchEvent = this.decoder.decode(o);
    let out: Detection[] | undefined;
    for (const { key, detector } of this.detectors) {
      detector.observe(e, (f) => {
        (out ??= []).push({ ...f, detector, key, at: e.t });
      });
    }
    return out ?? [];
  }

  /** Keys tracked by all detectors together. */
  tracked(): number {
    let n = 0;
    for (const { detector } of this.detectors) n += detector.tracked();
    return n;
  }
}

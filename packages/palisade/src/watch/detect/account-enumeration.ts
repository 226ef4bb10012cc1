// PAL-WATCH-ACCOUNT-ENUM: one actor probing a lookup endpoint (user search, password reset,
// "is this email taken") with many identifiers and learning which exist from the answers — an
// existence oracle. Real users look themselves up a handful of times and mostly find themselves.
import type { WatchDetectSettings } from '../../core/index.js';
import type { Detector, Firing } from './detector.js';
import { KeyedWindows, Samples, actorKey } from './detector.js';
import type { WatchEvent } from './event.js';
import { accountFromBody } from './event.js';
import { DistinctCounter } from './sketch.js';
import { round } from './credential-stuffing.js';

type Settings = WatchDetectSettings['detectors']['accountEnumeration'];

interface State {
  lookups: number;
  misses: number;
  hits: number;
  identifiers: DistinctCounter;
  samples: Samples;
  fired: boolean;
}

/** Answers that say "no such account". */
function isMiss(status: number): boolean {
  return status === 404 || status === 204 || status === 410 || status === 422;
}

export class AccountEnumerationDetector implements Detector {
  readonly id = 'PAL-WATCH-ACCOUNT-ENUM';
  readonly title = 'Account enumeration: many identifiers looked up by one client';
  readonly category = 'API2:2023' as const;
  readonly severity = 'medium' as const;
  readonly remediation =
    'Answer lookups and resets the same way whether or not the account exists (same status, body and timing), require authentication for user search, and rate-limit lookups per client.';
  private readonly windows: KeyedWindows<State>;
  private readonly params: Set<string>;

  constructor(
    private readonly s: Settings,
    maxActors: number,
  ) {
    this.params = new Set(s.identifierParams.map((p) => p.toLowerCase()));
    this.windows = new KeyedWindows(maxActors, s.windowSeconds * 1000, () => ({ lookups: 0, misses: 0, hits: 0, identifiers: new DistinctCounter(64), samples: new Samples(), fired: false }));
  }

  private identifierOf(e: WatchEvent): string | undefined {
    for (const [k, v] of e.query) if (v && this.params.has(k.toLowerCase())) return v.trim().toLowerCase();
    for (const p of e.params) if (p.cls === 'email') return p.value.toLowerCase();
    if (e.method === 'POST' || e.method === 'PUT') return accountFromBody(e.x.requestBodySample, this.s.identifierParams);
    return undefined;
  }

  observe(e: WatchEvent, emit: (f: Firing) => void): void {
    // Logins are judged by the stuffing detectors; throttled or blocked answers say nothing.
    if (e.login || e.status === 429 || e.x.blockedBy !== undefined) return;
    const id = this.identifierOf(e);
    if (id === undefined) return;
    const w = this.windows.get(`${actorKey(e)}|${e.endpoint}`, e.t);
    w.lookups++;
    if (isMiss(e.status)) w.misses++;
    else if (e.status < 300) w.hits++;
    w.identifiers.add(id);
    w.samples.add(e.x.id);
    if (w.fired) return;
    const distinct = w.identifiers.size;
    const missRatio = w.misses / w.lookups;
    if (distinct < this.s.minDistinctIdentifiers || missRatio < this.s.minMissRatio) return;
    w.fired = true;
    emit({
      actor: e.actor,
      endpoint: e.endpoint,
      figures: { distinctIdentifiers: distinct, lookups: w.lookups, found: w.hits, missing: w.misses, missRatio: round(missRatio), windowSeconds: this.s.windowSeconds },
      samples: w.samples.list(),
      addresses: [e.ip],
    });
  }

  tracked(): number {
    return this.windows.size;
  }
}

// PAL-WATCH-BOLA: one principal walking the object ids of one endpoint — the traffic shape of
// broken object level authorization being exploited (or probed). Many distinct ids alone is normal
// for a busy user; it takes one of: many refusals (401/403/404 — ids that are not theirs), runs of
// adjacent numeric ids (counting through), or ids the API never showed them.
import type { WatchDetectSettings } from '../../core/index.js';
import type { Detector, Firing } from './detector.js';
import { KeyedWindows, Samples, actorKey } from './detector.js';
import type { WatchEvent } from './event.js';
import { DistinctCounter, LruMap } from './sketch.js';
import { round } from './credential-stuffing.js';

type Settings = WatchDetectSettings['detectors']['bola'];

interface State {
  requests: number;
  denied: number;
  ids: DistinctCounter;
  last: number | undefined;
  run: number;
  maxRun: number;
  checked: number;
  unseen: number;
  samples: Samples;
  fired: boolean;
}

/** Ids remembered per principal as "returned to it" (from response body samples). */
const RETURNED_CAP = 512;
const ID_IN_BODY = /"(?:id|[A-Za-z]+Id|[a-z]+_id|uuid)"\s*:\s*"?([A-Za-z0-9_-]{1,64})"?/g;
const MAX_SCAN = 64 * 1024;

export class BolaDetector implements Detector {
  readonly id = 'PAL-WATCH-BOLA';
  readonly title = 'BOLA enumeration: one principal requesting many objects that are not its own';
  readonly category = 'API1:2023' as const;
  readonly severity = 'high' as const;
  readonly remediation =
    'Check object ownership on every access (Shield: authorize rules with an owner lookup), use unguessable ids, and review what the principal obtained (200 answers in the samples).';
  private readonly windows: KeyedWindows<State>;
  private readonly returned: LruMap<string, Set<string>>;

  constructor(
    private readonly s: Settings,
    maxActors: number,
  ) {
    this.windows = new KeyedWindows(maxActors, s.windowSeconds * 1000, () => ({
      requests: 0,
      denied: 0,
      ids: new DistinctCounter(64),
      last: undefined,
      run: 0,
      maxRun: 0,
      checked: 0,
      unseen: 0,
      samples: new Samples(),
      fired: false,
    }));
    this.returned = new LruMap(Math.max(100, Math.min(maxActors, 20_000)));
  }

  observe(e: WatchEvent, emit: (f: Firing) => void): void {
    const who = actorKey(e);
    this.learnReturned(who, e);
    const p = e.params[e.params.length - 1];
    if (!p || e.method === 'POST') return;
    const w = this.windows.get(`${who}|${e.endpoint}`, e.t);
    w.requests++;
    if (e.status === 401 || e.status === 403 || e.status === 404) w.denied++;
    w.ids.add(p.value);
    w.samples.add(e.x.id);
    const num = /^\d{1,15}$/.test(p.value) ? Number(p.value) : undefined;
    if (num !== undefined && w.last !== undefined && Math.abs(num - w.last) === 1) {
      w.run++;
      if (w.run > w.maxRun) w.maxRun = w.run;
    } else w.run = 1;
    w.last = num;
    const known = this.returned.get(who);
    if (known && known.size > 0) {
      w.checked++;
      if (!known.has(p.value)) w.unseen++;
    }
    if (w.fired) return;
    const distinct = w.ids.size;
    if (distinct < this.s.minDistinctIds) return;
    const deniedRatio = w.denied / w.requests;
    const unseenRatio = w.checked >= this.s.minDistinctIds ? w.unseen / w.checked : 0;
    const why = deniedRatio >= this.s.minDeniedRatio ? 1 : w.maxRun >= this.s.minSequentialRun ? 2 : unseenRatio >= this.s.minUnseenRatio ? 3 : 0;
    if (why === 0) return;
    w.fired = true;
    emit({
      actor: e.actor,
      endpoint: e.endpoint,
      figures: { distinctIds: distinct, requests: w.requests, deniedRatio: round(deniedRatio), longestSequentialRun: w.maxRun, unseenRatio: round(unseenRatio), minDistinctIds: this.s.minDistinctIds, windowSeconds: this.s.windowSeconds },
      samples: w.samples.list(),
      detail: why === 1 ? 'mostly refused' : why === 2 ? 'sequential ids' : 'ids never returned to it',
      addresses: [e.ip],
    });
  }

  /** Ids in the principal's successful response samples count as "shown to it". */
  private learnReturned(who: string, e: WatchEvent): void {
    const body = e.x.responseBodySample;
    if (!body || e.status >= 300) return;
    const set = this.returned.upsert(who, () => new Set());
    ID_IN_BODY.lastIndex = 0;
    const text = body.length > MAX_SCAN ? body.slice(0, MAX_SCAN) : body;
    for (let m = ID_IN_BODY.exec(text); m !== null && set.size < RETURNED_CAP; m = ID_IN_BODY.exec(text)) set.add(m[1]!);
  }

  tracked(): number {
    return this.windows.size + this.returned.size;
  }
}

// PAL-WATCH-SCRAPING: bulk extraction of data. Two shapes: a long pagination walk of one listing
// (humans stop after a few pages), or machine-regular request timing over many distinct URLs of
// few endpoints. Regular polling of one URL (health checks, notification polls) is excluded by
// requiring many distinct URLs.
import type { WatchDetectSettings } from '../../core/index.js';
import type { Detector, Firing } from './detector.js';
import { KeyedWindows, Samples, actorKey } from './detector.js';
import type { WatchEvent } from './event.js';
import { DistinctCounter } from './sketch.js';
import { round } from './credential-stuffing.js';

type Settings = WatchDetectSettings['detectors']['scraping'];

const PAGE_PARAMS = ['page', 'offset', 'start', 'skip', 'cursor', 'after', 'before', 'p', 'page[number]', 'page[offset]', 'page[after]', 'pagetoken', 'page_token', 'next', 'from', 'since_id', 'max_id'];
/** Endpoints whose pages are tracked per actor: scrapers walk one or two listings. */
const MAX_LISTINGS = 4;

interface State {
  requests: number;
  endpoints: DistinctCounter;
  urls: DistinctCounter;
  pages: Map<string, DistinctCounter>;
  lastT: number | undefined;
  gaps: number;
  gapMean: number;
  gapM2: number;
  samples: Samples;
  fired: boolean;
}

export function pageValue(q: URLSearchParams): string | undefined {
  for (const [k, v] of q) {
    if (PAGE_PARAMS.includes(k.toLowerCase())) return `${k}=${v}`;
  }
  return undefined;
}

export class ScrapingDetector implements Detector {
  readonly id = 'PAL-WATCH-SCRAPING';
  readonly title = 'Scraping: bulk extraction through pagination or machine-regular requests';
  readonly category = 'API6:2023' as const;
  readonly severity = 'medium' as const;
  readonly remediation =
    'Rate-limit the listing per principal and per address (Shield: rateLimit), cap page sizes (limits.maxPageSize), require authentication for bulk listings, and consider a quota per day.';
  private readonly windows: KeyedWindows<State>;

  constructor(
    private readonly s: Settings,
    maxActors: number,
  ) {
    this.windows = new KeyedWindows(maxActors, s.windowSeconds * 1000, () => ({
      requests: 0,
      endpoints: new DistinctCounter(32),
      urls: new DistinctCounter(64),
      pages: new Map(),
      lastT: undefined,
      gaps: 0,
      gapMean: 0,
      gapM2: 0,
      samples: new Samples(),
      fired: false,
    }));
  }

  observe(e: WatchEvent, emit: (f: Firing) => void): void {
    if (e.method !== 'GET') return;
    const w = this.windows.get(actorKey(e), e.t);
    w.requests++;
    w.endpoints.add(e.endpoint);
    w.urls.add(e.x.url);
    w.samples.add(e.x.id);
    if (w.lastT !== undefined) {
      // Welford's running mean and variance of the gaps.
      const gap = e.t - w.lastT;
      w.gaps++;
      const d = gap - w.gapMean;
      w.gapMean += d / w.gaps;
      w.gapM2 += d * (gap - w.gapMean);
    }
    w.lastT = e.t;
    let pages = 0;
    const page = pageValue(e.query);
    if (page !== undefined && e.status < 400) {
      let c = w.pages.get(e.endpoint);
      if (!c && w.pages.size < MAX_LISTINGS) w.pages.set(e.endpoint, (c = new DistinctCounter(64)));
      if (c) {
        c.add(page);
        pages = c.size;
      }
    }
    if (w.fired) return;
    const byPages = pages >= this.s.minPages;
    let cv = Infinity;
    if (!byPages) {
      if (w.requests < this.s.minRequests || w.gaps < 2 || w.gapMean <= 0) return;
      cv = Math.sqrt(w.gapM2 / (w.gaps - 1)) / w.gapMean;
      if (cv > this.s.maxTimingCv || w.endpoints.size > this.s.maxEndpoints || w.urls.size * 2 < w.requests) return;
    }
    w.fired = true;
    emit({
      actor: e.actor,
      endpoint: e.endpoint,
      figures: {
        requests: w.requests,
        pages,
        endpoints: w.endpoints.size,
        distinctUrls: w.urls.size,
        meanGapMs: round(w.gapMean, 1),
        timingCv: Number.isFinite(cv) ? round(cv) : -1,
        windowSeconds: this.s.windowSeconds,
      },
      samples: w.samples.list(),
      detail: byPages ? 'pagination walk' : 'machine-regular timing',
      addresses: [e.ip],
    });
  }

  tracked(): number {
    return this.windows.size;
  }
}

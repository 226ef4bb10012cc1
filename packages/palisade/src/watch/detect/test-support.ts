// Synthetic exchanges for detector tests and the simulator. Not exported from index.ts.
import type { Exchange, StageOutcome, WatchDetectSettings } from '../../core/index.js';
import { ConfigSchema } from '../../core/index.js';
import type { ObservedExchange } from './event.js';

let seq = 0;

export interface Ex {
  t: number;
  ip?: string;
  method?: string;
  url: string;
  status?: number;
  principal?: { id: string; method?: string };
  credential?: string;
  session?: string;
  ua?: string;
  body?: string;
  responseBody?: string;
  waf?: string[];
}

export function ex(e: Ex): ObservedExchange {
  const verdicts: StageOutcome[] = (e.waf ?? []).map((code) => ({ stage: 'waf', outcome: 'report', code }));
  const x: Exchange = {
    id: `x${++seq}`,
    startedAt: e.t,
    method: e.method ?? 'GET',
    url: e.url,
    clientIp: e.ip ?? '198.51.100.10',
    requestHeaders: e.ua !== undefined ? { 'user-agent': e.ua } : { 'user-agent': 'Mozilla/5.0' },
    requestBytes: 0,
    status: e.status ?? 200,
    responseHeaders: {},
    responseBytes: 0,
    timings: { total: 5 },
    verdicts,
  };
  if (e.principal) x.principal = { id: e.principal.id, method: e.principal.method ?? 'jwt', roles: [] };
  if (e.body !== undefined) x.requestBodySample = e.body;
  if (e.responseBody !== undefined) x.responseBodySample = e.responseBody;
  return { exchange: x, ...(e.credential ? { credential: e.credential } : {}), ...(e.session ? { session: e.session } : {}) };
}

/** The defaults of watch.detect, optionally changed. */
export function detectSettings(patch: (s: WatchDetectSettings) => void = () => undefined): WatchDetectSettings {
  const s = structuredClone(ConfigSchema.parse({}).watch.detect) as WatchDetectSettings;
  patch(s);
  return s;
}

export const T0 = Date.UTC(2025, 5, 1, 12, 0, 0);

/** A credential fingerprint as Shield's hook would compute it. */
export { fingerprint as credentialFingerprintsForTest } from './sketch.js';

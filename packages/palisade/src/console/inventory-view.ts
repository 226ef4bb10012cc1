// The inventory as the console shows it: the live Inventory's endpoints compared with each API's
// OpenAPI document (shadow, zombie, orphan), with risk, flags and figures; one endpoint's learnt
// schemas, masked samples and a time series read back from the recorded exchanges.
import { stat } from 'node:fs/promises';
import type { PalisadeConfig, Store } from '../core/index.js';
import { diffAgainstSpec, endpointKey, loadSpec, riskOf, saveOverrides, toJsonSchema } from '../watch/index.js';
import type { EndpointStats, EndpointDiff, Inventory, Spec, SpecDiff } from '../watch/index.js';
import { exchangesSince } from './overview.js';

const DAY = 86_400_000;
/** Exchanges read back for one endpoint's series at most. */
export const SERIES_MAX_EXCHANGES = 5000;
const SERIES_BUCKETS = 24;

export type RiskLevel = 'critical' | 'high' | 'medium' | 'low' | 'none';

export function riskLevel(score: number): RiskLevel {
  return score >= 70 ? 'critical' : score >= 45 ? 'high' : score >= 20 ? 'medium' : score > 0 ? 'low' : 'none';
}

/** The URL-safe id of an endpoint: api, method and template, base64url. */
export function keyOf(api: string | undefined, method: string, template: string): string {
  return Buffer.from(endpointKey(api, method, template), 'utf8').toString('base64url');
}

export function parseKey(key: string): { api: string | undefined; method: string; template: string } | undefined {
  if (!/^[A-Za-z0-9_-]{1,4000}$/.test(key)) return undefined;
  const parts = Buffer.from(key, 'base64url').toString('utf8').split('\u0000');
  if (parts.length !== 3 || !parts[1] || !parts[2]?.startsWith('/')) return undefined;
  return { api: parts[0] || undefined, method: parts[1], template: parts[2] };
}

export interface EndpointSummary {
  key: string;
  host: string;
  method: string;
  template: string;
  operationId?: string;
  authMethods: string[];
  sensitive: string[];
  risk: { score: number; level: RiskLevel };
  flags: { new: boolean; shadow: boolean; zombie: boolean; orphan: boolean };
  volume: number;
  errorRate: number;
  p50: number | null;
  p95: number | null;
  firstSeen: number | null;
  lastSeen: number | null;
}

const round = (n: number | undefined): number | null => (n === undefined ? null : Math.round(n * 1000) / 1000);

/** Specs by source, re-read when the file changes (URLs: every ten minutes). */
export class SpecCache {
  private readonly entries = new Map<string, { stamp: string; spec: Spec | undefined; error?: string }>();

  async get(source: string, now: number): Promise<Spec | undefined> {
    let stamp: string;
    if (/^https?:\/\//i.test(source)) stamp = String(Math.floor(now / 600_000));
    else {
      try {
        const s = await stat(source);
        stamp = `${s.mtimeMs}:${s.size}`;
      } catch {
        return undefined;
      }
    }
    const hit = this.entries.get(source);
    if (hit && hit.stamp === stamp) return hit.spec;
    let spec: Spec | undefined;
    try {
      spec = await loadSpec(source);
    } catch {
      spec = undefined;
    }
    if (this.entries.size > 50) this.entries.clear();
    this.entries.set(source, { stamp, spec });
    return spec;
  }
}

export interface InventoryState {
  endpoints: EndpointStats[];
  diffs: Map<EndpointStats, EndpointDiff>;
  orphans: Array<{ api: string; method: string; template: string; operationId?: string }>;
}

/** Every endpoint with its documentation status against the API's document (when it has one). */
export async function inventoryState(inv: Inventory, config: PalisadeConfig, specs: SpecCache, now: number): Promise<InventoryState> {
  const endpoints = inv.list();
  const diffs = new Map<EndpointStats, EndpointDiff>();
  const orphans: InventoryState['orphans'] = [];
  const apis = config.apis;
  for (const api of apis) {
    if (!api.openapi) continue;
    const spec = await specs.get(api.openapi, now);
    if (!spec) continue;
    // Exchanges recorded without an API name belong to the only API there is.
    const mine = endpoints.filter((e) => e.api === api.name || (e.api === undefined && apis.length === 1));
    const diff: SpecDiff = diffAgainstSpec(mine, spec, now);
    for (const [ep, d] of diff.byEndpoint) diffs.set(ep, d);
    for (const o of diff.orphans) orphans.push({ api: api.name, ...o });
  }
  return { endpoints, diffs, orphans };
}

export function endpointSummary(ep: EndpointStats, diff: EndpointDiff | undefined, now: number): EndpointSummary {
  const risk = riskOf(ep, diff);
  return {
    key: keyOf(ep.api, ep.method, ep.template),
    host: ep.api ?? '',
    method: ep.method,
    template: ep.template,
    ...(diff?.operation?.operationId ? { operationId: diff.operation.operationId } : {}),
    authMethods: [...ep.auth.keys()].sort(),
    sensitive: [...new Set([...ep.sensitiveRequest.keys(), ...ep.sensitiveResponse.keys()])].sort(),
    risk: { score: risk.score, level: riskLevel(risk.score) },
    flags: { new: ep.firstSeen >= now - DAY, shadow: diff?.shadow ?? false, zombie: diff?.zombie ?? false, orphan: false },
    volume: ep.count,
    errorRate: round(ep.errorRate()) ?? 0,
    p50: round(ep.latency.quantile(0.5)),
    p95: round(ep.latency.quantile(0.95)),
    firstSeen: Number.isFinite(ep.firstSeen) ? ep.firstSeen : null,
    lastSeen: Number.isFinite(ep.lastSeen) ? ep.lastSeen : null,
  };
}

export function orphanSummary(o: InventoryState['orphans'][number]): EndpointSummary {
  return {
    key: keyOf(o.api, o.method, o.template),
    host: o.api,
    method: o.method,
    template: o.template,
    ...(o.operationId ? { operationId: o.operationId } : {}),
    authMethods: [],
    sensitive: [],
    risk: { score: 0, level: 'none' },
    flags: { new: false, shadow: false, zombie: false, orphan: true },
    volume: 0,
    errorRate: 0,
    p50: null,
    p95: null,
    firstSeen: null,
    lastSeen: null,
  };
}

/** A regular expression for the concrete paths of a template: /users/{id} → ^/users/[^/]+$. */
export function templateRegex(template: string): RegExp {
  const parts = template.split(/\{[^}/]*\}/).map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${parts.join('[^/]+')}$`);
}

/** The same shape: parameters compared as placeholders whatever their names (/orders/{id} ~ /orders/{orderId}). */
export function sameShape(a: string, b: string): boolean {
  const norm = (t: string) => t.replace(/\{[^}/]*\}/g, '{}');
  return norm(a) === norm(b);
}

/** Replaces values the classifier calls sensitive with their class, in a JSON sample. */
function mask(inv: Inventory, text: string): string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return text.length > 2048 ? `${text.slice(0, 2048)}…` : text;
  }
  const walk = (v: unknown, key: string, depth: number): unknown => {
    if (depth > 20) return v;
    if (Array.isArray(v)) return v.slice(0, 20).map((x) => walk(x, key, depth + 1));
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, k, depth + 1)]));
    const cls = typeof v === 'string' || typeof v === 'number' ? inv.classifier.classify(key, v) : undefined;
    return cls ? `[${cls}]` : v;
  };
  const out = JSON.stringify(walk(value, '', 0));
  return out.length > 4096 ? `${out.slice(0, 4096)}…` : out;
}

export interface EndpointDetail extends EndpointSummary {
  requestSchema: Record<string, unknown> | null;
  responses: Record<string, { count: number; schema: Record<string, unknown> | null; samples: string[] }>;
  query: Array<{ name: string; required: boolean; schema: Record<string, unknown> }>;
  headers: Array<{ name: string; required: boolean; schema: Record<string, unknown> }>;
  riskReasons: Array<{ reason: string; points: number }>;
  series: { t: number[]; requests: number[]; errors: number[]; p95: Array<number | null> };
}

export async function endpointDetail(store: Store, inv: Inventory, ep: EndpointStats, diff: EndpointDiff | undefined, now: number): Promise<EndpointDetail> {
  const summary = endpointSummary(ep, diff, now);
  const firstBody = (bodies: Record<string, unknown> | undefined) => {
    const v = bodies ? Object.values(bodies)[0] : undefined;
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : null;
  };
  // Samples: the endpoint's example exchanges, sensitive values masked.
  const samples = new Map<number, string[]>();
  for (const id of ep.exampleIds) {
    const x = await store.getExchange(id);
    if (!x?.responseBodySample) continue;
    const list = samples.get(x.status) ?? [];
    if (list.length < 3) list.push(mask(inv, x.responseBodySample));
    samples.set(x.status, list);
  }
  const responses: EndpointDetail['responses'] = {};
  for (const [status, r] of ep.responses) {
    responses[String(status)] = { count: r.count, schema: firstBody(Object.fromEntries([...r.bodies].map(([m, n]) => [m, toJsonSchema(n)]))), samples: samples.get(status) ?? [] };
  }
  return {
    ...summary,
    requestSchema: firstBody(Object.fromEntries([...ep.requestBodies].map(([m, n]) => [m, toJsonSchema(n)]))),
    responses,
    // A parameter every request carried is required.
    query: [...ep.query].map(([name, n]) => ({ name, required: n.count >= ep.count, schema: toJsonSchema(n) })),
    headers: [...ep.headers].map(([name, n]) => ({ name, required: n.count >= ep.count, schema: toJsonSchema(n) })),
    riskReasons: riskOf(ep, diff).reasons,
    series: await endpointSeries(store, ep, now),
  };
}

/** Requests, server errors and p95 latency per hour over the last day, from the recorded exchanges. */
export async function endpointSeries(store: Store, ep: Pick<EndpointStats, 'api' | 'method' | 'template'>, now: number): Promise<EndpointDetail['series']> {
  const bucket = DAY / SERIES_BUCKETS;
  const to = Math.ceil((now + 1) / bucket) * bucket;
  const from = to - DAY;
  const t = Array.from({ length: SERIES_BUCKETS }, (_, i) => from + i * bucket);
  const requests = new Array<number>(SERIES_BUCKETS).fill(0);
  const errors = new Array<number>(SERIES_BUCKETS).fill(0);
  const latencies: number[][] = Array.from({ length: SERIES_BUCKETS }, () => []);
  const re = templateRegex(ep.template);
  const { exchanges } = await exchangesSince(store, from, now + 1, SERIES_MAX_EXCHANGES);
  for (const x of exchanges) {
    if (x.method.toUpperCase() !== ep.method || (ep.api !== undefined && x.api !== undefined && x.api !== ep.api)) continue;
    const q = x.url.indexOf('?');
    let path = q >= 0 ? x.url.slice(0, q) : x.url;
    const abs = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(path);
    if (abs) path = path.slice(abs[0].length) || '/';
    if (!re.test(path)) continue;
    const i = Math.min(SERIES_BUCKETS - 1, Math.floor((x.startedAt - from) / bucket));
    requests[i]!++;
    if (x.status >= 500) errors[i]!++;
    latencies[i]!.push(x.timings.total);
  }
  const p95 = latencies.map((l) => {
    if (l.length === 0) return null;
    l.sort((a, b) => a - b);
    return Math.round(l[Math.min(l.length - 1, Math.ceil(l.length * 0.95) - 1)]! * 1000) / 1000;
  });
  return { t, requests, errors, p95 };
}

/**
 * Splits a template at one of its parameters (the templater merged values that are different
 * endpoints, e.g. /files/{name} for /files/export and /files/import): remembered in the store so
 * the next start applies it too. Returns the API's templates after the split.
 */
export async function splitTemplate(store: Store, inv: Inventory, ep: Pick<EndpointStats, 'api' | 'template'>, segment: number | string, now: number): Promise<string[]> {
  const segs = ep.template.split('/');
  const index = typeof segment === 'number' ? segment + 1 : segs.findIndex((s) => s === `{${segment}}`);
  if (index < 1 || index >= segs.length || !/^\{[^}]+\}$/.test(segs[index]!)) throw new RangeError(`segment ${String(segment)} is not a parameter of ${ep.template}`);
  const template = segs.slice(0, index + 1).join('/');
  const override = { action: 'split' as const, template: ep.api ? `${ep.api}:${template}` : template, at: now };
  inv.applyOverride(override);
  await saveOverrides(store, inv.listOverrides());
  return inv
    .list()
    .filter((e) => e.api === ep.api)
    .map((e) => e.template)
    .sort();
}

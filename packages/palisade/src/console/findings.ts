// Findings in the console: what scans, audits and Watch report lands in store.findings (keyed by
// fingerprint, so triage survives the next run), and the shapes the API answers with.
import { createHash } from 'node:crypto';
import type { AlertRecord, Evidence, FindingInput, FindingSource, Store, StoredFinding } from '../core/index.js';
import type { ProbeReport } from '../probe/index.js';
import { protectionIntent } from './protection.js';

/** The scope a report covers: a later report of the same scope marks what it no longer has fixed. */
export function reportScope(report: Pick<ProbeReport, 'kind' | 'target' | 'spec'>, source: FindingSource): string {
  return `${source}:${(source === 'scan' ? report.target : report.spec) ?? report.spec ?? report.target ?? ''}`.slice(0, 1000);
}

export interface IngestResult {
  created: number;
  updated: number;
  /** Findings of the same scope the report no longer has, now marked fixed. */
  fixed: number;
}

/**
 * Stores every finding of a scan or audit report. Triage states persist (upsert by fingerprint);
 * with `markFixed` (default: true, pass false for a run that did not finish) findings the scope
 * had and this report lacks become 'fixed'.
 */
export async function ingestReport(store: Store, report: ProbeReport, source: 'scan' | 'audit', scanId?: string, opts: { markFixed?: boolean; now?: number } = {}): Promise<IngestResult> {
  const scope = reportScope(report, source);
  const at = opts.now ?? report.finishedAt ?? Date.now();
  const out: IngestResult = { created: 0, updated: 0, fixed: 0 };
  const seen: string[] = [];
  for (const f of report.findings) {
    const protection = protectionIntent(f);
    const input: FindingInput = {
      fingerprint: f.fingerprint,
      source,
      checkId: f.checkId,
      title: f.title,
      severity: f.severity,
      category: f.category,
      ...(f.cwe !== undefined ? { cwe: f.cwe } : {}),
      confidence: f.confidence,
      ...(f.api !== undefined ? { api: f.api } : {}),
      ...(f.operation ? { operation: { method: f.operation.method.toUpperCase(), path: f.operation.path, ...(f.operation.operationId ? { operationId: f.operation.operationId } : {}) } } : {}),
      ...(f.description !== undefined ? { description: f.description } : {}),
      evidence: f.evidence.slice(0, 10).map(boundEvidence),
      remediation: f.remediation,
      ...(protection ? { protection } : {}),
      ...(scanId !== undefined ? { scanId } : {}),
      scope,
      seenAt: Math.max(0, Math.trunc(at)),
    };
    const r = await store.findings.upsert(input);
    if (r.created) out.created++;
    else out.updated++;
    seen.push(f.fingerprint);
  }
  if (opts.markFixed !== false) out.fixed = await store.findings.markMissingFixed(scope, seen, 'palisade', Math.max(0, Math.trunc(at)));
  return out;
}

const MAX_EXCERPT = 8 * 1024;

function cut(s: string | undefined): string | undefined {
  return s === undefined ? undefined : s.length > MAX_EXCERPT ? `${s.slice(0, MAX_EXCERPT)}…` : s;
}

function boundEvidence(e: Evidence): Evidence {
  const out: Evidence = {};
  if (e.request) out.request = { method: e.request.method, url: e.request.url.slice(0, 4096), ...(e.request.headers ? { headers: e.request.headers } : {}), ...(e.request.body !== undefined ? { body: cut(e.request.body)! } : {}) };
  if (e.response) out.response = { status: e.response.status, ...(e.response.headers ? { headers: e.response.headers } : {}), ...(e.response.bodyExcerpt !== undefined ? { bodyExcerpt: cut(e.response.bodyExcerpt)! } : {}) };
  if (e.matched !== undefined) out.matched = cut(e.matched)!;
  if (e.exchangeIds) out.exchangeIds = e.exchangeIds.slice(0, 20);
  return out;
}

/** One finding per (detector, actor, endpoint): the same behaviour again updates it. */
export function alertFingerprint(a: Pick<AlertRecord, 'detector' | 'actor' | 'endpoint'>): string {
  return createHash('sha256').update(['palisade.watch.v1', a.detector, a.actor.kind, a.actor.id, a.endpoint ?? '-'].join('\0')).digest('hex').slice(0, 32);
}

/** A Watch alert as a finding (source 'watch'). */
export function alertToFinding(a: AlertRecord): FindingInput {
  const m = a.endpoint ? /^([A-Z]+) (\/\S*)$/.exec(a.endpoint) : null;
  const operation = m ? { method: m[1]!, path: m[2]! } : undefined;
  const protection = protectionIntent({ checkId: a.detector, ...(operation ? { operation } : {}) }) ?? (a.actor.kind === 'ip' ? { kind: 'block-ip' as const, entry: a.actor.id } : undefined);
  const figures = Object.entries(a.figures)
    .map(([k, v]) => `${k}=${Number.isInteger(v) ? v : v.toFixed(3)}`)
    .join(', ');
  return {
    fingerprint: alertFingerprint(a),
    source: 'watch',
    checkId: a.detector,
    title: a.title,
    severity: a.severity,
    category: a.category,
    confidence: 'firm',
    ...(operation ? { operation } : {}),
    description: `${a.title}: ${a.actor.kind} ${a.actor.id}${a.endpoint ? ` on ${a.endpoint}` : ''}, ${a.count} firing${a.count === 1 ? '' : 's'}.`,
    evidence: [{ matched: `${a.actor.kind} ${a.actor.id}: ${figures}`, exchangeIds: a.sampleExchangeIds.slice(-10) }],
    remediation: { summary: a.remediation },
    ...(protection ? { protection } : {}),
    scanId: a.id,
    scope: 'watch',
    seenAt: a.lastSeenAt,
  };
}

export const WATCH_CURSOR_KEY = 'console.findings.watchCursor';

/**
 * Turns the alerts seen since the last call into findings (a cursor in the store's state), so the
 * console's queue holds Watch's incidents next to scan results without a timer of its own.
 * Watch findings are never marked fixed automatically: an attack that stops is not a fix.
 */
export async function syncWatchFindings(store: Store): Promise<number> {
  const saved = Number((await store.getState(WATCH_CURSOR_KEY)) ?? '0');
  const since = Number.isFinite(saved) ? saved : 0;
  const alerts = await store.alerts.list({ since, limit: 1000 });
  let cursor = since;
  for (const a of alerts) {
    await store.findings.upsert(alertToFinding(a));
    if (a.lastSeenAt > cursor) cursor = a.lastSeenAt;
  }
  if (cursor !== since) await store.setState(WATCH_CURSOR_KEY, String(cursor));
  return alerts.length;
}

export function findingSummary(f: StoredFinding) {
  return {
    id: f.fingerprint,
    fingerprint: f.fingerprint,
    source: f.source,
    checkId: f.checkId,
    title: f.title,
    severity: f.severity,
    category: f.category,
    ...(f.cwe !== undefined ? { cwe: f.cwe } : {}),
    status: f.status,
    ...(f.api !== undefined ? { api: f.api } : {}),
    ...(f.operation ? { operation: `${f.operation.method} ${f.operation.path}` } : {}),
    firstSeenAt: f.firstSeenAt,
    lastSeenAt: f.lastSeenAt,
    ...(f.scanId !== undefined ? { scanId: f.scanId } : {}),
    protectable: f.protection !== undefined,
  };
}

export type FindingSummary = ReturnType<typeof findingSummary>;

/** The evidence of a finding for its page: request, response and what matched; a Watch finding's first sample exchange fills in the request and response. */
export async function findingEvidence(store: Store, f: StoredFinding): Promise<Array<{ request?: Evidence['request']; response?: Evidence['response']; matched?: string; exchangeIds?: string[] }>> {
  const out = [];
  for (const e of f.evidence.slice(0, 10)) {
    const item: { request?: Evidence['request']; response?: Evidence['response']; matched?: string; exchangeIds?: string[] } = { ...e };
    if (!e.request && e.exchangeIds && e.exchangeIds.length > 0) {
      const x = await store.getExchange(e.exchangeIds[e.exchangeIds.length - 1]!);
      if (x) {
        item.request = { method: x.method, url: x.url, headers: x.requestHeaders, ...(x.requestBodySample !== undefined ? { body: x.requestBodySample } : {}) };
        item.response = { status: x.status, headers: x.responseHeaders, ...(x.responseBodySample !== undefined ? { bodyExcerpt: x.responseBodySample } : {}) };
      }
    }
    out.push(item);
  }
  return out;
}

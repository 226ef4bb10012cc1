// Row <-> StoredFinding and ConfigChange for both dialects: the columns filtered and sorted on,
// the triage fields, and what the source reported as JSON in `data`.
import { SEVERITIES, FINDING_SOURCES, FINDING_STATUSES } from '../core/index.js';
import type { ConfigChange, FindingInput, FindingQuery, FindingStatus, NewConfigChange, Severity, StoredFinding } from '../core/index.js';

export interface FindingRow {
  fingerprint: string;
  source: string;
  check_id: string;
  title: string;
  severity: string;
  category: string;
  operation: string | null;
  scope: string | null;
  scan_id: string | null;
  first_seen: number | string;
  last_seen: number | string;
  status: string;
  status_by: string | null;
  status_at: number | string | null;
  status_note: string | null;
  data: string;
}

export const FINDING_COLUMNS = 'fingerprint, source, check_id, title, severity, category, operation, scope, scan_id, first_seen, last_seen, status, status_by, status_at, status_note, data';
/** The columns an upsert writes, in findingParams' order. */
const FINDING_INSERT_COLUMNS = 'fingerprint, source, check_id, title, severity, category, operation, scope, scan_id, first_seen, last_seen, status, data';

const MAX_FINGERPRINT = 200;
/** A finding is bounded: evidence is excerpts, never whole bodies. */
const MAX_DATA = 256 * 1024;
/** Each YAML of a configuration change. */
export const MAX_CHANGE_TEXT = 1024 * 1024;

/** What a fixed finding reported again becomes, and why (the upsert's CASE uses these). */
export const REOPEN_NOTE = 'reported again after it was marked fixed';
export const SYSTEM_ACTOR = 'palisade';

function time(name: string, v: number): number {
  if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`${name} must be epoch milliseconds, got ${v}`);
  return v;
}

export function operationText(op: FindingInput['operation']): string | null {
  return op ? `${op.method.toUpperCase()} ${op.path}` : null;
}

/** Parameters for FINDING_INSERT_COLUMNS. */
export function findingParams(f: FindingInput): unknown[] {
  if (typeof f.fingerprint !== 'string' || f.fingerprint.length === 0 || f.fingerprint.length > MAX_FINGERPRINT) {
    throw new TypeError(`Finding fingerprint must be 1 to ${MAX_FINGERPRINT} characters, got ${JSON.stringify(f.fingerprint)}`);
  }
  if (!FINDING_SOURCES.includes(f.source)) throw new TypeError(`Finding ${f.fingerprint}: source must be one of ${FINDING_SOURCES.join(', ')}`);
  if (!SEVERITIES.includes(f.severity)) throw new TypeError(`Finding ${f.fingerprint}: severity must be one of ${SEVERITIES.join(', ')}`);
  time('seenAt', f.seenAt);
  const { seenAt: _seen, ...reported } = f;
  const data = JSON.stringify(reported);
  if (data.length > MAX_DATA) throw new RangeError(`Finding ${f.fingerprint} is ${data.length} characters as JSON, more than the ${MAX_DATA} a record may hold`);
  return [f.fingerprint, f.source, f.checkId, f.title, f.severity, f.category, operationText(f.operation), f.scope ?? null, f.scanId ?? null, f.seenAt, f.seenAt, 'new', data];
}

const num = (v: number | string): number => (typeof v === 'string' ? Number(v) : v);

export function findingFromRow(r: FindingRow): StoredFinding {
  const reported = JSON.parse(r.data) as Omit<FindingInput, 'seenAt'>;
  return {
    ...reported,
    firstSeenAt: num(r.first_seen),
    lastSeenAt: num(r.last_seen),
    status: r.status as FindingStatus,
    ...(r.status_by !== null ? { statusBy: r.status_by } : {}),
    ...(r.status_at !== null ? { statusAt: num(r.status_at) } : {}),
    ...(r.status_note !== null ? { statusNote: r.status_note } : {}),
  };
}

export function checkStatus(status: FindingStatus): void {
  if (!FINDING_STATUSES.includes(status)) throw new TypeError(`Finding status must be one of ${FINDING_STATUSES.join(', ')}, got ${JSON.stringify(status)}`);
}

export function findingLimit(q: FindingQuery): number {
  const l = q.limit ?? 200;
  if (!Number.isFinite(l) || l < 1) return 1;
  return Math.min(5000, Math.trunc(l));
}

const SEVERITY_ORDER = `CASE severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 WHEN 'low' THEN 3 ELSE 4 END`;
const FINDING_ORDER = `ORDER BY ${SEVERITY_ORDER}, last_seen DESC, fingerprint`;

function list<T>(v: T | readonly T[] | undefined): readonly T[] | undefined {
  if (v === undefined) return undefined;
  return Array.isArray(v) ? (v as readonly T[]) : [v as T];
}

/** WHERE clause and parameters; `p(i)` spells the i-th placeholder of the dialect. */
export function findingFilter(q: FindingQuery, p: (i: number) => string): { where: string; params: unknown[] } {
  const parts: string[] = [];
  const params: unknown[] = [];
  const inList = (column: string, values: readonly string[]) => {
    const ph = values.map((v) => {
      params.push(v);
      return p(params.length);
    });
    parts.push(values.length === 0 ? '1 = 0' : `${column} IN (${ph.join(', ')})`);
  };
  const statuses = list(q.status);
  if (statuses) inList('status', statuses);
  const severities = list<Severity>(q.severity);
  if (severities) inList('severity', severities);
  if (q.source !== undefined) inList('source', [q.source]);
  if (q.scope !== undefined) inList('scope', [q.scope]);
  if (q.q !== undefined && q.q.trim() !== '') {
    const like = `%${q.q.trim().toLowerCase().slice(0, 200).replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const cols = ['lower(title)', 'lower(check_id)', "lower(coalesce(operation, ''))", 'lower(fingerprint)'];
    const ors = cols.map((c) => {
      params.push(like);
      return `${c} LIKE ${p(params.length)} ESCAPE '\\'`;
    });
    parts.push(`(${ors.join(' OR ')})`);
  }
  return { where: parts.length ? `WHERE ${parts.join(' AND ')}` : '', params };
}

/** The upsert's SET list: what was reported replaces, the triage state stays (a fixed one reopens). */
function upsertSet(p: (i: number) => string, byParam: number, noteParam: number): string {
  return `source = excluded.source, check_id = excluded.check_id, title = excluded.title, severity = excluded.severity,
    category = excluded.category, operation = excluded.operation, scope = excluded.scope, scan_id = excluded.scan_id,
    last_seen = CASE WHEN excluded.last_seen > findings.last_seen THEN excluded.last_seen ELSE findings.last_seen END,
    first_seen = CASE WHEN excluded.first_seen < findings.first_seen THEN excluded.first_seen ELSE findings.first_seen END,
    data = excluded.data,
    status_by = CASE WHEN findings.status = 'fixed' THEN ${p(byParam)} ELSE findings.status_by END,
    status_at = CASE WHEN findings.status = 'fixed' THEN excluded.last_seen ELSE findings.status_at END,
    status_note = CASE WHEN findings.status = 'fixed' THEN ${p(noteParam)} ELSE findings.status_note END,
    status = CASE WHEN findings.status = 'fixed' THEN 'new' ELSE findings.status END`;
}

export const OPEN_STATUSES: readonly FindingStatus[] = ['new', 'confirmed', 'accepted-risk'];

function emptyCounts(): Record<Severity, number> {
  return { critical: 0, high: 0, medium: 0, low: 0, info: 0 };
}

export interface ChangeRow {
  id: string;
  at: number | string;
  actor: string;
  finding_fingerprint: string | null;
  path: string;
  summary: string;
  before_text: string;
  after_text: string;
  undone_at: number | string | null;
  undone_by: string | null;
}

export const CHANGE_COLUMNS = 'id, at, actor, finding_fingerprint, path, summary, before_text, after_text, undone_at, undone_by';
const CHANGE_INSERT_COLUMNS = 'id, at, actor, finding_fingerprint, path, summary, before_text, after_text';

export function changeParams(id: string, c: NewConfigChange): unknown[] {
  time('at', c.at);
  for (const [name, v] of [['before', c.before], ['after', c.after]] as const) {
    if (typeof v !== 'string') throw new TypeError(`Config change: ${name} must be text`);
    if (v.length > MAX_CHANGE_TEXT) throw new RangeError(`Config change: ${name} is ${v.length} characters, more than the ${MAX_CHANGE_TEXT} a change may hold`);
  }
  return [id, c.at, c.actor, c.findingFingerprint ?? null, c.path, c.summary.slice(0, 2000), c.before, c.after];
}

export function changeFromRow(r: ChangeRow): ConfigChange {
  return {
    id: r.id,
    at: num(r.at),
    actor: r.actor,
    ...(r.finding_fingerprint !== null ? { findingFingerprint: r.finding_fingerprint } : {}),
    path: r.path,
    summary: r.summary,
    before: r.before_text,
    after: r.after_text,
    ...(r.undone_at !== null ? { undoneAt: num(r.undone_at) } : {}),
    ...(r.undone_by !== null ? { undoneBy: r.undone_by } : {}),
  };
}

export function changeLimit(l: number | undefined): number {
  const n = l ?? 50;
  if (!Number.isFinite(n) || n < 1) return 1;
  return Math.min(500, Math.trunc(n));
}

/** Splits a list so that an IN (...) never holds more parameters than the drivers allow. */
export function chunks<T>(xs: readonly T[], size = 500): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += size) out.push(xs.slice(i, i + size));
  return out;
}

/** Note left on findings a later run of the same scope no longer reports. */
export const FIXED_NOTE = 'no longer reported by a later run of the same scope';

/** Open findings by severity, from `SQL.countOpen` rows (PostgreSQL returns count(*) as text). */
export function openCounts(rows: readonly { severity: Severity; n: number | string }[]): Record<Severity, number> {
  const out = emptyCounts();
  for (const r of rows) if (r.severity in out) out[r.severity] = Number(r.n);
  return out;
}

/**
 * The statements both dialects run alike; `p(i)` spells the i-th placeholder. What differs
 * (RETURNING, list parameters) stays in each store.
 */
export function findingSql(p: (i: number) => string) {
  const values = (n: number) => Array.from({ length: n }, (_, i) => p(i + 1)).join(', ');
  return {
    /** Parameters: findingParams(...), then the actor and the note of a reopened finding. */
    upsert: (n: number) => `INSERT INTO findings (${FINDING_INSERT_COLUMNS}) VALUES (${values(n)}) ON CONFLICT (fingerprint) DO UPDATE SET ${upsertSet(p, n + 1, n + 2)}`,
    get: `SELECT ${FINDING_COLUMNS} FROM findings WHERE fingerprint = ${p(1)}`,
    /** `where` and its parameters from findingFilter; the limit is the next parameter. */
    list: (where: string, limitParam: number) => `SELECT ${FINDING_COLUMNS} FROM findings ${where} ${FINDING_ORDER} LIMIT ${p(limitParam)}`,
    setStatus: `UPDATE findings SET status = ${p(1)}, status_by = ${p(2)}, status_at = ${p(3)}, status_note = ${p(4)} WHERE fingerprint = ${p(5)}`,
    countOpen: `SELECT severity, count(*) AS n FROM findings WHERE status NOT IN ('fixed', 'false-positive') GROUP BY severity`,
    addChange: (n: number) => `INSERT INTO config_changes (${CHANGE_INSERT_COLUMNS}) VALUES (${values(n)})`,
    getChange: `SELECT ${CHANGE_COLUMNS} FROM config_changes WHERE id = ${p(1)}`,
    listChanges: `SELECT ${CHANGE_COLUMNS} FROM config_changes ORDER BY at DESC, id DESC LIMIT ${p(1)}`,
    markUndone: `UPDATE config_changes SET undone_at = ${p(1)}, undone_by = ${p(2)} WHERE id = ${p(3)} AND undone_at IS NULL`,
  };
}

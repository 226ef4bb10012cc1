// Rows of scans (migration 7) <-> ScanRecord, and the argument checks, shared by both dialects so
// both refuse the same inputs the same way. PostgreSQL returns BIGINT as text: times go through Number().
import { MAX_SCAN_REPORT_CHARS, SCAN_STATUSES } from '../core/index.js';
import type { NewScan, ScanPatch, ScanProgress, ScanQuery, ScanRecord, ScanStatus, ScanSummary } from '../core/index.js';

type Int = number | string;

export interface ScanRow {
  id: string;
  created_at: Int;
  started_at: Int | null;
  finished_at: Int | null;
  status: string;
  target: string;
  spec_source: string;
  api: string | null;
  started_by: string;
  progress: string | null;
  summary: string | null;
  error: string | null;
  has_report: Int | boolean;
}

/** Everything but the report itself, which only getReport reads. */
export const SCAN_COLUMNS =
  'id, created_at, started_at, finished_at, status, target, spec_source, api, started_by, progress, summary, error, (report_html IS NOT NULL) AS has_report';

const MAX_ID = 100;
const MAX_TEXT = 4096;
/** progress and summary are small JSON documents; the summary's lists are bounded by the caller. */
const MAX_JSON = 64 * 1024;
const MAX_ERROR = 4096;

function text(v: unknown, name: string, max = MAX_TEXT): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > max) throw new TypeError(`Scan ${name} must be 1 to ${max} characters, got ${JSON.stringify(v)?.slice(0, 80)}`);
  return v;
}

function time(v: unknown, name: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new RangeError(`Scan ${name} must be epoch milliseconds, got ${String(v)}`);
  return v;
}

function jsonText(v: unknown, name: string): string {
  const s = JSON.stringify(v);
  if (s.length > MAX_JSON) throw new RangeError(`Scan ${name} is ${s.length} characters as JSON, more than the ${MAX_JSON} a scan may hold`);
  return s;
}

export function checkScanId(id: unknown): string {
  return text(id, 'id', MAX_ID);
}

export function newScanParams(s: NewScan): [string, number, string, string, string | null, string] {
  return [checkScanId(s.id), time(s.createdAt, 'createdAt'), text(s.target, 'target'), text(s.specSource, 'specSource'), s.api === undefined ? null : text(s.api, 'api', 128), text(s.startedBy, 'startedBy', 256)];
}

/** SET clause and parameters of a patch; `p(i)` spells the i-th placeholder of the dialect. */
export function scanPatchSql(patch: ScanPatch, p: (i: number) => string): { set: string; params: unknown[] } {
  const parts: string[] = [];
  const params: unknown[] = [];
  const add = (column: string, value: unknown): void => {
    params.push(value);
    parts.push(`${column} = ${p(params.length)}`);
  };
  if (patch.status !== undefined) {
    if (!SCAN_STATUSES.includes(patch.status)) throw new TypeError(`Scan status must be one of ${SCAN_STATUSES.join(', ')}, got ${JSON.stringify(patch.status)}`);
    add('status', patch.status);
  }
  if (patch.startedAt !== undefined) add('started_at', time(patch.startedAt, 'startedAt'));
  if (patch.finishedAt !== undefined) add('finished_at', time(patch.finishedAt, 'finishedAt'));
  if (patch.progress !== undefined) add('progress', jsonText(patch.progress, 'progress'));
  if (patch.summary !== undefined) add('summary', jsonText(patch.summary, 'summary'));
  if (patch.error !== undefined) add('error', typeof patch.error === 'string' ? patch.error.slice(0, MAX_ERROR) : String(patch.error));
  return { set: parts.join(', '), params };
}

export function checkReport(html: unknown): string {
  if (typeof html !== 'string') throw new TypeError('A scan report must be text');
  if (html.length > MAX_SCAN_REPORT_CHARS) throw new RangeError(`The scan report is ${html.length} characters, more than the ${MAX_SCAN_REPORT_CHARS} a scan may keep`);
  return html;
}

function optNumber(v: Int | null): number | undefined {
  return v === null ? undefined : Number(v);
}

export function scanFromRow(r: ScanRow): ScanRecord {
  const out: ScanRecord = {
    id: r.id,
    target: r.target,
    specSource: r.spec_source,
    status: r.status as ScanStatus,
    startedBy: r.started_by,
    createdAt: Number(r.created_at),
    hasReport: r.has_report === true || Number(r.has_report) === 1,
  };
  if (r.api !== null) out.api = r.api;
  const startedAt = optNumber(r.started_at);
  if (startedAt !== undefined) out.startedAt = startedAt;
  const finishedAt = optNumber(r.finished_at);
  if (finishedAt !== undefined) out.finishedAt = finishedAt;
  if (r.progress !== null) out.progress = JSON.parse(r.progress) as ScanProgress;
  if (r.summary !== null) out.summary = JSON.parse(r.summary) as ScanSummary;
  if (r.error !== null) out.error = r.error;
  return out;
}

export function scanLimit(q: ScanQuery): number {
  const l = q.limit ?? 50;
  if (!Number.isFinite(l) || l < 1) return 1;
  return Math.min(500, Math.trunc(l));
}

/** WHERE clause and parameters; `p(i)` spells the i-th placeholder of the dialect. */
export function scanFilter(q: ScanQuery, p: (i: number) => string): { where: string; params: unknown[] } {
  const parts: string[] = [];
  const params: unknown[] = [];
  if (q.status !== undefined) {
    params.push(q.status);
    parts.push(`status = ${p(params.length)}`);
  }
  if (q.before !== undefined) {
    params.push(time(q.before, 'before'));
    parts.push(`created_at < ${p(params.length)}`);
  }
  return { where: parts.length ? `WHERE ${parts.join(' AND ')}` : '', params };
}

export function checkKeep(keep: unknown): number {
  if (typeof keep !== 'number' || !Number.isSafeInteger(keep) || keep < 0) throw new RangeError(`prune keeps a number of scans (0 or more), got ${String(keep)}`);
  return keep;
}

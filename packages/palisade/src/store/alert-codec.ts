// Row <-> AlertRecord for both dialects: the columns filtered on, and the whole record as JSON in `data`.
import type { AlertQuery, AlertRecord } from '../core/index.js';

export interface AlertRow {
  id: string;
  detector: string;
  actor_id: string;
  first_seen: number | string;
  last_seen: number | string;
  data: string;
}

export const ALERT_COLUMNS = 'id, detector, actor_id, first_seen, last_seen, data';

const MAX_ID = 200;
/** A stored alert is bounded: a runaway detector must not write megabytes per row. */
const MAX_DATA = 64 * 1024;

export function alertParams(a: AlertRecord): [string, string, string, number, number, string] {
  if (typeof a.id !== 'string' || a.id.length === 0 || a.id.length > MAX_ID) throw new TypeError(`Alert id must be 1 to ${MAX_ID} characters, got ${JSON.stringify(a.id)}`);
  for (const [name, v] of [['firstSeenAt', a.firstSeenAt], ['lastSeenAt', a.lastSeenAt]] as const) {
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`Alert ${a.id}: ${name} must be epoch milliseconds, got ${v}`);
  }
  const data = JSON.stringify(a);
  if (data.length > MAX_DATA) throw new RangeError(`Alert ${a.id} is ${data.length} characters as JSON, more than the ${MAX_DATA} a record may hold`);
  return [a.id, a.detector, a.actor.id, a.firstSeenAt, a.lastSeenAt, data];
}

export function alertFromRow(r: AlertRow): AlertRecord {
  return JSON.parse(r.data) as AlertRecord;
}

export function alertLimit(q: AlertQuery): number {
  const l = q.limit ?? 100;
  if (!Number.isFinite(l) || l < 1) return 1;
  return Math.min(1000, Math.trunc(l));
}

/** WHERE clause and parameters; `p(i)` spells the i-th placeholder of the dialect. */
export function alertFilter(q: AlertQuery, p: (i: number) => string): { where: string; params: unknown[] } {
  const parts: string[] = [];
  const params: unknown[] = [];
  if (q.detector !== undefined) {
    params.push(q.detector);
    parts.push(`detector = ${p(params.length)}`);
  }
  if (q.actorId !== undefined) {
    params.push(q.actorId);
    parts.push(`actor_id = ${p(params.length)}`);
  }
  if (q.since !== undefined) {
    params.push(q.since);
    parts.push(`last_seen >= ${p(params.length)}`);
  }
  return { where: parts.length ? `WHERE ${parts.join(' AND ')}` : '', params };
}

// Mapping between an Exchange and its row, and the parts of exchange queries both dialects share.
// Columns hold what is filtered or sorted on; `data` holds the rest as JSON, without repeating
// column values, so the two can never disagree.
import type { Exchange, ExchangeQuery } from '../core/index.js';

export const DEFAULT_QUERY_LIMIT = 100;
export const MAX_QUERY_LIMIT = 1000;

/** Column order used by both stores' INSERT statements. */
export const EXCHANGE_COLUMNS = [
  'id',
  'started_at',
  'api',
  'route',
  'method',
  'status',
  'client_ip',
  'blocked_by',
  'principal_id',
  'duration',
  'data',
] as const;

export interface ExchangeRow {
  id: string;
  started_at: number;
  api: string | null;
  route: string | null;
  method: string;
  status: number;
  client_ip: string;
  blocked_by: string | null;
  principal_id: string | null;
  duration: number;
  data: string;
}

/** What `data` holds: the Exchange minus its column values. */
type ExchangeData = Omit<Exchange, 'id' | 'startedAt' | 'api' | 'route' | 'method' | 'status' | 'clientIp' | 'blockedBy' | 'principal' | 'timings'> & {
  principal?: Omit<NonNullable<Exchange['principal']>, 'id'>;
  timings: Omit<Exchange['timings'], 'total'>;
};

export function exchangeToRow(x: Exchange): ExchangeRow {
  const { id, startedAt, api, route, method, status, clientIp, blockedBy, principal, timings, ...rest } = x;
  const { total, ...otherTimings } = timings;
  const data: ExchangeData = { ...rest, timings: otherTimings };
  if (principal) {
    const { id: _principalId, ...p } = principal;
    data.principal = p;
  }
  return {
    id,
    started_at: startedAt,
    api: api ?? null,
    route: route ?? null,
    method,
    status,
    client_ip: clientIp,
    blocked_by: blockedBy ?? null,
    principal_id: principal?.id ?? null,
    duration: total,
    data: JSON.stringify(data),
  };
}

export function rowToExchange(row: ExchangeRow): Exchange {
  const { principal, timings, ...rest } = JSON.parse(row.data) as ExchangeData;
  // Built key by key so absent optional fields stay absent rather than becoming undefined.
  const x: Exchange = {
    id: row.id,
    startedAt: row.started_at,
    method: row.method,
    ...rest,
    status: row.status,
    clientIp: row.client_ip,
    timings: { total: row.duration, ...timings },
  };
  if (row.api !== null) x.api = row.api;
  if (row.route !== null) x.route = row.route;
  if (row.blocked_by !== null) x.blockedBy = row.blocked_by;
  if (row.principal_id !== null && principal) x.principal = { id: row.principal_id, ...principal };
  return x;
}

export function queryLimit(limit: number | undefined): number {
  if (limit === undefined || Number.isNaN(limit)) return DEFAULT_QUERY_LIMIT;
  return Math.min(MAX_QUERY_LIMIT, Math.max(1, Math.trunc(limit)));
}

/**
 * WHERE clause and parameters for `recentExchanges`. `placeholder(n)` renders the n-th (1-based)
 * parameter in the dialect: '?' for SQLite, '$n' for PostgreSQL.
 */
export function exchangeFilter(q: ExchangeQuery, placeholder: (n: number) => string): { where: string; params: unknown[] } {
  const clauses: string[] = [];
  const params: unknown[] = [];
  const p = (v: unknown): string => {
    params.push(v);
    return placeholder(params.length);
  };
  if (q.api !== undefined) clauses.push(`api = ${p(q.api)}`);
  if (q.route !== undefined) clauses.push(`route = ${p(q.route)}`);
  if (q.status !== undefined) clauses.push(`status = ${p(q.status)}`);
  if (q.clientIp !== undefined) clauses.push(`client_ip = ${p(q.clientIp)}`);
  if (q.blocked === true) clauses.push('blocked_by IS NOT NULL');
  else if (q.blocked === false) clauses.push('blocked_by IS NULL');
  if (q.before !== undefined) {
    if (q.beforeId !== undefined) {
      // Expanded rather than a row comparison so both planners use the (started_at, id) index.
      const b1 = p(q.before);
      const b2 = p(q.before);
      const id = p(q.beforeId);
      clauses.push(`(started_at < ${b1} OR (started_at = ${b2} AND id < ${id}))`);
    } else {
      clauses.push(`started_at < ${p(q.before)}`);
    }
  }
  return { where: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', params };
}

// Rows of api_keys (migration 3) ↔ ApiKeyRecord, and the argument checks, shared by both dialects
// so both reject the same inputs the same way. PostgreSQL returns BIGINT as text: times go
// through Number().
import type { ApiKeyQuery, ApiKeyRecord, ApiKeyUse, NewApiKey } from '../core/index.js';

type Int = number | string;

export interface ApiKeyRow {
  id: string;
  api: string;
  name: string;
  scopes: string;
  roles: string;
  tenant: string | null;
  secret_hash: string;
  created_at: Int;
  created_by: string | null;
  expires_at: Int | null;
  revoked_at: Int | null;
  last_used_at: Int | null;
  replaced_by: string | null;
  replaces: string | null;
  grace_until: Int | null;
}

export const API_KEY_COLUMNS =
  'id, api, name, scopes, roles, tenant, secret_hash, created_at, created_by, expires_at, revoked_at, last_used_at, replaced_by, replaces, grace_until';

/** The columns `create` and `rotate` write, in NewApiKey order (the others start NULL). */
export const API_KEY_INSERT_COLUMNS = 'id, api, name, scopes, roles, tenant, secret_hash, created_at, created_by, expires_at, replaces';

export const DEFAULT_API_KEY_LIMIT = 1000;
export const MAX_API_KEY_LIMIT = 10_000;
/** Most uses one `touch` accepts: callers flush more often than that. */
export const MAX_TOUCH_BATCH = 10_000;

// Generous bounds: identity/ applies the product's real limits; these only keep absurd values
// (a megabyte-long name, a million scopes) out of the table whoever calls.
const MAX_TEXT = 1024;
const MAX_LIST = 1000;

function text(what: string, v: unknown, allowEmpty = false): string {
  if (typeof v !== 'string' || (!allowEmpty && v === '') || v.length > MAX_TEXT) {
    throw new TypeError(`API key ${what} must be a ${allowEmpty ? '' : 'non-empty '}string of at most ${MAX_TEXT} characters`);
  }
  return v;
}

function time(what: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > Number.MAX_SAFE_INTEGER) throw new TypeError(`API key ${what} must be an epoch-ms time`);
  return Math.trunc(v);
}

function optionalTime(what: string, v: unknown): number | null {
  return v === undefined ? null : time(what, v);
}

function strings(what: string, v: unknown): string {
  if (!Array.isArray(v) || v.length > MAX_LIST || !v.every((x) => typeof x === 'string' && x.length <= MAX_TEXT)) {
    throw new TypeError(`API key ${what} must be an array of at most ${MAX_LIST} strings`);
  }
  return JSON.stringify(v);
}

function parseStrings(t: string): string[] {
  const v: unknown = JSON.parse(t);
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/** A key id as looked up: checked like a stored one. */
export function keyId(id: string): string {
  return text('id', id);
}

/** Values for API_KEY_INSERT_COLUMNS. */
export function newKeyParams(k: NewApiKey, replaces: string | null = null): unknown[] {
  return [
    keyId(k.id),
    text('api', k.api),
    text('name', k.name, true),
    strings('scopes', k.scopes),
    strings('roles', k.roles),
    k.tenant === undefined ? null : text('tenant', k.tenant),
    text('secretHash', k.secretHash),
    time('createdAt', k.createdAt),
    k.createdBy === undefined ? null : text('createdBy', k.createdBy),
    optionalTime('expiresAt', k.expiresAt),
    replaces,
  ];
}

export function keyFromRow(r: ApiKeyRow): ApiKeyRecord {
  const k: ApiKeyRecord = {
    id: r.id,
    api: r.api,
    name: r.name,
    scopes: parseStrings(r.scopes),
    roles: parseStrings(r.roles),
    secretHash: r.secret_hash,
    createdAt: Number(r.created_at),
  };
  if (r.tenant !== null) k.tenant = r.tenant;
  if (r.created_by !== null) k.createdBy = r.created_by;
  if (r.expires_at !== null) k.expiresAt = Number(r.expires_at);
  if (r.revoked_at !== null) k.revokedAt = Number(r.revoked_at);
  if (r.last_used_at !== null) k.lastUsedAt = Number(r.last_used_at);
  if (r.replaced_by !== null) k.replacedBy = r.replaced_by;
  if (r.replaces !== null) k.replaces = r.replaces;
  if (r.grace_until !== null) k.graceUntil = Number(r.grace_until);
  return k;
}

export function listLimit(q: ApiKeyQuery): number {
  const n = q.limit;
  if (n === undefined) return DEFAULT_API_KEY_LIMIT;
  if (!Number.isFinite(n) || n < 1) throw new RangeError(`API key list limit must be a positive number, got ${String(n)}`);
  return Math.min(Math.trunc(n), MAX_API_KEY_LIMIT);
}

export function listApi(q: ApiKeyQuery): string | undefined {
  return q.api === undefined ? undefined : text('api filter', q.api);
}

export function checkTime(what: string, v: number): number {
  return time(what, v);
}

/** Checked uses, one per key (the latest), so a batch updates each row once. */
export function latestUses(uses: readonly ApiKeyUse[]): ApiKeyUse[] {
  if (!Array.isArray(uses) || uses.length > MAX_TOUCH_BATCH) throw new TypeError(`API key touch takes an array of at most ${MAX_TOUCH_BATCH} uses`);
  const latest = new Map<string, number>();
  for (const u of uses) {
    const id = keyId(u.id);
    const at = time('use time', u.at);
    const prev = latest.get(id);
    if (prev === undefined || at > prev) latest.set(id, at);
  }
  return [...latest].map(([id, at]) => ({ id, at }));
}

// Issuing and managing API keys: what `palisade keys ...` and the admin API's /keys endpoints do.
// Every input is checked here with a message naming what is wrong; a key is returned in clear only
// by create and rotate, once, and only its hash reaches the store (api-keys.ts).
import { PalisadeError } from '../core/index.js';
import type { ApiKeyRecord, ApiKeyStore, NewApiKey } from '../core/index.js';
import { API_KEY_ID_LENGTH, API_KEY_LENGTH, API_KEY_PREFIX, apiKeyHint, generateApiKey, isApiKeyId, parseApiKey } from './api-keys.js';

export type ApiKeyErrorKind = 'invalid' | 'not-found' | 'conflict';

/** PALISADE_ERR_API_KEY with what kind of refusal it is: the admin API answers 400, 404 or 409. */
export class ApiKeyError extends PalisadeError {
  constructor(
    readonly kind: ApiKeyErrorKind,
    message: string,
  ) {
    super('PALISADE_ERR_API_KEY', message);
    this.name = 'ApiKeyError';
  }
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export const API_KEY_LIMITS = Object.freeze({
  nameLength: 200,
  scopes: 64,
  roles: 32,
  /** Length of one scope, role or tenant. */
  tokenLength: 128,
  /** Farthest expiry accepted. */
  maxLifetimeMs: 10 * 365 * DAY,
  /** Longest grace period of a rotation. */
  maxGraceMs: 30 * DAY,
  defaultGraceMs: DAY,
  /** Longest expiry or duration text parsed. */
  timeTextLength: 40,
});

/** Where a key stands at a given time. 'grace': rotated, still accepted until graceUntil; 'rotated': no longer. */
export type ApiKeyStatus = 'active' | 'grace' | 'rotated' | 'expired' | 'revoked';

/** A key as shown to operators: never the secret or its hash. */
export interface ApiKeySummary {
  id: string;
  /** `pal_<id>_…`, to recognise the key in a client's configuration. */
  hint: string;
  api: string;
  name: string;
  scopes: string[];
  roles: string[];
  tenant?: string;
  status: ApiKeyStatus;
  createdAt: number;
  createdBy?: string;
  expiresAt?: number;
  revokedAt?: number;
  lastUsedAt?: number;
  replacedBy?: string;
  replaces?: string;
  graceUntil?: number;
}

export interface NewApiKeyInput {
  api: string;
  name: string;
  scopes?: readonly string[];
  roles?: readonly string[];
  tenant?: string;
  /** Epoch ms; see parseExpiry for text. Absent: no expiry. */
  expiresAt?: number;
  /** Who asks: 'cli', 'admin-api'. */
  createdBy?: string;
}

export interface IssuedApiKey {
  /** The key in clear: shown once, never stored. */
  key: string;
  summary: ApiKeySummary;
}

export interface RotateApiKeyOptions {
  /** How long the old key keeps working. Default one day, at most 30 days; 0 ends it at once. */
  graceMs?: number;
  /** Expiry of the new key. Default: the old key's lifetime again from now (none if it had none). */
  expiresAt?: number;
  createdBy?: string;
}

export interface RotatedApiKey extends IssuedApiKey {
  previous: ApiKeySummary;
}

export interface ApiKeyManagerOptions {
  /** The APIs keys may be issued for (apis[].name); unchecked when absent. */
  knownApis?: () => readonly string[];
  now?: () => number;
  /** Told after a key changed (revoked, rotated), so a verifier in this process forgets it at once. */
  onChange?: (id: string) => void;
}

export function statusOf(k: ApiKeyRecord, now: number): ApiKeyStatus {
  if (k.revokedAt !== undefined && k.revokedAt <= now) return 'revoked';
  if (k.expiresAt !== undefined && k.expiresAt <= now) return 'expired';
  if (k.replacedBy !== undefined) return (k.graceUntil ?? 0) > now ? 'grace' : 'rotated';
  return 'active';
}

export function summariseApiKey(k: ApiKeyRecord, now: number): ApiKeySummary {
  const s: ApiKeySummary = {
    id: k.id,
    hint: apiKeyHint(k.id),
    api: k.api,
    name: k.name,
    scopes: [...k.scopes],
    roles: [...k.roles],
    status: statusOf(k, now),
    createdAt: k.createdAt,
  };
  if (k.tenant !== undefined) s.tenant = k.tenant;
  if (k.createdBy !== undefined) s.createdBy = k.createdBy;
  if (k.expiresAt !== undefined) s.expiresAt = k.expiresAt;
  if (k.revokedAt !== undefined) s.revokedAt = k.revokedAt;
  if (k.lastUsedAt !== undefined) s.lastUsedAt = k.lastUsedAt;
  if (k.replacedBy !== undefined) s.replacedBy = k.replacedBy;
  if (k.replaces !== undefined) s.replaces = k.replaces;
  if (k.graceUntil !== undefined) s.graceUntil = k.graceUntil;
  return s;
}

function invalid(message: string): ApiKeyError {
  return new ApiKeyError('invalid', message);
}

/** C0 controls, DEL, and the Unicode line and paragraph separators: no place in a name shown in a terminal. */
function hasControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 0x7f || c === 0x2028 || c === 0x2029) return true;
  }
  return false;
}
/** RFC 6749 §3.3 scope-token characters (printable ASCII but space, " and \); roles and tenants too. */
const TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;
const UNITS: Record<string, number> = { s: SECOND, m: MINUTE, h: HOUR, d: DAY, w: 7 * DAY };

/**
 * A duration: a whole number and a unit, s m h d or w ('30d', '12h', '0s'). Throws ApiKeyError
 * naming `what` when the text is anything else.
 */
export function parseDuration(text: string, what = 'duration'): number {
  const t = typeof text === 'string' ? text.trim() : '';
  const m = t.length <= API_KEY_LIMITS.timeTextLength ? /^(\d{1,6})([smhdw])$/.exec(t) : null;
  if (!m) throw invalid(`${what} must be a whole number followed by s, m, h, d or w (for example 30d or 12h)`);
  return Number(m[1]) * UNITS[m[2]!]!;
}

/**
 * When a key expires, from a duration from `now` ('30d') or a date ('2027-01-01', midnight UTC)
 * or an ISO 8601 time with a zone ('2027-01-01T12:00:00Z'). Must lie in the future, at most ten
 * years ahead.
 */
export function parseExpiry(text: string, now: number): number {
  const t = typeof text === 'string' ? text.trim() : '';
  if (t.length === 0 || t.length > API_KEY_LIMITS.timeTextLength) throw invalid('expiry must be a duration (30d, 12h) or a date (2027-01-01)');
  let at: number;
  if (/^\d+[smhdw]$/.test(t)) {
    at = now + parseDuration(t, 'expiry');
  } else if (/^\d{4}-\d{2}-\d{2}$/.test(t)) {
    at = Date.parse(`${t}T00:00:00Z`);
    // Date.parse rolls 2027-02-31 over into March; a date that does not survive the round trip is not a date.
    if (!Number.isFinite(at) || new Date(at).toISOString().slice(0, 10) !== t) throw invalid(`expiry ${JSON.stringify(t)} is not a calendar date`);
  } else if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/.test(t)) {
    at = Date.parse(t);
    if (!Number.isFinite(at)) throw invalid(`expiry ${JSON.stringify(t)} is not a valid time`);
  } else {
    throw invalid('expiry must be a duration (30d, 12h), a date (2027-01-01) or an ISO 8601 time with a zone (2027-01-01T12:00:00Z)');
  }
  return checkExpiry(at, now);
}

function checkExpiry(at: number, now: number): number {
  if (!Number.isFinite(at) || at <= now) throw invalid('expiry must lie in the future');
  if (at - now > API_KEY_LIMITS.maxLifetimeMs) throw invalid('expiry must lie at most ten years ahead');
  return Math.trunc(at);
}

function tokens(what: string, v: readonly string[] | undefined, max: number): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw invalid(`${what} must be a list of strings`);
  const out = new Set<string>();
  for (const x of v) {
    if (typeof x !== 'string' || x.length === 0 || x.length > API_KEY_LIMITS.tokenLength || !TOKEN.test(x)) {
      throw invalid(`${what}: each entry must be 1 to ${API_KEY_LIMITS.tokenLength} printable ASCII characters without spaces, quotes or backslashes${typeof x === 'string' && x.length <= 64 && !hasControl(x) ? ` (got ${JSON.stringify(x)})` : ''}`);
    }
    out.add(x);
  }
  if (out.size > max) throw invalid(`${what}: at most ${max} entries, got ${out.size}`);
  return [...out];
}

/** The key id an operator means: a bare id, or a whole key (pasted from a leak, to revoke it fast). */
export function keyIdFrom(text: string): string {
  const t = typeof text === 'string' ? text.trim() : '';
  if (isApiKeyId(t)) return t;
  if (t.length === API_KEY_LENGTH && t.startsWith(API_KEY_PREFIX)) {
    const p = parseApiKey(t);
    if (p.ok) return p.id;
  }
  throw invalid(`a key id is the ${API_KEY_ID_LENGTH} letters and digits after '${API_KEY_PREFIX}' (\`palisade keys list\` shows them)`);
}

/** Issues, lists, revokes and rotates API keys over the store. */
export class ApiKeyManager {
  private readonly now: () => number;

  constructor(
    private readonly keys: ApiKeyStore,
    private readonly opts: ApiKeyManagerOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
  }

  private checkApi(api: string): string {
    if (typeof api !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/.test(api)) throw invalid('api must name an API of the configuration (letters, digits, - and _)');
    const known = this.opts.knownApis?.();
    if (known && !known.includes(api)) {
      throw invalid(`no API named ${JSON.stringify(api)} in the configuration${known.length ? ` (APIs: ${known.join(', ')})` : ' (it declares no APIs)'}`);
    }
    return api;
  }

  async create(input: NewApiKeyInput): Promise<IssuedApiKey> {
    const now = this.now();
    const api = this.checkApi(input.api);
    const name = typeof input.name === 'string' ? input.name.trim() : '';
    if (name.length === 0) throw invalid('name is required: say what the key is for');
    if (name.length > API_KEY_LIMITS.nameLength) throw invalid(`name must be at most ${API_KEY_LIMITS.nameLength} characters`);
    if (hasControl(name)) throw invalid('name must not contain control characters');
    const scopes = tokens('scopes', input.scopes, API_KEY_LIMITS.scopes);
    const roles = tokens('roles', input.roles, API_KEY_LIMITS.roles);
    const tenant = input.tenant === undefined ? undefined : tokens('tenant', [input.tenant], 1)[0];
    const expiresAt = input.expiresAt === undefined ? undefined : checkExpiry(input.expiresAt, now);
    const base = {
      api,
      name,
      scopes,
      roles,
      createdAt: now,
      ...(tenant !== undefined ? { tenant } : {}),
      ...(input.createdBy !== undefined ? { createdBy: input.createdBy } : {}),
      ...(expiresAt !== undefined ? { expiresAt } : {}),
    };
    // ~95 random bits of id: a collision is not expected, but costs only another try.
    for (let attempt = 0; attempt < 3; attempt++) {
      const g = generateApiKey();
      const created = await this.keys.create({ ...base, id: g.id, secretHash: g.secretHash });
      if (created) return { key: g.key, summary: summariseApiKey(created, now) };
    }
    throw new ApiKeyError('conflict', 'could not find a free key id; try again');
  }

  async list(filter: { api?: string; limit?: number } = {}): Promise<ApiKeySummary[]> {
    const now = this.now();
    const records = await this.keys.list({ ...(filter.api !== undefined ? { api: filter.api } : {}), ...(filter.limit !== undefined ? { limit: filter.limit } : {}) });
    return records.map((k) => summariseApiKey(k, now));
  }

  async get(id: string): Promise<ApiKeySummary | undefined> {
    const k = await this.keys.get(keyIdFrom(id));
    return k ? summariseApiKey(k, this.now()) : undefined;
  }

  /** Revokes at once; `already` tells a key that was revoked before (its first revocation time is kept). */
  async revoke(id: string): Promise<{ summary: ApiKeySummary; already: boolean }> {
    const keyId = keyIdFrom(id);
    const now = this.now();
    const before = await this.keys.get(keyId);
    if (!before) throw new ApiKeyError('not-found', `no API key with id ${keyId}`);
    if (before.revokedAt !== undefined) return { summary: summariseApiKey(before, now), already: true };
    const k = (await this.keys.revoke(keyId, now)) ?? before;
    this.opts.onChange?.(keyId);
    return { summary: summariseApiKey(k, now), already: false };
  }

  async rotate(id: string, opts: RotateApiKeyOptions = {}): Promise<RotatedApiKey> {
    const keyId = keyIdFrom(id);
    const now = this.now();
    const graceMs = opts.graceMs ?? API_KEY_LIMITS.defaultGraceMs;
    if (!Number.isFinite(graceMs) || graceMs < 0 || graceMs > API_KEY_LIMITS.maxGraceMs) throw invalid('grace must be between 0 and 30 days');
    const old = await this.keys.get(keyId);
    if (!old) throw new ApiKeyError('not-found', `no API key with id ${keyId}`);
    const state = statusOf(old, now);
    if (state !== 'active') {
      const why =
        state === 'grace' || state === 'rotated'
          ? `was already rotated; its successor is ${old.replacedBy ?? '?'}: rotate that one`
          : `is ${state}: create a new key instead`;
      throw new ApiKeyError('conflict', `API key ${keyId} ${why}`);
    }
    let expiresAt = opts.expiresAt;
    // Same lifetime again: rotating a 90-day key gives another 90-day key.
    if (expiresAt === undefined && old.expiresAt !== undefined) expiresAt = now + Math.max(0, old.expiresAt - old.createdAt);
    if (expiresAt !== undefined) expiresAt = checkExpiry(expiresAt, now);
    const successor: Omit<NewApiKey, 'id' | 'secretHash'> = {
      api: old.api,
      name: old.name,
      scopes: old.scopes,
      roles: old.roles,
      createdAt: now,
      ...(old.tenant !== undefined ? { tenant: old.tenant } : {}),
      ...(opts.createdBy !== undefined ? { createdBy: opts.createdBy } : {}),
      ...(expiresAt !== undefined ? { expiresAt } : {}),
    };
    const g = generateApiKey();
    const created = await this.keys.rotate(keyId, { ...successor, id: g.id, secretHash: g.secretHash }, now + Math.trunc(graceMs));
    // Changed between the read and the write (revoked or rotated by someone else meanwhile).
    if (!created) throw new ApiKeyError('conflict', `API key ${keyId} changed while rotating it; run \`palisade keys list\` and try again`);
    this.opts.onChange?.(keyId);
    const previous = await this.keys.get(keyId);
    return { key: g.key, summary: summariseApiKey(created, now), previous: summariseApiKey(previous ?? old, now) };
  }
}

// Rows of the oauth_* tables (migration 2) ↔ the OAuthStore records, shared by both dialects.
// PostgreSQL returns BIGINT as text, SQLite as a number: every time goes through Number().
import type { NewOAuthClient, NewOAuthUser, OAuthClientRecord, OAuthModelRecord, OAuthSigningKey, OAuthUser } from '../core/index.js';

type Int = number | string;

export interface ModelRow {
  model: string;
  id: string;
  payload: string;
  grant_id: string | null;
  user_code: string | null;
  uid: string | null;
  expires_at: Int | null;
  consumed_at: Int | null;
}

export interface UserRow {
  id: string;
  username: string;
  password_hash: string;
  roles: string;
  totp_secret: string | null;
  totp_last_step: Int | null;
  created_at: Int;
  updated_at: Int;
}

export interface ClientRow {
  client_id: string;
  name: string;
  secret_hash: string | null;
  redirect_uris: string;
  grant_types: string;
  scopes: string;
  created_at: Int;
  updated_at: Int;
}

export interface KeyRow {
  kid: string;
  alg: string;
  public_jwk: string;
  private_jwk: string;
  created_at: Int;
  retired_at: Int | null;
  expires_at: Int | null;
}

export const MODEL_COLUMNS = 'model, id, payload, grant_id, user_code, uid, expires_at, consumed_at';
export const USER_COLUMNS = 'id, username, password_hash, roles, totp_secret, totp_last_step, created_at, updated_at';
export const CLIENT_COLUMNS = 'client_id, name, secret_hash, redirect_uris, grant_types, scopes, created_at, updated_at';
export const KEY_COLUMNS = 'kid, alg, public_jwk, private_jwk, created_at, retired_at, expires_at';

function nonEmpty(what: string, v: unknown): string {
  if (typeof v !== 'string' || v === '') throw new TypeError(`${what} must be a non-empty string`);
  return v;
}

function time(what: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new TypeError(`${what} must be an epoch-ms integer`);
  return v;
}

function optionalTime(what: string, v: unknown): number | null {
  return v === undefined ? null : time(what, v);
}

function strings(what: string, v: unknown): string {
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new TypeError(`${what} must be an array of strings`);
  return JSON.stringify(v);
}

function parseStrings(text: string): string[] {
  const v: unknown = JSON.parse(text);
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/** Model and id of a lookup, checked. */
export function modelKey(model: string, id: string): [string, string] {
  return [nonEmpty('model', model), nonEmpty('id', id)];
}

/** The column values of a model record, in MODEL_COLUMNS order. */
export function modelParams(r: OAuthModelRecord): [string, string, string, string | null, string | null, string | null, number | null, number | null] {
  const [model, id] = modelKey(r.model, r.id);
  if (typeof r.payload !== 'string') throw new TypeError('payload must be JSON text');
  return [
    model,
    id,
    r.payload,
    r.grantId ?? null,
    r.userCode ?? null,
    r.uid ?? null,
    optionalTime('expiresAt', r.expiresAt),
    optionalTime('consumedAt', r.consumedAt),
  ];
}

export function modelFromRow(r: ModelRow): OAuthModelRecord {
  const m: OAuthModelRecord = { model: r.model, id: r.id, payload: r.payload };
  if (r.grant_id !== null) m.grantId = r.grant_id;
  if (r.user_code !== null) m.userCode = r.user_code;
  if (r.uid !== null) m.uid = r.uid;
  if (r.expires_at !== null) m.expiresAt = Number(r.expires_at);
  if (r.consumed_at !== null) m.consumedAt = Number(r.consumed_at);
  return m;
}

export function userParams(u: NewOAuthUser, now: number): [string, string, string, string, string | null, null, number, number] {
  return [
    nonEmpty('id', u.id),
    nonEmpty('username', u.username),
    nonEmpty('passwordHash', u.passwordHash),
    strings('roles', u.roles),
    u.totpSecret === undefined ? null : nonEmpty('totpSecret', u.totpSecret),
    null,
    now,
    now,
  ];
}

export function userFromRow(r: UserRow): OAuthUser {
  const u: OAuthUser = {
    id: r.id,
    username: r.username,
    passwordHash: r.password_hash,
    roles: parseStrings(r.roles),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
  if (r.totp_secret !== null) u.totpSecret = r.totp_secret;
  if (r.totp_last_step !== null) u.totpLastStep = Number(r.totp_last_step);
  return u;
}

/** SET assignments and their values for updateUser, with `p(n)` naming the n-th parameter. */
export function userPatch(
  patch: { passwordHash?: string; roles?: string[]; totpSecret?: string | null },
  now: number,
  p: (n: number) => string,
): { sets: string[]; values: unknown[] } {
  const sets: string[] = [];
  const values: unknown[] = [];
  const set = (column: string, value: unknown) => {
    values.push(value);
    sets.push(`${column} = ${p(values.length)}`);
  };
  if (patch.passwordHash !== undefined) set('password_hash', nonEmpty('passwordHash', patch.passwordHash));
  if (patch.roles !== undefined) set('roles', strings('roles', patch.roles));
  if (patch.totpSecret !== undefined) {
    set('totp_secret', patch.totpSecret === null ? null : nonEmpty('totpSecret', patch.totpSecret));
    // A new secret starts a new sequence of time steps.
    sets.push('totp_last_step = NULL');
  }
  set('updated_at', now);
  return { sets, values };
}

export function clientParams(c: NewOAuthClient, now: number): [string, string, string | null, string, string, string, number, number] {
  return [
    nonEmpty('clientId', c.clientId),
    typeof c.name === 'string' ? c.name : '',
    c.secretHash === undefined ? null : nonEmpty('secretHash', c.secretHash),
    strings('redirectUris', c.redirectUris),
    strings('grantTypes', c.grantTypes),
    strings('scopes', c.scopes),
    now,
    now,
  ];
}

export function clientFromRow(r: ClientRow): OAuthClientRecord {
  const c: OAuthClientRecord = {
    clientId: r.client_id,
    name: r.name,
    redirectUris: parseStrings(r.redirect_uris),
    grantTypes: parseStrings(r.grant_types),
    scopes: parseStrings(r.scopes),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
  if (r.secret_hash !== null) c.secretHash = r.secret_hash;
  return c;
}

export function keyParams(k: OAuthSigningKey): [string, string, string, string, number, number | null, number | null] {
  return [
    nonEmpty('kid', k.kid),
    nonEmpty('alg', k.alg),
    nonEmpty('publicJwk', k.publicJwk),
    nonEmpty('privateJwk', k.privateJwk),
    time('createdAt', k.createdAt),
    optionalTime('retiredAt', k.retiredAt),
    optionalTime('expiresAt', k.expiresAt),
  ];
}

export function keyFromRow(r: KeyRow): OAuthSigningKey {
  const k: OAuthSigningKey = { kid: r.kid, alg: r.alg, publicJwk: r.public_jwk, privateJwk: r.private_jwk, createdAt: Number(r.created_at) };
  if (r.retired_at !== null) k.retiredAt = Number(r.retired_at);
  if (r.expires_at !== null) k.expiresAt = Number(r.expires_at);
  return k;
}

export function checkTime(what: string, v: number): number {
  return time(what, Math.trunc(v));
}

// Claims → Principal, shared by JWT verification and token introspection (RFC 7662 answers carry
// the same claim names).
import type { Principal } from '../core/index.js';

export interface ClaimMapping {
  /** Claim holding the principal id. */
  readonly subject: string;
  /** Claim holding roles: an array of strings, or one space-separated string. */
  readonly roles: string;
  /** Claim holding scopes; undefined means `scope` (space-separated, RFC 8693) or else `scp` (array or string). */
  readonly scopes?: string;
  /** Claim holding the tenant. */
  readonly tenant: string;
}

export const DEFAULT_CLAIMS: ClaimMapping = Object.freeze({ subject: 'sub', roles: 'roles', tenant: 'tenant' });

const EMPTY: readonly string[] = Object.freeze([]);

/**
 * The claim's value. A name present as such wins (namespaced claims such as
 * `https://example.com/roles` contain dots); otherwise a dot path walks nested objects
 * (`realm_access.roles`).
 */
export function claimValue(claims: Readonly<Record<string, unknown>>, name: string): unknown {
  if (Object.hasOwn(claims, name)) return claims[name];
  if (!name.includes('.')) return undefined;
  let v: unknown = claims;
  for (const part of name.split('.')) {
    if (v === null || typeof v !== 'object' || Array.isArray(v) || !Object.hasOwn(v, part)) return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

function stringList(v: unknown): readonly string[] {
  if (typeof v === 'string') return v === '' ? EMPTY : Object.freeze(v.split(' ').filter((s) => s !== ''));
  if (Array.isArray(v)) {
    const out = v.filter((s): s is string => typeof s === 'string' && s !== '');
    return out.length === 0 ? EMPTY : Object.freeze(out);
  }
  return EMPTY;
}

function scalar(v: unknown): string | undefined {
  if (typeof v === 'string') return v === '' ? undefined : v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}

/**
 * Builds a frozen Principal (it may be cached and shared by many requests), or undefined when the
 * subject claim is missing. `fallbackIds` are tried after the subject claim (introspection answers
 * for client-credentials tokens carry `client_id` but often no `sub`).
 */
export function principalFromClaims(
  claims: Record<string, unknown>,
  mapping: ClaimMapping,
  method: string,
  fallbackIds: readonly string[] = [],
): Principal | undefined {
  let id = scalar(claimValue(claims, mapping.subject));
  for (let i = 0; id === undefined && i < fallbackIds.length; i++) id = scalar(claimValue(claims, fallbackIds[i]!));
  if (id === undefined) return undefined;
  const scopes =
    mapping.scopes !== undefined
      ? stringList(claimValue(claims, mapping.scopes))
      : claims.scope !== undefined
        ? stringList(claims.scope)
        : stringList(claims.scp);
  const tenant = scalar(claimValue(claims, mapping.tenant));
  const p: Principal = {
    id,
    method,
    roles: stringList(claimValue(claims, mapping.roles)),
    scopes,
    ...(tenant !== undefined ? { tenant } : {}),
    claims: deepFreeze(claims),
  };
  return Object.freeze(p);
}

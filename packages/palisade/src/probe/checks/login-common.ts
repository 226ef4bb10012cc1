// Finding the login operation and a known account for the authentication checks.
import type { CheckContext } from '../check.js';
import type { Credentials, Session } from '../identities.js';
import type { ScanRequest, ScanResponse } from '../runner.js';
import { jsonPath } from '../identities.js';
import { jsonOf } from './util.js';

export interface LoginTarget {
  session: Session;
  creds: Credentials;
  method: string;
  path: string;
  body: Record<string, unknown>;
  headers: Record<string, string>;
  form: boolean;
}

export function loginTarget(ctx: CheckContext): LoginTarget | undefined {
  for (const s of ctx.users) {
    const t = loginTargetOf(s);
    if (t) return t;
  }
  return undefined;
}

/** The login request of one identity, when it signs in with a user name and password. */
export function loginTargetOf(s: Session): LoginTarget | undefined {
  const l = s.config?.login;
  const creds = s.credentials();
  if (!l || !creds || l.method === 'GET') return undefined;
  return { session: s, creds, method: l.method, path: l.path, body: l.body, headers: l.headers, form: l.contentType === 'form' };
}

/**
 * Whether a login answer signed the caller in: a 2xx that carries the token where the identity's
 * login finds it. Many APIs answer a failed login 200 with {"status": "fail"}; the status alone
 * does not tell.
 */
export function loginSucceeded(t: LoginTarget, r: ScanResponse): boolean {
  if (r.status < 200 || r.status > 299) return false;
  const x = t.session.config?.login?.extract;
  if (x?.json) {
    const token = jsonPath(jsonOf(r), x.json);
    return typeof token === 'string' && token !== '';
  }
  if (x?.header) return (r.headers[x.header.toLowerCase()] ?? '') !== '';
  if (x?.cookie) return new RegExp(`(^|[,;]\\s*)${x.cookie.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}=[^;,\\s]`).test(r.headers['set-cookie'] ?? '');
  return true;
}

export function loginRequest(t: LoginTarget, user: string, password: string): ScanRequest {
  const body = { ...t.body, [t.creds.userField]: user, [t.creds.passwordField]: password };
  return {
    method: t.method,
    url: t.path,
    headers: { ...t.headers, 'content-type': t.form ? 'application/x-www-form-urlencoded' : 'application/json' },
    body: t.form ? new URLSearchParams(Object.entries(body).map(([k, v]): [string, string] => [k, String(v)])).toString() : JSON.stringify(body),
  };
}

/** A user name of the same shape that surely does not exist. */
export function unknownUser(known: string, tag: string): string {
  const at = known.indexOf('@');
  return at > 0 ? `palisade-nobody-${tag}${known.slice(at)}` : `palisade-nobody-${tag}`;
}

export function wrongPassword(p: string, i: number): string {
  return `${p}-wrong-${i}`;
}

export function opFor(ctx: CheckContext, t: LoginTarget): { method: string; path: string; operationId?: string } {
  const op = ctx.operations.find((o) => o.method === t.method && o.path === t.path);
  return op ? { method: op.method, path: op.path, ...(op.operationId ? { operationId: op.operationId } : {}) } : { method: t.method, path: t.path };
}

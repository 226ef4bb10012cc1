// The console API's route table: the one contract between the console's server (server.ts) and
// the files that add endpoints (users-routes.ts here, data-routes.ts of E2, scan-routes.ts of E3).
//
// How to add endpoints:
//   1. In your own file, export `function xRoutes(deps: ConsoleDeps): Route[]`.
//   2. Each Route names its method, a pattern relative to /console/api ('/findings/:id'; a `:name`
//      segment matches one URL-decoded path segment and lands in ctx.params.name), the least role
//      allowed ('public' = no session needed), and a handler.
//   3. The handler returns a Reply (json(), noContent(), problem(), text(), redirect()) or throws a
//      ConsoleHttpError; it never needs to check the session, the role, the CSRF token or the
//      Origin: the server did that before calling it.
//   4. Every successful change calls `await ctx.audit(action, target, detail)` (never put secrets
//      in detail). Read the body with `await ctx.body()` (a JSON object; 400/413 thrown for you).
//   5. Add your routes array to ALL_ROUTES in index.ts, and document them in openapi/<x>-paths.ts.
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Console roles, each allowed everything the previous one is. */
export type Role = 'viewer' | 'operator' | 'admin';
export const ROLES: readonly Role[] = ['viewer', 'operator', 'admin'];

/** The least role a route needs; 'public' routes answer without a session. */
export type RouteRole = Role | 'public';

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** The signed-in user, as the session knows them. */
export interface SessionUser {
  username: string;
  displayName: string;
  role: Role;
  source: 'local' | 'oidc';
}

export interface RouteContext {
  /** Undefined only on 'public' routes called without a session. */
  user: SessionUser | undefined;
  /** `:name` segments of the pattern, URL-decoded. */
  params: Record<string, string>;
  query: URLSearchParams;
  /** The JSON object of the body; throws ConsoleHttpError 400 (not an object / bad JSON) or 413 (over limitBytes, default 64 KiB). */
  body(limitBytes?: number): Promise<Record<string, unknown>>;
  /** Writes an audit entry attributed to the signed-in user (or 'anonymous'). detail must never hold a secret. */
  audit(action: string, target: string, detail?: Record<string, unknown>): Promise<void>;
  /** The console's own origin, e.g. 'http://127.0.0.1:9000' (for absolute links and redirects). */
  origin: string;
  /** Escape hatch for streaming answers: a handler that writes res itself returns `{ kind: 'handled' }`. */
  req: IncomingMessage;
  res: ServerResponse;
}

export type Reply =
  | { kind: 'json'; status: number; body: unknown; headers?: Record<string, string> }
  | { kind: 'text'; status: number; contentType: string; body: string | Buffer; headers?: Record<string, string> }
  | { kind: 'problem'; status: number; code: string; detail?: string; extensions?: Record<string, unknown>; headers?: Record<string, string> }
  | { kind: 'redirect'; status: 302 | 303; location: string; headers?: Record<string, string> }
  | { kind: 'empty'; status: number; headers?: Record<string, string> }
  | { kind: 'handled' };

export interface Route {
  method: Method;
  /** Relative to /console/api, e.g. '/findings/:id'. */
  pattern: string;
  role: RouteRole;
  handler(ctx: RouteContext): Promise<Reply>;
  /**
   * Only for routes that cannot carry the CSRF token (sign-in, SSO callback): skip the token check.
   * The Origin check still applies to non-GET requests.
   */
  noCsrf?: boolean;
}

/** An expected failure a handler throws; the server answers it as RFC 9457 problem+json. */
export class ConsoleHttpError extends Error {
  constructor(
    readonly status: number,
    /** Problem type suffix: 'bad-request', 'not-found', 'conflict', 'validation-failed'... */
    readonly code: string,
    readonly detail?: string,
    readonly extensions?: Record<string, unknown>,
    readonly headers?: Record<string, string>,
  ) {
    super(detail ?? code);
    this.name = 'ConsoleHttpError';
  }
}

export const json = (body: unknown, status = 200, headers?: Record<string, string>): Reply => ({ kind: 'json', status, body, ...(headers ? { headers } : {}) });
export const noContent = (headers?: Record<string, string>): Reply => ({ kind: 'empty', status: 204, ...(headers ? { headers } : {}) });
export const text = (body: string | Buffer, contentType: string, status = 200, headers?: Record<string, string>): Reply => ({
  kind: 'text',
  status,
  contentType,
  body,
  ...(headers ? { headers } : {}),
});
export const problem = (status: number, code: string, detail?: string, extensions?: Record<string, unknown>): Reply => ({
  kind: 'problem',
  status,
  code,
  ...(detail !== undefined ? { detail } : {}),
  ...(extensions ? { extensions } : {}),
});
export const redirect = (location: string, headers?: Record<string, string>): Reply => ({ kind: 'redirect', status: 302, location, ...(headers ? { headers } : {}) });

/** Shorthands for the common failures. */
export const badRequest = (detail: string): ConsoleHttpError => new ConsoleHttpError(400, 'bad-request', detail);
export const notFound = (detail = 'Not found.'): ConsoleHttpError => new ConsoleHttpError(404, 'not-found', detail);
export const conflict = (detail: string): ConsoleHttpError => new ConsoleHttpError(409, 'conflict', detail);

/** True when `have` is allowed what `need` requires. */
export function roleAllows(have: Role, need: RouteRole): boolean {
  if (need === 'public') return true;
  return ROLES.indexOf(have) >= ROLES.indexOf(need);
}

export function isRole(v: unknown): v is Role {
  return typeof v === 'string' && (ROLES as readonly string[]).includes(v);
}

/** Small readers for bodies and queries: each throws a 400 naming the field. */
export function str(o: Record<string, unknown>, name: string, limit: number | { max?: number } = 1024): string {
  const max = typeof limit === 'number' ? limit : (limit.max ?? 1024);
  const v = o[name];
  if (typeof v !== 'string' || v.length === 0) throw badRequest(`${name} must be a non-empty string`);
  if (v.length > max) throw badRequest(`${name} is longer than ${max} characters`);
  return v;
}

export function optStr(o: Record<string, unknown>, name: string, max = 1024): string | undefined {
  const v = o[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw badRequest(`${name} must be a string`);
  if (v.length > max) throw badRequest(`${name} is longer than ${max} characters`);
  return v;
}

export function intParam(q: URLSearchParams, name: string, def: number, min: number, max: number): number {
  const v = q.get(name);
  if (v === null || v === '') return def;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw badRequest(`${name} must be an integer between ${min} and ${max}`);
  return n;
}

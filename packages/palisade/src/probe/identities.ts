// The users the scan acts as. `anonymous` always exists; each configured identity authenticates
// with static headers/cookies, a login request (token from the JSON body, a header or a cookie)
// or an OAuth 2.0 token endpoint, and is re-authenticated when its JWT is about to expire or a
// 401 appears mid-scan (once, then the request is retried). An identity whose new login fails,
// or whose retried request is refused again, is marked failed and never re-logged after that.
import { PalisadeError } from '../core/index.js';
import type { IdentityConfig } from './scan-config.js';
import type { Runner, ScanRequest, ScanResponse } from './runner.js';
import { decodeJwt } from './jwt-tools.js';
import type { DecodedJwt } from './jwt-tools.js';

const REFRESH_MARGIN_S = 30;

export class AuthFailure extends Error {
  constructor(readonly identity: string, reason: string) {
    super(`identity "${identity}": ${reason}`);
  }
}

function excerpt(r: ScanResponse): string {
  return r.error ? r.error : `HTTP ${r.status} ${r.body.slice(0, 160).replace(/\s+/g, ' ')}`;
}

/** `token`, `$.token`, `data.access_token`, `items[0].token`. */
export function jsonPath(data: unknown, path: string): unknown {
  const parts = path.replace(/^\$\.?/, '').split(/\.|\[(\d+)\]/).filter((p) => p !== undefined && p !== '');
  let cur = data;
  for (const p of parts) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur;
}

function cookieFrom(setCookie: string | undefined, name: string): string | undefined {
  if (!setCookie) return undefined;
  for (const part of setCookie.split(/,(?=\s*[^;,=\s]+=)/)) {
    const m = /^\s*([^=;\s]+)=([^;]*)/.exec(part);
    if (m && m[1] === name) return m[2];
  }
  return undefined;
}

export interface Credentials {
  userField: string;
  user: string;
  passwordField: string;
  password: string;
}

export class Session {
  readonly name: string;
  readonly role: 'admin' | 'user' | 'anonymous';
  token: string | undefined;
  private expiresAt: number | undefined;
  private refreshing: Promise<void> | undefined;
  /** Re-authentications after a 401 or an expiry. */
  refreshes = 0;
  /**
   * Why the identity stopped being re-authenticated after a 401: its new login failed, or the
   * request after a successful one was refused again. Set once; the scan reports it once.
   */
  failed: string | undefined;

  constructor(private readonly cfg: IdentityConfig | undefined) {
    this.name = cfg?.name ?? 'anonymous';
    this.role = cfg ? cfg.role : 'anonymous';
  }

  get anonymous(): boolean {
    return this.cfg === undefined;
  }

  get config(): IdentityConfig | undefined {
    return this.cfg;
  }

  /** The login request the session signs in with (not one kept for the login checks only). */
  private get signsIn(): IdentityConfig['login'] {
    return this.cfg?.login?.use === 'checks' ? undefined : this.cfg?.login;
  }

  /** Whether the session can get a fresh token by itself. */
  get canRefresh(): boolean {
    return this.signsIn !== undefined || this.cfg?.oauth2 !== undefined;
  }

  jwt(): DecodedJwt | undefined {
    return this.token ? decodeJwt(this.token) : undefined;
  }

  /** The login body's user and password fields, when the identity signs in with a password. */
  credentials(): Credentials | undefined {
    const body = this.cfg?.login?.body;
    if (!body) return undefined;
    const keys = Object.keys(body);
    const userField = keys.find((k) => /^(e-?mail|user(name)?|login|account)$/i.test(k));
    const passwordField = keys.find((k) => /^pass(word|wd)?$/i.test(k));
    if (!userField || !passwordField) return undefined;
    return { userField, user: String(body[userField]), passwordField, password: String(body[passwordField]) };
  }

  /** The identity's headers, with `token` instead of its own when given (JWT checks). */
  headers(token: string | undefined = this.token): Record<string, string> {
    const h: Record<string, string> = { ...(this.cfg?.headers ?? {}) };
    const cookies = Object.entries(this.cfg?.cookies ?? {}).map(([k, v]) => `${k}=${v}`);
    if (token !== undefined && this.cfg) {
      const extract = this.cfg.login?.extract;
      const apply = this.cfg.login?.apply ?? (extract?.cookie ? { cookie: extract.cookie, header: 'authorization', format: 'Bearer {token}' } : { header: 'authorization', format: 'Bearer {token}' });
      if (apply.cookie) cookies.push(`${apply.cookie}=${token}`);
      else h[apply.header.toLowerCase()] = apply.format.replace('{token}', token);
    }
    if (cookies.length > 0) h.cookie = cookies.join('; ');
    return h;
  }

  async authenticate(runner: Runner): Promise<void> {
    const cfg = this.cfg;
    if (!cfg) return;
    if (this.signsIn) {
      const l = this.signsIn;
      const headers: Record<string, string> = { ...l.headers };
      let body: string | undefined;
      if (l.method !== 'GET') {
        if (l.contentType === 'json') {
          headers['content-type'] = 'application/json';
          body = JSON.stringify(l.body);
        } else {
          headers['content-type'] = 'application/x-www-form-urlencoded';
          body = new URLSearchParams(Object.entries(l.body).map(([k, v]): [string, string] => [k, String(v)])).toString();
        }
      }
      const r = await runner.send({ method: l.method, url: l.path, headers, ...(body !== undefined ? { body } : {}), check: 'auth' });
      if (r.status < 200 || r.status > 299) throw new AuthFailure(this.name, `login ${l.method} ${l.path} failed: ${excerpt(r)}`);
      let token: unknown;
      if (l.extract.json) {
        try {
          token = jsonPath(JSON.parse(r.body) as unknown, l.extract.json);
        } catch {
          throw new AuthFailure(this.name, `login ${l.path} answered ${r.status} but the body is not JSON, so extract.json "${l.extract.json}" finds nothing`);
        }
      } else if (l.extract.header) token = r.headers[l.extract.header.toLowerCase()];
      else if (l.extract.cookie) token = cookieFrom(r.headers['set-cookie'], l.extract.cookie);
      if (typeof token !== 'string' || token === '') throw new AuthFailure(this.name, `login ${l.path} answered ${r.status} but no token at ${l.extract.json ? `json "${l.extract.json}"` : l.extract.header ? `header "${l.extract.header}"` : `cookie "${l.extract.cookie}"`}`);
      this.setToken(token);
      return;
    }
    if (cfg.oauth2) {
      const o = cfg.oauth2;
      const form = new URLSearchParams({ grant_type: o.grant, client_id: o.clientId });
      if (o.clientSecret) form.set('client_secret', o.clientSecret);
      if (o.scope) form.set('scope', o.scope);
      if (o.audience) form.set('audience', o.audience);
      if (o.grant === 'password') {
        form.set('username', o.username!);
        form.set('password', o.password!);
      }
      const r = await runner.send({ method: 'POST', url: o.tokenUrl, headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body: form.toString(), check: 'auth' });
      let data: Record<string, unknown> = {};
      try {
        data = JSON.parse(r.body) as Record<string, unknown>;
      } catch {
        // Reported below with the status.
      }
      if (r.status !== 200 || typeof data.access_token !== 'string') throw new AuthFailure(this.name, `OAuth ${o.grant} at ${o.tokenUrl} failed: ${excerpt(r)}`);
      this.setToken(data.access_token, typeof data.expires_in === 'number' ? Date.now() + data.expires_in * 1000 : undefined);
    }
  }

  private setToken(token: string, expiresAt?: number): void {
    this.token = token;
    const exp = decodeJwt(token)?.payload.exp;
    this.expiresAt = expiresAt ?? (typeof exp === 'number' ? exp * 1000 : undefined);
  }

  /** Re-authenticates when the token expires within the margin. Concurrent callers share one login. */
  async ensureFresh(runner: Runner): Promise<void> {
    if (!this.canRefresh || this.expiresAt === undefined || this.expiresAt - Date.now() > REFRESH_MARGIN_S * 1000) return;
    await this.refresh(runner);
  }

  async refresh(runner: Runner): Promise<void> {
    this.refreshing ??= this.authenticate(runner).finally(() => {
      this.refreshing = undefined;
    });
    this.refreshes++;
    await this.refreshing;
  }
}

/**
 * Sends a request as `session`: its credentials added, a token about to expire renewed, and on a
 * 401 one re-authentication and one retry.
 */
export async function sendAs(runner: Runner, session: Session, req: ScanRequest): Promise<ScanResponse> {
  if (session.anonymous) return runner.send(req);
  await session.ensureFresh(runner);
  const r = await runner.send({ ...req, headers: { ...session.headers(), ...req.headers } });
  // A failed identity is not signed in again: re-logging on every request of the scan would
  // multiply the requests and hammer the login (and lock the account out where it is throttled).
  if (r.status !== 401 || !session.canRefresh || session.failed !== undefined) return r;
  const before = session.token;
  try {
    await session.refresh(runner);
  } catch (err) {
    session.failed ??= `re-login after a 401 on ${req.method} ${req.url} failed: ${(err as Error).message}`;
    return r;
  }
  if (session.token === before) return r;
  const retry = await runner.send({ ...req, headers: { ...session.headers(), ...req.headers } });
  if (retry.status === 401) session.failed ??= `${req.method} ${req.url} still answered 401 after a fresh login`;
  return retry;
}

export function authError(failures: AuthFailure[]): PalisadeError {
  return new PalisadeError('PALISADE_ERR_SCAN_AUTH', `${failures.length} identit${failures.length === 1 ? 'y is' : 'ies are'} not signed in`, failures.map((f) => f.message));
}

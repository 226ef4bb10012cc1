// Sign-in with a local console account, the session endpoints, and sign-out.
//   GET    /session   the signed-in user, the CSRF token and the SSO button (401 without a session)
//   POST   /session   {username, password}: 200 with Set-Cookie, 401 on failure, 429 when locked
//   DELETE /session   ends the session
// An unknown user and a wrong password take the same time and get the same answer.
import type { Store } from '../core/index.js';
import type { AuditFn } from './audit.js';
import { clientIp, overTls, parseCookies, serializeCookie } from './http.js';
import { decoyHash, MAX_PASSWORD_LENGTH, verifyPassword } from './passwords.js';
import type { ScryptParams } from './passwords.js';
import { ConsoleHttpError, json, noContent } from './routes.js';
import type { Route, RouteContext, SessionUser } from './routes.js';
import { COOKIE_PATH, SESSION_COOKIE } from './session.js';
import type { LoginGuard, Sessions } from './session.js';

export interface AuthDeps {
  store: Store;
  sessions: Sessions;
  guard: LoginGuard;
  audit: AuditFn;
  sso: () => { enabled: boolean; name: string };
  secureCookies: () => boolean;
  /** The hashing cost of new passwords: the decoy hash uses it too, so both failures take as long. */
  scrypt?: ScryptParams;
}

function sessionCookie(ctx: RouteContext, d: AuthDeps, token: string, maxAge?: number): string {
  // No Max-Age: the cookie ends with the browser; the server ends the session earlier (idle, 12 h).
  return serializeCookie(SESSION_COOKIE, token, { secure: overTls(ctx.req) || d.secureCookies(), path: COOKIE_PATH, sameSite: 'Strict', ...(maxAge !== undefined ? { maxAge } : {}) });
}

export function authRoutes(d: AuthDeps): Route[] {
  const answer = (user: SessionUser, csrfToken: string) => ({ user, csrfToken, sso: d.sso() });
  return [
    {
      method: 'GET',
      pattern: '/session',
      role: 'viewer',
      handler: async (ctx) => {
        const active = await d.sessions.resolve(parseCookies(ctx.req.headers.cookie).get(SESSION_COOKIE));
        if (!active) throw new ConsoleHttpError(401, 'unauthorized', 'Sign in to the console first.');
        return json(answer(ctx.user!, active.session.csrfSecret));
      },
    },
    {
      method: 'POST',
      pattern: '/session',
      role: 'public',
      noCsrf: true,
      handler: async (ctx) => {
        const body = await ctx.body(8 * 1024);
        const username = typeof body.username === 'string' ? body.username.trim().slice(0, 200) : '';
        const password = typeof body.password === 'string' ? body.password : '';
        if (!username || !password || password.length > MAX_PASSWORD_LENGTH) throw new ConsoleHttpError(400, 'bad-request', 'username and password are required.');
        const ip = clientIp(ctx.req);
        const wait = d.guard.retryAfter(username, ip);
        if (wait !== undefined) {
          throw new ConsoleHttpError(429, 'login-locked', 'Too many failed sign-in attempts: wait before trying again.', { retryAfter: wait }, { 'retry-after': String(wait) });
        }
        const user = await d.store.consoleUsers.getUser(username);
        // Always one scrypt verification, against a decoy hash when there is no usable account.
        const ok = await verifyPassword(password, user?.passwordHash ?? (await decoyHash(d.scrypt)));
        if (!user || !user.passwordHash || user.disabled || user.source !== 'local' || !ok) {
          d.guard.fail(username, ip);
          throw new ConsoleHttpError(401, 'login-failed', 'Wrong username or password.');
        }
        d.guard.succeed(username);
        // A session cookie the browser already held is ended: one sign-in, one session.
        await d.sessions.destroy(parseCookies(ctx.req.headers.cookie).get(SESSION_COOKIE));
        const { token, session } = await d.sessions.create(user);
        const su: SessionUser = { username: user.username, displayName: user.displayName, role: user.role, source: user.source };
        await d.audit({ username: user.username, role: user.role }, 'session.create', user.username, { source: 'local' });
        return json(answer(su, session.csrfSecret), 200, { 'set-cookie': sessionCookie(ctx, d, token) });
      },
    },
    {
      method: 'DELETE',
      pattern: '/session',
      role: 'viewer',
      handler: async (ctx) => {
        await d.sessions.destroy(parseCookies(ctx.req.headers.cookie).get(SESSION_COOKIE));
        return noContent({ 'set-cookie': sessionCookie(ctx, d, '', 0) });
      },
    },
  ];
}

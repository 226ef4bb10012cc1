// Sign-in through an OpenID Connect provider (console.sso) with openid-client: authorization code
// with PKCE, state and nonce; the user is provisioned on first sign-in (source 'oidc') and their
// role follows the provider's claim (console.sso.roleClaim, roleMap) at every sign-in.
// Decision 0037.
import { createHash } from 'node:crypto';
import * as oidc from 'openid-client';
import type { Logger } from 'pino';
import type { ConsoleRole, ConsoleUserRecord, PalisadeConfig, Store } from '../core/index.js';
import type { AuditFn } from './audit.js';
import { overTls, parseCookies, serializeCookie } from './http.js';
import { ROLES, json, redirect, text } from './routes.js';
import type { Reply, Route, RouteContext } from './routes.js';
import { COOKIE_PATH, SESSION_COOKIE } from './session.js';
import type { Sessions } from './session.js';
import { validUsername } from './validation.js';

export type SsoSettings = NonNullable<PalisadeConfig['console']['sso']>;

const STATE_COOKIE = 'palisade_console_sso';
const PENDING_TTL_MS = 10 * 60_000;
const MAX_PENDING = 1000;

interface Pending {
  verifier: string;
  nonce: string;
  redirectUri: string;
  at: number;
}

export interface SsoDeps {
  settings: () => SsoSettings | undefined;
  env: NodeJS.ProcessEnv;
  store: Store;
  sessions: Sessions;
  audit: AuditFn;
  logger: Logger;
  now: () => number;
  /** Whether the session cookie is always Secure (console.secureCookies). */
  secureCookies: () => boolean;
}

/** The highest role any claim value maps to; the default role when none maps. */
export function roleFromClaims(claims: Record<string, unknown>, s: Pick<SsoSettings, 'roleClaim' | 'roleMap' | 'defaultRole'>): ConsoleRole | undefined {
  const raw = claims[s.roleClaim];
  const values = Array.isArray(raw) ? raw.filter((v): v is string => typeof v === 'string') : typeof raw === 'string' ? [raw] : [];
  let best = -1;
  for (const v of values) {
    const r = s.roleMap[v];
    if (r !== undefined) best = Math.max(best, ROLES.indexOf(r));
  }
  if (best >= 0) return ROLES[best];
  return s.defaultRole === 'none' ? undefined : s.defaultRole;
}

const PAGE = (title: string, message: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${title}</title></head>
<body><main><h1>${title}</h1><p>${message}</p><p><a href="/console/">Back to the console sign-in</a></p></main></body></html>
`;

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export class SsoService {
  private readonly pending = new Map<string, Pending>();
  private discovered: { key: string; config: Promise<oidc.Configuration> } | undefined;

  constructor(private readonly d: SsoDeps) {}

  info(): { enabled: boolean; name: string } {
    const s = this.d.settings();
    return { enabled: s !== undefined, name: s?.name ?? '' };
  }

  routes(): Route[] {
    return [
      { method: 'GET', pattern: '/sso', role: 'public', handler: async () => json(this.info()) },
      { method: 'GET', pattern: '/sso/login', role: 'public', handler: (ctx) => this.login(ctx) },
      { method: 'GET', pattern: '/sso/callback', role: 'public', handler: (ctx) => this.callback(ctx) },
    ];
  }

  private configuration(s: SsoSettings): Promise<oidc.Configuration> {
    const key = JSON.stringify([s.issuer, s.clientId, s.clientSecretEnv]);
    if (this.discovered?.key === key) return this.discovered.config;
    const secret = s.clientSecretEnv ? this.d.env[s.clientSecretEnv] : undefined;
    if (s.clientSecretEnv && !secret) return Promise.reject(new Error(`the environment variable ${s.clientSecretEnv} (console.sso.clientSecretEnv) is not set`));
    const auth = secret ? oidc.ClientSecretPost(secret) : oidc.None();
    // Plain http is accepted only for a provider on this machine (development, the built-in server).
    const local = /^http:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?(\/|$)/.test(s.issuer);
    const config = oidc.discovery(new URL(s.issuer), s.clientId, undefined, auth, local ? { execute: [oidc.allowInsecureRequests] } : {});
    this.discovered = { key, config };
    // A failed discovery is tried again at the next sign-in rather than remembered.
    config.catch(() => {
      if (this.discovered?.config === config) this.discovered = undefined;
    });
    return config;
  }

  private stateCookie(ctx: RouteContext, value: string, maxAge: number): string {
    // Lax, not Strict: the provider sends the browser back with a top-level cross-site GET.
    return serializeCookie(STATE_COOKIE, value, { secure: overTls(ctx.req) || this.d.secureCookies(), path: `${COOKIE_PATH}/api/sso`, sameSite: 'Lax', maxAge });
  }

  private fail(status: number, title: string, message: string, ctx: RouteContext): Reply {
    return text(PAGE(title, escapeHtml(message)), 'text/html; charset=utf-8', status, { 'set-cookie': this.stateCookie(ctx, '', 0) });
  }

  private async login(ctx: RouteContext): Promise<Reply> {
    const s = this.d.settings();
    if (!s) return this.fail(404, 'Single sign-on is not configured', 'Set console.sso in palisade.yaml to sign in through your identity provider.', ctx);
    let config: oidc.Configuration;
    try {
      config = await this.configuration(s);
    } catch (err) {
      this.d.logger.warn({ err: (err as Error).message, issuer: s.issuer }, 'console: SSO provider discovery failed');
      return this.fail(502, 'Single sign-on is unavailable', 'The identity provider could not be reached. Try again, or sign in with a console account.', ctx);
    }
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const redirectUri = `${ctx.origin}${COOKIE_PATH}/api/sso/callback`;
    const now = this.d.now();
    for (const [k, p] of this.pending) if (now - p.at > PENDING_TTL_MS || this.pending.size >= MAX_PENDING) this.pending.delete(k);
    this.pending.set(state, { verifier, nonce, redirectUri, at: now });
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: s.scopes.join(' '),
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    return redirect(url.href, { 'set-cookie': this.stateCookie(ctx, state, PENDING_TTL_MS / 1000) });
  }

  private async callback(ctx: RouteContext): Promise<Reply> {
    const s = this.d.settings();
    if (!s) return this.fail(404, 'Single sign-on is not configured', 'Set console.sso in palisade.yaml.', ctx);
    // The state must be the one this browser was given: a callback from another browser (a
    // login CSRF) carries a state that does not match its cookie.
    const state = parseCookies(ctx.req.headers.cookie).get(STATE_COOKIE) ?? '';
    const p = this.pending.get(state);
    if (!state || !p || this.d.now() - p.at > PENDING_TTL_MS) return this.fail(401, 'Sign-in failed', 'The sign-in took too long or was started in another browser. Start again.', ctx);
    this.pending.delete(state);
    if (ctx.query.get('error')) return this.fail(401, 'Sign-in failed', `The identity provider refused the sign-in: ${ctx.query.get('error')}.`, ctx);
    let claims: Record<string, unknown>;
    try {
      const config = await this.configuration(s);
      const current = new URL(p.redirectUri);
      current.search = new URL(ctx.req.url ?? '', ctx.origin).search;
      const tokens = await oidc.authorizationCodeGrant(config, current, { pkceCodeVerifier: p.verifier, expectedState: state, expectedNonce: p.nonce, idTokenExpected: true });
      const idClaims = tokens.claims();
      if (!idClaims) throw new Error('no ID token');
      claims = { ...idClaims };
      // Providers often keep profile claims out of the ID token: ask the userinfo endpoint too.
      if (config.serverMetadata().userinfo_endpoint) {
        try {
          const info = await oidc.fetchUserInfo(config, tokens.access_token, idClaims.sub);
          claims = { ...info, ...idClaims };
        } catch (err) {
          this.d.logger.debug({ err: (err as Error).message }, 'console: SSO userinfo not available');
        }
      }
    } catch (err) {
      this.d.logger.warn({ err: (err as Error).message, issuer: s.issuer }, 'console: SSO sign-in failed');
      return this.fail(401, 'Sign-in failed', 'The identity provider\'s answer could not be verified. Start again.', ctx);
    }
    const role = roleFromClaims(claims, s);
    const sub = String(claims['sub']);
    if (!role) {
      this.d.logger.info({ sub }, 'console: SSO user has no console role');
      return this.fail(403, 'No access to the console', 'Your account signed in, but no console role is granted to it. Ask an administrator.', ctx);
    }
    const user = await this.provision(s.issuer, claims, role);
    if (!user) return this.fail(403, 'Account disabled', 'Your console account is disabled. Ask an administrator.', ctx);
    const { token } = await this.d.sessions.create(user);
    await this.d.audit({ username: user.username, role: user.role }, 'session.create', user.username, { source: 'oidc' });
    const cookie = serializeCookie(SESSION_COOKIE, token, { secure: overTls(ctx.req) || this.d.secureCookies(), path: COOKIE_PATH, sameSite: 'Strict' });
    ctx.res.setHeader('set-cookie', [cookie, this.stateCookie(ctx, '', 0)]);
    return redirect('/console/');
  }

  /** The console user of these claims, created or brought up to date; undefined when disabled. */
  private async provision(issuer: string, claims: Record<string, unknown>, role: ConsoleRole): Promise<ConsoleUserRecord | undefined> {
    const cu = this.d.store.consoleUsers;
    const subject = `${issuer}|${String(claims['sub'])}`;
    const system = { username: 'sso', role: 'system' };
    const displayName = [claims['name'], claims['preferred_username'], claims['email'], claims['sub']].find((v): v is string => typeof v === 'string' && v.length > 0)!.slice(0, 200);
    const existing = await cu.findBySubject('oidc', subject);
    if (existing) {
      if (existing.disabled) return undefined;
      if (existing.role === role) return existing;
      const updated = await cu.updateUser(existing.username, { role, at: this.d.now() });
      await this.d.audit(system, 'user.update', existing.username, { role: { from: existing.role, to: role }, source: 'oidc' });
      return updated;
    }
    const base = [claims['preferred_username'], claims['email'], claims['sub']].find((v) => validUsername(v)) as string | undefined;
    const suffix = createHash('sha256').update(subject).digest('hex').slice(0, 8);
    for (const name of [base, `${(base ?? 'sso').slice(0, 100)}-${suffix}`]) {
      if (!name) continue;
      const created = await cu.createUser({ username: name, displayName, role, source: 'oidc', subject, createdAt: this.d.now() });
      if (created) {
        await this.d.audit(system, 'user.create', created.username, { role, source: 'oidc' });
        return created;
      }
    }
    throw new Error('could not find a free username for the SSO user');
  }
}

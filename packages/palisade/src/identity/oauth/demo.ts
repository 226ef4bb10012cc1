// The demo of the authorization server (`npm start`): a public client that walks the
// authorization-code flow with PKCE in a browser, pages at /demo that play that client (start and
// callback), a client-credentials client for curl, and the demo API's documented accounts.
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import type { OAuthClients } from './clients.js';
import { readCookie, redirect, sendPage } from './http-util.js';
import type { OAuthSettings } from './provider.js';
import type { OAuthUsers } from './users.js';
import { demoCallbackPage, demoIndexPage, messagePage } from './views.js';

export const DEMO_RESOURCE = 'urn:acme:shop';
export const DEMO_SCOPES = ['shop:read', 'shop:write'] as const;
export const DEMO_WEB_CLIENT = 'palisade-demo-web';
export const DEMO_SERVICE_CLIENT = 'palisade-demo-service';

/**
 * The demo API's documented accounts (demo/src/db.ts), with the same ids so a token's `sub` names
 * the same person there. Their passwords are public on purpose, like the demo itself.
 */
export const DEMO_USERS = [
  { id: '1', username: 'alice@acme.test', password: 'alice-pass-1', roles: ['customer'] },
  { id: '2', username: 'bob@acme.test', password: 'bob-pass-2', roles: ['customer'] },
  { id: '3', username: 'carol@acme.test', password: 'carol-pass-3', roles: ['customer'] },
  { id: '10', username: 'admin@acme.test', password: 'admin-pass-10', roles: ['admin'] },
] as const;

export interface DemoInfo {
  /** Page that starts the browser flow. */
  startUrl: string;
  webClientId: string;
  serviceClientId: string;
  /** Generated at every start and shown once, in the start banner. */
  serviceClientSecret: string;
  resource: string;
  users: readonly { username: string; password: string; roles: readonly string[] }[];
}

/** The oauth settings `palisade start --demo` runs with: on, for the demo API. */
export function demoOAuthSettings<T extends { enabled: boolean; resources: { indicator: string; scopes: string[] }[] }>(s: T): T {
  return { ...s, enabled: true, resources: s.resources.length > 0 ? s.resources : [{ indicator: DEMO_RESOURCE, scopes: [...DEMO_SCOPES] }] };
}

const COOKIE = 'palisade_demo';

function b64(bytes: Buffer): string {
  return bytes.toString('base64url');
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export class DemoPages {
  private readonly callback: string;

  constructor(
    private readonly issuer: string,
    private readonly settings: OAuthSettings,
  ) {
    this.callback = `${issuer}/demo/callback`;
  }

  /** Creates the demo users (once) and the demo clients (again at every start, so their URLs follow the issuer). */
  async seed(users: OAuthUsers, clients: OAuthClients): Promise<DemoInfo> {
    for (const u of DEMO_USERS) {
      if (!(await users.get(u.id)) && !(await users.find(u.username))) await users.create({ id: u.id, username: u.username, password: u.password, roles: [...u.roles] }, { demoAccount: true });
    }
    const scopes = this.settings.resources.flatMap((r) => r.scopes);
    await clients.delete(DEMO_WEB_CLIENT);
    await clients.create({ clientId: DEMO_WEB_CLIENT, name: 'Palisade demo web app', public: true, redirectUris: [this.callback], grantTypes: ['authorization_code', 'refresh_token'], scopes });
    await clients.delete(DEMO_SERVICE_CLIENT);
    const service = await clients.create({ clientId: DEMO_SERVICE_CLIENT, name: 'Palisade demo service', grantTypes: ['client_credentials'], scopes });
    return {
      startUrl: `${this.issuer}/demo`,
      webClientId: DEMO_WEB_CLIENT,
      serviceClientId: DEMO_SERVICE_CLIENT,
      serviceClientSecret: service.clientSecret ?? '',
      resource: this.settings.resources[0]?.indicator ?? DEMO_RESOURCE,
      users: DEMO_USERS,
    };
  }

  async handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendPage(res, 405, messagePage('Not allowed', 'These pages only answer GET.'), { allow: 'GET' });
    const resource = this.settings.resources[0]?.indicator ?? DEMO_RESOURCE;
    if (path === '/demo' || path === '/demo/') {
      return sendPage(res, 200, demoIndexPage({ startHref: '/demo/start', users: DEMO_USERS.map((u) => ({ ...u, roles: [...u.roles] })), clientId: DEMO_WEB_CLIENT, issuer: this.issuer }));
    }
    if (path === '/demo/start') {
      // What a real client does before redirecting: a fresh PKCE verifier, state and nonce, kept
      // where only this browser's next request to the callback can read them.
      const verifier = b64(randomBytes(32));
      const state = b64(randomBytes(16));
      const nonce = b64(randomBytes(16));
      const challenge = b64(createHash('sha256').update(verifier).digest());
      const q = new URLSearchParams({
        client_id: DEMO_WEB_CLIENT,
        response_type: 'code',
        redirect_uri: this.callback,
        scope: ['openid', 'email', ...(this.settings.resources[0]?.scopes ?? [])].join(' '),
        resource,
        code_challenge: challenge,
        code_challenge_method: 'S256',
        state,
        nonce,
      });
      const secure = this.issuer.startsWith('https:') ? '; Secure' : '';
      return redirect(res, `${this.issuer}/auth?${q.toString()}`, { 'set-cookie': `${COOKIE}=${state}.${verifier}; Path=/demo; HttpOnly; SameSite=Lax; Max-Age=600${secure}` });
    }
    if (path === '/demo/callback') {
      const q = new URL(req.url ?? '/', this.issuer).searchParams;
      const [state, verifier] = (readCookie(req, COOKIE) ?? '').split('.');
      const restartHref = '/demo/start';
      const error = q.get('error');
      if (error !== null) return sendPage(res, 200, demoCallbackPage({ error, errorDescription: q.get('error_description') ?? '', restartHref }));
      const code = q.get('code');
      if (!code || !state || !verifier) return sendPage(res, 400, demoCallbackPage({ error: 'no code, or this browser did not start the flow', restartHref }));
      // The state check is what stops a forged callback (login CSRF): the response must answer our request.
      if (!sameText(q.get('state') ?? '', state)) return sendPage(res, 400, demoCallbackPage({ error: 'state does not match the request this browser made', restartHref }));
      const curl = [
        `curl -s -X POST ${this.issuer}/token \\`,
        `  -d grant_type=authorization_code \\`,
        `  -d client_id=${DEMO_WEB_CLIENT} \\`,
        `  --data-urlencode code=${shellQuote(code)} \\`,
        `  --data-urlencode redirect_uri=${shellQuote(this.callback)} \\`,
        `  -d code_verifier=${verifier}`,
      ].join('\n');
      return sendPage(res, 200, demoCallbackPage({ code, exchangeCurl: curl, restartHref }), { 'set-cookie': `${COOKIE}=; Path=/demo; HttpOnly; SameSite=Lax; Max-Age=0` });
    }
    return sendPage(res, 404, messagePage('Not found', 'There is no such demo page.'));
  }
}

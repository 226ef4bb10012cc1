// Single sign-on end to end against Palisade's own built-in authorization server (identity/oauth):
// the console sends the browser there (PKCE, state, nonce), the user signs in and consents, the
// provider sends them back, and the console provisions the user with the role the claims map to.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { ConfigSchema } from '../core/index.js';
import { AuthorizationServer } from '../identity/index.js';
import { ConsoleClient, startConsole } from './console.test-support.js';
import type { TestConsole } from './console.test-support.js';
import { roleFromClaims } from './sso.js';

/** A browser for the provider's pages: a cookie jar, Origin on form posts, redirects by hand. */
class IdpBrowser {
  readonly cookies = new Map<string, string>();
  constructor(readonly origin: string) {}

  async request(url: string, form?: Record<string, string>): Promise<Response> {
    const headers: Record<string, string> = {};
    if (this.cookies.size) headers['cookie'] = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      headers['origin'] = this.origin;
    }
    const res = await fetch(new URL(url, this.origin), { method: form ? 'POST' : 'GET', headers, redirect: 'manual', ...(form ? { body: new URLSearchParams(form).toString() } : {}) });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair!.indexOf('=');
      const value = pair!.slice(i + 1).trim();
      if (/max-age=0|expires=thu, 01 jan 1970/i.test(c) || value === '') this.cookies.delete(pair!.slice(0, i).trim());
      else this.cookies.set(pair!.slice(0, i).trim(), value);
    }
    return res;
  }

  /** Follows redirects on the provider; returns the page reached, or the URL of a redirect that leaves it. */
  async follow(res: Response): Promise<Response | URL> {
    let r = res;
    for (let i = 0; i < 10; i++) {
      if (r.status < 300 || r.status >= 400) return r;
      const loc = new URL(r.headers.get('location') ?? '', this.origin);
      await r.body?.cancel();
      if (loc.origin !== this.origin) return loc;
      r = await this.request(loc.href);
    }
    throw new Error('too many redirects');
  }
}

let idp: AuthorizationServer;
let idpStore: TestConsole;
let t: TestConsole;
const env: NodeJS.ProcessEnv = {};

before(async () => {
  // The provider keeps its tables in a store of its own (a second console harness gives one cheaply).
  idpStore = await startConsole();
  const settings = ConfigSchema.parse({
    oauth: {
      enabled: true,
      listen: { host: '127.0.0.1', port: 0 },
      resources: [{ indicator: 'urn:test:api', scopes: ['api:read'] }],
      passwordMinLength: 8,
    },
  }).oauth;
  idp = await AuthorizationServer.start({
    settings,
    store: idpStore.store,
    logger: pino({ level: 'silent' }),
    encryptionSecret: 'test-encryption-secret-0123456789abcdef',
    scrypt: { N: 2 ** 10, r: 8, p: 1 },
  });
  await idp.users.create({ username: 'alice@example.test', password: 'alice-password', roles: ['ops'] });
  await idp.users.create({ username: 'mallory@example.test', password: 'mallory-password', roles: [] });
  t = await startConsole(
    {
      console: {
        sso: {
          issuer: idp.issuer,
          clientId: 'palisade-console',
          clientSecretEnv: 'CONSOLE_SSO_SECRET',
          scopes: ['openid', 'email'],
          // The built-in server releases sub and email: map the address to a role.
          roleClaim: 'email',
          roleMap: { 'alice@example.test': 'admin' },
          defaultRole: 'none',
          name: 'Palisade ID',
        },
      },
    },
    { env },
  );
  const client = await idp.clients.create({
    clientId: 'palisade-console',
    name: 'Palisade console',
    redirectUris: [`${t.url}/console/api/sso/callback`],
    grantTypes: ['authorization_code'],
    scopes: [],
  });
  env['CONSOLE_SSO_SECRET'] = client.clientSecret;
});

after(async () => {
  await t?.close();
  await idp?.close();
  await idpStore?.close();
});

/** Runs the whole browser round trip; returns the console client and the callback answer. */
async function signInThroughProvider(username: string, password: string): Promise<{ c: ConsoleClient; callback: Response; callbackUrl: URL }> {
  const c = new ConsoleClient(t.url);
  const start = await c.request('/console/api/sso/login');
  assert.equal(start.status, 302);
  const auth = new URL(start.headers.get('location')!);
  assert.equal(auth.origin + auth.pathname, `${idp.issuer}/auth`);
  assert.equal(auth.searchParams.get('code_challenge_method'), 'S256');
  assert.ok(auth.searchParams.get('state') && auth.searchParams.get('nonce') && auth.searchParams.get('code_challenge'));
  assert.equal(auth.searchParams.get('redirect_uri'), `${t.url}/console/api/sso/callback`);
  assert.ok(c.cookies.has('palisade_console_sso'), 'the state is bound to this browser');

  const b = new IdpBrowser(idp.issuer);
  const page = await b.follow(await b.request(auth.href));
  assert.ok(page instanceof Response && page.status === 200, 'the sign-in page');
  const loginPath = new URL(page.url).pathname;
  await page.body?.cancel();
  const consent = await b.follow(await b.request(`${loginPath}/login`, { username, password }));
  let back: Response | URL = consent;
  if (consent instanceof Response) {
    const consentPath = new URL(consent.url).pathname;
    await consent.body?.cancel();
    back = await b.follow(await b.request(`${consentPath}/confirm`, {}));
  }
  assert.ok(back instanceof URL, 'the provider sends the browser back to the console');
  assert.equal(back.origin + back.pathname, `${t.url}/console/api/sso/callback`);
  const callback = await c.request(back.pathname + back.search);
  return { c, callback, callbackUrl: back };
}

describe('single sign-on through OpenID Connect', () => {
  it('announces the provider', async () => {
    const r = await new ConsoleClient(t.url).json('/console/api/sso');
    assert.deepEqual(r.body, { enabled: true, name: 'Palisade ID' });
  });

  it('signs a user in end to end, provisions them as an oidc user with the mapped role, and audits it', async () => {
    const { c, callback, callbackUrl } = await signInThroughProvider('alice@example.test', 'alice-password');
    assert.equal(callback.status, 302, await callback.clone().text());
    assert.equal(callback.headers.get('location'), '/console/');
    const cookie = c.setCookies.find((x) => x.startsWith('palisade_console='));
    assert.ok(cookie && /HttpOnly/.test(cookie) && /SameSite=Strict/.test(cookie));
    const s = await c.json<{ user: { username: string; role: string; source: string } }>('/console/api/session');
    assert.equal(s.status, 200);
    assert.deepEqual({ ...s.body.user, displayName: undefined }, { username: 'alice@example.test', role: 'admin', source: 'oidc', displayName: undefined });
    const stored = await t.store.consoleUsers.getUser('alice@example.test');
    assert.equal(stored?.source, 'oidc');
    assert.equal(stored?.passwordHash, undefined, 'no password for an SSO user');
    assert.match(stored?.subject ?? '', new RegExp(`^${idp.issuer.replace(/[.]/g, '\\.')}\\|`));
    // The signed-in admin can use admin endpoints and sees the provisioning in the audit log.
    const audit = await c.json<{ entries: { action: string; target: string; detail: Record<string, unknown> }[] }>('/console/api/audit');
    assert.ok(audit.body.entries.some((e) => e.action === 'user.create' && e.target === 'alice@example.test' && e.detail.source === 'oidc'));
    // A password sign-in is not possible for this account.
    assert.equal((await new ConsoleClient(t.url).signIn('alice@example.test', 'alice-password')).status, 401);

    // Replaying the callback (the state is spent) does not sign anyone in.
    const replay = new ConsoleClient(t.url);
    for (const [k, v] of c.cookies) if (k === 'palisade_console_sso') replay.cookies.set(k, v);
    const again = await replay.request(callbackUrl.pathname + callbackUrl.search);
    assert.equal(again.status, 401);
    assert.equal(replay.cookies.has('palisade_console'), false);
  });

  it('refuses a callback that arrives in another browser (no state cookie)', async () => {
    const c = new ConsoleClient(t.url);
    const r = await c.request('/console/api/sso/callback?code=abc&state=def');
    assert.equal(r.status, 401);
    assert.match(r.headers.get('content-type') ?? '', /text\/html/);
  });

  it('refuses a user whose claims map to no console role', async () => {
    const { c, callback } = await signInThroughProvider('mallory@example.test', 'mallory-password');
    assert.equal(callback.status, 403);
    assert.equal(c.cookies.has('palisade_console'), false);
    assert.equal(await t.store.consoleUsers.getUser('mallory@example.test'), undefined);
  });

  it('maps claim values to the highest role, or the default', () => {
    const s = { roleClaim: 'groups', roleMap: { ops: 'operator', readers: 'viewer', root: 'admin' } as const, defaultRole: 'none' as const };
    assert.equal(roleFromClaims({ groups: ['readers', 'ops'] }, s), 'operator');
    assert.equal(roleFromClaims({ groups: 'root' }, s), 'admin');
    assert.equal(roleFromClaims({ groups: ['other'] }, s), undefined);
    assert.equal(roleFromClaims({}, { ...s, defaultRole: 'viewer' }), 'viewer');
    assert.equal(roleFromClaims({ groups: [1, { x: 1 }] }, s), undefined);
  });
});

// What `npm start` runs, on free ports for tests: the demo API (trusting the built-in authorization
// server's tokens besides its own), Shield with demo/palisade.yaml, and the built-in authorization
// server with the demo's users and clients. Tokens come from that server the way a person or a
// script gets them: the browser walk-through at /demo (authorization code + PKCE) and client
// credentials.
import assert from 'node:assert/strict';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pino } from 'pino';
import { parseConfig, startShield } from 'palisade';
import type { RunningShield } from 'palisade';
import { startDemo, DEMO_CONFIG_PATH } from 'palisade-demo';
import type { RunningDemo } from 'palisade-demo';
import { ADMIN_TOKEN, tempDir } from './helpers.js';

/** The address demo/palisade.yaml gives the built-in authorization server. */
const FILE_ISSUER = 'http://127.0.0.1:9100';
export const DEMO_AUDIENCE = 'urn:acme:shop';
const MAX_REDIRECTS = 12;

export interface DemoStack {
  demo: RunningDemo;
  shield: RunningShield;
  /** The built-in authorization server's issuer (http://127.0.0.1:<port>). */
  issuer: string;
  gatewayUrl: string;
  /** An access token for a demo account, from the browser walk-through (cached per account). */
  userToken(email: string, password: string): Promise<string>;
  /** An access token of the demo service client (client credentials). */
  serviceToken(scope?: string): Promise<string>;
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/**
 * Starts the stack. `edit` may change demo/palisade.yaml's text (after the addresses are
 * replaced), e.g. to switch a stage off for a test that looks at the one behind it.
 */
export async function startDemoStack(opts: { partnerUrl?: string; edit?: (yaml: string) => string } = {}): Promise<DemoStack> {
  // The gateway's JWT settings must name the issuer before the server starts, so its port is
  // chosen first; another process taking it in between is retried.
  for (let attempt = 1; ; attempt++) {
    try {
      return await tryStart(await freePort(), opts);
    } catch (err) {
      if (attempt >= 3 || !/EADDRINUSE/.test(String((err as Error).message))) throw err;
    }
  }
}

async function tryStart(oauthPort: number, opts: { partnerUrl?: string; edit?: (yaml: string) => string }): Promise<DemoStack> {
  const issuer = `http://127.0.0.1:${oauthPort}`;
  const demo = await startDemo({
    port: 0,
    quiet: true,
    ...(opts.partnerUrl ? { partnerUrl: opts.partnerUrl } : {}),
    trustedIssuer: { issuer, jwksUrl: `${issuer}/jwks`, audience: DEMO_AUDIENCE },
  });
  const t = tempDir('palisade-demo-stack-');
  let shield: RunningShield;
  try {
    const original = readFileSync(DEMO_CONFIG_PATH, 'utf8');
    assert.ok(original.includes(FILE_ISSUER) && original.includes('port: 9100'), 'demo/palisade.yaml names the built-in server at 127.0.0.1:9100');
    let yaml = original.replace('http://127.0.0.1:3001', demo.url).replaceAll(FILE_ISSUER, issuer).replace('port: 9100', `port: ${oauthPort}`);
    if (opts.edit) yaml = opts.edit(yaml);
    const env = {
      PALISADE_GATEWAY_PORT: '0',
      PALISADE_ADMIN_PORT: '0',
      PALISADE_STORE_PATH: join(t.dir, 'store.db'),
      PALISADE_OAUTH_ENCRYPTION_SECRET: 'demo-stack-test-secret-0123456789abcdef',
      PALISADE_LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    };
    const config = parseConfig(yaml, 'palisade.yaml', { env, baseDir: dirname(DEMO_CONFIG_PATH) });
    shield = await startShield({ config, logger: pino({ level: config.log.level }), adminToken: ADMIN_TOKEN, oauthDemo: true });
  } catch (err) {
    await demo.close();
    t.cleanup();
    throw err;
  }
  assert.equal(shield.oauth?.issuer, issuer);
  const od = shield.oauth.demo;
  assert.ok(od, 'the demo clients and users are seeded');
  const tokens = new Map<string, Promise<string>>();
  return {
    demo,
    shield,
    issuer,
    gatewayUrl: shield.gatewayUrl,
    userToken(email, password) {
      let p = tokens.get(email);
      if (!p) {
        p = browserWalkThrough(issuer, email, password);
        // A failed walk-through is not remembered: the next call tries again.
        p.catch(() => tokens.delete(email));
        tokens.set(email, p);
      }
      return p;
    },
    async serviceToken(scope = 'shop:read') {
      const res = await fetch(`${issuer}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${od.serviceClientId}:${od.serviceClientSecret}`).toString('base64')}` },
        body: new URLSearchParams({ grant_type: 'client_credentials', scope }).toString(),
      });
      const body = (await res.json()) as { access_token?: string };
      assert.equal(res.status, 200, JSON.stringify(body));
      return body.access_token!;
    },
    async close() {
      await shield.close();
      await demo.close();
      t.cleanup();
    },
  };
}

/**
 * What a person does at /demo: start, sign in, allow, land on the callback page; then what that
 * page tells them to run: exchange the code with the PKCE verifier the start page kept in a cookie.
 */
async function browserWalkThrough(issuer: string, email: string, password: string): Promise<string> {
  const cookies = new Map<string, string>();
  const send = async (path: string, form?: Record<string, string>): Promise<Response> => {
    const headers: Record<string, string> = {};
    if (cookies.size > 0) headers.cookie = [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      headers.origin = issuer;
    }
    const res = await fetch(new URL(path, issuer), { method: form ? 'POST' : 'GET', headers, redirect: 'manual', ...(form ? { body: new URLSearchParams(form).toString() } : {}) });
    for (const c of res.headers.getSetCookie()) {
      const pair = c.split(';')[0]!;
      const i = pair.indexOf('=');
      const name = pair.slice(0, i).trim();
      const value = pair.slice(i + 1).trim();
      if (value === '' || /max-age=0/i.test(c)) cookies.delete(name);
      else cookies.set(name, value);
    }
    return res;
  };

  let res = await send('/demo/start');
  let at = '/demo/start';
  let signedIn = false;
  for (let i = 0; i < MAX_REDIRECTS; i++) {
    if (res.status >= 300 && res.status < 400) {
      const loc = new URL(res.headers.get('location') ?? '', new URL(at, issuer));
      await res.body?.cancel();
      assert.equal(loc.origin, issuer, `the flow stays on the authorization server: ${loc.href}`);
      at = loc.pathname + loc.search;
      res = await send(at);
      if (loc.pathname === '/demo/callback') break;
      continue;
    }
    const html = await res.text();
    assert.equal(res.status, 200, `${at}: ${html.slice(0, 300)}`);
    const interaction = /^\/interaction\/[A-Za-z0-9_-]+$/.exec(new URL(at, issuer).pathname)?.[0];
    assert.ok(interaction, `expected a sign-in or consent page at ${at}`);
    // The first page is the sign-in form, the next one the consent page.
    at = signedIn ? `${interaction}/confirm` : `${interaction}/login`;
    res = await send(at, signedIn ? {} : { username: email, password });
    signedIn = true;
  }
  const callback = new URL(at, issuer);
  assert.equal(callback.pathname, '/demo/callback', `the walk-through ends on the callback page, not ${at}`);
  const page = await res.text();
  assert.equal(res.status, 200, page.slice(0, 300));
  assert.match(page, /code_verifier=/, 'the callback page shows the curl that exchanges the code');
  const code = callback.searchParams.get('code');
  assert.ok(code, 'a code');
  // The start page kept state.verifier in a cookie; the callback page printed the same verifier.
  const verifier = (cookies.get('palisade_demo') ?? /code_verifier=([A-Za-z0-9_-]+)/.exec(page)?.[1] ?? '').split('.').pop()!;
  const token = await fetch(`${issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', client_id: 'palisade-demo-web', code, redirect_uri: `${issuer}/demo/callback`, code_verifier: verifier }).toString(),
  });
  const body = (await token.json()) as { access_token?: string };
  assert.equal(token.status, 200, JSON.stringify(body));
  return body.access_token!;
}

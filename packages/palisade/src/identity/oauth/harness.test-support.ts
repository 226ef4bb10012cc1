// Helpers for the authorization server's HTTP tests: a server on port 0 over a temporary SQLite
// store, a browser-like client with a cookie jar, and the authorization-code flow step by step.
// Not exported from index.ts, and not shipped (the package leaves out *.test.* files).
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { ConfigSchema } from '../../core/index.js';
import type { PalisadeConfigInput } from '../../core/index.js';
import { SqliteStore } from '../../store/index.js';
import { AuthorizationServer } from './server.js';

export const FAST_SCRYPT = { N: 2 ** 10, r: 8, p: 1 };
export const RESOURCE = 'urn:test:shop';
export const SECRET = 'test-encryption-secret-0123456789abcdef';

export interface TestServer {
  server: AuthorizationServer;
  store: SqliteStore;
  issuer: string;
  close(): Promise<void>;
}

export async function startTestServer(oauth: NonNullable<PalisadeConfigInput['oauth']> = {}, opts: { now?: () => number; demo?: boolean } = {}): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'palisade-oauth-'));
  const store = new SqliteStore({ path: join(dir, 'store.db') });
  await store.migrate();
  const settings = ConfigSchema.parse({
    oauth: {
      enabled: true,
      listen: { host: '127.0.0.1', port: 0 },
      resources: [{ indicator: RESOURCE, scopes: ['shop:read', 'shop:write'] }],
      passwordMinLength: 8,
      ...oauth,
      throttle: { perAccount: { maxFailures: 100 }, perIp: { maxFailures: 1000 }, ...oauth.throttle },
    },
  }).oauth;
  const server = await AuthorizationServer.start({
    settings,
    store,
    logger: pino({ level: process.env['TEST_LOG_LEVEL'] ?? 'silent' }),
    encryptionSecret: SECRET,
    scrypt: FAST_SCRYPT,
    ...(opts.now ? { now: opts.now } : {}),
    ...(opts.demo ? { demo: true } : {}),
  });
  return {
    server,
    store,
    issuer: server.issuer,
    close: async () => {
      await server.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A browser: follows nothing by itself, keeps cookies per name (path and domain ignored: one host). */
export class Browser {
  readonly cookies = new Map<string, string>();

  constructor(readonly origin: string) {}

  async request(url: string, init: { method?: string; form?: Record<string, string>; headers?: Record<string, string> } = {}): Promise<Response> {
    const headers: Record<string, string> = { ...init.headers };
    if (this.cookies.size > 0) headers['cookie'] = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    let body: string | undefined;
    if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      headers['origin'] ??= this.origin;
      body = new URLSearchParams(init.form).toString();
    }
    const res = await fetch(new URL(url, this.origin), { method: init.method ?? (init.form ? 'POST' : 'GET'), headers, redirect: 'manual', ...(body !== undefined ? { body } : {}) });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair!.indexOf('=');
      const name = pair!.slice(0, i).trim();
      const value = pair!.slice(i + 1).trim();
      if (/max-age=0|expires=thu, 01 jan 1970/i.test(c) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return res;
  }

  /** Follows redirects that stay on the server; stops at the first response that is not a redirect or leaves it. */
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

export interface Pkce {
  verifier: string;
  challenge: string;
}

export function pkce(): Pkce {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export function authorizeUrl(issuer: string, p: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(p)) if (v !== undefined) q.set(k, v);
  return `${issuer}/auth?${q.toString()}`;
}

/** The interaction path a response sent the browser to, e.g. /interaction/abc. */
export function interactionPath(r: Response | URL): string {
  assert.ok(r instanceof Response, `expected a page, got a redirect to ${String(r)}`);
  const path = new URL(r.url).pathname;
  assert.match(path, /^\/interaction\/[A-Za-z0-9_-]+$/);
  return path;
}

export async function tokenRequest(issuer: string, form: Record<string, string>, basic?: [string, string]): Promise<{ status: number; body: Record<string, unknown> }> {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (basic) headers['authorization'] = `Basic ${Buffer.from(`${encodeURIComponent(basic[0])}:${encodeURIComponent(basic[1])}`).toString('base64')}`;
  const res = await fetch(`${issuer}/token`, { method: 'POST', headers, body: new URLSearchParams(form).toString() });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

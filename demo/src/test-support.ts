// Helpers shared by the demo's tests: a fresh demo per test (each has its own seeded database, so
// tests cannot disturb one another), HTTP calls, tokens and throw-away loopback servers.
import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import assert from 'node:assert/strict';
import { SignJWT } from 'jose';
import { DEMO_JWT_SECRET, TOKEN_ISSUER, startDemo } from './index.js';
import type { DemoOptions, RunningDemo } from './index.js';

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  /** The body parsed as JSON; the type parameter states what the test expects (the assertions check it). */
  json<T = Record<string, unknown>>(): T;
}

export class Client {
  constructor(readonly baseUrl: string) {}

  async call(method: string, path: string, opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<Reply> {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.token !== undefined) headers.authorization = `Bearer ${opts.token}`;
    let body: string | undefined;
    if (opts.body !== undefined) {
      headers['content-type'] ??= 'application/json';
      body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
    }
    const r = await fetch(this.baseUrl + path, { method, headers, ...(body !== undefined ? { body } : {}), redirect: 'manual' });
    const text = await r.text();
    return { status: r.status, headers: r.headers, text, json: <T>() => JSON.parse(text) as T };
  }

  async login(email: string, password: string): Promise<string> {
    const r = await this.call('POST', '/api/v2/auth/login', { body: { email, password } });
    assert.equal(r.status, 200, r.text);
    const token = r.json<{ token: string }>().token;
    assert.equal(typeof token, 'string');
    return token;
  }
}

/** Runs `fn` against a demo of its own on 127.0.0.1:0, closed afterwards whatever happens. */
export async function withDemo(fn: (c: Client, demo: RunningDemo) => Promise<void>, opts: Omit<DemoOptions, 'port' | 'host' | 'quiet'> = {}): Promise<void> {
  const demo = await startDemo({ ...opts, host: '127.0.0.1', port: 0, quiet: true });
  try {
    await fn(new Client(demo.url), demo);
  } finally {
    await demo.close();
  }
}

export interface LocalServer {
  url: string;
  /** Requests received, as "METHOD path?query". */
  readonly seen: string[];
  close(): Promise<void>;
}

/** A throw-away loopback server standing in for an internal service, a metadata service or a partner. */
export async function localServer(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<LocalServer> {
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Signs a token with the demo's (weak) secret: what an attacker does once the secret is cracked. */
export async function forgeToken(claims: { sub: string; role: string; email: string }, opts: { expiresAt?: number; issuer?: string } = {}): Promise<string> {
  const jwt = new SignJWT({ role: claims.role, email: claims.email })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.sub)
    .setIssuer(opts.issuer ?? TOKEN_ISSUER)
    .setIssuedAt();
  if (opts.expiresAt !== undefined) jwt.setExpirationTime(opts.expiresAt);
  return jwt.sign(new TextEncoder().encode(DEMO_JWT_SECRET));
}

/** An unsigned token (`alg: none`), as the legacy check accepts. */
export function unsignedToken(claims: Record<string, unknown>): string {
  const b64 = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`;
}

/** Sends a raw request with node:http (fetch refuses TRACE). */
export function rawRequest(baseUrl: string, method: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  const u = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

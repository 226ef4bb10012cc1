// Test support for identity tests: key pairs, token signing, and small JSON servers on port 0.
// Used only by *.test.ts files.
import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, exportSPKI, generateKeyPair, type CryptoKey, type JWK, type JWTHeaderParameters } from 'jose';

export interface TestKey {
  readonly alg: string;
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly publicKey: CryptoKey;
  readonly jwk: JWK;
  readonly pem: string;
}

export async function testKey(alg: 'ES256' | 'RS256' | 'PS256' | 'ES384' | 'EdDSA', kid: string): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { alg, kid, privateKey, publicKey, jwk, pem: await exportSPKI(publicKey) };
}

export const NOW_S = () => Math.floor(Date.now() / 1000);

/** Signs `claims` (exp defaults to an hour ahead) with `key`; `header` adds or overrides header members. */
export async function sign(
  claims: Record<string, unknown>,
  key: { privateKey: CryptoKey | Uint8Array; alg: string; kid?: string },
  header: Partial<JWTHeaderParameters> & Record<string, unknown> = {},
): Promise<string> {
  const body = { exp: NOW_S() + 3600, ...claims };
  for (const k of Object.keys(body)) if ((body as Record<string, unknown>)[k] === undefined) delete (body as Record<string, unknown>)[k];
  return new SignJWT(body)
    .setProtectedHeader({ alg: key.alg, ...(key.kid !== undefined ? { kid: key.kid } : {}), ...header } as JWTHeaderParameters)
    .sign(key.privateKey);
}

export function b64url(v: unknown): string {
  return Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
}

export interface JsonServer {
  readonly url: string;
  hits: number;
  readonly requests: Array<{ method: string; url: string; headers: http.IncomingHttpHeaders; body: string }>;
  close(): Promise<void>;
}

/** An HTTP server answering with `handler` (which may change over time); counts requests. */
export async function jsonServer(handler: (req: IncomingMessage, body: string, res: ServerResponse) => void): Promise<JsonServer> {
  const state: { hits: number; requests: JsonServer['requests'] } = { hits: 0, requests: [] };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      state.hits++;
      state.requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      handler(req, body, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    get hits() {
      return state.hits;
    },
    set hits(n: number) {
      state.hits = n;
    },
    requests: state.requests,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** A port nothing listens on (a server opened and closed again). */
export async function deadUrl(): Promise<string> {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return `http://127.0.0.1:${port}`;
}

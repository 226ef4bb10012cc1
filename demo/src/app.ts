// The Acme Shop HTTP server on plain node:http. The route table is compiled once at module load;
// a request costs one trie lookup plus its handler, which keeps /api/health and the cached
// catalogue pages cheap enough for the benchmarks.
// The server-wide behaviour here is part of the demo's attack surface (DEMO-API8-*).
import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError, sendJson, splitTarget } from './http.js';
import { Router } from './router.js';
import { ROUTES } from './routes.js';
import type { Ctx, Handler } from './routes.js';
import { Shop } from './shop.js';
import { TokenChecks } from './auth.js';
import type { TrustedIssuer } from './auth.js';

const router = new Router<Handler>();
for (const r of ROUTES) router.add(r.method, r.template, r.handler);
router.freeze();

class RequestCtx implements Ctx {
  private parsed: URLSearchParams | undefined;

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly params: Readonly<Record<string, string>>,
    readonly shop: Shop,
    readonly auth: TokenChecks,
    private readonly rawQuery: string,
  ) {}

  get query(): URLSearchParams {
    return (this.parsed ??= new URLSearchParams(this.rawQuery));
  }
}

function fail(res: ServerResponse, err: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (err instanceof HttpError) {
    sendJson(res, err.status, { error: err.message }, { ...err.headers });
    return;
  }
  // DEMO-API8-01: unexpected errors go back verbatim — message, the SQL that failed, stack trace.
  const e = err instanceof Error ? err : new Error(String(err));
  const sql = (e as { sql?: unknown }).sql;
  const text = `Internal Server Error\n\n${e.stack ?? `${e.name}: ${e.message}`}\n${typeof sql === 'string' ? `\nQuery: ${sql}\n` : ''}`;
  res.statusCode = 500;
  res.setHeader('content-type', 'text/plain; charset=utf-8');
  res.setHeader('content-length', Buffer.byteLength(text));
  res.end(text);
}

function traceEcho(req: IncomingMessage, res: ServerResponse): void {
  // DEMO-API8-04: TRACE is answered with the request as received, credentials and cookies included.
  const lines = [`TRACE ${req.url ?? '/'} HTTP/${req.httpVersion}`];
  for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
  const text = `${lines.join('\r\n')}\r\n\r\n`;
  res.statusCode = 200;
  res.setHeader('content-type', 'message/http');
  res.setHeader('content-length', Buffer.byteLength(text));
  res.end(text);
}

function handle(shop: Shop, auth: TokenChecks, req: IncomingMessage, res: ServerResponse): void {
  // DEMO-API8-02: product and version on every response.
  res.setHeader('server', 'acme-shop/2.4.0 (Node.js)');
  res.setHeader('x-powered-by', 'AcmeShop/2.4');
  // DEMO-API8-03: CORS that reflects any Origin and allows credentials, so any web page a signed-in
  // customer visits can read their data.
  const origin = req.headers.origin;
  if (origin !== undefined) {
    res.setHeader('access-control-allow-origin', origin);
    res.setHeader('access-control-allow-credentials', 'true');
  }
  const method = req.method ?? 'GET';
  if (method === 'TRACE') return traceEcho(req, res);

  const { path, rawQuery } = splitTarget(req.url ?? '/');
  const found = router.lookup(method, path);
  if (found.kind === 'not-found') return sendJson(res, 404, { error: 'Not found' });
  if (found.kind === 'method-not-allowed') {
    if (method === 'OPTIONS') {
      res.statusCode = 204;
      res.setHeader('allow', found.allow);
      if (origin !== undefined) {
        res.setHeader('access-control-allow-methods', found.allow);
        res.setHeader('access-control-allow-headers', req.headers['access-control-request-headers'] ?? 'authorization, content-type');
        res.setHeader('access-control-max-age', '86400');
      }
      res.end();
      return;
    }
    return sendJson(res, 405, { error: 'Method not allowed' }, { allow: found.allow });
  }

  const ctx = new RequestCtx(req, res, found.params, shop, auth, rawQuery);
  try {
    const result = found.value(ctx);
    // Synchronous handlers (health, catalogue) skip the promise machinery entirely.
    if (result) result.catch((err: unknown) => fail(res, err));
  } catch (err) {
    fail(res, err);
  }
}

export interface DemoServerOptions {
  /** Base URL of the shipping partner the shop asks for quotes (DEMO-API10-*). */
  partnerUrl: string;
  /** An identity provider whose access tokens are accepted besides the shop's own. */
  trustedIssuer?: TrustedIssuer;
}

/** A server for one fresh, seeded shop. The caller listens and closes; `shop` must be closed after the server. */
export function createDemoServer(opts: DemoServerOptions): { server: http.Server; shop: Shop } {
  const shop = new Shop({ partnerUrl: opts.partnerUrl });
  const auth = new TokenChecks(opts.trustedIssuer);
  const server = http.createServer((req, res) => handle(shop, auth, req, res));
  // Longer than common load balancers' idle timeouts, so a proxy in front never reuses a socket
  // the demo is closing.
  server.keepAliveTimeout = 65_000;
  return { server, shop };
}

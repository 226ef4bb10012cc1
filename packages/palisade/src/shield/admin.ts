// The admin API, on its own port and protected by a bearer token: health, readiness, current
// configuration (redacted), routes, recent exchanges, the dynamic block list and Prometheus metrics.
import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Logger } from 'pino';
import type { Exchange, ExchangeQuery } from '../core/index.js';
import { PalisadeError } from '../core/index.js';
import { problemBody, PROBLEM_CONTENT_TYPE } from './problem.js';
import { normalizeCidr } from './stages/index.js';
import { oauthAdminRoute } from './admin-oauth.js';
import type { OAuthAdmin } from './admin-oauth.js';
import { keysAdminRoute } from './admin-keys.js';
import type { ApiKeyAdmin } from './admin-keys.js';
import { rateOverridesAdminRoute } from './admin-rate-overrides.js';
import type { RateOverrideAdmin } from './admin-rate-overrides.js';

export interface BlockEntry {
  entry: string;
  reason?: string;
  expiresAt?: number;
}

export interface AdminDeps {
  token: string;
  config(): unknown;
  routes(): unknown;
  metrics(): Promise<{ contentType: string; body: string }>;
  recentExchanges(q: ExchangeQuery): Promise<Exchange[]>;
  getExchange(id: string): Promise<Exchange | undefined>;
  health(): Promise<Record<string, { ok: boolean; detail?: string }>>;
  listBlocks(): Promise<BlockEntry[]>;
  addBlock(b: { entry: string; reason: string; ttlMs?: number }): Promise<void>;
  removeBlock(entry: string): Promise<boolean>;
  reload(): Promise<{ ok: boolean; changed?: boolean; error?: string; details?: readonly string[] }>;
  /** The built-in authorization server, when it runs: /oauth/ endpoints (admin-oauth.ts). */
  oauth?: OAuthAdmin;
  /** API key management: /keys endpoints (admin-keys.ts). */
  apiKeys?: ApiKeyAdmin;
  /** Per-actor rate-limit overrides: /rate-overrides endpoints (admin-rate-overrides.ts). */
  rateOverrides?: RateOverrideAdmin;
  /**
   * Endpoints added by modules Shield may not import (Watch's /alerts): the host wiring passes
   * them in (decision 0026). Tried in order after the built-in endpoints; undefined means "not mine".
   */
  extensions?: readonly AdminExtension[];
  /**
   * The web console (a module Shield may not import): `GET /` and every path under /console go to
   * it before the bearer-token check, since it authenticates with its own session cookie.
   */
  ui?: AdminUi;
}

export interface AdminUi {
  /** True when it answered. */
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
}

export type AdminAnswer = { status: number; body: unknown } | { status: number; problem: 'bad-request' | 'not-found' | 'method-not-allowed' | 'conflict'; detail: string };

export interface AdminExtension {
  adminRoute(req: { method: string; path: string; query: URLSearchParams }): Promise<AdminAnswer | undefined>;
}

const MAX_BODY = 16 * 1024;

export function tokenMatches(expected: string, presented: string): boolean {
  // Hashing first makes the comparison constant-time regardless of the presented length.
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(presented).digest();
  return timingSafeEqual(a, b);
}

export class AdminServer {
  private server: http.Server | undefined;
  /** Set once listening. */
  url: string | undefined;

  constructor(
    private readonly deps: AdminDeps,
    private readonly log: Logger,
  ) {
    if (deps.token.length < 32) throw new PalisadeError('PALISADE_ERR_ADMIN_TOKEN', 'the admin token is shorter than 32 characters');
  }

  async listen(host: string, port: number): Promise<{ url: string; port: number }> {
    const server = http.createServer({ requestTimeout: 30_000, maxHeaderSize: 16 * 1024 }, (req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        this.log.error({ err }, 'admin request failed');
        if (!res.headersSent) send(res, 500, problemBody('internal-error', 500, ''), PROBLEM_CONTENT_TYPE);
        else res.destroy();
      });
    });
    this.server = server;
    const bound = await new Promise<number>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) =>
        reject(new PalisadeError('PALISADE_ERR_LISTEN', `admin API cannot listen on ${host}:${port}: ${err.code ?? err.message}`, [], { cause: err })),
      );
      server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
    });
    const h = host.includes(':') ? `[${host}]` : host;
    this.url = `http://${h}:${bound}`;
    return { url: this.url, port: bound };
  }

  async close(): Promise<void> {
    const s = this.server;
    if (!s) return;
    await new Promise<void>((r) => {
      s.close(() => r());
      s.closeAllConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://admin');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const method = req.method ?? 'GET';
    res.setHeader('cache-control', 'no-store');
    res.setHeader('x-content-type-options', 'nosniff');

    // Liveness and readiness answer without a token (orchestrators probe them) and reveal only ok/not ok.
    if (path === '/healthz' && method === 'GET') return json(res, 200, { status: 'ok' });
    if (path === '/readyz' && method === 'GET') {
      const checks = await this.deps.health();
      const ok = Object.values(checks).every((c) => c.ok);
      return json(res, ok ? 200 : 503, { status: ok ? 'ready' : 'not-ready', checks: Object.fromEntries(Object.entries(checks).map(([k, v]) => [k, v.ok])) });
    }

    if (this.deps.ui && (url.pathname === '/' || url.pathname === '/console' || url.pathname.startsWith('/console/'))) {
      if (await this.deps.ui.handle(req, res)) return;
    }

    const auth = req.headers.authorization ?? '';
    const presented = auth.startsWith('Bearer ') ? auth.slice(7).trim() : '';
    if (!presented || !tokenMatches(this.deps.token, presented)) {
      res.setHeader('www-authenticate', 'Bearer realm="palisade-admin"');
      return send(res, 401, problemBody('unauthorized', 401, '', 'A valid admin bearer token is required.'), PROBLEM_CONTENT_TYPE);
    }

    if (method === 'GET' && path === '/config') return json(res, 200, this.deps.config());
    if (method === 'GET' && path === '/routes') return json(res, 200, this.deps.routes());
    if (method === 'GET' && path === '/metrics') {
      const m = await this.deps.metrics();
      return send(res, 200, m.body, m.contentType);
    }
    if (method === 'GET' && path === '/exchanges') {
      const q = parseExchangeQuery(url.searchParams);
      if (typeof q === 'string') return send(res, 400, problemBody('bad-request', 400, '', q), PROBLEM_CONTENT_TYPE);
      return json(res, 200, { exchanges: await this.deps.recentExchanges(q) });
    }
    if (method === 'GET' && path.startsWith('/exchanges/')) {
      const x = await this.deps.getExchange(decodeURIComponent(path.slice('/exchanges/'.length)));
      return x ? json(res, 200, x) : send(res, 404, problemBody('not-found', 404, ''), PROBLEM_CONTENT_TYPE);
    }
    if (path === '/blocks' && method === 'GET') return json(res, 200, { blocks: await this.deps.listBlocks() });
    if (path === '/blocks' && method === 'POST') {
      const body = await readJson(req);
      if (typeof body === 'string') return send(res, 400, problemBody('bad-request', 400, '', body), PROBLEM_CONTENT_TYPE);
      const entry = typeof body.entry === 'string' ? body.entry.trim() : '';
      if (!validEntry(entry)) return send(res, 400, problemBody('bad-request', 400, '', 'entry must be an IPv4/IPv6 address or CIDR block'), PROBLEM_CONTENT_TYPE);
      const ttl = body.ttlSeconds;
      if (ttl !== undefined && (typeof ttl !== 'number' || !Number.isFinite(ttl) || ttl <= 0 || ttl > 365 * 86400)) {
        return send(res, 400, problemBody('bad-request', 400, '', 'ttlSeconds must be a positive number of seconds up to one year'), PROBLEM_CONTENT_TYPE);
      }
      const reason = typeof body.reason === 'string' ? body.reason.slice(0, 500) : 'blocked through the admin API';
      await this.deps.addBlock({ entry, reason, ...(typeof ttl === 'number' ? { ttlMs: ttl * 1000 } : {}) });
      this.log.info({ entry, reason }, 'address blocked');
      return json(res, 201, { entry });
    }
    if (path.startsWith('/blocks/') && method === 'DELETE') {
      const entry = decodeURIComponent(path.slice('/blocks/'.length));
      const removed = await this.deps.removeBlock(entry);
      if (removed) this.log.info({ entry }, 'address unblocked');
      return removed ? json(res, 200, { entry }) : send(res, 404, problemBody('not-found', 404, ''), PROBLEM_CONTENT_TYPE);
    }
    if (path === '/reload' && method === 'POST') {
      const r = await this.deps.reload();
      return json(res, r.ok ? 200 : 422, r);
    }
    if (this.deps.apiKeys && (path === '/keys' || path.startsWith('/keys/'))) {
      const k = await keysAdminRoute(req, path, url.searchParams, () => readJson(req), this.deps.apiKeys, this.log);
      if (k && 'problem' in k) {
        for (const [name, value] of Object.entries(k.headers ?? {})) res.setHeader(name, value);
        return send(res, k.status, problemBody(k.problem, k.status, '', k.detail), PROBLEM_CONTENT_TYPE);
      }
      if (k) return json(res, k.status, k.body);
    }
    if (this.deps.rateOverrides && (path === '/rate-overrides' || path.startsWith('/rate-overrides/'))) {
      const a = await rateOverridesAdminRoute(method, path, () => readJson(req), this.deps.rateOverrides, this.log);
      if (a && 'problem' in a) return send(res, a.status, problemBody(a.problem, a.status, '', a.detail), PROBLEM_CONTENT_TYPE);
      if (a) return json(res, a.status, a.body);
    }
    if (path.startsWith('/oauth/') && this.deps.oauth) {
      const a = await oauthAdminRoute(method, path, () => readJson(req), this.deps.oauth, this.log);
      if (a && 'problem' in a) return send(res, a.status, problemBody(a.problem, a.status, '', a.detail), PROBLEM_CONTENT_TYPE);
      if (a) return json(res, a.status, a.body);
    }
    for (const ext of this.deps.extensions ?? []) {
      const a = await ext.adminRoute({ method, path, query: url.searchParams });
      if (a && 'problem' in a) return send(res, a.status, problemBody(a.problem, a.status, '', a.detail), PROBLEM_CONTENT_TYPE);
      if (a) return json(res, a.status, a.body);
    }
    return send(res, 404, problemBody('not-found', 404, '', 'Unknown admin endpoint.'), PROBLEM_CONTENT_TYPE);
  }
}

function validEntry(entry: string): boolean {
  return normalizeCidr(entry) !== null;
}

function parseExchangeQuery(p: URLSearchParams): ExchangeQuery | string {
  const q: ExchangeQuery = {};
  const int = (name: string, min: number, max: number): number | string | undefined => {
    const v = p.get(name);
    if (v === null) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) return `${name} must be an integer between ${min} and ${max}`;
    return n;
  };
  for (const [name, min, max] of [['limit', 1, 1000], ['status', 100, 599], ['before', 0, Number.MAX_SAFE_INTEGER]] as const) {
    const v = int(name, min, max);
    if (typeof v === 'string') return v;
    if (v !== undefined) q[name] = v;
  }
  for (const name of ['api', 'route', 'clientIp', 'beforeId'] as const) {
    const v = p.get(name);
    if (v !== null) q[name] = v.slice(0, 256);
  }
  const b = p.get('blocked');
  if (b !== null) q.blocked = b === 'true' || b === '1';
  return q;
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown> | string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > MAX_BODY) return `body larger than ${MAX_BODY} bytes`;
    chunks.push(c);
  }
  try {
    const v: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return 'body must be a JSON object';
    return v as Record<string, unknown>;
  } catch (err) {
    return `body is not valid JSON: ${(err as Error).message}`;
  }
}

function json(res: ServerResponse, status: number, v: unknown): void {
  send(res, status, JSON.stringify(v), 'application/json');
}

function send(res: ServerResponse, status: number, body: string, type: string): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

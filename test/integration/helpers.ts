// Real servers on port 0 for integration tests: upstreams, a Shield host, raw HTTP clients.
import http from 'node:http';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { Redis } from 'ioredis';
import { parseConfig, startShield } from 'palisade';
import type { PalisadeConfig, RunningShield } from 'palisade';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const CLI = join(ROOT, 'packages/palisade/dist/cli/main.js');
export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdefghijklmnop';

export interface Upstream {
  url: string;
  port: number;
  server: http.Server;
  close(): Promise<void>;
}

export async function startUpstream(handler: (req: IncomingMessage, res: ServerResponse) => void, host = '127.0.0.1'): Promise<Upstream> {
  const server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, host, () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    server,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export function tempDir(prefix = 'palisade-test-'): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface TestShield extends RunningShield {
  config: PalisadeConfig;
  dir: string;
}

/** Starts Shield from YAML (gateway and admin on port 0, SQLite in a temp dir). */
export async function startTestShield(yaml: string, opts: { configPath?: string; dir?: string; baseDir?: string } = {}): Promise<TestShield> {
  const t = opts.dir ? { dir: opts.dir, cleanup: () => undefined } : tempDir();
  const env = {
    PALISADE_GATEWAY_PORT: '0',
    PALISADE_ADMIN_PORT: '0',
    PALISADE_STORE_PATH: join(t.dir, 'store.db'),
    PALISADE_LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
  };
  const config = parseConfig(yaml, opts.configPath ?? 'test.yaml', { env, baseDir: opts.baseDir ?? t.dir });
  const logger = pino({ level: config.log.level });
  const running = await startShield({ config, ...(opts.configPath ? { configPath: opts.configPath } : {}), logger, adminToken: ADMIN_TOKEN });
  return {
    ...running,
    config,
    dir: t.dir,
    close: async () => {
      await running.close();
      t.cleanup();
    },
  };
}

export function adminFetch(shield: RunningShield, path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(shield.adminUrl + path, { ...init, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(init.headers ?? {}) } });
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A plain node:http request, for what fetch refuses to send (TRACE, odd headers, custom agents). */
export function httpRequest(
  url: string,
  opts: { method?: string; headers?: Record<string, string | string[]>; body?: string | Buffer; localAddress?: string; ca?: string | Buffer } = {},
): Promise<RawResponse> {
  return new Promise((resolveRes, reject) => {
    const u = new URL(url);
    const mod = u.protocol === 'https:' ? https : http;
    const req = mod.request(
      {
        host: u.hostname.replace(/^\[|\]$/g, ''),
        port: u.port,
        path: u.pathname + u.search,
        method: opts.method ?? 'GET',
        headers: opts.headers,
        agent: false,
        ...(opts.localAddress ? { localAddress: opts.localAddress } : {}),
        ...(opts.ca ? { ca: opts.ca } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolveRes({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** Sends raw bytes and returns the raw response text (for malformed or oversized requests). */
export function rawRequest(port: number, data: string, host = '127.0.0.1'): Promise<string> {
  return new Promise((r, reject) => {
    const s = net.connect(port, host);
    let out = '';
    s.on('data', (d: Buffer) => (out += d.toString('latin1')));
    s.on('end', () => r(out));
    s.on('close', () => r(out));
    s.on('error', (e: NodeJS.ErrnoException) => (e.code === 'ECONNRESET' ? r(out) : reject(e)));
    s.write(data);
  });
}

export async function waitFor<T>(fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export const REDIS_URL = 'redis://127.0.0.1:6379';

/**
 * The `skip` of a suite that needs Redis: false when it answers PING, else why not. In CI (which
 * starts Redis, .ci/run) its absence is a broken environment, not a reason to skip: it throws.
 */
export async function redisSkip(): Promise<string | false> {
  const probe = new Redis(REDIS_URL, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 2000 });
  probe.on('error', () => undefined);
  let problem: string | null = null;
  try {
    await probe.connect();
    await probe.ping();
  } catch (err) {
    problem = (err as Error).message;
  } finally {
    probe.disconnect();
  }
  if (problem === null) return false;
  if (process.env.CI === 'true') throw new Error(`Redis at ${REDIS_URL} is unreachable in CI: ${problem}`);
  return `Redis at ${REDIS_URL} is unreachable (${problem}); start redis-server to run these tests`;
}

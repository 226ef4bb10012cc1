// Helpers for the console's HTTP tests: a console behind a real AdminServer on port 0 over a
// temporary SQLite store, a settable clock, and a browser-like client (cookie jar, CSRF header,
// same-origin Origin). Other console test files reuse them. Not shipped (*.test-* files are left out).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { ConfigSchema } from '../core/index.js';
import type { PalisadeConfig, PalisadeConfigInput } from '../core/index.js';
import { AdminServer } from '../shield/index.js';
import { SqliteStore } from '../store/index.js';
import type { ConsoleDeps } from './deps.js';
import { createConsole } from './index.js';
import type { ConsoleService } from './index.js';
import type { Role } from './routes.js';

/** Cheap hashing for tests (the product default is N=2^15); the CLI test checks the default. */
export const FAST_SCRYPT = { N: 1024, r: 8, p: 1 };

export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef0123456789';

export interface TestConsole {
  url: string;
  store: SqliteStore;
  console: ConsoleService;
  config: PalisadeConfig;
  dir: string;
  /** The console's clock: tests move it to expire sessions. */
  clock: { now: number };
  /** Creates a local user directly (fast, audited as 'system'). */
  addUser(username: string, role: Role, password?: string): Promise<string>;
  /** A client signed in as a new user of this role. */
  signedIn(role: Role, username?: string): Promise<ConsoleClient>;
  close(): Promise<void>;
}

export async function startConsole(
  configInput: PalisadeConfigInput = {},
  extra: Partial<Omit<ConsoleDeps, 'store' | 'config' | 'logger'>> | ((store: SqliteStore, logger: ConsoleDeps['logger']) => Partial<Omit<ConsoleDeps, 'store' | 'config' | 'logger'>>) = {},
): Promise<TestConsole> {
  const dir = mkdtempSync(join(tmpdir(), 'palisade-console-'));
  const store = new SqliteStore({ path: join(dir, 'store.db') });
  await store.migrate();
  const config = ConfigSchema.parse(configInput);
  const clock = { now: Date.now() };
  const logger = pino({ level: process.env['TEST_LOG_LEVEL'] ?? 'silent' });
  const svc = createConsole({ store, config: () => config, logger, now: () => clock.now, webRoot: join(dir, 'web'), scrypt: FAST_SCRYPT, ...(typeof extra === 'function' ? extra(store, logger) : extra) });
  const admin = new AdminServer(
    {
      token: ADMIN_TOKEN,
      config: () => ({}),
      routes: () => [],
      metrics: async () => ({ contentType: 'text/plain', body: '' }),
      recentExchanges: (q) => store.recentExchanges(q),
      getExchange: (id) => store.getExchange(id),
      health: async () => ({}),
      listBlocks: async () => [],
      addBlock: async () => undefined,
      removeBlock: async () => false,
      reload: async () => ({ ok: true }),
      ui: svc,
    },
    logger,
  );
  const { url } = await admin.listen('127.0.0.1', 0);
  let n = 0;
  const t: TestConsole = {
    url,
    store,
    console: svc,
    config,
    dir,
    clock,
    async addUser(username, role, password = `pw-${username}-0123456789`) {
      await svc.users.create({ username, role, password }, { username: 'test', role: 'system' });
      return password;
    },
    async signedIn(role, username = `${role}${++n}`) {
      const password = await t.addUser(username, role);
      const c = new ConsoleClient(url);
      const r = await c.signIn(username, password);
      if (r.status !== 200) throw new Error(`sign-in as ${username} failed: ${r.status}`);
      return c;
    },
    async close() {
      await admin.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return t;
}

/** A browser on the console's origin: keeps the cookies, sends Origin and the CSRF token on changes. */
export class ConsoleClient {
  readonly cookies = new Map<string, string>();
  /** Every Set-Cookie header received, as sent. */
  readonly setCookies: string[] = [];
  csrf: string | undefined;

  constructor(readonly origin: string) {}

  async request(path: string, init: { method?: string; body?: unknown; headers?: Record<string, string>; csrf?: boolean } = {}): Promise<Response> {
    const method = init.method ?? (init.body !== undefined ? 'POST' : 'GET');
    const headers: Record<string, string> = {};
    if (this.cookies.size) headers['cookie'] = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (method !== 'GET' && method !== 'HEAD') {
      headers['origin'] = this.origin;
      if (this.csrf && init.csrf !== false) headers['x-csrf-token'] = this.csrf;
    }
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    Object.assign(headers, init.headers);
    // An empty value in init.headers removes a header the client would send (e.g. origin).
    for (const [k, v] of Object.entries(headers)) if (v === '') delete headers[k];
    const res = await fetch(new URL(path, this.origin), { method, headers, redirect: 'manual', ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}) });
    for (const c of res.headers.getSetCookie()) {
      this.setCookies.push(c);
      const [pair] = c.split(';');
      const i = pair!.indexOf('=');
      const name = pair!.slice(0, i).trim();
      const value = pair!.slice(i + 1).trim();
      if (/max-age=0/i.test(c) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return res;
  }

  async signIn(username: string, password: string): Promise<Response> {
    const r = await this.request('/console/api/session', { body: { username, password } });
    if (r.status === 200) {
      const body = (await r.clone().json()) as { csrfToken: string };
      this.csrf = body.csrfToken;
    }
    return r;
  }

  async json<T = Record<string, unknown>>(path: string, init: Parameters<ConsoleClient['request']>[1] = {}): Promise<{ status: number; body: T; res: Response }> {
    const res = await this.request(path, init);
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T, res };
  }
}

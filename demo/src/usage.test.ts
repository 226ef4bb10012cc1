// Normal use of Acme Shop: the API works as documented when nobody attacks it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ALICE, BOB, DEMO_USERS, PRODUCT_COUNT, STARTING_BALANCE, THUMBNAIL_DOCUMENTED_MAX, startDemo } from './index.js';
import { localServer, rawRequest, withDemo } from './test-support.js';

interface Product {
  id: number;
  name: string;
  price: number;
  stock: number;
  category: string;
  description?: string;
}
interface Page<T> {
  items: T[];
  page: number;
  limit: number;
  total?: number;
}
interface Order {
  id: number;
  user_id: number;
  product_id: number;
  quantity: number;
  total: number;
  status: string;
  shipping_address: string;
  shipping_note: string | null;
}

test('health answers cheaply, with HEAD and an Allow list for other methods', () =>
  withDemo(async (c) => {
    const r = await c.call('GET', '/api/health');
    assert.equal(r.status, 200);
    assert.deepEqual(r.json(), { status: 'ok' });
    assert.match(r.headers.get('content-type') ?? '', /^application\/json/);
    const head = await c.call('HEAD', '/api/health');
    assert.equal(head.status, 200);
    assert.equal(head.text, '');
    const del = await c.call('DELETE', '/api/health');
    assert.equal(del.status, 405);
    assert.equal(del.headers.get('allow'), 'GET, HEAD, OPTIONS');
    const options = await c.call('OPTIONS', '/api/v2/orders');
    assert.equal(options.status, 204);
    assert.equal(options.headers.get('allow'), 'GET, POST, HEAD, OPTIONS');
    assert.equal((await c.call('GET', '/api/nope')).status, 404);
    assert.equal((await c.call('GET', '/api/health/')).status, 404);
  }));

test('every documented account signs in and sees its own profile', () =>
  withDemo(async (c) => {
    for (const u of DEMO_USERS) {
      const token = await c.login(u.email, u.password);
      const me = await c.call('GET', '/api/v2/users/me', { token });
      assert.equal(me.status, 200);
      const body = me.json<{ id: number; email: string; role: string; balance: number }>();
      assert.equal(body.id, u.id);
      assert.equal(body.email, u.email);
      assert.equal(body.role, u.role);
    }
    const alice = await c.login(ALICE.email, ALICE.password);
    const claims = JSON.parse(Buffer.from(alice.split('.')[1]!, 'base64url').toString()) as { sub: string; exp: number; iat: number };
    assert.equal(claims.sub, String(ALICE.id));
    assert.equal(claims.exp - claims.iat, 3600);
  }));

test('protected endpoints refuse missing and tampered tokens', () =>
  withDemo(async (c) => {
    const none = await c.call('GET', '/api/v2/orders');
    assert.equal(none.status, 401);
    assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer/);
    const token = await c.login(ALICE.email, ALICE.password);
    const [h, p] = token.split('.');
    const tampered = `${h}.${Buffer.from(JSON.stringify({ sub: '2', role: 'admin', iss: 'acme-shop' })).toString('base64url')}.${token.split('.')[2]}`;
    assert.equal((await c.call('GET', '/api/v2/users/me', { token: tampered })).status, 401);
    assert.equal((await c.call('GET', '/api/v2/users/me', { token: `${h}.${p}.` })).status, 401);
    assert.equal((await c.call('GET', '/api/v2/users/me', { token: 'not-a-jwt' })).status, 401);
  }));

test('catalogue paging: pages follow one another, the total is right, a product has its details', () =>
  withDemo(async (c) => {
    const p1 = (await c.call('GET', '/api/v2/products?page=1&limit=10')).json<Page<Product>>();
    const p2 = (await c.call('GET', '/api/v2/products?page=2&limit=10')).json<Page<Product>>();
    assert.deepEqual(p1.items.map((p) => p.id), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    assert.deepEqual(p2.items.map((p) => p.id), [11, 12, 13, 14, 15, 16, 17, 18, 19, 20]);
    assert.equal(p1.total, PRODUCT_COUNT);
    const dflt = (await c.call('GET', '/api/v2/products')).json<Page<Product>>();
    assert.equal(dflt.items.length, 20);
    assert.equal(dflt.limit, 20);
    const last = (await c.call('GET', `/api/v2/products?page=${PRODUCT_COUNT / 10}&limit=10`)).json<Page<Product>>();
    assert.equal(last.items.at(-1)?.id, PRODUCT_COUNT);
    assert.equal((await c.call('GET', `/api/v2/products?page=${PRODUCT_COUNT / 10 + 1}&limit=10`)).json<Page<Product>>().items.length, 0);
    const bogus = (await c.call('GET', '/api/v2/products?page=zero&limit=-3')).json<Page<Product>>();
    assert.equal(bogus.page, 1);
    assert.equal(bogus.limit, 20);
    const p42 = await c.call('GET', '/api/v2/products/42');
    assert.equal(p42.status, 200);
    assert.equal(p42.json<Product>().id, 42);
    assert.match(p42.json<Product>().description ?? '', /product number 42/);
    assert.equal((await c.call('GET', '/api/v2/products/999999')).status, 404);
    assert.equal((await c.call('GET', '/api/v2/products/abc')).status, 404);
  }));

test('search finds products by name', () =>
  withDemo(async (c) => {
    const r = await c.call('GET', '/api/v2/products/search?q=Product%20123');
    assert.equal(r.status, 200);
    const ids = r.json<{ items: Product[] }>().items.map((p) => p.id);
    assert.ok(ids.includes(123) && ids.includes(1230));
    assert.ok(ids.every((id) => String(id).startsWith('123')));
  }));

test('a thumbnail within the documented size is a valid BMP of that size', () =>
  withDemo(async (c) => {
    const r = await fetch(`${c.baseUrl}/api/v2/products/42/thumbnail?size=64`);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'image/bmp');
    const b = Buffer.from(await r.arrayBuffer());
    assert.equal(b.toString('latin1', 0, 2), 'BM');
    assert.equal(b.readUInt32LE(2), b.length);
    assert.equal(b.readInt32LE(18), 64);
    assert.equal(b.readInt32LE(22), 64);
    assert.equal(b.length, 54 + 64 * 64 * 3);
    const other = Buffer.from(await (await fetch(`${c.baseUrl}/api/v2/products/43/thumbnail?size=64`)).arrayBuffer());
    assert.notDeepEqual(other, b, 'each product has its own picture');
    assert.ok(THUMBNAIL_DOCUMENTED_MAX >= 64);
    assert.equal((await c.call('GET', '/api/v2/products/999999/thumbnail')).status, 404);
  }));

test('ordering: create, list my orders with paging, change the address, get an invoice', () =>
  withDemo(async (c) => {
    const token = await c.login(BOB.email, BOB.password);
    const before = (await c.call('GET', '/api/v2/products/42')).json<Product>();
    const cached = (await c.call('GET', '/api/v2/products?page=3&limit=20')).json<Page<Product>>().items.find((p) => p.id === 42);
    assert.equal(cached?.stock, before.stock);
    const created = await c.call('POST', '/api/v2/orders', { token, body: { productId: 42, quantity: 2 } });
    assert.equal(created.status, 201, created.text);
    const order = created.json<Order>();
    assert.equal(order.user_id, BOB.id);
    assert.equal(order.total, Math.round(before.price * 2 * 100) / 100);
    assert.equal(created.headers.get('location'), `/api/v2/orders/${order.id}`);
    const after = (await c.call('GET', '/api/v2/products?page=3&limit=20')).json<Page<Product>>().items.find((p) => p.id === 42);
    assert.equal(after?.stock, before.stock - 2, 'the cached catalogue page reflects the new stock');

    const mine = (await c.call('GET', '/api/v2/orders', { token })).json<Page<Order>>();
    assert.deepEqual(mine.items.map((o) => o.id), [1003, order.id]);
    const paged = (await c.call('GET', '/api/v2/orders?page=2&limit=1', { token })).json<Page<Order>>();
    assert.deepEqual(paged.items.map((o) => o.id), [order.id]);

    const moved = await c.call('PATCH', `/api/v2/orders/${order.id}`, { token, body: { shippingAddress: '9 New Street' } });
    assert.equal(moved.json<Order>().shipping_address, '9 New Street');
    const invoice = await c.call('GET', `/api/v2/orders/${order.id}/invoice`, { token });
    assert.equal(invoice.status, 200);
    assert.equal(invoice.json<{ total: number }>().total, order.total);
    assert.equal((await c.call('GET', '/api/v2/orders/1001/invoice', { token })).status, 404, "the invoice checks ownership (Bob's token, Alice's order)");

    for (const body of [{ productId: 'x' }, { productId: 42, quantity: 0 }, {}, '[1]']) {
      assert.equal((await c.call('POST', '/api/v2/orders', { token, body })).status, 400, JSON.stringify(body));
    }
    assert.equal((await c.call('POST', '/api/v2/orders', { token, body: '{' })).status, 400);
    assert.equal((await c.call('POST', '/api/v2/orders', { token, body: { productId: 999999 } })).status, 404);
  }));

test('profile update of the documented fields, coupon, admin reading a user', () =>
  withDemo(async (c) => {
    const token = await c.login(ALICE.email, ALICE.password);
    const r = await c.call('PATCH', '/api/v2/users/me', { token, body: { name: 'Alice A.', phone: '+1 202-555-0199' } });
    assert.equal(r.status, 200);
    assert.equal(r.json<{ name: string }>().name, 'Alice A.');
    assert.equal((await c.call('PATCH', '/api/v2/users/me', { token, body: { unknown: 1 } })).status, 400);
    assert.equal((await c.call('PATCH', '/api/v2/users/me', { token, body: { name: { nested: true } } })).status, 400);
    const redeemed = await c.call('POST', '/api/v2/coupons/redeem', { token, body: { code: 'WELCOME10' } });
    assert.equal(redeemed.json<{ balance: number }>().balance, STARTING_BALANCE + 10);
    assert.equal((await c.call('POST', '/api/v2/coupons/redeem', { token, body: { code: 'NOPE' } })).status, 404);

    assert.equal((await c.call('GET', `/api/v2/admin/users/${BOB.id}`, { token })).status, 403, 'GET checks the role');
    const admin = await c.login('admin@acme.test', 'admin-pass-10');
    const bob = await c.call('GET', `/api/v2/admin/users/${BOB.id}`, { token: admin });
    assert.equal(bob.status, 200);
    assert.equal(bob.json<{ email: string }>().email, BOB.email);
  }));

test('the avatar import fetches a picture from a URL', async () => {
  const images = await localServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'image/png' }).end(Buffer.from('89504e470d0a1a0a', 'hex'));
  });
  try {
    await withDemo(async (c) => {
      const token = await c.login(ALICE.email, ALICE.password);
      const r = await c.call('POST', '/api/v2/users/me/avatar', { token, body: { url: `${images.url}/me.png` } });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json<{ contentType: string; size: number }>().contentType, 'image/png');
      assert.equal(r.json<{ size: number }>().size, 8);
      assert.equal((await c.call('GET', '/api/v2/users/me', { token })).json<{ avatar_url: string }>().avatar_url, `${images.url}/me.png`);
      assert.equal((await c.call('POST', '/api/v2/users/me/avatar', { token, body: { url: 'file:///etc/passwd' } })).status, 400);
    });
  } finally {
    await images.close();
  }
});

test('shipping quotes come from the built-in partner simulator by default', () =>
  withDemo(async (c) => {
    const token = await c.login(ALICE.email, ALICE.password);
    const r = await c.call('POST', '/api/v2/orders/1001/shipping-quote', { token });
    assert.equal(r.status, 200, r.text);
    const q = r.json<{ carrier: string; price: number; newTotal: number; orderId: number }>();
    assert.equal(q.carrier, 'Speedy Parcels');
    assert.equal(q.orderId, 1001);
    assert.equal(q.newTotal, Math.round((45.99 + q.price) * 100) / 100);
    assert.ok(q.price > 0);
    assert.equal((await c.call('POST', '/api/v2/orders/1003/shipping-quote', { token })).status, 404, "not for someone else's order");
  }));

test('startDemo: closes cleanly, refuses bad ports, can be closed twice', async () => {
  const demo = await startDemo({ port: 0, quiet: true });
  assert.match(demo.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.ok(demo.port > 0);
  assert.equal((await rawRequest(demo.url, 'GET', '/api/health')).status, 200);
  await Promise.all([demo.close(), demo.close()]);
  await assert.rejects(fetch(`${demo.url}/api/health`));
  await assert.rejects(startDemo({ port: 70000, quiet: true }), RangeError);
  const first = await startDemo({ port: 0, quiet: true });
  try {
    await assert.rejects(startDemo({ port: first.port, quiet: true }), /EADDRINUSE/);
  } finally {
    await first.close();
  }
});

// Acme Shop's endpoints. DELIBERATELY VULNERABLE: every weakness is documented in
// demo/VULNERABILITIES.md under the id (DEMO-APIx-nn) quoted in the comment where it lives.
// Never expose this API anywhere but a developer's loopback interface.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DEMO_JWT_SECRET, issueToken, TOKEN_LIFETIME_SECONDS } from './auth.js';
import type { Claims, TokenChecks } from './auth.js';
import { FLASH_SALE_PRODUCT_ID, WELCOME_COUPON, WELCOME_COUPON_CREDIT, weakHash } from './db.js';
import type { OrderRow } from './db.js';
import { HttpError, JSON_TYPE, frozenJson, idParam, positiveInt, readJson, sendBytes, sendJson } from './http.js';
import type { Shop, UserWritableColumn } from './shop.js';
import { USER_WRITABLE_COLUMNS } from './shop.js';
import { THUMBNAIL_HARD_LIMIT, renderThumbnail } from './thumbnail.js';

export interface Ctx {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly params: Readonly<Record<string, string>>;
  readonly shop: Shop;
  /** This shop's token checks (its own tokens, and a trusted issuer's when configured). */
  readonly auth: TokenChecks;
  /** The query string, parsed on first use (most requests never look at it). */
  readonly query: URLSearchParams;
}

export type Handler = (c: Ctx) => void | Promise<void>;

export interface RouteDef {
  readonly method: string;
  /** OpenAPI-style path template. */
  readonly template: string;
  /** Present exactly for the operations documented in openapi.yaml; the others are shadow or zombie endpoints. */
  readonly operationId?: string;
  readonly handler: Handler;
}

const HEALTH = frozenJson({ status: 'ok' });
const FETCH_TIMEOUT_MS = 5000;
const PREVIEW_CHARS = 2000;

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

// ------------------------------------------------------------------------------------ auth

async function login(c: Ctx): Promise<void> {
  const body = await readJson(c.req);
  const email = typeof body.email === 'string' ? body.email : '';
  const password = typeof body.password === 'string' ? body.password : '';
  const user = c.shop.userByEmail.get(email);
  // DEMO-API2-03: unknown accounts and wrong passwords get different answers (user enumeration).
  // DEMO-API4-02: and nothing counts or slows down failed attempts.
  if (!user) throw new HttpError(404, 'No account with this e-mail address');
  if (user.password_hash !== weakHash(password)) throw new HttpError(401, 'Wrong password');
  sendJson(c.res, 200, { token: await issueToken(user), tokenType: 'Bearer', expiresIn: TOKEN_LIFETIME_SECONDS });
}

// ------------------------------------------------------------------------------------ users

async function getMe(c: Ctx): Promise<void> {
  const { userId } = await c.auth.authenticate(c.req);
  const user = c.shop.userById.get(userId);
  if (!user) throw new HttpError(404, 'User not found');
  // DEMO-API3-01: the whole row goes out — password_hash, role and internal_notes included.
  sendJson(c.res, 200, user);
}

async function updateMe(c: Ctx): Promise<void> {
  const { userId } = await c.auth.authenticate(c.req);
  const body = await readJson(c.req);
  // DEMO-API3-02: mass assignment — every known column named in the body is written, `role` and
  // `balance` included; the contract allows only name, phone and address.
  const columns = USER_WRITABLE_COLUMNS.filter((k) => Object.hasOwn(body, k));
  if (columns.length === 0) throw new HttpError(400, 'Nothing to update');
  const values: Record<string, string | number> = { id: userId };
  for (const k of columns) {
    const v = body[k];
    if (typeof v !== 'string' && typeof v !== 'number') throw new HttpError(400, `${k} must be a string or a number`);
    values[k] = v;
  }
  c.shop.updateUser(columns as UserWritableColumn[]).run(values);
  sendJson(c.res, 200, c.shop.userById.get(userId));
}

function lookupUser(c: Ctx): void {
  // DEMO-API3-03: no authentication, and the answer is a full profile (phone, address, role) of
  // whoever owns the address; a 404 tells that nobody does (an existence oracle).
  const email = c.query.get('email') ?? '';
  const u = c.shop.userByEmail.get(email);
  if (!u) throw new HttpError(404, 'No customer with this e-mail address');
  sendJson(c.res, 200, { id: u.id, email: u.email, name: u.name, phone: u.phone, address: u.address, role: u.role, created_at: u.created_at });
}

async function importAvatar(c: Ctx): Promise<void> {
  const { userId } = await c.auth.authenticate(c.req);
  const body = await readJson(c.req);
  const url = typeof body.url === 'string' ? body.url : '';
  if (!/^https?:\/\//i.test(url)) throw new HttpError(400, 'url must be an http(s) URL');
  // DEMO-API7-01: the server fetches whatever URL it is given — loopback, private and link-local
  // addresses, cloud metadata services — follows redirects to them, and echoes what it read.
  let r: Response;
  try {
    r = await fetch(url, { redirect: 'follow', signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
  } catch (err) {
    // Naming the low-level cause (ECONNREFUSED, timeout...) turns this into a port scanner too.
    const cause = err instanceof Error && err.cause instanceof Error ? err.cause.message : String(err);
    throw new HttpError(502, `Could not fetch ${url}: ${cause}`);
  }
  const bytes = Buffer.from(await r.arrayBuffer());
  c.shop.setAvatar.run(url, userId);
  sendJson(c.res, 200, {
    avatarUrl: url,
    fetchedStatus: r.status,
    contentType: r.headers.get('content-type'),
    size: bytes.length,
    // "So the UI can show what was imported."
    preview: bytes.subarray(0, PREVIEW_CHARS * 4).toString('utf8').slice(0, PREVIEW_CHARS),
  });
}

// ------------------------------------------------------------------------------------ products

function listProducts(c: Ctx): void {
  const page = positiveInt(c.query.get('page'), 1);
  // DEMO-API4-01: the contract caps limit at 100; the code takes any value (limit=1000000 dumps
  // the whole catalogue in one response).
  const limit = positiveInt(c.query.get('limit'), 20);
  sendBytes(c.res, 200, c.shop.productPageJson(page, limit), JSON_TYPE);
}

function searchProducts(c: Ctx): void {
  const q = c.query.get('q') ?? '';
  // DEMO-INJ-01: the search term is pasted into the SQL text. A quote breaks the statement, and
  // the error goes back to the client with the query and a stack trace (DEMO-API8-01).
  const sql = `SELECT id, name, price, category FROM products WHERE name LIKE '%${q}%' ORDER BY id LIMIT 50`;
  let items: unknown[];
  try {
    items = c.shop.db.prepare(sql).all();
  } catch (err) {
    if (err instanceof Error) Object.assign(err, { sql });
    throw err;
  }
  sendJson(c.res, 200, { items });
}

function getProduct(c: Ctx): void {
  const p = c.shop.productById.get(idParam(c.params.productId, 'Product'));
  if (!p) throw new HttpError(404, 'Product not found');
  sendJson(c.res, 200, p);
}

function getProductThumbnail(c: Ctx): void {
  const id = idParam(c.params.productId, 'Product');
  if (!c.shop.productById.get(id)) throw new HttpError(404, 'Product not found');
  // DEMO-API4-04: the contract says size ≤ 512; the code allows 16 times that, and rendering costs
  // size² in memory and CPU on every request (nothing is cached).
  const size = positiveInt(c.query.get('size'), 128);
  if (size > THUMBNAIL_HARD_LIMIT) throw new HttpError(400, `size must be at most ${THUMBNAIL_HARD_LIMIT}`);
  sendBytes(c.res, 200, renderThumbnail(id, size), 'image/bmp', { 'cache-control': 'public, max-age=3600' });
}

// ------------------------------------------------------------------------------------ orders

async function listMyOrders(c: Ctx): Promise<void> {
  const { userId } = await c.auth.authenticate(c.req);
  const page = positiveInt(c.query.get('page'), 1);
  const limit = positiveInt(c.query.get('limit'), 20);
  sendJson(c.res, 200, { items: c.shop.ordersOf.all(userId, limit, (page - 1) * limit), page, limit });
}

async function createOrder(c: Ctx): Promise<void> {
  const { userId } = await c.auth.authenticate(c.req);
  const body = await readJson(c.req);
  const productId = body.productId;
  const quantity = body.quantity ?? 1;
  if (typeof productId !== 'number' || !Number.isSafeInteger(productId) || productId < 1) throw new HttpError(400, 'productId must be a positive integer');
  if (typeof quantity !== 'number' || !Number.isSafeInteger(quantity) || quantity < 1) throw new HttpError(400, 'quantity must be a positive integer');
  const shop = c.shop;
  const user = shop.userById.get(userId);
  if (!user) throw new HttpError(401, 'Unknown account');
  const order = shop.db.transaction((): OrderRow => {
    const p = shop.productById.get(productId);
    if (!p) throw new HttpError(404, 'Product not found');
    // DEMO-API6-01: the flash-sale item is "one per customer" on the product page and in the
    // contract, but nothing enforces it or tells a checkout bot from a person: one script buys
    // the whole stock.
    if (p.stock < quantity) throw new HttpError(409, productId === FLASH_SALE_PRODUCT_ID ? 'Sold out' : 'Not enough stock');
    const info = shop.insertOrder.run(userId, productId, quantity, round2(p.price * quantity), user.address, '4242', new Date().toISOString());
    shop.takeStock.run(quantity, productId);
    return shop.orderById.get(Number(info.lastInsertRowid))!;
  })();
  shop.catalogueChanged();
  sendJson(c.res, 201, order, { location: `/api/v2/orders/${order.id}` });
}

async function getOrder(c: Ctx): Promise<void> {
  await c.auth.authenticate(c.req);
  // DEMO-API1-01: any signed-in customer reads any order by id — there is no ownership check.
  const o = c.shop.orderById.get(idParam(c.params.orderId, 'Order'));
  if (!o) throw new HttpError(404, 'Order not found');
  sendJson(c.res, 200, o);
}

async function updateOrder(c: Ctx): Promise<void> {
  await c.auth.authenticate(c.req);
  const id = idParam(c.params.orderId, 'Order');
  const body = await readJson(c.req);
  // DEMO-API1-02: …and changes it, e.g. redirects someone else's parcel to a new address.
  if (!c.shop.orderById.get(id)) throw new HttpError(404, 'Order not found');
  if (typeof body.shippingAddress !== 'string' || body.shippingAddress.trim() === '') throw new HttpError(400, 'shippingAddress must be a non-empty string');
  c.shop.setShippingAddress.run(body.shippingAddress, id);
  sendJson(c.res, 200, c.shop.orderById.get(id));
}

async function getInvoice(c: Ctx): Promise<void> {
  // Still on the v1 token check (DEMO-API2-02): the ownership test below is only as good as the
  // identity it is handed, and an unsigned token names anyone.
  const claims = await c.auth.authenticateLegacy(c.req);
  const o = c.shop.ownOrder.get(idParam(c.params.orderId, 'Order'), claims.userId);
  if (!o) throw new HttpError(404, 'Order not found');
  const user = c.shop.userById.get(claims.userId);
  sendJson(c.res, 200, {
    invoiceNumber: `INV-${o.id}`,
    orderId: o.id,
    issuedTo: { name: user?.name ?? '', email: user?.email ?? claims.email, address: o.shipping_address },
    lines: [{ productId: o.product_id, quantity: o.quantity, amount: o.total }],
    total: o.total,
    cardLast4: o.card_last4,
  });
}

async function getShippingQuote(c: Ctx): Promise<void> {
  const { userId } = await c.auth.authenticate(c.req);
  const o = c.shop.ownOrder.get(idParam(c.params.orderId, 'Order'), userId);
  if (!o) throw new HttpError(404, 'Order not found');
  // DEMO-API10-02: redirects from the partner are followed wherever they point, internal
  // addresses included, and whatever JSON is found there is treated as the partner's answer.
  const r = await fetch(`${c.shop.partnerUrl}/v1/quotes?order=${o.id}`, { redirect: 'follow', signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
  const quote = (await r.json()) as Record<string, unknown>;
  // DEMO-API10-01: the answer is trusted whole — no schema check: a negative price lowers the
  // order total, the note (markup included) is stored and echoed, unknown fields pass through.
  // A quote without a price means free shipping, as far as this code is concerned.
  const price = Number(quote.price ?? 0);
  const note = String(quote.note ?? '');
  c.shop.applyShippingQuote.run(note, price, o.id);
  sendJson(c.res, 200, { ...quote, orderId: o.id, newTotal: c.shop.orderById.get(o.id)!.total });
}

// ------------------------------------------------------------------------------------ coupons

async function redeemCoupon(c: Ctx): Promise<void> {
  const { userId } = await c.auth.authenticate(c.req);
  const body = await readJson(c.req);
  if (body.code !== WELCOME_COUPON) throw new HttpError(404, 'Unknown coupon');
  // DEMO-API6-02: "once per customer" is written in the contract only. The redemption is recorded
  // but never looked up, so every call credits the account again.
  c.shop.recordRedemption.run(userId, WELCOME_COUPON, new Date().toISOString());
  c.shop.addBalance.run(WELCOME_COUPON_CREDIT, userId);
  sendJson(c.res, 200, { redeemed: WELCOME_COUPON, credit: WELCOME_COUPON_CREDIT, balance: c.shop.userById.get(userId)!.balance });
}

// ------------------------------------------------------------------------------------ admin

function requireAdmin(claims: Claims): void {
  if (claims.role !== 'admin') throw new HttpError(403, 'Administrators only');
}

async function adminListUsers(c: Ctx): Promise<void> {
  // DEMO-API5-01: signed in is taken for authorised — any customer lists every account.
  await c.auth.authenticate(c.req);
  sendJson(c.res, 200, { items: c.shop.publicUsers.all() });
}

async function adminGetUser(c: Ctx): Promise<void> {
  requireAdmin(await c.auth.authenticate(c.req));
  const u = c.shop.userById.get(idParam(c.params.userId, 'User'));
  if (!u) throw new HttpError(404, 'User not found');
  sendJson(c.res, 200, u);
}

async function adminDeleteUser(c: Ctx): Promise<void> {
  // DEMO-API5-02: GET on this path checks the admin role; DELETE was added later and does not,
  // so switching the method turns a 403 into a deleted account.
  await c.auth.authenticate(c.req);
  const r = c.shop.deleteUser.run(idParam(c.params.userId, 'User'));
  if (r.changes === 0) throw new HttpError(404, 'User not found');
  c.res.statusCode = 204;
  c.res.end();
}

// ------------------------------------------------------------------------------------ internal

function orderOwner(c: Ctx): void {
  // For Shield's owner lookups (authorize.rules[].ownerLookup in demo/palisade.yaml): who owns an
  // order, nothing else. Not in the contract, so the gateway never lets clients reach it; its
  // lookups go straight to the upstream.
  const o = c.shop.orderById.get(idParam(c.params.orderId, 'Order'));
  if (!o) throw new HttpError(404, 'Order not found');
  sendJson(c.res, 200, { owner: o.user_id });
}

// ------------------------------------------------------------------------------------ undocumented

function v1GetUser(c: Ctx): void {
  // DEMO-API9-01: the retired v1 API still answers — without any authentication, whole rows.
  const u = c.shop.userById.get(idParam(c.params.userId, 'User'));
  if (!u) throw new HttpError(404, 'User not found');
  sendJson(c.res, 200, u);
}

async function v1Account(c: Ctx): Promise<void> {
  const claims = await c.auth.authenticateLegacy(c.req);
  const u = c.shop.userById.get(claims.userId);
  if (!u) throw new HttpError(404, 'User not found');
  sendJson(c.res, 200, u);
}

function debugConfig(c: Ctx): void {
  // DEMO-API9-02: a debug endpoint left in the build: secrets and internals for anyone who asks.
  sendJson(c.res, 200, {
    service: 'acme-shop',
    version: '2.4.0',
    jwt: { algorithm: 'HS256', secret: DEMO_JWT_SECRET, issuer: 'acme-shop' },
    database: { driver: 'sqlite', file: ':memory:' },
    partners: { shipping: c.shop.partnerUrl },
    payments: { provider: 'acme-pay', apiKey: 'acme-pay-demo-key-0001' },
    runtime: { node: process.version, pid: process.pid, platform: process.platform },
  });
}

function health(c: Ctx): void {
  sendBytes(c.res, 200, HEALTH, JSON_TYPE);
}

/** The route table. Order does not matter: the router prefers static segments. */
export const ROUTES: readonly RouteDef[] = Object.freeze([
  { method: 'GET', template: '/api/health', operationId: 'getHealth', handler: health },
  { method: 'POST', template: '/api/v2/auth/login', operationId: 'login', handler: login },
  { method: 'GET', template: '/api/v2/users/me', operationId: 'getMe', handler: getMe },
  { method: 'PATCH', template: '/api/v2/users/me', operationId: 'updateMe', handler: updateMe },
  { method: 'GET', template: '/api/v2/users/lookup', operationId: 'lookupUser', handler: lookupUser },
  { method: 'POST', template: '/api/v2/users/me/avatar', operationId: 'importAvatar', handler: importAvatar },
  { method: 'GET', template: '/api/v2/products', operationId: 'listProducts', handler: listProducts },
  { method: 'GET', template: '/api/v2/products/search', operationId: 'searchProducts', handler: searchProducts },
  { method: 'GET', template: '/api/v2/products/{productId}', operationId: 'getProduct', handler: getProduct },
  { method: 'GET', template: '/api/v2/products/{productId}/thumbnail', operationId: 'getProductThumbnail', handler: getProductThumbnail },
  { method: 'GET', template: '/api/v2/orders', operationId: 'listMyOrders', handler: listMyOrders },
  { method: 'POST', template: '/api/v2/orders', operationId: 'createOrder', handler: createOrder },
  { method: 'GET', template: '/api/v2/orders/{orderId}', operationId: 'getOrder', handler: getOrder },
  { method: 'PATCH', template: '/api/v2/orders/{orderId}', operationId: 'updateOrder', handler: updateOrder },
  { method: 'GET', template: '/api/v2/orders/{orderId}/invoice', operationId: 'getInvoice', handler: getInvoice },
  { method: 'POST', template: '/api/v2/orders/{orderId}/shipping-quote', operationId: 'requestShippingQuote', handler: getShippingQuote },
  { method: 'POST', template: '/api/v2/coupons/redeem', operationId: 'redeemCoupon', handler: redeemCoupon },
  { method: 'GET', template: '/api/v2/admin/users', operationId: 'adminListUsers', handler: adminListUsers },
  { method: 'GET', template: '/api/v2/admin/users/{userId}', operationId: 'adminGetUser', handler: adminGetUser },
  { method: 'DELETE', template: '/api/v2/admin/users/{userId}', operationId: 'adminDeleteUser', handler: adminDeleteUser },
  // Not in openapi.yaml: the owner lookup Shield asks (internal), the zombie v1 API and a forgotten debug endpoint (DEMO-API9-*).
  { method: 'GET', template: '/internal/owners/orders/{orderId}', handler: orderOwner },
  { method: 'GET', template: '/api/v1/users/{userId}', handler: v1GetUser },
  { method: 'GET', template: '/api/v1/account', handler: v1Account },
  { method: 'GET', template: '/debug/config', handler: debugConfig },
]);

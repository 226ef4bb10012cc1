// The demo's authentication and authorization weaknesses (API1, API2, API3, API5, API6) that
// Shield's authenticate and authorize stages stop: each is exploited directly on the demo API and
// refused through the gateway with demo/palisade.yaml, where clients hold access tokens of the
// built-in authorization server (which the demo API accepts too, besides its own weak tokens).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT, generateKeyPair } from 'jose';
import { ADMIN, ALICE, BOB, CAROL, DEMO_JWT_SECRET, FLASH_SALE_PRODUCT_ID, TOKEN_ISSUER, WELCOME_COUPON, WELCOME_COUPON_CREDIT } from 'palisade-demo';
import { adminFetch, httpRequest, waitFor } from './helpers.js';
import type { RawResponse } from './helpers.js';
import { DEMO_AUDIENCE, startDemoStack } from './demo-stack.js';
import type { DemoStack } from './demo-stack.js';

let s: DemoStack;

before(async () => {
  s = await startDemoStack();
});
after(async () => {
  await s?.close();
});

interface Verdict {
  stage: string;
  outcome: string;
  code?: string;
  rule?: string;
  reason?: string;
}

type Init = { method?: string; headers?: Record<string, string>; body?: unknown };

function call(base: string, path: string, token: string | undefined, init: Init = {}): Promise<RawResponse> {
  const headers: Record<string, string> = { ...init.headers };
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  let body: string | undefined;
  if (init.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(init.body);
  }
  return httpRequest(base + path, { method: init.method ?? 'GET', headers, ...(body !== undefined ? { body } : {}) });
}

const direct = (path: string, token: string | undefined, init?: Init) => call(s.demo.url, path, token, init);
const gateway = (path: string, token: string | undefined, init?: Init) => call(s.gatewayUrl, path, token, init);

function problem(r: RawResponse, status: number, type: string): Record<string, unknown> {
  assert.equal(r.status, status, r.body);
  assert.equal(r.headers['content-type'], 'application/problem+json');
  const p = JSON.parse(r.body) as Record<string, unknown>;
  assert.equal(p.type, `urn:palisade:problem:${type}`);
  return p;
}

/** The verdicts Shield recorded for the exchange that answered `r`. */
async function verdictsOf(r: RawResponse): Promise<Verdict[]> {
  const id = r.headers['x-request-id'];
  assert.ok(typeof id === 'string', 'a request id');
  const x = await waitFor(async () => {
    const res = await adminFetch(s.shield, `/exchanges/${encodeURIComponent(id)}`);
    return res.status === 200 ? ((await res.json()) as { verdicts: Verdict[] }) : undefined;
  }, 10_000, `the exchange record ${id}`);
  return x.verdicts;
}

async function assertDecision(r: RawResponse, outcome: 'continue' | 'deny', rule: string): Promise<void> {
  const verdicts = await verdictsOf(r);
  assert.ok(
    verdicts.some((v) => v.stage === 'authorize' && v.outcome === outcome && v.rule === rule),
    `expected authorize ${outcome} by ${rule}: ${JSON.stringify(verdicts)}`,
  );
}

const alice = () => s.userToken(ALICE.email, ALICE.password);
const bob = () => s.userToken(BOB.email, BOB.password);
const admin = () => s.userToken(ADMIN.email, ADMIN.password);

async function demoLogin(email: string, password: string): Promise<string> {
  const r = await direct('/api/v2/auth/login', undefined, { method: 'POST', body: { email, password } });
  assert.equal(r.status, 200, r.body);
  return (JSON.parse(r.body) as { token: string }).token;
}

test('the built-in server\'s tokens work on both sides: the demo API maps sub and roles to its accounts', async () => {
  const token = await alice();
  const d = await direct('/api/v2/users/me', token);
  assert.equal(d.status, 200, d.body);
  assert.equal((JSON.parse(d.body) as { id: number }).id, ALICE.id);
  const g = await gateway('/api/v2/users/me', token);
  assert.equal(g.status, 200, g.body);
  assert.equal((JSON.parse(g.body) as { email: string }).email, ALICE.email);
  // The admin role travels in the token's roles claim, and the demo API believes it.
  assert.equal((await direct('/api/v2/admin/users/2', await admin())).status, 200);
  // The trusted path is checked properly: the right iss and aud, signed with someone else's key.
  const { privateKey } = await generateKeyPair('ES256');
  const foreign = await new SignJWT({ roles: ['admin'], scope: 'shop:read shop:write' })
    .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'attacker' })
    .setSubject(String(ADMIN.id))
    .setIssuer(s.issuer)
    .setAudience(DEMO_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime('10m')
    .sign(privateKey);
  assert.equal((await direct('/api/v2/admin/users/2', foreign)).status, 401);
  problem(await gateway('/api/v2/admin/users/2', foreign), 401, 'authentication-failed');
});

test('DEMO-API2-01: tokens forged with the cracked secret `changeme` are refused by the gateway', async () => {
  const forged = await new SignJWT({ role: 'admin', email: ADMIN.email })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(String(ADMIN.id))
    .setIssuer(TOKEN_ISSUER)
    .setIssuedAt()
    .sign(new TextEncoder().encode(DEMO_JWT_SECRET));
  const d = await direct('/api/v2/admin/users/2', forged);
  assert.equal(d.status, 200, 'directly, the forged admin token opens the admin area');
  assert.match(d.body, /password_hash/);
  const g = await gateway('/api/v2/admin/users/2', forged);
  problem(g, 401, 'authentication-failed');
  assert.match(String(g.headers['www-authenticate']), /^Bearer realm="acme-shop", error="invalid_token"/);
  assert.ok((await verdictsOf(g)).some((v) => v.stage === 'authenticate' && v.outcome === 'report' && v.rule === 'jwt'), 'the refusal is recorded');
  // Even the demo's own, honestly issued HS256 tokens: the gateway trusts one issuer only.
  const own = await demoLogin(ALICE.email, ALICE.password);
  assert.equal((await direct('/api/v2/users/me', own)).status, 200);
  problem(await gateway('/api/v2/users/me', own), 401, 'authentication-failed');
});

test('DEMO-API2-02: unsigned (alg none) and expired tokens are refused by the gateway', async () => {
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const noneBob = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: String(BOB.id), role: 'customer', email: BOB.email })}.`;
  const d1 = await direct('/api/v2/orders/1003/invoice', noneBob);
  assert.equal(d1.status, 200, 'directly, an unsigned token is Bob');
  assert.match(d1.body, /INV-1003/);
  problem(await gateway('/api/v2/orders/1003/invoice', noneBob), 401, 'authentication-failed');

  const expiredAlice = await new SignJWT({ role: 'customer', email: ALICE.email })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(String(ALICE.id))
    .setIssuer(TOKEN_ISSUER)
    .setIssuedAt(1768467600)
    .setExpirationTime(1768471200)
    .sign(new TextEncoder().encode(DEMO_JWT_SECRET));
  const d2 = await direct('/api/v2/orders/1001/invoice', expiredAlice);
  assert.equal(d2.status, 200, 'directly, an expired token still works');
  problem(await gateway('/api/v2/orders/1001/invoice', expiredAlice), 401, 'authentication-failed');
  // The legitimate way still works through the gateway, on the same legacy-checked endpoint.
  const ok = await gateway('/api/v2/orders/1001/invoice', await alice());
  assert.equal(ok.status, 200, ok.body);
});

test('DEMO-API1-01: a customer cannot read another customer\'s order; the record names the rule either way', async () => {
  const token = await alice();
  const d = await direct('/api/v2/orders/1003', token);
  assert.equal(d.status, 200, 'directly, Alice reads Bob\'s order');
  assert.equal((JSON.parse(d.body) as { user_id: number }).user_id, BOB.id);
  const g = await gateway('/api/v2/orders/1003', token);
  problem(g, 404, 'not-found');
  assert.doesNotMatch(g.body, /Oak Avenue|card/);
  await assertDecision(g, 'deny', 'order-owner-read');
  // Her own order, and Bob's for an administrator, pass — recorded with the rule that allowed them.
  const own = await gateway('/api/v2/orders/1001', token);
  assert.equal(own.status, 200, own.body);
  await assertDecision(own, 'continue', 'order-owner-read');
  assert.equal((await gateway('/api/v2/orders/1003', await admin())).status, 200);
  // A missing order looks the same as a foreign one.
  problem(await gateway('/api/v2/orders/999999', token), 404, 'not-found');
});

test('DEMO-API1-02: a customer cannot change another customer\'s order', async () => {
  const token = await alice();
  const d = await direct('/api/v2/orders/1004', token, { method: 'PATCH', body: { shippingAddress: 'Mallory, 13 Drop Lane' } });
  assert.equal(d.status, 200, 'directly, Alice redirects Carol\'s parcel');
  assert.equal((JSON.parse(d.body) as { shipping_address: string }).shipping_address, 'Mallory, 13 Drop Lane');
  const g = await gateway('/api/v2/orders/1003', token, { method: 'PATCH', body: { shippingAddress: 'Mallory, 14 Drop Lane' } });
  problem(g, 404, 'not-found');
  await assertDecision(g, 'deny', 'order-owner-write');
  const after = await direct('/api/v2/orders/1003', await bob());
  assert.notEqual((JSON.parse(after.body) as { shipping_address: string }).shipping_address, 'Mallory, 14 Drop Lane', 'Bob\'s order is unchanged');
  const own = await gateway('/api/v2/orders/1002', token, { method: 'PATCH', body: { shippingAddress: '1 Elm Street, Springfield' } });
  assert.equal(own.status, 200, own.body);
});

test('DEMO-API2-04 + DEMO-API3-01: the profile reaches the client without password_hash, role or internal_notes', async () => {
  const token = await alice();
  const d = await direct('/api/v2/users/me', token);
  const leaked = JSON.parse(d.body) as Record<string, unknown>;
  for (const k of ['password_hash', 'role', 'internal_notes']) assert.ok(k in leaked, `directly, ${k} leaks`);
  const g = await gateway('/api/v2/users/me', token);
  assert.equal(g.status, 200, g.body);
  const filtered = JSON.parse(g.body) as Record<string, unknown>;
  assert.deepEqual(Object.keys(filtered).sort(), ['address', 'avatar_url', 'balance', 'created_at', 'email', 'id', 'name', 'phone']);
  assert.equal(Number(g.headers['content-length']), Buffer.byteLength(g.body));
  await assertDecision(g, 'continue', 'own-profile-read');
  // The PATCH answer is the whole row too.
  const p = await gateway('/api/v2/users/me', token, { method: 'PATCH', body: { phone: '+1 202-555-0199' } });
  assert.equal(p.status, 200, p.body);
  assert.doesNotMatch(p.body, /password_hash|internal_notes|"role"/);
  assert.equal((JSON.parse(p.body) as { phone: string }).phone, '+1 202-555-0199');
  // Administrators' views of accounts are trimmed of hashes and notes as well.
  const list = await gateway('/api/v2/admin/users', await admin());
  assert.equal(list.status, 200, list.body);
  assert.doesNotMatch(list.body, /password_hash|internal_notes/);
  assert.ok((JSON.parse(list.body) as { items: unknown[] }).items.length >= 4);
});

test('DEMO-API3-02: mass assignment is refused by the property rule (and the contract behind it)', async () => {
  const token = await s.userToken(CAROL.email, CAROL.password);
  const body = { role: 'admin', balance: 1000000 };
  const d = await direct('/api/v2/users/me', await demoLogin(BOB.email, BOB.password), { method: 'PATCH', body });
  assert.equal(d.status, 200);
  assert.equal((JSON.parse(d.body) as { role: string }).role, 'admin', 'directly, Bob made himself an administrator');
  const g = await gateway('/api/v2/users/me', token, { method: 'PATCH', body });
  const p = problem(g, 403, 'property-not-writable');
  assert.deepEqual((p.properties as string[]).sort(), ['/balance', '/role']);
  await assertDecision(g, 'deny', 'own-profile-write');
  const me = await direct('/api/v2/users/me', token);
  assert.equal((JSON.parse(me.body) as { role: string }).role, 'customer', 'Carol\'s role never changed');
});

test('DEMO-API3-03: the lookup needs a signed-in caller and answers id and name only', async () => {
  const d = await direct('/api/v2/users/lookup?email=bob%40acme.test', undefined);
  assert.equal(d.status, 200, 'directly, anyone reads Bob\'s phone and address');
  assert.match(d.body, /Oak Avenue/);
  const anonymous = await gateway('/api/v2/users/lookup?email=bob%40acme.test', undefined);
  problem(anonymous, 401, 'authentication-required');
  await assertDecision(anonymous, 'deny', 'user-lookup');
  // A machine client (client credentials) and a person both get the contract's answer.
  for (const token of [await s.serviceToken('shop:read'), await alice()]) {
    const g = await gateway('/api/v2/users/lookup?email=bob%40acme.test', token);
    assert.equal(g.status, 200, g.body);
    assert.deepEqual(JSON.parse(g.body), { id: BOB.id, name: 'Bob Baker' });
  }
});

test('DEMO-API5-01: customers cannot list accounts; the admin role can', async () => {
  const token = await alice();
  const d = await direct('/api/v2/admin/users', token);
  assert.equal(d.status, 200, 'directly, any customer lists every account');
  const g = await gateway('/api/v2/admin/users', token);
  problem(g, 403, 'forbidden');
  await assertDecision(g, 'deny', 'adminOperations');
  // A service token (no roles) fares no better, and no token at all is asked to authenticate.
  problem(await gateway('/api/v2/admin/users', await s.serviceToken('shop:read')), 403, 'forbidden');
  problem(await gateway('/api/v2/admin/users', undefined), 401, 'authentication-required');
  const ok = await gateway('/api/v2/admin/users', await admin());
  assert.equal(ok.status, 200, ok.body);
  await assertDecision(ok, 'continue', 'admin-list-users');
});

test('DEMO-API6-01: one flash-sale anvil per customer through the gateway', async () => {
  const bobsOwn = await demoLogin(BOB.email, BOB.password);
  for (let i = 0; i < 2; i++) {
    const d = await direct('/api/v2/orders', bobsOwn, { method: 'POST', body: { productId: FLASH_SALE_PRODUCT_ID } });
    assert.equal(d.status, 201, `directly, Bob buys anvil ${i + 1}: ${d.body}`);
  }
  const token = await alice();
  const first = await gateway('/api/v2/orders', token, { method: 'POST', body: { productId: FLASH_SALE_PRODUCT_ID } });
  assert.equal(first.status, 201, first.body);
  await assertDecision(first, 'continue', 'flow:flash-sale-anvil');
  const second = await gateway('/api/v2/orders', token, { method: 'POST', body: { productId: FLASH_SALE_PRODUCT_ID } });
  const p = problem(second, 429, 'flow-quota-exceeded');
  assert.equal(p.flow, 'flash-sale-anvil');
  assert.ok(Number(second.headers['retry-after']) > 0);
  await assertDecision(second, 'deny', 'flow:flash-sale-anvil');
  // Other products are not part of the flow.
  assert.equal((await gateway('/api/v2/orders', token, { method: 'POST', body: { productId: 42 } })).status, 201);
});

test('DEMO-API6-02: the welcome coupon credits once per customer through the gateway', async () => {
  const bobsOwn = await demoLogin(BOB.email, BOB.password);
  const balances: number[] = [];
  for (let i = 0; i < 3; i++) {
    const d = await direct('/api/v2/coupons/redeem', bobsOwn, { method: 'POST', body: { code: WELCOME_COUPON } });
    assert.equal(d.status, 200, d.body);
    balances.push((JSON.parse(d.body) as { balance: number }).balance);
  }
  assert.deepEqual([balances[1]! - balances[0]!, balances[2]! - balances[1]!], [WELCOME_COUPON_CREDIT, WELCOME_COUPON_CREDIT], 'directly, every call credits again');
  const token = await alice();
  assert.equal((await gateway('/api/v2/coupons/redeem', token, { method: 'POST', body: { code: WELCOME_COUPON } })).status, 200);
  const again = await gateway('/api/v2/coupons/redeem', token, { method: 'POST', body: { code: WELCOME_COUPON } });
  problem(again, 429, 'flow-quota-exceeded');
  await assertDecision(again, 'deny', 'flow:welcome-coupon');
});

test('DEMO-API5-02: DELETE on an account needs the admin role too, and method overrides do not get around a rule', async () => {
  const token = await alice();
  problem(await gateway('/api/v2/admin/users/3', token, { method: 'DELETE' }), 403, 'forbidden');
  // An allowed GET claiming to be a DELETE is judged as both: the stricter answer wins.
  const tunnelled = await gateway('/api/v2/orders/1001', token, { headers: { 'x-http-method-override': 'DELETE' } });
  problem(tunnelled, 403, 'forbidden');
  await assertDecision(tunnelled, 'deny', 'defaultPolicy');
  const asQuery = await gateway('/api/v2/orders/1001?_method=DELETE', token);
  problem(asQuery, 403, 'forbidden');
  assert.equal((await direct('/api/v2/admin/users/3', await admin())).status, 200, 'Carol still exists');
  // Directly, the method switch deletes Carol (last, since the demo keeps it deleted).
  assert.equal((await direct('/api/v2/admin/users/3', token)).status, 403, 'directly, GET checks the role...');
  assert.equal((await direct('/api/v2/admin/users/3', token, { method: 'DELETE' })).status, 204, '...DELETE does not');
  assert.equal((await direct('/api/v2/admin/users/3', await admin())).status, 404);
});

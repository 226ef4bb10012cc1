import { after, describe, it, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { Pool } from 'undici';
import { Redis } from 'ioredis';
import type { Principal, StageSettings, Verdict } from '../../core/index.js';
import { PalisadeError, StageSettingsSchema, compileContract } from '../../core/index.js';
import type { HeaderMap, RequestContext, StageEnv } from '../stage.js';
import { compilePipeline, runRequestStages } from '../pipeline.js';
import { createAuthorizeStage } from './authorize.js';
import type { AuthorizeDeps, AuthorizeStage } from './authorize.js';
import { fakeContext, fakeEnv, settingsFor } from './fake-context.js';
import type { FakeRequest } from './fake-context.js';

type Settings = StageSettings['authorize'];

function doc(): Record<string, unknown> {
  const ok = { '200': { description: 'ok' } };
  const id = (name: string) => ({ name, in: 'path', required: true, schema: { type: 'string' } });
  return {
    openapi: '3.1.0',
    info: { title: 't', version: '1' },
    paths: {
      '/accounts/{accountId}': { get: { operationId: 'getAccount', tags: ['accounts'], parameters: [id('accountId')], responses: ok } },
      '/orders': {
        get: { operationId: 'listOrders', tags: ['orders'], responses: ok },
        post: { operationId: 'createOrder', tags: ['orders'], requestBody: { content: { 'application/json': { schema: { type: 'object' } } } }, responses: ok },
      },
      '/orders/{orderId}': {
        parameters: [id('orderId')],
        get: { operationId: 'getOrder', tags: ['orders'], responses: ok },
        patch: { operationId: 'updateOrder', tags: ['orders'], requestBody: { content: { 'application/json': { schema: { type: 'object' } } } }, responses: ok },
        delete: { operationId: 'deleteOrder', tags: ['orders'], responses: ok },
      },
      '/admin/users/{userId}': {
        parameters: [id('userId')],
        get: { operationId: 'adminGetUser', tags: ['admin'], responses: ok },
        delete: { operationId: 'adminDeleteUser', tags: ['admin'], responses: ok },
      },
      '/reports': { get: { operationId: 'getReports', 'x-palisade-roles': ['auditor'], responses: ok } },
      '/public': { get: { operationId: 'getPublic', responses: ok } },
    },
  };
}

const contract = compileContract(doc(), 'test.yaml');
const identity = (p: string) => p;

function settings(overrides: Partial<Settings> = {}): Settings {
  return settingsFor('authorize', { enabled: true, ...overrides });
}

function stageWith(overrides: Partial<Settings> = {}, deps: Partial<AuthorizeDeps> = {}, env: StageEnv = fakeEnv()): AuthorizeStage {
  const s = createAuthorizeStage(settings(overrides), env, { contract, upstreamPath: identity, ...deps });
  assert.ok(s);
  return s;
}

const ALICE: Principal = { id: '1', method: 'jwt', roles: ['customer'], scopes: ['orders:read', 'orders:write'], tenant: 'acme', claims: { orders: ['1001', '1002'] } };
const BOB: Principal = { id: '2', method: 'jwt', roles: ['customer'], scopes: ['orders:read'], tenant: 'acme', claims: { orders: ['1003'] } };
const ADMIN: Principal = { id: '10', method: 'jwt', roles: ['admin'], scopes: [], claims: {} };

interface Sent {
  ctx: RequestContext;
  verdict: Verdict;
}

function ctxFor(method: string, url: string, principal?: Principal, init: FakeRequest = {}): RequestContext {
  const ctx = fakeContext({ method, url, ...init });
  if (principal) ctx.principal = principal;
  return ctx;
}

async function send(stage: AuthorizeStage, method: string, url: string, principal?: Principal, init: FakeRequest = {}): Promise<Sent> {
  const ctx = ctxFor(method, url, principal, init);
  return { ctx, verdict: await stage.request!(ctx) };
}

/** A request with a JSON body: the head, then the body through the stage's inspector. */
async function sendBody(stage: AuthorizeStage, method: string, url: string, principal: Principal | undefined, body: string, headers: Record<string, string> = {}): Promise<Sent> {
  const ctx = ctxFor(method, url, principal, { headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...headers } });
  const head = await stage.request!(ctx);
  if (head.kind !== 'continue') return { ctx, verdict: head };
  const ins = stage.requestBody!(ctx);
  if (!ins) return { ctx, verdict: head };
  const pushed = ins.push(Buffer.from(body));
  if (pushed) return { ctx, verdict: pushed };
  return { ctx, verdict: (await ins.end()) ?? { kind: 'continue' } };
}

function denied(v: Verdict, code: string, status: number): Extract<Verdict, { kind: 'deny' }> {
  assert.equal(v.kind, 'deny', JSON.stringify(v));
  assert.ok(v.kind === 'deny');
  assert.equal(v.code, code);
  assert.equal(v.status, status);
  return v;
}

function allowedBy(s: Sent, ...rules: string[]): void {
  assert.equal(s.verdict.kind, 'continue', JSON.stringify(s.verdict));
  assert.deepEqual(
    s.ctx.outcomes.filter((o) => o.outcome === 'continue').map((o) => o.rule),
    rules,
  );
}

describe('function level', () => {
  const stage = stageWith({
    rules: [
      { name: 'public', operations: ['getPublic'], anonymous: true, roles: [], scopes: [] },
      { name: 'read-orders', operations: ['getOrder', 'listOrders'], anonymous: false, roles: ['customer', 'support'], scopes: ['orders:read'] },
      { name: 'write-orders', operations: ['updateOrder'], anonymous: false, roles: [], scopes: ['orders:read', 'orders:write'] },
      { name: 'customers-on-admin', operations: ['adminGetUser'], anonymous: false, roles: ['customer'], scopes: [] },
    ],
  });

  it('allows a principal with one of the roles and every scope, and records the rule', async () => {
    allowedBy(await send(stage, 'GET', '/orders/1001', ALICE), 'read-orders');
    allowedBy(await send(stage, 'GET', '/public'), 'public');
  });

  it('refuses a principal without the role (403) and records which rule refused', async () => {
    const v = denied((await send(stage, 'GET', '/orders', { ...ALICE, roles: ['guest'] })).verdict, 'forbidden', 403);
    assert.equal(v.rule, 'read-orders');
  });

  it('scopes are all required', async () => {
    allowedBy(await send(stage, 'PATCH', '/orders/1001', ALICE), 'write-orders');
    assert.equal(denied((await send(stage, 'PATCH', '/orders/1001', BOB)).verdict, 'forbidden', 403).rule, 'write-orders');
  });

  it('refuses anonymous callers with 401 and a challenge unless the rule is anonymous', async () => {
    const v = denied((await send(stage, 'GET', '/orders/1001')).verdict, 'authentication-required', 401);
    assert.equal(v.headers?.['WWW-Authenticate'], 'Bearer realm="palisade"');
    const s = stageWith({}, { authenticate: { methods: ['apiKey', 'jwt'], realm: 'shop' } });
    assert.equal(denied((await send(s, 'GET', '/public')).verdict, 'forbidden', 403).rule, 'defaultPolicy');
    const s2 = stageWith({ defaultPolicy: 'authenticated' }, { authenticate: { methods: ['apiKey', 'jwt'], realm: 'shop' } });
    assert.equal(denied((await send(s2, 'GET', '/public')).verdict, 'authentication-required', 401).headers?.['WWW-Authenticate'], 'Bearer realm="shop", ApiKey realm="shop"');
  });

  it('operations marked admin are denied to non-admins whatever the rules say', async () => {
    const v = denied((await send(stage, 'GET', '/admin/users/3', ALICE)).verdict, 'forbidden', 403);
    assert.equal(v.rule, 'adminOperations');
    assert.equal(denied((await send(stage, 'GET', '/admin/users/3')).verdict, 'authentication-required', 401).rule, 'adminOperations');
    // An admin passes the admin check; the rule then applies on top (it wants customers).
    assert.equal(denied((await send(stage, 'GET', '/admin/users/3', ADMIN)).verdict, 'forbidden', 403).rule, 'customers-on-admin');
    // With no rule for the operation, an admin is allowed by the admin check itself.
    allowedBy(await send(stage, 'DELETE', '/admin/users/3', ADMIN), 'adminOperations');
  });

  it('admin operations can be chosen by prefix and roles', async () => {
    const s = stageWith({ adminOperations: ['prefix:/orders'], adminRoles: ['ops'], defaultPolicy: 'allow' });
    assert.equal(denied((await send(s, 'GET', '/orders/1', ALICE)).verdict, 'forbidden', 403).rule, 'adminOperations');
    allowedBy(await send(s, 'GET', '/orders/1', { ...ALICE, roles: ['ops'] }), 'adminOperations');
    allowedBy(await send(s, 'GET', '/ordersX', ALICE), 'defaultPolicy');
  });

  it('x-palisade-roles in the document are required too', async () => {
    assert.equal(denied((await send(stage, 'GET', '/reports', ALICE)).verdict, 'forbidden', 403).rule, 'x-palisade-roles');
    allowedBy(await send(stage, 'GET', '/reports', { ...ALICE, roles: ['auditor'] }), 'x-palisade-roles');
    const off = stageWith({ openapiRoles: false, defaultPolicy: 'authenticated' });
    allowedBy(await send(off, 'GET', '/reports', ALICE), 'defaultPolicy');
  });

  it('defaultPolicy decides operations no rule selects', async () => {
    assert.equal(denied((await send(stage, 'GET', '/accounts/1', ALICE)).verdict, 'forbidden', 403).rule, 'defaultPolicy');
    assert.equal(denied((await send(stage, 'GET', '/not/documented', ALICE)).verdict, 'forbidden', 403).rule, 'defaultPolicy');
    const auth = stageWith({ defaultPolicy: 'authenticated' });
    allowedBy(await send(auth, 'GET', '/accounts/1', ALICE), 'defaultPolicy');
    denied((await send(auth, 'GET', '/accounts/1')).verdict, 'authentication-required', 401);
    allowedBy(await send(stageWith({ defaultPolicy: 'allow' }), 'GET', '/accounts/1'), 'defaultPolicy');
  });

  it('the first rule that selects the operation decides', async () => {
    const s = stageWith({
      rules: [
        { name: 'first', operations: ['GET /orders/{id}'], anonymous: false, roles: ['support'], scopes: [] },
        { name: 'second', operations: ['tag:orders'], anonymous: false, roles: ['customer'], scopes: [] },
      ],
    });
    assert.equal(denied((await send(s, 'GET', '/orders/1', ALICE)).verdict, 'forbidden', 403).rule, 'first');
    allowedBy(await send(s, 'DELETE', '/orders/1', ALICE), 'second');
    allowedBy(await send(s, 'HEAD', '/orders/1', { ...ALICE, roles: ['support'] }), 'first');
  });

  it('selectors: unnamed rules are recorded by index; * and prefix selectors', async () => {
    const s = stageWith({ rules: [{ operations: ['prefix:/accounts'], anonymous: false, roles: ['x'], scopes: [] }, { operations: ['*'], anonymous: true, roles: [], scopes: [] }] });
    assert.equal(denied((await send(s, 'GET', '/accounts/1', ALICE)).verdict, 'forbidden', 403).rule, 'rules[0]');
    allowedBy(await send(s, 'GET', '/anything'), 'rules[1]');
  });
});

describe('method override', () => {
  const rules: Settings['rules'] = [{ name: 'read-orders', operations: ['getOrder'], anonymous: false, roles: ['customer'], scopes: [] }];

  it('check: the overriding method is authorized too, and the stricter outcome wins', async () => {
    const s = stageWith({ rules });
    allowedBy(await send(s, 'GET', '/orders/1001', ALICE), 'read-orders');
    for (const header of ['x-http-method-override', 'x-http-method', 'x-method-override']) {
      const v = denied((await send(s, 'GET', '/orders/1001', ALICE, { headers: { [header]: 'DELETE' } })).verdict, 'forbidden', 403);
      assert.equal(v.rule, 'defaultPolicy', header);
    }
    denied((await send(s, 'POST', '/admin/users/3?_method=delete', ALICE)).verdict, 'forbidden', 403);
    const admin = denied((await send(s, 'GET', '/orders/1001', ALICE, { headers: { 'x-http-method-override': 'delete' } })).verdict, 'forbidden', 403);
    assert.equal(admin.rule, 'defaultPolicy');
    const adminOp = denied((await send(stageWith({ rules, defaultPolicy: 'allow' }), 'GET', '/admin/users/3', { ...ALICE }, { headers: { 'x-http-method-override': 'DELETE' } })).verdict, 'forbidden', 403);
    assert.equal(adminOp.rule, 'adminOperations');
    // Claiming the method the request already has changes nothing.
    allowedBy(await send(s, 'GET', '/orders/1001', ALICE, { headers: { 'x-http-method-override': 'GET' } }), 'read-orders');
    // Both decisions are recorded when both allow. Tunnelling PATCH through POST needs both
    // methods allowed: POST is not documented on this path, so the rule names it.
    const both = stageWith({ rules: [{ name: 'any-order', operations: ['tag:orders', 'POST /orders/{orderId}'], anonymous: false, roles: ['customer'], scopes: [] }] });
    denied((await send(s, 'POST', '/orders/1001', ALICE, { headers: { 'x-http-method-override': 'PATCH' } })).verdict, 'forbidden', 403);
    allowedBy(await send(both, 'POST', '/orders/1001', ALICE, { headers: { 'x-http-method-override': 'PATCH' } }), 'any-order', 'any-order');
  });

  it('malformed or too many overrides are refused', async () => {
    const s = stageWith({ rules, defaultPolicy: 'allow' });
    denied((await send(s, 'GET', '/orders/1001', ALICE, { headers: { 'x-http-method-override': 'DEL ETE' } })).verdict, 'method-override-refused', 400);
    denied((await send(s, 'GET', '/orders/1001', ALICE, { headers: { 'x-http-method-override': 'A,B,C,D,E' } })).verdict, 'method-override-refused', 400);
  });

  it('refuse: any override is refused', async () => {
    const s = stageWith({ rules, methodOverride: 'refuse' });
    const v = denied((await send(s, 'GET', '/orders/1001', ALICE, { headers: { 'x-http-method-override': 'GET' } })).verdict, 'method-override-refused', 400);
    assert.equal(v.rule, 'methodOverride');
  });
});

describe('object level: owner conditions', () => {
  const stage = stageWith({
    rules: [
      { name: 'own-account', operations: ['getAccount'], anonymous: false, roles: [], scopes: [], owner: "path.accountId == principal.id or 'admin' in principal.roles" },
      { name: 'own-orders', operations: ['getOrder', 'deleteOrder'], anonymous: false, roles: [], scopes: [], owner: 'path.orderId in principal.claims.orders' },
      { name: 'own-tenant', operations: ['listOrders'], anonymous: false, roles: [], scopes: [], owner: 'query.tenant == principal.tenant' },
      { name: 'body-owner', operations: ['createOrder', 'updateOrder'], anonymous: false, roles: [], scopes: [], owner: 'body.userId == principal.id' },
    ],
  });

  it('path value equal to the principal id', async () => {
    allowedBy(await send(stage, 'GET', '/accounts/1', ALICE), 'own-account');
    const v = denied((await send(stage, 'GET', '/accounts/2', ALICE)).verdict, 'not-found', 404);
    assert.equal(v.rule, 'own-account');
    allowedBy(await send(stage, 'GET', '/accounts/2', ADMIN), 'own-account');
  });

  it('membership in a claim list', async () => {
    allowedBy(await send(stage, 'GET', '/orders/1002', ALICE), 'own-orders');
    denied((await send(stage, 'GET', '/orders/1003', ALICE)).verdict, 'not-found', 404);
    denied((await send(stage, 'DELETE', '/orders/1001', BOB)).verdict, 'not-found', 404);
    // Percent-encoding does not make another id.
    allowedBy(await send(stage, 'GET', '/orders/%31%30%30%31', ALICE), 'own-orders');
  });

  it('query values; a repeated parameter is ambiguous and refused', async () => {
    allowedBy(await send(stage, 'GET', '/orders?tenant=acme', ALICE), 'own-tenant');
    denied((await send(stage, 'GET', '/orders?tenant=other', ALICE)).verdict, 'not-found', 404);
    denied((await send(stage, 'GET', '/orders?tenant=acme&tenant=other', ALICE)).verdict, 'not-found', 404);
    denied((await send(stage, 'GET', '/orders', ALICE)).verdict, 'not-found', 404);
  });

  it('body values are checked when the body has arrived; the refusal is recorded with its rule', async () => {
    allowedBy(await sendBody(stage, 'POST', '/orders', ALICE, '{"userId": 1, "productId": 7}'), 'body-owner');
    const r = await sendBody(stage, 'POST', '/orders', ALICE, '{"userId": 2}');
    denied(r.verdict, 'not-found', 404);
    assert.deepEqual(r.ctx.outcomes, [{ stage: 'authorize', outcome: 'deny', code: 'not-found', rule: 'body-owner' }]);
    // No body: the condition reads a missing value and fails on the head.
    denied((await send(stage, 'PATCH', '/orders/1')).verdict, 'authentication-required', 401);
    denied((await send(stage, 'PATCH', '/orders/1', ALICE)).verdict, 'not-found', 404);
  });

  it('bodies the rules cannot read are refused before anything is forwarded', async () => {
    denied((await sendBody(stage, 'POST', '/orders', ALICE, 'userId=1', { 'content-type': 'application/x-www-form-urlencoded' })).verdict, 'body-not-checkable', 415);
    denied((await sendBody(stage, 'POST', '/orders', ALICE, '{"userId": 1}', { 'content-encoding': 'gzip' })).verdict, 'body-not-checkable', 415);
    denied((await sendBody(stage, 'POST', '/orders', ALICE, '{"userId": ')).verdict, 'bad-request', 400);
    const small = stageWith({ maxBodyBytes: 1024, rules: [{ operations: ['createOrder'], anonymous: false, roles: [], scopes: [], owner: 'body.userId == principal.id' }] });
    denied((await sendBody(small, 'POST', '/orders', ALICE, JSON.stringify({ userId: 1, pad: 'x'.repeat(2000) }))).verdict, 'body-too-large', 413);
  });

  it('403 instead of 404 when configured', async () => {
    const s = stageWith({ notOwnerStatus: 403, rules: [{ name: 'own', operations: ['getAccount'], anonymous: false, roles: [], scopes: [], owner: 'path.accountId == principal.id' }] });
    denied((await send(s, 'GET', '/accounts/2', ALICE)).verdict, 'not-owner', 403);
  });

  it('template selectors give path parameters without a contract', async () => {
    const s = createAuthorizeStage(
      settings({ rules: [{ name: 'acct', operations: ['GET /api/accounts/{accountId}'], anonymous: false, roles: [], scopes: [], owner: 'path.accountId == principal.id' }] }),
      fakeEnv(),
      { upstreamPath: (p) => '/api' + p },
    )!;
    allowedBy(await send(s, 'GET', '/accounts/1', ALICE), 'acct');
    denied((await send(s, 'GET', '/accounts/2', ALICE)).verdict, 'not-found', 404);
    denied((await send(s, 'GET', '/accounts/1/extra', ALICE)).verdict, 'forbidden', 403);
  });

  it('operationId or tag selectors without a document are a configuration error', () => {
    assert.throws(
      () => createAuthorizeStage(settings({ rules: [{ operations: ['getOrder'], anonymous: false, roles: [], scopes: [] }] }), fakeEnv(), { upstreamPath: identity }),
      (err: unknown) => err instanceof PalisadeError && /rules\[0\] select operations by operationId or tag/.test(err.message),
    );
  });
});

describe('object level: owner lookups', () => {
  let calls: string[] = [];
  let answer: (path: string) => { status: number; body: string; delayMs?: number } = () => ({ status: 200, body: '{}' });
  const server = http.createServer((req, res) => {
    calls.push(req.url ?? '');
    const a = answer(req.url ?? '');
    setTimeout(() => {
      res.writeHead(a.status, { 'content-type': 'application/json' });
      res.end(a.body);
    }, a.delayMs ?? 0);
  });
  let pool: Pool | undefined;
  const owners: Record<string, string> = { '1001': '1', '1002': '1', '1003': '2' };
  const lookupAnswer = (path: string) => {
    const id = decodeURIComponent(path.split('/').pop()!);
    return owners[id] ? { status: 200, body: JSON.stringify({ owner: owners[id], extra: { team: ['3'] } }) } : { status: 404, body: '{}' };
  };

  async function upstream(): Promise<NonNullable<AuthorizeDeps['upstream']>> {
    if (!server.listening) await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    pool ??= new Pool(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return { dispatcher: pool, basePath: '/base' };
  }
  after(async () => {
    await pool?.close();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  const rule = (lookup: Partial<NonNullable<Settings['rules'][number]['ownerLookup']>> = {}, owner = "lookup.owner == principal.id or principal.id in lookup.extra.team"): Settings['rules'][number] => ({
    name: 'order-owner',
    operations: ['getOrder', 'deleteOrder'],
    anonymous: false,
    roles: [],
    scopes: [],
    owner,
    ownerLookup: { path: '/internal/owners/orders/{orderId}', headers: { 'x-internal': 'k' }, cacheSeconds: 60, timeoutMs: 2000, maxBytes: 65536, onFailure: 'unavailable', ...lookup },
  });

  it('asks the upstream, allows the owner, refuses others, and caches per object', async () => {
    calls = [];
    answer = lookupAnswer;
    const s = stageWith({ rules: [rule()] }, { upstream: await upstream() });
    allowedBy(await send(s, 'GET', '/orders/1001', ALICE), 'order-owner');
    allowedBy(await send(s, 'DELETE', '/orders/1001', ALICE), 'order-owner');
    denied((await send(s, 'GET', '/orders/1003', ALICE)).verdict, 'not-found', 404);
    allowedBy(await send(s, 'GET', '/orders/1001', { ...BOB, id: '3' }), 'order-owner');
    assert.deepEqual(calls, ['/base/internal/owners/orders/1001', '/base/internal/owners/orders/1003']);
    assert.equal(s.cachedOwners, 2);
    // An object the upstream does not know: not the owner (and the same 404).
    denied((await send(s, 'GET', '/orders/9999', ALICE)).verdict, 'not-found', 404);
    assert.equal(calls.length, 3);
  });

  it('concurrent requests for one object share one lookup', async () => {
    calls = [];
    answer = (p) => ({ ...lookupAnswer(p), delayMs: 30 });
    const s = stageWith({ rules: [rule()] }, { upstream: await upstream() });
    const all = await Promise.all([1, 2, 3].map(() => send(s, 'GET', '/orders/1002', ALICE)));
    for (const r of all) assert.equal(r.verdict.kind, 'continue');
    assert.equal(calls.length, 1);
  });

  it('cacheSeconds 0 asks every time; the cache is bounded', async () => {
    calls = [];
    answer = lookupAnswer;
    const s = stageWith({ rules: [rule({ cacheSeconds: 0 })] }, { upstream: await upstream() });
    await send(s, 'GET', '/orders/1001', ALICE);
    await send(s, 'GET', '/orders/1001', ALICE);
    assert.equal(calls.length, 2);
    const bounded = stageWith({ rules: [rule()], ownerCacheEntries: 2 }, { upstream: await upstream() });
    for (const id of ['1001', '1002', '1003', '1001']) await send(bounded, 'GET', `/orders/${id}`, ALICE);
    assert.equal(bounded.cachedOwners, 2);
    assert.equal(calls.length, 2 + 4, '1001 was evicted by 1003 and asked again');
  });

  it('object ids are URL-encoded into the lookup; dot segments are never looked up', async () => {
    calls = [];
    answer = lookupAnswer;
    const s = stageWith({ rules: [rule()] }, { upstream: await upstream() });
    denied((await send(s, 'GET', '/orders/a%2Fb%3Fc', ALICE)).verdict, 'not-found', 404);
    assert.deepEqual(calls, ['/base/internal/owners/orders/a%2Fb%3Fc']);
    denied((await send(s, 'GET', '/orders/..', ALICE)).verdict, 'not-found', 404);
    assert.equal(calls.length, 1);
  });

  it('a failing lookup refuses: 503 by default, not-owner when configured; failures are not cached', async () => {
    calls = [];
    answer = () => ({ status: 500, body: 'boom' });
    const env = fakeEnv();
    const s = stageWith({ rules: [rule()] }, { upstream: await upstream() }, env);
    const v = denied((await send(s, 'GET', '/orders/1001', ALICE)).verdict, 'owner-lookup-failed', 503);
    assert.equal(v.rule, 'order-owner');
    assert.equal(v.headers?.['Retry-After'], '1');
    assert.ok(env.logs.some((l) => l.level === 'error' && /owner lookup failed/.test(l.msg)));
    denied((await send(s, 'GET', '/orders/1001', ALICE)).verdict, 'owner-lookup-failed', 503);
    assert.equal(calls.length, 2);
    assert.equal(s.cachedOwners, 0);

    const nf = stageWith({ rules: [rule({ onFailure: 'not-owner' })] }, { upstream: await upstream() });
    denied((await send(nf, 'GET', '/orders/1001', ALICE)).verdict, 'not-found', 404);

    for (const bad of [{ status: 200, body: 'not json' }, { status: 200, body: '["1"]' }, { status: 200, body: JSON.stringify({ owner: '1', pad: 'x'.repeat(200) }) }, { status: 200, body: '{"owner":"1"}', delayMs: 300 }]) {
      answer = () => bad;
      const t = stageWith({ rules: [rule({ maxBytes: 100, timeoutMs: 100 })] }, { upstream: await upstream() });
      denied((await send(t, 'GET', '/orders/1001', ALICE)).verdict, 'owner-lookup-failed', 503);
    }
  });

  it('an unreachable upstream refuses with 503', async () => {
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const dead = new Pool(`http://127.0.0.1:${port}`);
    try {
      const s = stageWith({ rules: [rule()] }, { upstream: { dispatcher: dead, basePath: '' } });
      denied((await send(s, 'GET', '/orders/1001', ALICE)).verdict, 'owner-lookup-failed', 503);
    } finally {
      await dead.close();
    }
  });
});

describe('property level: writable', () => {
  const stage = stageWith({
    rules: [
      {
        name: 'update-order',
        operations: ['updateOrder', 'createOrder'],
        anonymous: false,
        roles: [],
        scopes: [],
        writable: { '*': ['shippingAddress', 'items[].qty'], support: ['status'], admin: ['*'] },
      },
    ],
  });

  it('allows listed properties, refuses others with their JSON pointers', async () => {
    allowedBy(await sendBody(stage, 'PATCH', '/orders/1', ALICE, '{"shippingAddress": "x", "items": [{"qty": 2}]}'), 'update-order');
    const r = await sendBody(stage, 'PATCH', '/orders/1', ALICE, '{"shippingAddress": "x", "status": "refunded", "items": [{"qty": 1, "price": 0}]}');
    const v = denied(r.verdict, 'property-not-writable', 403);
    assert.deepEqual(v.extensions, { properties: ['/status', '/items/0/price'] });
    assert.match(v.detail!, /You may not write \/status \(and 1 more\)/);
    assert.deepEqual(r.ctx.outcomes, [{ stage: 'authorize', outcome: 'deny', code: 'property-not-writable', rule: 'update-order' }]);
  });

  it('lists are per role, and a principal gets the union of its roles', async () => {
    allowedBy(await sendBody(stage, 'PATCH', '/orders/1', { ...ALICE, roles: ['customer', 'support'] }, '{"status": "refunded", "shippingAddress": "y"}'), 'update-order');
    allowedBy(await sendBody(stage, 'PATCH', '/orders/1', ADMIN, '{"anything": {"at": "all"}}'), 'update-order');
  });

  it('requests without a body are not checked', async () => {
    allowedBy(await send(stage, 'PATCH', '/orders/1', ALICE), 'update-order');
  });

  it('a role with no list writes nothing', async () => {
    const s = stageWith({ rules: [{ operations: ['createOrder'], anonymous: false, roles: [], scopes: [], writable: { admin: ['*'] } }] });
    denied((await sendBody(s, 'POST', '/orders', ALICE, '{"role": "admin"}')).verdict, 'property-not-writable', 403);
    allowedBy(await sendBody(s, 'POST', '/orders', ALICE, '{}'), 'rules[0]');
  });
});

describe('property level: readable', () => {
  const rules: Settings['rules'] = [
    { name: 'read-user', operations: ['getAccount'], anonymous: false, roles: [], scopes: [], readable: { '*': ['id', 'name', 'items[].email', 'address.city'], admin: ['*'] } },
  ];
  const user = { id: 1, name: 'Alice', password_hash: 'h', role: 'customer', address: { city: 'S', street: 'x' }, items: [{ email: 'a', secret: 1 }, { email: 'b', secret: 2 }] };

  async function respond(s: AuthorizeStage, principal: Principal, body: Buffer | string, headers: HeaderMap = {}, opts: { status?: number; method?: string; truncated?: boolean } = {}) {
    const r = await send(s, opts.method ?? 'GET', '/accounts/1', principal);
    assert.equal(r.verdict.kind, 'continue');
    const buf = typeof body === 'string' ? Buffer.from(body) : body;
    const head = { status: opts.status ?? 200, headers: { 'content-type': 'application/json', 'content-length': String(buf.length), ...headers } };
    const wants = s.responseHead!(r.ctx, head);
    const verdict = wants === 'buffer' ? s.responseBody!(r.ctx, head, buf, opts.truncated ?? false) : undefined;
    return { ctx: r.ctx, head, wants, verdict };
  }

  it('removes unlisted properties from JSON responses, nested and in arrays, and fixes the headers', async () => {
    const s = stageWith({ rules });
    const r = await respond(s, ALICE, JSON.stringify(user), { etag: '"abc"', 'set-cookie': ['a=1', 'b=2'], 'x-other': 'kept' });
    assert.equal(r.wants, 'buffer');
    assert.ok(r.verdict?.kind === 'respond');
    assert.deepEqual(JSON.parse(String(r.verdict.body)), { id: 1, name: 'Alice', address: { city: 'S' }, items: [{ email: 'a' }, { email: 'b' }] });
    assert.equal(r.verdict.status, 200);
    assert.equal(r.verdict.headers['content-length'], undefined, 'the gateway sets the new length');
    assert.equal(r.verdict.headers.etag, undefined);
    assert.deepEqual(r.verdict.headers['set-cookie'], ['a=1', 'b=2']);
    assert.equal(r.verdict.headers['x-other'], 'kept');
    assert.equal(r.verdict.rule, 'read-user');
  });

  it('per role: an admin reads everything (no buffering at all)', async () => {
    const s = stageWith({ rules });
    const r = await respond(s, ADMIN, JSON.stringify(user));
    assert.equal(r.wants, undefined);
  });

  it('nothing to remove: the upstream bytes pass as they are', async () => {
    const s = stageWith({ rules });
    const r = await respond(s, ALICE, JSON.stringify({ id: 1, name: 'A' }));
    assert.equal(r.wants, 'buffer');
    assert.equal(r.verdict, undefined);
  });

  it('compressed JSON is decoded, filtered and sent uncompressed', async () => {
    const s = stageWith({ rules });
    const r = await respond(s, ALICE, gzipSync(JSON.stringify(user)), { 'content-encoding': 'gzip' });
    assert.ok(r.verdict?.kind === 'respond');
    assert.equal(r.verdict.headers['content-encoding'], undefined);
    assert.equal(JSON.parse(String(r.verdict.body)).password_hash, undefined);
  });

  it('what cannot be filtered is refused (502), never passed', async () => {
    const s = stageWith({ rules, maxResponseBytes: 1024 });
    const big = JSON.stringify({ ...user, pad: 'x'.repeat(2000) });
    denied((await respond(s, ALICE, big, { 'content-length': undefined })).verdict!, 'response-not-filterable', 502);
    denied((await respond(s, ALICE, big.slice(0, 1024), {}, { truncated: true })).verdict!, 'response-not-filterable', 502);
    denied((await respond(s, ALICE, '{"id": 1, ')).verdict!, 'response-not-filterable', 502);
    denied((await respond(s, ALICE, 'garbage', { 'content-encoding': 'gzip' })).verdict!, 'response-not-filterable', 502);
  });

  it('oversizeResponse pass: an announced large response passes unfiltered, recorded', async () => {
    const s = stageWith({ rules, maxResponseBytes: 1024, oversizeResponse: 'pass' });
    const r = await respond(s, ALICE, JSON.stringify({ ...user, pad: 'x'.repeat(2000) }));
    assert.equal(r.wants, undefined);
    assert.deepEqual(r.ctx.outcomes.at(-1), { stage: 'authorize', outcome: 'report', code: 'response-too-large', rule: 'read-user' });
    // Without Content-Length the body is cut at the limit: it cannot be passed whole, so it is refused.
    const cut = await respond(s, ALICE, 'x'.repeat(1024), { 'content-length': undefined }, { truncated: true });
    denied(cut.verdict!, 'response-not-filterable', 502);
  });

  it('non-JSON, error and empty responses are not filtered; HEAD loses its length', async () => {
    const s = stageWith({ rules });
    const text = await respond(s, ALICE, 'password_hash=h', { 'content-type': 'text/plain' });
    assert.equal(text.wants, undefined);
    assert.deepEqual(text.ctx.outcomes.at(-1), { stage: 'authorize', outcome: 'report', code: 'response-not-json', rule: 'read-user' });
    assert.equal((await respond(s, ALICE, '{"error": "x", "password_hash": "h"}', {}, { status: 404 })).wants, undefined);
    assert.equal((await respond(s, ALICE, '', {}, { status: 204 })).wants, undefined);
    const head = await respond(s, ALICE, JSON.stringify(user), {}, { method: 'HEAD' });
    assert.equal(head.wants, undefined);
    assert.equal(head.head.headers['content-length'], undefined);
  });

  it('a top-level array is filtered item by item', async () => {
    const s = stageWith({ rules: [{ name: 'list', operations: ['listOrders'], anonymous: false, roles: [], scopes: [], readable: { '*': ['[].id'] } }] });
    const r = await send(s, 'GET', '/orders', ALICE);
    const body = Buffer.from(JSON.stringify([{ id: 1, card: '4111' }, { id: 2, card: '5500' }]));
    const head = { status: 200, headers: { 'content-type': 'application/json; charset=utf-8' } };
    assert.equal(s.responseHead!(r.ctx, head), 'buffer');
    const v = s.responseBody!(r.ctx, head, body, false);
    assert.ok(v?.kind === 'respond');
    assert.equal(String(v.body), '[{"id":1},{"id":2}]');
  });
});

describe('business flows', () => {
  const flows = (extra: Partial<Settings['flows'][number]> = {}): Settings['flows'] => [
    { name: 'flash-sale', operations: ['createOrder'], when: 'body.productId == 1', quota: 1, periodSeconds: 3600, per: 'principal', refundRejected: true, ...extra },
  ];
  const open: Settings['rules'] = [{ operations: ['*'], anonymous: false, roles: [], scopes: [] }];

  it('counts per principal only the requests meeting the condition; 429 with Retry-After and the flow name', async () => {
    const s = stageWith({ rules: open, flows: flows() }, {}, fakeEnv());
    allowedBy(await sendBody(s, 'POST', '/orders', ALICE, '{"productId": 1}'), 'rules[0]', 'flow:flash-sale');
    assert.ok((await sendBody(s, 'POST', '/orders', ALICE, '{"productId": 2}')).verdict.kind === 'continue', 'another product is not the flow');
    const r = await sendBody(s, 'POST', '/orders', ALICE, '{"productId": 1}');
    const v = denied(r.verdict, 'flow-quota-exceeded', 429);
    assert.ok(Number(v.headers?.['Retry-After']) > 3500);
    assert.deepEqual(v.extensions, { flow: 'flash-sale' });
    assert.equal(v.rule, 'flow:flash-sale');
    assert.deepEqual(r.ctx.outcomes, [{ stage: 'authorize', outcome: 'deny', code: 'flow-quota-exceeded', rule: 'flow:flash-sale' }]);
    assert.equal((await sendBody(s, 'POST', '/orders', BOB, '{"productId": 1}')).verdict.kind, 'continue', 'Bob has his own quota');
    assert.equal((await send(s, 'GET', '/orders', ALICE)).verdict.kind, 'continue', 'other operations are not the flow');
  });

  it('a yearly quota holds (periods beyond what a timer can count, 24.8 days)', async () => {
    const s = stageWith({ rules: open, flows: flows({ periodSeconds: 365 * 86400 }) }, {}, fakeEnv());
    allowedBy(await sendBody(s, 'POST', '/orders', ALICE, '{"productId": 1}'), 'rules[0]', 'flow:flash-sale');
    await new Promise((r) => setTimeout(r, 20));
    const v = denied((await sendBody(s, 'POST', '/orders', ALICE, '{"productId": 1}')).verdict, 'flow-quota-exceeded', 429);
    assert.ok(Number(v.headers?.['Retry-After']) > 364 * 86400);
  });

  it('records the flow with the decision', async () => {
    const s = stageWith({ rules: open, flows: flows() }, {}, fakeEnv());
    const r = await sendBody(s, 'POST', '/orders', ALICE, '{"productId": 1}');
    assert.deepEqual(r.ctx.outcomes, [
      { stage: 'authorize', outcome: 'continue', rule: 'rules[0]' },
      { stage: 'authorize', outcome: 'continue', rule: 'flow:flash-sale' },
    ]);
  });

  it('a request the API refuses (4xx) gives its quota back; a success does not', async () => {
    const s = stageWith({ rules: open, flows: flows() }, {}, fakeEnv());
    const first = await sendBody(s, 'POST', '/orders', ALICE, '{"productId": 1}');
    s.responseHead!(first.ctx, { status: 400, headers: {} });
    await new Promise((r) => setImmediate(r));
    const second = await sendBody(s, 'POST', '/orders', ALICE, '{"productId": 1}');
    assert.equal(second.verdict.kind, 'continue');
    s.responseHead!(second.ctx, { status: 201, headers: {} });
    denied((await sendBody(s, 'POST', '/orders', ALICE, '{"productId": 1}')).verdict, 'flow-quota-exceeded', 429);
    // A refusal of the flow itself is not "refunded" into extra quota.
    const refused = await sendBody(s, 'POST', '/orders', ALICE, '{"productId": 1}');
    s.responseHead!(refused.ctx, { status: 429, headers: {} });
    await new Promise((r) => setImmediate(r));
    denied((await sendBody(s, 'POST', '/orders', ALICE, '{"productId": 1}')).verdict, 'flow-quota-exceeded', 429);
  });

  it('flows without body conditions are counted on the head; anonymous callers by address; per tenant', async () => {
    const s = stageWith({ defaultPolicy: 'allow', flows: [{ name: 'coupons', operations: ['GET /orders/{orderId}'], quota: 2, periodSeconds: 60, per: 'principal', refundRejected: false }] }, {}, fakeEnv());
    for (let i = 0; i < 2; i++) assert.equal((await send(s, 'GET', '/orders/1')).verdict.kind, 'continue');
    denied((await send(s, 'GET', '/orders/2')).verdict, 'flow-quota-exceeded', 429);
    assert.equal((await send(s, 'GET', '/orders/2', undefined, { clientIp: '198.51.100.9' })).verdict.kind, 'continue');
    const t = stageWith({ defaultPolicy: 'allow', flows: [{ name: 'tenant-export', operations: ['listOrders'], quota: 1, periodSeconds: 60, per: 'tenant', refundRejected: false }] }, {}, fakeEnv());
    assert.equal((await send(t, 'GET', '/orders', ALICE)).verdict.kind, 'continue');
    denied((await send(t, 'GET', '/orders', BOB)).verdict, 'flow-quota-exceeded', 429);
  });

  it('counts survive a rebuilt stage (reload) on the same gateway', async () => {
    const env = fakeEnv();
    const a = stageWith({ rules: open, flows: flows() }, {}, env);
    await sendBody(a, 'POST', '/orders', ALICE, '{"productId": 1}');
    const b = stageWith({ rules: open, flows: flows() }, {}, env);
    denied((await sendBody(b, 'POST', '/orders', ALICE, '{"productId": 1}')).verdict, 'flow-quota-exceeded', 429);
  });

  describe('when Redis is unreachable', () => {
    const clients: Redis[] = [];
    after(() => {
      for (const c of clients) c.disconnect();
    });
    async function unreachableRedis(): Promise<Redis> {
      const server = net.createServer();
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
      const port = (server.address() as AddressInfo).port;
      await new Promise<void>((r) => server.close(() => r()));
      const client = new Redis({ host: '127.0.0.1', port, enableOfflineQueue: false, maxRetriesPerRequest: 1, retryStrategy: () => null });
      client.on('error', () => undefined);
      clients.push(client);
      return client;
    }
    for (const mode of ['closed', 'open'] as const) {
      it(`fails ${mode}`, async () => {
        const env = { ...fakeEnv(), redis: { client: await unreachableRedis(), keyPrefix: 'palisade-test:' } };
        const s = stageWith({ rules: open, flows: flows({ when: undefined }), flowFailMode: mode }, {}, env);
        const r = await sendBody(s, 'POST', '/orders', ALICE, '{"productId": 1}');
        if (mode === 'closed') denied(r.verdict, 'flow-quota-unavailable', 503);
        else assert.equal(r.verdict.kind, 'continue');
        assert.ok(env.logs.some((l) => /flow counter store failed/.test(l.msg)));
      });
    }
  });
});

test('in the pipeline: request-side refusals carry their rule into the record', () => {
  const stage = stageWith({ rules: [{ name: 'only-admins', operations: ['*'], anonymous: false, roles: ['admin'], scopes: [] }] });
  const p = compilePipeline(StageSettingsSchema.parse({}), fakeEnv(), { authorize: stage });
  assert.ok(p.names.includes('authorize'));
  const ctx = ctxFor('GET', '/orders', ALICE);
  const v = runRequestStages(p, ctx);
  assert.ok(!(v instanceof Promise));
  denied(v, 'forbidden', 403);
  assert.deepEqual(ctx.outcomes, [{ stage: 'authorize', outcome: 'deny', code: 'forbidden', rule: 'only-admins' }]);
  assert.ok(p.response.some((s) => s.name === 'authorize'), 'response side: property filtering and refunds');
});

// The shop's second way in: access tokens of a trusted identity provider (what `palisade start
// --demo` configures with the built-in authorization server), checked properly, while the shop's
// own weak tokens keep working as the catalogue says. Also the internal owner endpoint Shield's
// owner lookups ask.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import type { CryptoKey, JWK } from 'jose';
import { ADMIN, ALICE, BOB, DEMO_JWT_SECRET, TOKEN_ISSUER, startDemo } from './index.js';
import { withDemo } from './test-support.js';

const AUDIENCE = 'urn:acme:shop';
let jwks: http.Server;
let issuer = '';
let es256: CryptoKey;
let rs256: CryptoKey;
let jwksRequests = 0;

before(async () => {
  const ec = await generateKeyPair('ES256');
  const rsa = await generateKeyPair('RS256');
  es256 = ec.privateKey;
  rs256 = rsa.privateKey;
  const keys: JWK[] = [
    { ...(await exportJWK(ec.publicKey)), kid: 'ec-1', alg: 'ES256', use: 'sig' },
    { ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' },
  ];
  jwks = http.createServer((req, res) => {
    jwksRequests++;
    if (req.url !== '/jwks') return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys }));
  });
  await new Promise<void>((r) => jwks.listen(0, '127.0.0.1', () => r()));
  issuer = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((r) => jwks.close(() => r())));

interface Overrides {
  alg?: 'ES256' | 'RS256';
  typ?: string;
  sub?: string;
  roles?: unknown;
  iss?: string;
  aud?: string;
  exp?: number;
}

function accessToken(o: Overrides = {}): Promise<string> {
  const alg = o.alg ?? 'ES256';
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ roles: o.roles ?? ['customer'], scope: 'shop:read shop:write' })
    .setProtectedHeader({ alg, typ: o.typ ?? 'at+jwt', kid: alg === 'ES256' ? 'ec-1' : 'rsa-1' })
    .setSubject(o.sub ?? String(ALICE.id))
    .setIssuer(o.iss ?? issuer)
    .setAudience(o.aud ?? AUDIENCE)
    .setIssuedAt(now)
    .setExpirationTime(o.exp ?? now + 600)
    .sign(alg === 'ES256' ? es256 : rs256);
}

const trusting = () => ({ trustedIssuer: { issuer, jwksUrl: `${issuer}/jwks`, audience: AUDIENCE } });

test('a trusted issuer\'s access tokens sign in: sub is the user id, the roles claim gives the role', () =>
  withDemo(async (c) => {
    for (const alg of ['ES256', 'RS256'] as const) {
      const me = await c.call('GET', '/api/v2/users/me', { token: await accessToken({ alg }) });
      assert.equal(me.status, 200, me.text);
      assert.equal(me.json<{ id: number }>().id, ALICE.id);
    }
    // The role comes from the token, not from the account: an admin token of the trusted issuer is an admin.
    const customer = await accessToken({ sub: String(BOB.id) });
    assert.equal((await c.call('GET', '/api/v2/admin/users/2', { token: customer })).status, 403);
    const admin = await accessToken({ sub: String(ADMIN.id), roles: ['admin'] });
    assert.equal((await c.call('GET', '/api/v2/admin/users/2', { token: admin })).status, 200);
    // The legacy-checked invoice endpoint takes them too, and keeps its ownership test.
    assert.equal((await c.call('GET', '/api/v2/orders/1001/invoice', { token: await accessToken() })).status, 200);
    assert.equal((await c.call('GET', '/api/v2/orders/1003/invoice', { token: await accessToken() })).status, 404);
  }, trusting()));

test('the trusted path checks signature, issuer, audience, expiry, type and subject', () =>
  withDemo(async (c) => {
    const { privateKey: stranger } = await generateKeyPair('ES256');
    const now = Math.floor(Date.now() / 1000);
    const foreignKey = await new SignJWT({ roles: ['admin'] })
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'ec-1' })
      .setSubject(String(ADMIN.id))
      .setIssuer(issuer)
      .setAudience(AUDIENCE)
      .setExpirationTime(now + 600)
      .sign(stranger);
    const refused: Array<[string, string]> = [
      ['another key under a known kid', foreignKey],
      ['another issuer', await accessToken({ iss: 'http://127.0.0.1:1' })],
      ['another audience', await accessToken({ aud: 'urn:other:api' })],
      ['expired', await accessToken({ exp: now - 120 })],
      ['not an access token (typ JWT)', await accessToken({ typ: 'JWT' })],
      ['a client, not a user (sub is a client id)', await accessToken({ sub: 'palisade-demo-service' })],
    ];
    for (const [what, token] of refused) {
      const r = await c.call('GET', '/api/v2/users/me', { token });
      assert.equal(r.status, 401, `${what}: ${r.text}`);
      assert.equal(r.headers.get('www-authenticate'), 'Bearer realm="acme-shop"');
      const legacy = await c.call('GET', '/api/v1/account', { token });
      assert.equal(legacy.status, 401, `${what} (legacy check): ${legacy.text}`);
    }
    assert.ok(jwksRequests > 0, 'keys come from the issuer\'s JWKS');
  }, trusting()));

test('with a trusted issuer, the shop\'s own weaknesses stay exploitable (DEMO-API2-01/02 are still there)', () =>
  withDemo(async (c) => {
    const forged = await new SignJWT({ role: 'admin' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(String(ADMIN.id))
      .setIssuer(TOKEN_ISSUER)
      .sign(new TextEncoder().encode(DEMO_JWT_SECRET));
    assert.equal((await c.call('GET', '/api/v2/admin/users/2', { token: forged })).status, 200);
    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const none = `${b64({ alg: 'none' })}.${b64({ sub: String(BOB.id) })}.`;
    assert.equal((await c.call('GET', '/api/v2/orders/1003/invoice', { token: none })).status, 200);
    assert.equal((await c.call('GET', '/api/v2/users/me', { token: await c.login(ALICE.email, ALICE.password) })).status, 200);
  }, trusting()));

test('without a trusted issuer, public-key tokens are refused like any other bad token', () =>
  withDemo(async (c) => {
    assert.equal((await c.call('GET', '/api/v2/users/me', { token: await accessToken() })).status, 401);
  }));

test('a trusted issuer with a JWKS URL that is not http(s) is refused at start', async () => {
  await assert.rejects(startDemo({ port: 0, quiet: true, trustedIssuer: { issuer, jwksUrl: 'file:///etc/passwd' } }), /trustedIssuer\.jwksUrl: http or https only/);
  await assert.rejects(startDemo({ port: 0, quiet: true, trustedIssuer: { issuer: 'not a url' } }), /trustedIssuer\.jwksUrl: not a URL/);
});

test('the internal owner endpoint answers who owns an order, and nothing else', () =>
  withDemo(async (c) => {
    const r = await c.call('GET', '/internal/owners/orders/1003');
    assert.equal(r.status, 200);
    assert.deepEqual(r.json(), { owner: BOB.id });
    assert.equal((await c.call('GET', '/internal/owners/orders/999999')).status, 404);
    assert.equal((await c.call('GET', '/internal/owners/orders/abc')).status, 404);
  }));

// Authentication through the gateway: JWT bearer tokens against a JWKS server, refusals as 401
// problem responses with WWW-Authenticate, the principal and the refusal reason in the exchange
// record, weak secrets refused at start and at reload, and client certificates (mTLS).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey } from 'jose';
import { isPalisadeError } from 'palisade';
import { adminFetch, httpRequest, startTestShield, startUpstream, tempDir, waitFor, type TestShield, type Upstream } from './helpers.js';

interface RecordedExchange {
  id: string;
  status: number;
  blockedBy?: string;
  principal?: { id: string; method: string; roles: string[]; tenant?: string };
  requestHeaders: Record<string, string>;
  verdicts: Array<{ stage: string; outcome: string; code?: string; rule?: string; reason?: string }>;
}

async function recorded(shield: TestShield, id: string): Promise<RecordedExchange> {
  return waitFor(
    async () => {
      const r = await adminFetch(shield, `/exchanges/${id}`);
      return r.status === 200 ? ((await r.json()) as RecordedExchange) : undefined;
    },
    10_000,
    `exchange ${id} recorded`,
  );
}

const ISSUER = 'https://id.example.test';

describe('authenticate stage through the gateway (JWT + JWKS)', () => {
  let jwks: http.Server;
  let jwksUrl: string;
  let jwksHits = 0;
  let privateKey: CryptoKey;
  let up: Upstream;
  let upstreamCalls = 0;
  let shield: TestShield;

  const token = (claims: Record<string, unknown> = {}) =>
    new SignJWT({ iss: ISSUER, aud: 'orders', sub: 'alice', roles: ['buyer'], tenant: 'acme', exp: Math.floor(Date.now() / 1000) + 600, ...claims })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .sign(privateKey);

  before(async () => {
    const pair = await generateKeyPair('ES256', { extractable: true });
    privateKey = pair.privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
    jwks = http.createServer((_req, res) => {
      jwksHits++;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((r) => jwks.listen(0, '127.0.0.1', () => r()));
    jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks`;
    up = await startUpstream((_req, res) => {
      upstreamCalls++;
      res.end('ok');
    });
    shield = await startTestShield(`
apis: [{ name: orders, upstream: ${up.url} }]
defaults:
  authenticate:
    enabled: true
    methods: [jwt]
    jwt: { jwksUrl: '${jwksUrl}', issuer: '${ISSUER}', audience: orders, algorithms: [ES256] }
routes:
  - { api: orders, pathPrefix: /api }
  - { api: orders, pathPrefix: /public, stages: { authenticate: { optional: true } } }
`);
  });
  after(async () => {
    await shield.close();
    await up.close();
    await new Promise<void>((r) => jwks.close(() => r()));
  });

  test('no credentials: 401 problem+json with a Bearer challenge; the upstream never sees the request', async () => {
    const before = upstreamCalls;
    const r = await httpRequest(`${shield.gatewayUrl}/api/orders`);
    assert.equal(r.status, 401);
    assert.equal(r.headers['www-authenticate'], 'Bearer realm="palisade"');
    assert.match(String(r.headers['content-type']), /^application\/problem\+json/);
    const body = JSON.parse(r.body) as { type: string; title: string; status: number; detail: string; requestId: string };
    assert.equal(body.type, 'urn:palisade:problem:authentication-required');
    assert.equal(body.title, 'Authentication required');
    assert.equal(body.status, 401);
    assert.equal(body.requestId, r.headers['x-request-id']);
    assert.equal(upstreamCalls, before);
    const x = await recorded(shield, body.requestId);
    assert.equal(x.blockedBy, 'authentication-required');
    assert.ok(x.verdicts.some((v) => v.stage === 'authenticate' && v.reason === 'missing'));
  });

  test('a refused token: 401 invalid_token, a generic detail, and the reason in the exchange record only', async () => {
    const expired = await httpRequest(`${shield.gatewayUrl}/api/orders`, { headers: { authorization: `Bearer ${await token({ exp: Math.floor(Date.now() / 1000) - 3600 })}` } });
    const wrongAud = await httpRequest(`${shield.gatewayUrl}/api/orders`, { headers: { authorization: `Bearer ${await token({ aud: 'billing' })}` } });
    for (const r of [expired, wrongAud]) {
      assert.equal(r.status, 401);
      assert.equal(r.headers['www-authenticate'], 'Bearer realm="palisade", error="invalid_token"');
      const body = JSON.parse(r.body) as { type: string; detail: string };
      assert.equal(body.type, 'urn:palisade:problem:authentication-failed');
      assert.equal(body.detail, 'The credentials could not be verified.');
      assert.doesNotMatch(r.body, /expire|audience|aud|exp/i, 'which check failed is not told');
    }
    const x = await recorded(shield, String(expired.headers['x-request-id']));
    assert.equal(x.status, 401);
    assert.equal(x.blockedBy, 'authentication-failed');
    assert.deepEqual(
      x.verdicts.filter((v) => v.stage === 'authenticate'),
      [
        { stage: 'authenticate', outcome: 'report', rule: 'jwt', reason: 'expired' },
        { stage: 'authenticate', outcome: 'deny', code: 'authentication-failed' },
      ],
    );
    assert.equal(x.requestHeaders.authorization, 'Bearer [redacted]');
    const y = await recorded(shield, String(wrongAud.headers['x-request-id']));
    assert.ok(y.verdicts.some((v) => v.reason === 'wrong-audience'));
  });

  test('a valid token reaches the upstream, and the principal reaches the exchange record', async () => {
    const r = await httpRequest(`${shield.gatewayUrl}/api/orders`, { headers: { authorization: `Bearer ${await token()}` } });
    assert.equal(r.status, 200);
    assert.equal(r.body, 'ok');
    const x = await recorded(shield, String(r.headers['x-request-id']));
    assert.deepEqual(x.principal, { id: 'alice', method: 'jwt', roles: ['buyer'], tenant: 'acme' });
    assert.equal(jwksHits, 1, 'keys fetched once, when the configuration was loaded');
  });

  test('an optional route lets anonymous requests through, but not bad tokens', async () => {
    assert.equal((await httpRequest(`${shield.gatewayUrl}/public/catalog`)).status, 200);
    const bad = await httpRequest(`${shield.gatewayUrl}/public/catalog`, { headers: { authorization: 'Bearer e.e.e' } });
    assert.equal(bad.status, 401);
  });
});

describe('shared secrets', () => {
  test('a guessable secret refuses to start, and a reload to one is rejected while the old configuration serves', async () => {
    const up = await startUpstream((_req, res) => res.end('ok'));
    const t = tempDir();
    const file = join(t.dir, 'palisade.yaml');
    const good = Buffer.from(Array.from({ length: 48 }, (_, i) => (i * 73 + 11) % 256)).toString('base64');
    const yaml = (secret: string, encoding: string) => `
apis: [{ name: up, upstream: ${up.url} }]
defaults:
  authenticate:
    enabled: true
    methods: [jwt]
    jwt: { secret: '${secret}', secretEncoding: ${encoding}, algorithms: [HS256] }
`;
    await assert.rejects(startTestShield(yaml('your-256-bit-secret', 'utf8')), (e: unknown) => isPalisadeError(e) && e.code === 'PALISADE_ERR_AUTH_WEAK_SECRET');
    writeFileSync(file, yaml(good, 'base64'));
    const shield = await startTestShield(readFileSync(file, 'utf8'), { configPath: file, dir: t.dir });
    try {
      const jwt = await new SignJWT({ sub: 'svc', exp: Math.floor(Date.now() / 1000) + 600 }).setProtectedHeader({ alg: 'HS256' }).sign(new Uint8Array(Buffer.from(good, 'base64')));
      assert.equal((await httpRequest(`${shield.gatewayUrl}/x`, { headers: { authorization: `Bearer ${jwt}` } })).status, 200);
      writeFileSync(file, yaml('super-secret-jwt-token-with-at-least-32-characters-long', 'utf8'));
      const r = await adminFetch(shield, '/reload', { method: 'POST' });
      assert.equal(r.status, 422);
      const body = (await r.json()) as { error: string };
      assert.match(body.error, /PALISADE_ERR_AUTH_WEAK_SECRET/);
      assert.doesNotMatch(body.error, /super-secret-jwt-token/, 'the secret is not echoed');
      assert.equal((await httpRequest(`${shield.gatewayUrl}/x`, { headers: { authorization: `Bearer ${jwt}` } })).status, 200, 'the previous configuration keeps serving');
    } finally {
      await shield.close();
      await up.close();
      t.cleanup();
    }
  });
});

describe('mTLS through the gateway', () => {
  test('a client certificate signed by gateway.tls.clientCa authenticates; none is 401', async (t) => {
    try {
      execFileSync('openssl', ['version'], { stdio: 'ignore' });
    } catch {
      t.skip('openssl is not installed');
      return;
    }
    const tmp = tempDir();
    const run = (...args: string[]) => execFileSync('openssl', args, { cwd: tmp.dir, stdio: 'ignore' });
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
    run('req', '-x509', ...ec, '-keyout', 'server.key', '-out', 'server.pem', '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1');
    run('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Clients CA');
    run('req', ...ec, '-keyout', 'client.key', '-out', 'client.csr', '-subj', '/CN=svc-reports');
    run('x509', '-req', '-in', 'client.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'client.pem', '-days', '2');
    const up = await startUpstream((_req, res) => res.end('ok'));
    const shield = await startTestShield(
      `
gateway:
  tls: { cert: server.pem, key: server.key, clientCa: ca.pem }
apis: [{ name: up, upstream: ${up.url} }]
defaults:
  authenticate: { enabled: true, methods: [mtls], mtls: { principal: subject } }
`,
      { dir: tmp.dir, baseDir: tmp.dir },
    );
    try {
      const f = (n: string) => readFileSync(join(tmp.dir, n));
      const withCert = await new Promise<{ status: number; id: string }>((resolve, reject) => {
        const u = new URL(shield.gatewayUrl);
        https
          .get({ host: u.hostname, port: u.port, path: '/r', ca: f('server.pem'), cert: f('client.pem'), key: f('client.key'), agent: false }, (res) => {
            res.resume();
            res.on('end', () => resolve({ status: res.statusCode ?? 0, id: String(res.headers['x-request-id']) }));
          })
          .on('error', reject);
      });
      assert.equal(withCert.status, 200);
      const x = await recorded(shield, withCert.id);
      assert.equal(x.principal?.id, 'svc-reports');
      assert.equal(x.principal?.method, 'mtls');
      const without = await httpRequest(`${shield.gatewayUrl}/r`, { ca: f('server.pem') });
      assert.equal(without.status, 401);
      assert.match(String(without.headers['www-authenticate']), /ClientCertificate realm="palisade"/);
    } finally {
      await shield.close();
      await up.close();
      tmp.cleanup();
    }
  });
});

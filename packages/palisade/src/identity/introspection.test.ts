import { describe, it, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { IntrospectionVerifier } from './introspection.js';
import { NOW_S, deadUrl, jsonServer, sendJson, type JsonServer } from './jwt.test-support.js';

describe('token introspection (RFC 7662)', () => {
  let server: JsonServer;
  const tokens = new Map<string, Record<string, unknown>>();
  let delayMs = 0;
  before(async () => {
    server = await jsonServer((req, body, res) => {
      if (req.headers.authorization !== 'Basic ' + Buffer.from('palisade:s3cret%2B').toString('base64')) return sendJson(res, 401, { error: 'invalid_client' });
      const token = new URLSearchParams(body).get('token') ?? '';
      setTimeout(() => sendJson(res, 200, tokens.get(token) ?? { active: false }), delayMs);
    });
  });
  after(() => server.close());

  const verifier = (extra: Partial<ConstructorParameters<typeof IntrospectionVerifier>[0]> = {}) =>
    new IntrospectionVerifier({ endpoint: `${server.url}/introspect`, clientId: 'palisade', clientSecret: 's3cret+', cacheSeconds: 30, ...extra });

  it('accepts an active token and maps its claims; client authentication per RFC 6749 §2.3.1', async () => {
    tokens.set('tok-active', { active: true, sub: 'user-7', scope: 'a b', roles: ['admin'], tenant: 't1', exp: NOW_S() + 600, client_id: 'app' });
    const v = verifier();
    const r = await v.verify('tok-active');
    assert.ok(r.ok);
    assert.equal(r.principal.id, 'user-7');
    assert.equal(r.principal.method, 'introspection');
    assert.deepEqual(r.principal.scopes, ['a', 'b']);
    assert.deepEqual(r.principal.roles, ['admin']);
    assert.equal(r.principal.tenant, 't1');
    const sent = server.requests.at(-1)!;
    assert.equal(sent.method, 'POST');
    assert.equal(sent.headers['content-type'], 'application/x-www-form-urlencoded');
    assert.deepEqual(Object.fromEntries(new URLSearchParams(sent.body)), { token: 'tok-active', token_type_hint: 'access_token' });
  });

  it('refuses inactive tokens, and anything but a literal active: true', async () => {
    const v = verifier();
    assert.equal(((await v.verify('tok-unknown')) as { reason: string }).reason, 'inactive');
    tokens.set('tok-stringy', { active: 'true', sub: 'x' });
    assert.equal(((await v.verify('tok-stringy')) as { reason: string }).reason, 'inactive');
  });

  it('caches answers (active and inactive) for cacheSeconds, and never past exp', async () => {
    let now = Date.now();
    tokens.set('tok-c', { active: true, sub: 'u', exp: Math.floor(now / 1000) + 10 });
    const v = verifier({ now: () => now, clockSkewSeconds: 0 });
    await v.verify('tok-c');
    await v.verify('tok-c');
    assert.ok(v.cached('tok-c')?.ok, 'a synchronous hit');
    await v.verify('tok-none');
    await v.verify('tok-none');
    assert.equal(v.calls, 2, 'one call per token');
    now += 11_000;
    assert.equal(v.cached('tok-c'), undefined, 'the entry ends with the token');
    now += 30_000;
    await v.verify('tok-none');
    assert.equal(v.calls, 3, 'the negative answer expired after cacheSeconds');
  });

  it('shares one call between concurrent requests with the same token', async () => {
    tokens.set('tok-concurrent', { active: true, sub: 'u' });
    delayMs = 50;
    const v = verifier();
    const rs = await Promise.all(Array.from({ length: 10 }, () => v.verify('tok-concurrent')));
    delayMs = 0;
    assert.ok(rs.every((r) => r.ok));
    assert.equal(v.calls, 1);
  });

  it('checks exp, nbf, iss and aud of the answer', async () => {
    tokens.set('tok-exp', { active: true, sub: 'u', exp: NOW_S() - 100 });
    tokens.set('tok-nbf', { active: true, sub: 'u', nbf: NOW_S() + 600 });
    tokens.set('tok-iss', { active: true, sub: 'u', iss: 'https://other.example', aud: 'api' });
    tokens.set('tok-aud', { active: true, sub: 'u', iss: 'https://id.example', aud: ['other'] });
    tokens.set('tok-nosub', { active: true, scope: 'x' });
    tokens.set('tok-client', { active: true, client_id: 'svc-1' });
    const v = verifier({ issuer: 'https://id.example', audience: 'api' });
    const reason = async (t: string) => {
      const r = await v.verify(t);
      return r.ok ? 'ok' : r.reason;
    };
    assert.equal(await reason('tok-exp'), 'expired');
    assert.equal(await reason('tok-nbf'), 'not-yet-valid');
    assert.equal(await reason('tok-iss'), 'wrong-issuer');
    assert.equal(await reason('tok-aud'), 'wrong-audience');
    const plain = verifier();
    assert.equal(((await plain.verify('tok-nosub')) as { reason: string }).reason, 'missing-claim');
    const client = await plain.verify('tok-client');
    assert.ok(client.ok && client.principal.id === 'svc-1', 'client-credentials tokens: client_id is the principal');
  });

  it('is unavailable when the endpoint is down, refuses its client, or times out — and does not cache that', async () => {
    const down = new IntrospectionVerifier({ endpoint: await deadUrl(), clientId: 'palisade', clientSecret: 's3cret+', timeoutMs: 1000 });
    const r = await down.verify('tok-active');
    assert.equal(!r.ok && r.reason, 'unavailable');
    assert.equal(down.cached('tok-active'), undefined);
    const wrongClient = verifier({ clientSecret: 'nope' });
    assert.equal(((await wrongClient.verify('tok-active')) as { reason: string }).reason, 'unavailable');
    delayMs = 500;
    const slow = verifier({ timeoutMs: 100 });
    assert.equal(((await slow.verify('tok-active')) as { reason: string }).reason, 'unavailable');
    delayMs = 0;
  });
});

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { JwksCache } from './jwks.js';
import { JwtVerifier } from './jwt.js';
import { deadUrl, jsonServer, sendJson, sign, testKey, type JsonServer, type TestKey } from './jwt.test-support.js';

describe('JwksCache', () => {
  let k1: TestKey;
  let k2: TestKey;
  let server: JsonServer;
  let doc: unknown;
  let status = 200;
  before(async () => {
    k1 = await testKey('ES256', 'k1');
    k2 = await testKey('ES256', 'k2');
    server = await jsonServer((_req, _body, res) => sendJson(res, status, doc));
  });
  after(() => server.close());

  const fresh = (now: () => number, extra: Partial<ConstructorParameters<typeof JwksCache>[0]> = {}) =>
    new JwksCache({ url: server.url, algorithms: ['ES256'], cooldownMs: 30_000, maxAgeMs: 600_000, now, ...extra });

  it('an unknown kid triggers one refresh; repeated unknown kids are rate-limited', async () => {
    doc = { keys: [k1.jwk] };
    status = 200;
    server.hits = 0;
    let now = 1_000_000;
    const jwks = fresh(() => now);
    const v = new JwtVerifier({ keys: jwks, algorithms: ['ES256'], clockSkewSeconds: 0 });
    assert.ok((await v.verify(await sign({ sub: 'a' }, k1))).ok);
    assert.equal(server.hits, 1, 'first load');

    // The issuer rotates k2 in: the first token with k2 refreshes the set and is accepted.
    doc = { keys: [k1.jwk, k2.jwk] };
    now += 31_000;
    assert.ok((await v.verify(await sign({ sub: 'a' }, k2))).ok);
    assert.equal(server.hits, 2, 'one refresh for the unknown kid');

    // A flood of made-up kids costs one fetch per cooldown, however many requests.
    now += 31_000;
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => sign({ sub: 'a' }, { ...k1, kid: `made-up-${i}` }).then((t) => v.verify(t))));
    assert.ok(results.every((r) => !r.ok && r.reason === 'unknown'));
    assert.equal(server.hits, 3, 'the first unknown kid refreshed; the others shared it or were within the cooldown');
    for (let i = 0; i < 20; i++) await v.verify(await sign({ sub: 'a' }, { ...k1, kid: `again-${i}` }));
    assert.equal(server.hits, 3, 'no fetch within the cooldown');
    now += 31_000;
    await v.verify(await sign({ sub: 'a' }, { ...k1, kid: 'after-cooldown' }));
    assert.equal(server.hits, 4, 'one more after the cooldown');
  });

  it('keeps its keys when the issuer fails, and does not hammer it', async () => {
    doc = { keys: [k1.jwk] };
    status = 200;
    server.hits = 0;
    let now = 5_000_000;
    const jwks = fresh(() => now);
    const v = new JwtVerifier({ keys: jwks, algorithms: ['ES256'], clockSkewSeconds: 0 });
    const token = await sign({ sub: 'a' }, k1);
    assert.ok((await v.verify(token)).ok);
    status = 500;
    now += 31_000;
    assert.equal((await v.verify(await sign({ sub: 'a' }, { ...k1, kid: 'x' }))).ok, false);
    assert.equal(server.hits, 2);
    for (let i = 0; i < 10; i++) await v.verify(await sign({ sub: 'a' }, { ...k1, kid: `x${i}` }));
    assert.equal(server.hits, 2, 'a failed fetch cools down too');
    assert.ok((await v.verify(await sign({ sub: 'b' }, k1))).ok, 'known keys keep working');
    // Stale keys are refreshed in the background, and served meanwhile.
    status = 200;
    now += 700_000;
    assert.ok((await v.verify(await sign({ sub: 'c' }, k1))).ok);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(server.hits, 3, 'background refresh of stale keys');
  });

  it('is unavailable (not "unknown") when no key set was ever loaded', async () => {
    const jwks = new JwksCache({ url: await deadUrl(), algorithms: ['ES256'], timeoutMs: 1000 });
    const v = new JwtVerifier({ keys: jwks, algorithms: ['ES256'], clockSkewSeconds: 0 });
    const r = await v.verify(await sign({ sub: 'a' }, k1));
    assert.equal(!r.ok && r.reason, 'unavailable');
    await jwks.warm();
    assert.equal(jwks.loaded, false);
  });

  it('imports only usable public signing keys for the allowed algorithms', async () => {
    const rsa = await testKey('RS256', 'r1');
    status = 200;
    doc = {
      keys: [
        k1.jwk,
        { kty: 'oct', k: 'c2VjcmV0', kid: 'sym' },
        { ...k1.jwk, kid: 'enc', use: 'enc' },
        { ...k1.jwk, kid: 'priv', d: 'AAAA' },
        { ...k1.jwk, kid: 'wrong-alg', alg: 'ES384' },
        rsa.jwk,
        'not a key',
        null,
      ],
    };
    const jwks = fresh(Date.now);
    await jwks.warm();
    assert.deepEqual(jwks.kids(), ['k1'], 'oct, enc, private, mismatched and not-allowed keys are skipped');
  });

  it('accepts a token without kid only when one key fits', async () => {
    status = 200;
    doc = { keys: [k1.jwk] };
    const one = fresh(Date.now);
    const v1 = new JwtVerifier({ keys: one, algorithms: ['ES256'], clockSkewSeconds: 0 });
    assert.ok((await v1.verify(await sign({ sub: 'a' }, { privateKey: k1.privateKey, alg: 'ES256' }))).ok);
    doc = { keys: [k1.jwk, k2.jwk] };
    const two = fresh(Date.now);
    const v2 = new JwtVerifier({ keys: two, algorithms: ['ES256'], clockSkewSeconds: 0 });
    const r = await v2.verify(await sign({ sub: 'a' }, { privateKey: k1.privateKey, alg: 'ES256' }));
    assert.equal(!r.ok && r.reason, 'unknown');
  });

  it('refuses documents that are not key sets or too large', async () => {
    status = 200;
    doc = { notKeys: [] };
    const a = fresh(Date.now);
    assert.equal(await a.refresh(), false);
    doc = { keys: [k1.jwk], padding: 'x'.repeat(300 * 1024) };
    const b = fresh(Date.now);
    assert.equal(await b.refresh(), false);
  });
});

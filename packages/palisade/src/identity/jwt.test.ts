// The JWT attack matrix: every rejection the authentication issue lists, one test each, plus the
// claim mapping and the verified-token cache.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createSecretKey, randomBytes } from 'node:crypto';
import { SignJWT, exportPKCS8, importPKCS8, type JWTHeaderParameters } from 'jose';
import type { AuthResult } from './types.js';
import { JwtVerifier, looksLikeJwt, type JwtVerifierOptions } from './jwt.js';
import { JwksCache } from './jwks.js';
import { StaticKeys, KeyError, algorithmsForPem, parsePublicPem } from './keys.js';
import { NOW_S, b64url, jsonServer, sendJson, sign, testKey, type JsonServer, type TestKey } from './jwt.test-support.js';

const ISS = 'https://issuer.example';
const AUD = 'orders-api';

function reasonOf(r: AuthResult): string {
  return r.ok ? 'ok' : r.reason;
}

describe('JWT verification: the attack matrix', () => {
  let es: TestKey;
  let rs: TestKey;
  let attacker: TestKey;
  let esVerifier: JwtVerifier;
  let rsVerifier: JwtVerifier;
  const verifierFor = (key: TestKey, extra: Partial<JwtVerifierOptions> = {}) => {
    const pub = parsePublicPem(key.pem);
    return new JwtVerifier({
      keys: new StaticKeys(pub, algorithmsForPem(pub, [key.alg])),
      algorithms: [key.alg],
      issuer: ISS,
      audience: AUD,
      clockSkewSeconds: 30,
      ...extra,
    });
  };
  const good = (extra: Record<string, unknown> = {}) => ({ iss: ISS, aud: AUD, sub: 'user-1', iat: NOW_S(), ...extra });

  before(async () => {
    es = await testKey('ES256', 'es-1');
    rs = await testKey('RS256', 'rs-1');
    attacker = await testKey('ES256', 'es-1');
    esVerifier = verifierFor(es);
    rsVerifier = verifierFor(rs);
  });

  it('accepts a well-formed token and maps its claims', async () => {
    const token = await sign(good({ roles: ['admin', 'reader'], scope: 'orders:read orders:write', tenant: 'acme' }), es);
    const r = await esVerifier.verify(token);
    assert.ok(r.ok, reasonOf(r));
    assert.equal(r.principal.id, 'user-1');
    assert.equal(r.principal.method, 'jwt');
    assert.deepEqual(r.principal.roles, ['admin', 'reader']);
    assert.deepEqual(r.principal.scopes, ['orders:read', 'orders:write']);
    assert.equal(r.principal.tenant, 'acme');
    assert.ok(Object.isFrozen(r.principal) && Object.isFrozen(r.principal.claims), 'a shared principal cannot be changed by a later stage');
  });

  it('refuses alg "none" in any spelling, signed or not', async () => {
    for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
      const token = `${b64url({ alg, typ: 'JWT' })}.${b64url(good())}.`;
      assert.equal(reasonOf(await esVerifier.verify(token)), 'algorithm-refused', alg);
      const withSig = `${b64url({ alg })}.${b64url(good())}.${b64url('x')}`;
      assert.equal(reasonOf(await esVerifier.verify(withSig)), 'algorithm-refused', alg);
    }
    assert.throws(() => new JwtVerifier({ keys: new StaticKeys(new Uint8Array(32), ['HS256']), algorithms: ['none'], clockSkewSeconds: 0 }), /none/);
  });

  it('refuses algorithm confusion: the RSA public key used as an HS256 secret', async () => {
    for (const secret of [Buffer.from(rs.pem), Buffer.from(rs.pem.trim()), Buffer.from(JSON.stringify(rs.jwk))]) {
      const token = await new SignJWT(good()).setProtectedHeader({ alg: 'HS256', kid: rs.kid }).sign(new Uint8Array(secret));
      assert.equal(reasonOf(await rsVerifier.verify(token)), 'algorithm-refused');
    }
    // And a configuration cannot even ask for it: HMAC algorithms are refused with a public key.
    assert.throws(() => algorithmsForPem(parsePublicPem(rs.pem), ['RS256', 'HS256']), KeyError);
  });

  it('refuses an algorithm the key was not imported for (RS256 key, PS256 token)', async () => {
    const pub = parsePublicPem(rs.pem);
    const v = new JwtVerifier({ keys: new StaticKeys(pub, algorithmsForPem(pub, ['RS256'])), algorithms: ['RS256'], clockSkewSeconds: 0 });
    const psKey = await importPKCS8(await exportPKCS8(rs.privateKey), 'PS256');
    const ps = await new SignJWT(good()).setProtectedHeader({ alg: 'PS256' }).sign(psKey);
    assert.equal(reasonOf(await v.verify(ps)), 'algorithm-refused');
    assert.throws(() => algorithmsForPem(pub, ['ES256']), /cannot verify ES256/);
  });

  for (const header of ['jku', 'x5u', 'jwk', 'x5c'] as const) {
    it(`refuses tokens carrying a ${header} header, even validly signed`, async () => {
      const value =
        header === 'jwk' ? attacker.jwk : header === 'x5c' ? ['MIIBszCCAVmgAwIBAgIUDummyCertificate'] : 'https://attacker.example/keys.json';
      const signedByUs = await sign(good(), es, { [header]: value });
      assert.equal(reasonOf(await esVerifier.verify(signedByUs)), 'header-refused');
      const signedByAttacker = await sign(good(), attacker, { [header]: value });
      assert.equal(reasonOf(await esVerifier.verify(signedByAttacker)), 'header-refused');
    });
  }

  it('does not use kid as anything but a lookup key among configured keys (static key)', async () => {
    for (const kid of ['../../../../dev/null', "' OR 1=1 --", '/etc/passwd', 'http://attacker.example/k', '__proto__', 'constructor']) {
      // Signed by the attacker: the kid does not make the attacker's key (or an empty one) count.
      const forged = await sign(good(), { ...attacker, kid });
      assert.equal(reasonOf(await esVerifier.verify(forged)), 'bad-signature', kid);
      // Signed by the issuer: the kid selects nothing with a single key, so the token is fine.
      assert.equal(reasonOf(await esVerifier.verify(await sign(good(), { ...es, kid }))), 'ok', kid);
    }
    // An HMAC verifier: an empty secret (what /dev/null would give) does not verify anything.
    const secret = randomBytes(32);
    const hs = new JwtVerifier({ keys: new StaticKeys(new Uint8Array(secret), ['HS256']), algorithms: ['HS256'], clockSkewSeconds: 0 });
    const empty = await new SignJWT(good()).setProtectedHeader({ alg: 'HS256', kid: '../../../../dev/null' }).sign(createSecretKey(Buffer.alloc(1)));
    assert.equal(reasonOf(await hs.verify(empty)), 'bad-signature');
    const tooLongKid = await sign(good(), { ...es, kid: 'k'.repeat(300) });
    assert.equal(reasonOf(await esVerifier.verify(tooLongKid)), 'malformed');
  });

  it('refuses expired tokens, allowing the configured clock skew only', async () => {
    assert.equal(reasonOf(await esVerifier.verify(await sign(good({ exp: NOW_S() - 31 }), es))), 'expired');
    assert.equal(reasonOf(await esVerifier.verify(await sign(good({ exp: NOW_S() - 3600 }), es))), 'expired');
    assert.equal(reasonOf(await esVerifier.verify(await sign(good({ exp: NOW_S() - 10 }), es))), 'ok', 'within 30 s of skew');
    const strict = verifierFor(es, { clockSkewSeconds: 0 });
    assert.equal(reasonOf(await strict.verify(await sign(good({ exp: NOW_S() - 1 }), es))), 'expired');
  });

  it('refuses tokens without exp', async () => {
    const token = await new SignJWT(good()).setProtectedHeader({ alg: 'ES256' }).sign(es.privateKey);
    assert.equal(reasonOf(await esVerifier.verify(token)), 'missing-claim');
  });

  it('refuses tokens not yet valid: nbf in the future beyond the skew', async () => {
    assert.equal(reasonOf(await esVerifier.verify(await sign(good({ nbf: NOW_S() + 120 }), es))), 'not-yet-valid');
    assert.equal(reasonOf(await esVerifier.verify(await sign(good({ nbf: NOW_S() + 10 }), es))), 'ok');
  });

  it('refuses tokens issued in the future (iat) beyond the skew', async () => {
    assert.equal(reasonOf(await esVerifier.verify(await sign(good({ iat: NOW_S() + 3600 }), es))), 'not-yet-valid');
    assert.equal(reasonOf(await esVerifier.verify(await sign(good({ iat: NOW_S() + 10 }), es))), 'ok');
    const aged = verifierFor(es, { maxTokenAgeSeconds: 60 });
    assert.equal(reasonOf(await aged.verify(await sign(good({ iat: NOW_S() - 600 }), es))), 'expired', 'older than maxTokenAge');
    assert.equal(reasonOf(await aged.verify(await sign(good({ iat: NOW_S() + 600 }), es))), 'not-yet-valid');
  });

  it('bounds the clock skew', () => {
    const keys = new StaticKeys(new Uint8Array(32), ['HS256']);
    assert.throws(() => new JwtVerifier({ keys, algorithms: ['HS256'], clockSkewSeconds: 301 }), /clock skew/);
    assert.throws(() => new JwtVerifier({ keys, algorithms: ['HS256'], clockSkewSeconds: -1 }), /clock skew/);
  });

  it('refuses the wrong issuer and the wrong audience', async () => {
    assert.equal(reasonOf(await esVerifier.verify(await sign(good({ iss: 'https://evil.example' }), es))), 'wrong-issuer');
    assert.equal(reasonOf(await esVerifier.verify(await sign(good({ iss: ISS + '/' }), es))), 'wrong-issuer');
    assert.equal(reasonOf(await esVerifier.verify(await sign(good({ aud: 'billing-api' }), es))), 'wrong-audience');
    assert.equal(reasonOf(await esVerifier.verify(await sign(good({ aud: ['billing-api', AUD] }), es))), 'ok');
    assert.equal(reasonOf(await esVerifier.verify(await sign(good({ aud: undefined }), es))), 'missing-claim');
  });

  it('refuses a tampered payload and a tampered signature', async () => {
    const token = await sign(good({ roles: ['reader'] }), es);
    const [h, p, s] = token.split('.') as [string, string, string];
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
    const escalated = `${h}.${b64url({ ...payload, roles: ['admin'] })}.${s}`;
    assert.equal(reasonOf(await esVerifier.verify(escalated)), 'bad-signature');
    const flipped = s.slice(0, 10) + (s[10] === 'A' ? 'B' : 'A') + s.slice(11);
    assert.equal(reasonOf(await esVerifier.verify(`${h}.${p}.${flipped}`)), 'bad-signature');
    assert.equal(reasonOf(await esVerifier.verify(`${h}.${p}.`)), 'bad-signature');
    const otherKey = await sign(good(), attacker);
    assert.equal(reasonOf(await esVerifier.verify(otherKey)), 'bad-signature');
  });

  it('refuses a token missing a required claim, or without a subject', async () => {
    const v = verifierFor(es, { requiredClaims: ['tenant', 'jti'] });
    assert.equal(reasonOf(await v.verify(await sign(good({ tenant: 'acme' }), es))), 'missing-claim');
    assert.equal(reasonOf(await v.verify(await sign(good({ tenant: 'acme', jti: 'j1' }), es))), 'ok');
    assert.equal(reasonOf(await esVerifier.verify(await sign(good({ sub: undefined }), es))), 'missing-claim');
    assert.equal(reasonOf(await esVerifier.verify(await sign(good({ sub: '' }), es))), 'missing-claim');
  });

  it('refuses malformed tokens, unknown crit headers and the wrong typ', async () => {
    for (const t of ['', 'abc', 'a.b', 'a.b.c.d', '....', `not-json.${b64url(good())}.sig`]) {
      assert.equal(reasonOf(await esVerifier.verify(t)), 'malformed', t);
    }
    assert.equal(reasonOf(await esVerifier.verify('e'.repeat(9000))), 'malformed');
    const crit = await new SignJWT(good({ exp: NOW_S() + 60 }))
      .setProtectedHeader({ alg: 'ES256', crit: ['urn:example:unknown'], 'urn:example:unknown': true } as JWTHeaderParameters)
      .sign(es.privateKey, { crit: { 'urn:example:unknown': true } });
    assert.equal(reasonOf(await esVerifier.verify(crit)), 'header-refused');
    const typed = verifierFor(es, { type: 'at+jwt' });
    assert.equal(reasonOf(await typed.verify(await sign(good(), es, { typ: 'JWT' }))), 'header-refused');
    assert.equal(reasonOf(await typed.verify(await sign(good(), es, { typ: 'at+jwt' }))), 'ok');
  });

  it('maps nested and namespaced claims, and scp arrays', async () => {
    const v = verifierFor(es, { claims: { subject: 'email', roles: 'realm_access.roles', tenant: 'https://example.com/tenant' } });
    const r = await v.verify(await sign(good({ email: 'a@example.com', realm_access: { roles: ['ops'] }, 'https://example.com/tenant': 't9', scp: ['a', 'b'] }), es));
    assert.ok(r.ok);
    assert.equal(r.principal.id, 'a@example.com');
    assert.deepEqual(r.principal.roles, ['ops']);
    assert.equal(r.principal.tenant, 't9');
    assert.deepEqual(r.principal.scopes, ['a', 'b']);
  });

  it('remembers verified tokens, synchronously, but never past exp', async () => {
    let now = Date.now();
    const v = verifierFor(es, { now: () => now, clockSkewSeconds: 0 });
    const token = await sign(good({ exp: Math.floor(now / 1000) + 20 }), es);
    assert.equal(v.cached(token), undefined);
    const first = await v.verify(token);
    assert.ok(first.ok);
    assert.equal(v.cached(token), first, 'the same frozen result, no new allocation');
    now += 25_000;
    assert.equal(v.cached(token), undefined, 'expired tokens are not served from the cache');
    assert.equal(reasonOf(await v.verify(token)), 'expired');
    // Failures are never cached.
    const bad = await sign(good({ iss: 'https://evil.example' }), es);
    await v.verify(bad);
    assert.equal(v.cached(bad), undefined);
  });

  it('tells JWT-shaped bearer tokens from opaque ones', async () => {
    assert.ok(looksLikeJwt(await sign(good(), es)));
    for (const t of ['opaque-token', 'abc.def', 'a.b.c', 'eyJ.x', '2YotnFZFEjr1zCsicMWpAA']) assert.equal(looksLikeJwt(t), false, t);
  });
});

describe('JWT verification with a JWKS', () => {
  let k1: TestKey;
  let k2: TestKey;
  let server: JsonServer;
  let keys: object[];
  before(async () => {
    k1 = await testKey('ES256', 'k1');
    k2 = await testKey('RS256', 'k2');
    keys = [k1.jwk];
    server = await jsonServer((_req, _body, res) => sendJson(res, 200, { keys }));
  });
  after(() => server.close());

  it('kid selects among the JWKS keys only; injected kids are simply unknown', async () => {
    server.hits = 0;
    const jwks = new JwksCache({ url: server.url, algorithms: ['ES256'], cooldownMs: 60_000 });
    const v = new JwtVerifier({ keys: jwks, algorithms: ['ES256'], clockSkewSeconds: 0 });
    assert.equal(reasonOf(await v.verify(await sign({ sub: 'u' }, k1))), 'ok');
    for (const kid of ['../../../../dev/null', "' OR 1=1 --", 'k1\u0000', 'K1', '__proto__', 'hasOwnProperty']) {
      assert.equal(reasonOf(await v.verify(await sign({ sub: 'u' }, { ...k1, kid }))), 'unknown', kid);
    }
    assert.equal(server.hits, 1, 'one load; the unknown kids were rate-limited to no further fetch within the cooldown');
  });

  it('an RS256 key in the JWKS is not usable as an HS256 secret', async () => {
    keys = [k1.jwk, k2.jwk];
    const jwks = new JwksCache({ url: server.url, algorithms: ['RS256'] });
    const v = new JwtVerifier({ keys: jwks, algorithms: ['RS256'], clockSkewSeconds: 0 });
    const confused = await new SignJWT({ sub: 'u', exp: NOW_S() + 60 }).setProtectedHeader({ alg: 'HS256', kid: 'k2' }).sign(new Uint8Array(Buffer.from(JSON.stringify(k2.jwk))));
    assert.equal(reasonOf(await v.verify(confused)), 'algorithm-refused');
    assert.equal(reasonOf(await v.verify(await sign({ sub: 'u' }, k2))), 'ok');
    keys = [k1.jwk];
  });
});

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PalisadeError, parseConfig, type PalisadeConfig } from '../core/index.js';
import { AuthenticatorRegistry } from './authenticators.js';
import { jsonServer, sendJson, sign, testKey, type JsonServer, type TestKey } from './jwt.test-support.js';

function config(yaml: string, baseDir?: string): PalisadeConfig {
  return parseConfig(yaml, 'test.yaml', { env: {}, ...(baseDir ? { baseDir } : {}) });
}

const jwtBlock = (inner: string) => `
defaults:
  authenticate:
    enabled: true
    methods: [jwt]
    jwt:
${inner
  .trim()
  .split('\n')
  .map((l) => '      ' + l)
  .join('\n')}
`;

async function refusal(p: Promise<unknown>): Promise<PalisadeError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof PalisadeError, String(err));
    return err;
  }
  assert.fail('expected the configuration to be refused');
}

describe('AuthenticatorRegistry', () => {
  let key: TestKey;
  let idp: JsonServer;
  let issuerDoc: Record<string, unknown> | undefined;
  let dir: string;
  before(async () => {
    key = await testKey('ES256', 'k1');
    dir = mkdtempSync(join(tmpdir(), 'palisade-auth-'));
    idp = await jsonServer((req, _body, res) => {
      if (req.url === '/.well-known/openid-configuration') return issuerDoc ? sendJson(res, 200, issuerDoc) : sendJson(res, 500, {});
      if (req.url === '/jwks') return sendJson(res, 200, { keys: [key.jwk] });
      sendJson(res, 404, {});
    });
  });
  after(async () => {
    await idp.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a weak shared secret when the configuration is loaded', async () => {
    for (const [secret, why] of [
      ['your-256-bit-secret', /guessable/],
      ['short-but-random-Zq8#', /bytes/],
      ['changeme'.repeat(6), /guessable/],
    ] as const) {
      const reg = new AuthenticatorRegistry({ env: { JWT_SECRET: secret } });
      const err = await refusal(reg.prepare(config(jwtBlock('secretEnv: JWT_SECRET\nalgorithms: [HS256]'))));
      assert.equal(err.code, 'PALISADE_ERR_AUTH_WEAK_SECRET');
      assert.match(err.message, why);
      assert.ok(!err.message.includes(secret), 'the secret itself is never in the message');
    }
    // Inline, and base64-encoded placeholders too.
    const inline = new AuthenticatorRegistry();
    assert.equal((await refusal(inline.prepare(config(jwtBlock('secret: supersecretkey\nalgorithms: [HS256]'))))).code, 'PALISADE_ERR_AUTH_WEAK_SECRET');
    const b64 = new AuthenticatorRegistry({ env: { S: Buffer.from('super-secret-jwt-token-with-at-least-32-characters-long').toString('base64') } });
    assert.equal((await refusal(b64.prepare(config(jwtBlock('secretEnv: S\nsecretEncoding: base64\nalgorithms: [HS256]'))))).code, 'PALISADE_ERR_AUTH_WEAK_SECRET');
    // HS512 needs 64 bytes.
    const hs512 = new AuthenticatorRegistry({ env: { S: randomBytes(40).toString('base64') } });
    assert.equal((await refusal(hs512.prepare(config(jwtBlock('secretEnv: S\nsecretEncoding: base64\nalgorithms: [HS512]'))))).code, 'PALISADE_ERR_AUTH_WEAK_SECRET');
  });

  it('accepts a random secret from the environment; a missing variable is an error', async () => {
    const secret = randomBytes(48).toString('base64');
    const reg = new AuthenticatorRegistry({ env: { JWT_SECRET: secret } });
    const cfg = config(jwtBlock('secretEnv: JWT_SECRET\nsecretEncoding: base64\nalgorithms: [HS256]'));
    await reg.prepare(cfg);
    const a = reg.get(cfg.defaults.authenticate);
    const token = await sign({ sub: 'u' }, { privateKey: new Uint8Array(Buffer.from(secret, 'base64')), alg: 'HS256' });
    assert.ok(a.jwt && a.jwt.cached(token) === undefined && (await a.jwt.verify(token)).ok);
    const missing = new AuthenticatorRegistry({ env: {} });
    const err = await refusal(missing.prepare(cfg));
    assert.equal(err.code, 'PALISADE_ERR_AUTH_KEY');
    assert.match(err.message, /JWT_SECRET is not set/);
    const badEncoding = new AuthenticatorRegistry({ env: { JWT_SECRET: 'not hex!' } });
    assert.equal((await refusal(badEncoding.prepare(config(jwtBlock('secretEnv: JWT_SECRET\nsecretEncoding: hex\nalgorithms: [HS256]'))))).code, 'PALISADE_ERR_AUTH_KEY');
  });

  it('refuses bad PEM keys: garbage, private keys, short RSA keys, keys that do not fit the algorithms', async () => {
    const weakRsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }) as string;
    const priv = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    const cases: Array<[string, string, RegExp]> = [
      ['-----BEGIN PUBLIC KEY-----\nnot base64\n-----END PUBLIC KEY-----\n', 'ES256', /not a PEM/],
      [priv, 'ES256', /private key/],
      [weakRsa, 'RS256', /2048/],
      [key.pem, 'RS256', /cannot verify RS256/],
    ];
    for (const [pem, alg, why] of cases) {
      const file = join(dir, `k-${alg}-${Math.random()}.pem`);
      writeFileSync(file, pem);
      const err = await refusal(new AuthenticatorRegistry().prepare(config(jwtBlock(`publicKeyFile: ${file}\nalgorithms: [${alg}]`))));
      assert.equal(err.code, 'PALISADE_ERR_AUTH_KEY');
      assert.match(err.message, why);
    }
    const unreadable = await refusal(new AuthenticatorRegistry().prepare(config(jwtBlock('publicKeyFile: nope.pem\nalgorithms: [ES256]'), dir)));
    assert.match(unreadable.message, /ENOENT/);
  });

  it('keeps verifiers (and their caches) across loads while their settings do not change', async () => {
    const reg = new AuthenticatorRegistry();
    const yaml = (aud: string) => jwtBlock(`jwksUrl: ${idp.url}/jwks\nalgorithms: [ES256]\naudience: ${aud}`);
    const c1 = config(yaml('a'));
    await reg.prepare(c1);
    const v1 = reg.get(c1.defaults.authenticate).jwt!;
    const hits = idp.hits;
    const c2 = config(yaml('a') + '\n  limits: { maxBodyBytes: 2048 }\n');
    await reg.prepare(c2);
    assert.equal(reg.get(c2.defaults.authenticate).jwt, v1, 'same settings: same verifier');
    assert.equal(idp.hits, hits, 'and no new JWKS fetch');
    const c3 = config(yaml('b'));
    await reg.prepare(c3);
    const v3 = reg.get(c3.defaults.authenticate).jwt!;
    assert.notEqual(v3, v1, 'another audience: another verifier');
    assert.equal(idp.hits, hits, 'but the same JWKS cache');
    const ok = await v3.verify(await sign({ sub: 'u', aud: 'b' }, key));
    assert.ok(ok.ok);
  });

  it('builds per-route verifiers from merged settings', async () => {
    const cfg = config(`
apis: [{ name: a, upstream: 'http://127.0.0.1:1' }]
routes:
  - { api: a, pathPrefix: /a }
  - { api: a, pathPrefix: /b, stages: { authenticate: { jwt: { audience: api-b } } } }
${jwtBlock(`jwksUrl: ${idp.url}/jwks\nalgorithms: [ES256]\naudience: api-a`)}`);
    const reg = new AuthenticatorRegistry();
    await reg.prepare(cfg);
    const b = reg.get({ ...cfg.defaults.authenticate, jwt: { ...cfg.defaults.authenticate.jwt, audience: 'api-b' } }).jwt!;
    assert.ok((await b.verify(await sign({ sub: 'u', aud: 'api-b' }, key))).ok);
    assert.equal(((await b.verify(await sign({ sub: 'u', aud: 'api-a' }, key))) as { reason: string }).reason, 'wrong-audience');
  });

  it('finds the JWKS through OpenID Connect discovery, and keeps what it found when the issuer is briefly down', async () => {
    issuerDoc = { issuer: idp.url, jwks_uri: `${idp.url}/jwks` };
    const cfg = config(jwtBlock(`issuer: ${idp.url}\ndiscovery: true\nalgorithms: [ES256]`));
    const reg = new AuthenticatorRegistry();
    await reg.prepare(cfg);
    const v = reg.get(cfg.defaults.authenticate).jwt!;
    assert.ok((await v.verify(await sign({ sub: 'u', iss: idp.url }, key))).ok);
    issuerDoc = undefined;
    await reg.prepare(cfg);
    assert.equal(reg.get(cfg.defaults.authenticate).jwt, v);
    const fresh = new AuthenticatorRegistry();
    const err = await refusal(fresh.prepare(cfg));
    assert.equal(err.code, 'PALISADE_ERR_AUTH_DISCOVERY');
    assert.throws(() => fresh.get(cfg.defaults.authenticate), /discovery/);
  });

  it('builds introspection and mTLS verifiers', async () => {
    const cfg = config(`
gateway: { tls: { cert: c.pem, key: k.pem, clientCa: ca.pem } }
defaults:
  authenticate:
    enabled: true
    methods: [introspection, mtls]
    introspection: { endpoint: '${idp.url}/introspect', clientId: palisade, clientSecretEnv: INTROSPECTION_SECRET }
    mtls: { principal: fingerprint }
`);
    const reg = new AuthenticatorRegistry({ env: { INTROSPECTION_SECRET: 'x' } });
    await reg.prepare(cfg);
    const a = reg.get(cfg.defaults.authenticate);
    assert.ok(a.introspection && a.mtls && !a.jwt);
  });
});

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import type { StageSettings, Verdict } from '../../core/index.js';
import { PalisadeError, StageSettingsSchema } from '../../core/index.js';
import type { ApiKeyVerifier, AuthResult } from '../../identity/index.js';
import { compilePipeline, runRequestStages } from '../pipeline.js';
import type { RequestContext, Stage, StageEnv } from '../stage.js';
import { createAuthenticateStage } from './authenticate.js';
import { fakeContext, fakeEnv, settingsFor, type FakeRequest } from './fake-context.js';

const SECRET = randomBytes(48);
const now = () => Math.floor(Date.now() / 1000);

function token(claims: Record<string, unknown> = {}, secret: Uint8Array = SECRET): Promise<string> {
  return new SignJWT({ sub: 'user-1', iss: 'https://id.example', aud: 'api', exp: now() + 600, ...claims })
    .setProtectedHeader({ alg: 'HS256' })
    .sign(secret);
}

/** A stand-in for identity/api-keys.ts: one valid key per API. */
class FakeApiKeys implements ApiKeyVerifier {
  calls: Array<{ presented: string; api: string }> = [];
  async verify(presented: string, api: string): Promise<AuthResult> {
    this.calls.push({ presented, api });
    if (presented === 'pk_live_good') {
      return api === 'test-api' ? { ok: true, principal: { id: 'key-1', method: 'apiKey', roles: ['partner'], scopes: [] } } : { ok: false, reason: 'wrong-api' };
    }
    return { ok: false, reason: presented === 'pk_live_revoked' ? 'revoked' : 'unknown' };
  }
}

type Auth = StageSettings['authenticate'];
const jwtSettings: NonNullable<Auth['jwt']> = { secret: SECRET.toString('base64'), secretEncoding: 'base64', algorithms: ['HS256'], issuer: 'https://id.example', audience: 'api' };

function stage(overrides: Partial<Auth>, env: StageEnv = fakeEnv()): Stage {
  const s = createAuthenticateStage(settingsFor('authenticate', { enabled: true, ...overrides }), env);
  assert.ok(s);
  return s;
}

async function run(s: Stage, init: FakeRequest = {}): Promise<{ verdict: Verdict; ctx: RequestContext; sync: boolean }> {
  const ctx = fakeContext(init);
  const v = s.request!(ctx);
  const sync = !(v instanceof Promise);
  return { verdict: await v, ctx, sync };
}

function denied(v: Verdict): Extract<Verdict, { kind: 'deny' }> {
  assert.equal(v.kind, 'deny');
  return v as Extract<Verdict, { kind: 'deny' }>;
}

describe('authenticate stage', () => {
  it('is off by default', () => {
    assert.equal(createAuthenticateStage(settingsFor('authenticate'), fakeEnv()), null);
  });

  it('accepts a valid bearer JWT and sets the principal; the next request with it stays synchronous', async () => {
    const s = stage({ methods: ['jwt'], jwt: jwtSettings });
    const t = await token({ roles: ['admin'], tenant: 'acme' });
    const first = await run(s, { headers: { authorization: `Bearer ${t}` } });
    assert.equal(first.verdict.kind, 'continue');
    assert.equal(first.ctx.principal?.id, 'user-1');
    assert.equal(first.ctx.principal?.method, 'jwt');
    assert.deepEqual(first.ctx.principal?.roles, ['admin']);
    assert.deepEqual(first.ctx.outcomes, []);
    const second = await run(s, { headers: { authorization: `bearer  ${t}` } });
    assert.ok(second.sync, 'a recently verified token needs no promise');
    assert.equal(second.ctx.principal, first.ctx.principal, 'the same frozen principal');
  });

  it('without credentials: 401 authentication-required with a challenge per method, reason recorded', async () => {
    const s = stage({ methods: ['jwt', 'apiKey'], jwt: jwtSettings, realm: 'orders' }, { ...fakeEnv(), apiKeys: new FakeApiKeys() });
    const { verdict, ctx } = await run(s);
    const d = denied(verdict);
    assert.equal(d.code, 'authentication-required');
    assert.equal(d.status, 401);
    assert.equal(d.headers?.['WWW-Authenticate'], 'Bearer realm="orders", ApiKey realm="orders"');
    assert.deepEqual(ctx.outcomes, [{ stage: 'authenticate', outcome: 'report', reason: 'missing' }]);
  });

  it('a refused token: 401 with error="invalid_token", a generic detail, and the real reason only in the record', async () => {
    const s = stage({ methods: ['jwt'], jwt: jwtSettings });
    const cases: Array<[Promise<string> | string, string]> = [
      [token({ exp: now() - 3600 }), 'expired'],
      [token({ aud: 'other' }), 'wrong-audience'],
      [token({ iss: 'https://evil.example' }), 'wrong-issuer'],
      [token({}, randomBytes(48)), 'bad-signature'],
      ['not a token', 'malformed'],
      [`${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sub":"admin"}').toString('base64url')}.`, 'algorithm-refused'],
    ];
    const details = new Set<string>();
    for (const [t, reason] of cases) {
      const { verdict, ctx } = await run(s, { headers: { authorization: `Bearer ${await t}` } });
      const d = denied(verdict);
      assert.equal(d.code, 'authentication-failed', reason);
      assert.equal(d.status, 401);
      assert.equal(d.headers?.['WWW-Authenticate'], 'Bearer realm="palisade", error="invalid_token"');
      assert.equal(ctx.principal, undefined);
      assert.deepEqual(ctx.outcomes, [{ stage: 'authenticate', outcome: 'report', rule: 'jwt', reason }]);
      details.add(d.detail ?? '');
    }
    assert.equal(details.size, 1, 'the client cannot tell which check failed');
  });

  it('optional: anonymous requests pass without a principal; presented credentials must still be valid', async () => {
    const s = stage({ methods: ['jwt'], jwt: jwtSettings, optional: true });
    const anon = await run(s);
    assert.equal(anon.verdict.kind, 'continue');
    assert.equal(anon.ctx.principal, undefined);
    const other = await run(s, { headers: { authorization: 'Basic dXNlcjpwYXNz' } });
    assert.equal(other.verdict.kind, 'continue', 'another scheme is the upstream\'s business');
    const bad = await run(s, { headers: { authorization: `Bearer ${await token({ exp: now() - 3600 })}` } });
    assert.equal(denied(bad.verdict).code, 'authentication-failed');
  });

  it('API keys: X-Api-Key, Authorization: ApiKey, and the query parameter only when allowed', async () => {
    const keys = new FakeApiKeys();
    const env = { ...fakeEnv(), apiKeys: keys };
    const s = stage({ methods: ['apiKey'] }, env);
    const variants: Array<Record<string, string>> = [{ 'x-api-key': 'pk_live_good' }, { authorization: 'ApiKey pk_live_good' }, { authorization: 'apikey pk_live_good' }];
    for (const headers of variants) {
      const r = await run(s, { headers });
      assert.equal(r.verdict.kind, 'continue', JSON.stringify(headers));
      assert.equal(r.ctx.principal?.id, 'key-1');
    }
    assert.deepEqual(keys.calls.at(-1), { presented: 'pk_live_good', api: 'test-api' }, 'verified for the route\'s API');
    const revoked = await run(s, { headers: { 'x-api-key': 'pk_live_revoked' } });
    assert.equal(denied(revoked.verdict).headers?.['WWW-Authenticate'], 'ApiKey realm="palisade"');
    assert.deepEqual(revoked.ctx.outcomes, [{ stage: 'authenticate', outcome: 'report', rule: 'apiKey', reason: 'revoked' }]);
    const inQuery = await run(s, { url: '/x?api_key=pk_live_good' });
    assert.equal(denied(inQuery.verdict).code, 'authentication-required', 'query keys are off by default');
    const withQuery = stage({ methods: ['apiKey'], apiKey: { queryParam: 'api_key', header: 'X-Partner-Key' } }, env);
    assert.equal((await run(withQuery, { url: '/x?a=1&api_key=pk_live_good' })).verdict.kind, 'continue');
    assert.equal((await run(withQuery, { headers: { 'x-partner-key': 'pk_live_good' } })).verdict.kind, 'continue');
    assert.equal(denied((await run(withQuery, { headers: { 'x-api-key': 'pk_live_good' } })).verdict).code, 'authentication-required', 'the default header is replaced');
  });

  it('refuses to build the apiKey method without a key store', () => {
    assert.throws(() => stage({ methods: ['apiKey'] }), (e: unknown) => e instanceof PalisadeError && e.code === 'PALISADE_ERR_CONFIG_INVALID');
  });

  it('the Authorization header decides before the API-key header', async () => {
    const s = stage({ methods: ['jwt', 'apiKey'], jwt: jwtSettings }, { ...fakeEnv(), apiKeys: new FakeApiKeys() });
    const r = await run(s, { headers: { authorization: 'Bearer bogus.bogus.bogus', 'x-api-key': 'pk_live_good' } });
    assert.equal(denied(r.verdict).code, 'authentication-failed');
  });

  describe('with introspection', () => {
    let server: http.Server;
    let url: string;
    let up = true;
    before(async () => {
      server = http.createServer((req, res) => {
        let body = '';
        req.on('data', (c: Buffer) => (body += c.toString()));
        req.on('end', () => {
          if (!up) {
            res.writeHead(503).end();
            return;
          }
          const t = new URLSearchParams(body).get('token');
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify(t === 'opaque-good' ? { active: true, sub: 'svc-9', scope: 'read' } : { active: false }));
        });
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/introspect`;
    });
    after(() => new Promise<void>((r) => server.close(() => r())));

    it('opaque tokens go to introspection, JWT-shaped ones to jwt; an unreachable server is 503, not 401', async () => {
      const s = stage({ methods: ['jwt', 'introspection'], jwt: jwtSettings, introspection: { endpoint: url, clientId: 'palisade', clientSecret: 'x', cacheSeconds: 0 } });
      const opaque = await run(s, { headers: { authorization: 'Bearer opaque-good' } });
      assert.equal(opaque.verdict.kind, 'continue');
      assert.equal(opaque.ctx.principal?.method, 'introspection');
      assert.deepEqual(opaque.ctx.principal?.scopes, ['read']);
      const jwt = await run(s, { headers: { authorization: `Bearer ${await token()}` } });
      assert.equal(jwt.ctx.principal?.method, 'jwt');
      const inactive = await run(s, { headers: { authorization: 'Bearer opaque-revoked' } });
      assert.deepEqual(inactive.ctx.outcomes, [{ stage: 'authenticate', outcome: 'report', rule: 'introspection', reason: 'inactive' }]);
      up = false;
      const down = await run(s, { headers: { authorization: 'Bearer opaque-good' } });
      const d = denied(down.verdict);
      assert.equal(d.code, 'authentication-unavailable');
      assert.equal(d.status, 503);
      assert.equal(d.headers?.['Retry-After'], '5');
      assert.equal(down.ctx.outcomes[0]?.reason, 'unavailable');
      up = true;
    });
  });

  it('runs before rate limits in the pipeline, so `principal` keys see who is calling', async () => {
    const settings = StageSettingsSchema.parse({
      authenticate: { enabled: true, methods: ['jwt'], jwt: jwtSettings },
      rateLimit: { enabled: true, limits: [{ name: 'per-principal', key: 'principal', points: 1, durationSeconds: 60 }] },
    });
    const p = compilePipeline(settings, fakeEnv());
    const names = p.request.map((s) => s.name);
    assert.ok(names.indexOf('authenticate') < names.indexOf('rateLimit'), names.join(' → '));
    const a = `Bearer ${await token({ sub: 'alice' })}`;
    const b = `Bearer ${await token({ sub: 'bob' })}`;
    assert.equal((await runRequestStages(p, fakeContext({ headers: { authorization: a } }))).kind, 'continue');
    assert.equal((await runRequestStages(p, fakeContext({ headers: { authorization: b } }))).kind, 'continue', 'bob has his own bucket though the address is the same');
    const ctx = fakeContext({ headers: { authorization: a } });
    const v = await runRequestStages(p, ctx);
    assert.equal(denied(v).code, 'rate-limited');
    const unauth = fakeContext();
    assert.equal(denied(await runRequestStages(p, unauth)).code, 'authentication-required');
    assert.deepEqual(unauth.outcomes, [
      { stage: 'authenticate', outcome: 'report', reason: 'missing' },
      { stage: 'authenticate', outcome: 'deny', code: 'authentication-required' },
    ]);
  });
});

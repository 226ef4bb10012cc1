import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import type { StageSettings, Verdict } from '../../core/index.js';
import { accountFrom, createLoginGuardStage } from './login-guard.js';
import type { LoginGuardStage } from './login-guard.js';
import { fakeContext, fakeEnv, settingsFor } from './fake-context.js';
import type { FakeEnv } from './fake-context.js';

type Settings = Partial<StageSettings['loginGuard']>;

const base: Settings = {
  enabled: true,
  endpoints: [{ method: 'POST', path: '/auth/login', usernameField: 'email' }],
  failureStatuses: [401, 404],
  perAccountIp: { maxFailures: 3, windowSeconds: 600 },
  perAccount: { maxFailures: 10, windowSeconds: 600 },
  perIp: { maxFailures: 20, windowSeconds: 600 },
  lockoutSeconds: 60,
  maxLockoutSeconds: 200,
};

function guard(over: Settings = {}, env: FakeEnv = fakeEnv()): LoginGuardStage {
  const s = createLoginGuardStage(settingsFor('loginGuard', { ...base, ...over }), env);
  assert.ok(s);
  return s as LoginGuardStage;
}

/** One login attempt through the stage; `status` is what the upstream answers when it is reached. */
async function login(stage: LoginGuardStage, email: string, status: number, ip = '203.0.113.7', path = '/auth/login'): Promise<string> {
  const body = JSON.stringify({ email, password: 'guess' });
  const ctx = fakeContext({ method: 'POST', url: path, clientIp: ip, headers: { 'content-type': 'application/json', 'content-length': String(body.length) } });
  let v: Verdict | undefined = await stage.request!(ctx);
  if (v.kind === 'continue') {
    const ins = stage.requestBody!(ctx);
    if (ins) {
      for (const c of [body.slice(0, 5), body.slice(5)]) ins.push(Buffer.from(c));
      v = await ins.end();
    } else v = undefined;
  }
  const refused = v && v.kind === 'deny' ? v : undefined;
  stage.responseHead!(ctx, { status: refused ? refused.status : status, headers: {} });
  await stage.settled();
  if (!refused) return String(status);
  assert.equal(refused.code, 'login-locked');
  return `locked ${refused.headers?.['Retry-After']}`;
}

describe('loginGuard stage', () => {
  it('is off by default and without endpoints', () => {
    assert.equal(createLoginGuardStage(settingsFor('loginGuard'), fakeEnv()), null);
    assert.equal(createLoginGuardStage(settingsFor('loginGuard', { enabled: true }), fakeEnv()), null);
  });

  it('locks an account from one address after maxFailures, whatever the case and spaces', async () => {
    const g = guard();
    assert.equal(await login(g, 'alice@acme.test', 401), '401');
    assert.equal(await login(g, ' Alice@ACME.test', 401), '401');
    assert.equal(await login(g, 'alice@acme.test ', 401), '401');
    assert.equal(await login(g, 'alice@acme.test', 200), 'locked 60', 'the fourth attempt never reaches the API, even with the right password');
    assert.equal(await login(g, 'bob@acme.test', 401), '401', 'another account from the same address');
    assert.equal(await login(g, 'alice@acme.test', 401, '198.51.100.5'), '401', 'the same account from elsewhere');
  });

  it('treats unknown accounts like known ones (no enumeration through lockouts)', async () => {
    const g = guard();
    for (let i = 0; i < 3; i++) assert.equal(await login(g, 'nobody@acme.test', 404), '404');
    assert.equal(await login(g, 'nobody@acme.test', 404), 'locked 60');
  });

  it('a success resets the consecutive counter, not the per-account or per-address ones', async () => {
    const g = guard({ perAccount: { maxFailures: 4, windowSeconds: 600 } });
    await login(g, 'carol@acme.test', 401);
    await login(g, 'carol@acme.test', 401);
    assert.equal(await login(g, 'carol@acme.test', 200), '200');
    await login(g, 'carol@acme.test', 401);
    assert.equal(await login(g, 'carol@acme.test', 401), '401', 'consecutive count restarted after the success');
    // ...but the account has now failed 4 times in the window, from wherever.
    assert.equal(await login(g, 'carol@acme.test', 200, '198.51.100.77'), 'locked 60');
  });

  it('locks an address that sprays many accounts (credential stuffing)', async () => {
    const g = guard({ perIp: { maxFailures: 5, windowSeconds: 600 } });
    for (let i = 0; i < 5; i++) assert.equal(await login(g, `user${i}@acme.test`, 401, '192.0.2.50'), '401');
    assert.equal(await login(g, 'fresh@acme.test', 200, '192.0.2.50'), 'locked 60');
    assert.equal(await login(g, 'fresh@acme.test', 200, '192.0.2.51'), '200');
  });

  it('lockouts double on repeat, up to maxLockoutSeconds', async () => {
    const env = fakeEnv();
    // Windows of 1 s and lockouts of 1 s so that the test can wait them out.
    const g = guard({ perAccountIp: { maxFailures: 1, windowSeconds: 1 }, lockoutSeconds: 1, maxLockoutSeconds: 2 }, env);
    assert.equal(await login(g, 'dave@acme.test', 401), '401');
    assert.equal(await login(g, 'dave@acme.test', 401), 'locked 1');
    await new Promise((r) => setTimeout(r, 1100));
    assert.equal(await login(g, 'dave@acme.test', 401), '401');
    assert.equal(await login(g, 'dave@acme.test', 401), 'locked 2', 'second lockout: twice as long');
    await new Promise((r) => setTimeout(r, 2100));
    assert.equal(await login(g, 'dave@acme.test', 401), '401');
    assert.equal(await login(g, 'dave@acme.test', 401), 'locked 2', 'capped');
    assert.ok(env.logs.some((l) => l.msg === 'login lockout' && !JSON.stringify(l).includes('dave')), 'the log names a digest, not the account');
  });

  it('ignores other paths and methods, and statuses that are not failures', async () => {
    const g = guard({ perAccountIp: { maxFailures: 1, windowSeconds: 600 } });
    assert.equal(await login(g, 'erin@acme.test', 401, undefined, '/auth/other'), '401');
    assert.equal(await login(g, 'erin@acme.test', 401, undefined, '/auth/other'), '401');
    assert.equal(await login(g, 'erin@acme.test', 500), '500');
    assert.equal(await login(g, 'erin@acme.test', 429), '429');
    assert.equal(await login(g, 'erin@acme.test', 401), '401');
    assert.equal(await login(g, 'erin@acme.test', 401), 'locked 60');
    const ctx = fakeContext({ method: 'GET', url: '/auth/login' });
    assert.equal((await g.request!(ctx)).kind, 'continue');
    assert.equal(g.requestBody!(ctx), undefined);
  });

  it('answers every failed login alike (no user enumeration), unless uniformFailures is off', () => {
    for (const uniformFailures of [true, false]) {
      const g = guard({ uniformFailures });
      const seen = [404, 401, 200].map((status) => {
        const ctx = fakeContext({ method: 'POST', url: '/auth/login', headers: { 'content-type': 'application/json' } });
        void g.request!(ctx);
        const head = { status, headers: {} };
        const asked = g.responseHead!(ctx, head);
        const v = asked === 'buffer' ? g.responseBody!(ctx, head, Buffer.from('{"error":"No account with that e-mail"}'), false) : undefined;
        return v && v.kind === 'deny' ? `${v.status} ${v.code}` : String(status);
      });
      assert.deepEqual(seen, uniformFailures ? ['401 login-failed', '401 login-failed', '200'] : ['404', '401', '200']);
    }
  });

  it('reads the account from JSON dot paths and forms, and nothing else', () => {
    const j = (o: unknown) => Buffer.from(JSON.stringify(o));
    assert.equal(accountFrom(j({ user: { login: ' Bob ' } }), 'application/json; charset=utf-8', 'user.login'), 'bob');
    assert.equal(accountFrom(Buffer.from('username=Eve%40x.test&password=p'), 'application/x-www-form-urlencoded', 'username'), 'eve@x.test');
    assert.equal(accountFrom(j({ user: ['a'] }), 'application/json', 'user.0'), undefined);
    assert.equal(accountFrom(j({ username: 42 }), 'application/json', 'username'), undefined);
    assert.equal(accountFrom(j({}), 'application/json', '__proto__'), undefined);
    assert.equal(accountFrom(Buffer.from('{bad'), 'application/json', 'username'), undefined);
    assert.equal(accountFrom(Buffer.from('<u>x</u>'), 'application/xml', 'username'), undefined);
  });
});

describe('loginGuard stage with Redis', async () => {
  const redis = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false });
  const up = await redis.connect().then(
    () => true,
    () => false,
  );
  after(() => redis.disconnect());

  it('shares counts between two gateways (processes) through Redis', { skip: up ? false : 'Redis is not running on 127.0.0.1:6379' }, async () => {
    const keyPrefix = `palisade-test-${process.pid}-${Date.now()}:`;
    const a = guard({}, { ...fakeEnv(), redis: { client: redis, keyPrefix } });
    const b = guard({}, { ...fakeEnv(), redis: { client: redis, keyPrefix } });
    assert.equal(await login(a, 'frank@acme.test', 401), '401');
    assert.equal(await login(b, 'frank@acme.test', 401), '401');
    assert.equal(await login(a, 'frank@acme.test', 401), '401');
    assert.equal(await login(b, 'frank@acme.test', 200), 'locked 60');
    const keys = await redis.keys(`${keyPrefix}*`);
    assert.ok(keys.length > 0 && keys.every((k) => !k.includes('frank')), 'keys hold digests only');
    if (keys.length > 0) await redis.del(...keys);
  });
});

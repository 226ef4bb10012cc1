// Signing in at the authorization server: throttling per account and per address (over HTTP and
// on the throttle itself with a fake clock), the TOTP second factor, and roles that require it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LoginThrottle } from './throttle.js';
import { base32Decode, base32Encode, totp } from './totp.js';
import { Browser, RESOURCE, authorizeUrl, interactionPath, pkce, startTestServer } from './harness.test-support.js';
import type { TestServer } from './harness.test-support.js';

const REDIRECT = 'http://127.0.0.1:4999/callback';

async function signInPage(t: TestServer): Promise<{ browser: Browser; path: string }> {
  const browser = new Browser(t.issuer);
  const p = pkce();
  const page = await browser.follow(
    await browser.request(authorizeUrl(t.issuer, { client_id: 'app', response_type: 'code', redirect_uri: REDIRECT, scope: 'shop:read', resource: RESOURCE, code_challenge: p.challenge, code_challenge_method: 'S256' })),
  );
  return { browser, path: interactionPath(page) };
}

async function seed(t: TestServer): Promise<void> {
  await t.server.clients.create({ clientId: 'app', name: 'App', public: true, redirectUris: [REDIRECT], scopes: ['shop:read'] });
  await t.server.users.create({ id: 'u-a', username: 'ann@example.test', password: 'ann-password', roles: ['customer'] });
  await t.server.users.create({ id: 'u-b', username: 'ben@example.test', password: 'ben-password', roles: ['customer'] });
}

describe('sign-in throttling over HTTP', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ throttle: { perAccount: { maxFailures: 3, windowSeconds: 600 }, perIp: { maxFailures: 6, windowSeconds: 600 }, lockoutSeconds: 120 } });
    await seed(t);
  });
  after(async () => t.close());

  it('locks an account after N failures, even for the right password, and says when to come back', async () => {
    const { browser, path } = await signInPage(t);
    for (let i = 0; i < 3; i++) {
      const r = await browser.request(`${path}/login`, { form: { username: 'ann@example.test', password: `wrong-${i}-guess` } });
      assert.equal(r.status, 401, `failure ${i + 1}`);
      await r.body?.cancel();
    }
    const locked = await browser.request(`${path}/login`, { form: { username: 'ann@example.test', password: 'ann-password' } });
    assert.equal(locked.status, 429);
    assert.equal(locked.headers.get('retry-after'), '120');
    assert.match(await locked.text(), /Too many failed attempts. Try again in 2 minutes/);
    // The username is compared normalised: another spelling is the same account.
    const respelled = await browser.request(`${path}/login`, { form: { username: ' ANN@Example.TEST', password: 'ann-password' } });
    assert.equal(respelled.status, 429);
    await respelled.body?.cancel();
    // Other accounts are not affected by one account's lockout.
    const other = await browser.follow(await browser.request(`${path}/login`, { form: { username: 'ben@example.test', password: 'ben-password' } }));
    assert.ok(other instanceof Response && /Allow access\?/.test(await other.text()));
  });

  it('counts unknown accounts like known ones and locks the address after its limit', async () => {
    const { browser, path } = await signInPage(t);
    // 3 failures so far from this address (the test above); 3 more reach the per-address limit of 6.
    for (const name of ['nobody-1@example.test', 'nobody-2@example.test', 'nobody-3@example.test']) {
      const r = await browser.request(`${path}/login`, { form: { username: name, password: 'whatever-pass' } });
      assert.equal(r.status, 401);
      assert.match(await r.text(), /Wrong username or password/, 'the same answer as for a wrong password');
    }
    const blocked = await browser.request(`${path}/login`, { form: { username: 'ben@example.test', password: 'ben-password' } });
    assert.equal(blocked.status, 429, 'every account is refused from a locked address');
    await blocked.body?.cancel();
  });
});

describe('LoginThrottle', () => {
  const settings = { perAccount: { maxFailures: 3, windowSeconds: 60 }, perIp: { maxFailures: 10, windowSeconds: 60 }, lockoutSeconds: 30, maxLockoutSeconds: 100 };

  it('forgets failures older than the window', () => {
    let now = 1_000_000;
    const th = new LoginThrottle(settings, () => now);
    th.failure('a', '192.0.2.1');
    th.failure('a', '192.0.2.1');
    now += 61_000;
    th.failure('a', '192.0.2.1');
    assert.deepStrictEqual(th.check('a', '192.0.2.1'), { allowed: true });
  });

  it('doubles repeated lockouts up to the ceiling, and a success clears the account count', () => {
    let now = 1_000_000;
    const th = new LoginThrottle(settings, () => now);
    const lockOut = () => {
      for (let i = 0; i < 3; i++) th.failure('a', `198.51.100.${i}`);
    };
    lockOut();
    assert.deepStrictEqual(th.check('a', '203.0.113.9'), { allowed: false, scope: 'account', retryAfterSeconds: 30 });
    now += 30_000;
    assert.equal(th.check('a', '203.0.113.9').allowed, true);
    lockOut();
    assert.deepStrictEqual(th.check('a', '203.0.113.9'), { allowed: false, scope: 'account', retryAfterSeconds: 60 });
    now += 60_000;
    lockOut();
    assert.deepStrictEqual(th.check('a', '203.0.113.9'), { allowed: false, scope: 'account', retryAfterSeconds: 100 }, 'capped');
    now += 100_000;
    th.failure('a', '203.0.113.9');
    th.failure('a', '203.0.113.9');
    th.success('a');
    th.failure('a', '203.0.113.9');
    assert.equal(th.check('a', '203.0.113.9').allowed, true, 'the count restarted after the success');
  });

  it('locks an address that tries many accounts', () => {
    const th = new LoginThrottle(settings, () => 5_000_000);
    for (let i = 0; i < 10; i++) th.failure(`user-${i}`, '192.0.2.7');
    assert.deepStrictEqual(th.check('someone-new', '192.0.2.7'), { allowed: false, scope: 'ip', retryAfterSeconds: 30 });
    assert.equal(th.check('someone-new', '192.0.2.8').allowed, true);
  });
});

describe('TOTP second factor', () => {
  let t: TestServer;
  let secret: Buffer;
  before(async () => {
    t = await startTestServer({ totp: { requiredForRoles: ['admin'] }, throttle: { perAccount: { maxFailures: 4 } } });
    await seed(t);
    await t.server.users.create({ id: 'u-root', username: 'root@example.test', password: 'root-password', roles: ['admin'] });
    const enabled = await t.server.users.enableTotp('ann@example.test');
    assert.match(enabled.uri, /^otpauth:\/\/totp\/Palisade:ann%40example\.test\?secret=[A-Z2-7]{32}&/);
    secret = base32Decode(enabled.secret);
  });
  after(async () => t.close());

  it('stores the secret sealed and lists users without it', async () => {
    const stored = await t.store.oauth.findUserByUsername('ann@example.test');
    assert.match(stored?.totpSecret ?? '', /^v1\./);
    assert.ok(!(stored?.totpSecret ?? '').includes(base32Encode(secret)));
    const listed = await t.server.users.list();
    const ann = listed.find((u) => u.username === 'ann@example.test');
    assert.deepStrictEqual(Object.keys(ann ?? {}).sort(), ['createdAt', 'id', 'roles', 'totp', 'username']);
    assert.equal(ann?.totp, true);
  });

  it('asks for a code after the password, refuses a wrong one, accepts the right one once', async () => {
    const { browser, path } = await signInPage(t);
    const toCode = await browser.follow(await browser.request(`${path}/login`, { form: { username: 'ann@example.test', password: 'ann-password' } }));
    assert.ok(toCode instanceof Response);
    const codePage = await toCode.text();
    assert.match(codePage, /autocomplete="one-time-code"/);
    assert.match(codePage, new RegExp(`action="${path}/totp"`));
    // The password alone does not finish the sign-in: the consent step is not reachable yet.
    const reload = await browser.follow(await browser.request(path));
    assert.ok(reload instanceof Response && /Verification code/.test(await reload.text()));

    const wrongCode = String((Number(totp(secret, Date.now())) + 1) % 1_000_000).padStart(6, '0');
    const wrong = await browser.request(`${path}/totp`, { form: { code: wrongCode } });
    assert.equal(wrong.status, 401);
    assert.match(await wrong.text(), /not valid/);

    const code = totp(secret, Date.now());
    const ok = await browser.follow(await browser.request(`${path}/totp`, { form: { code } }));
    assert.ok(ok instanceof Response);
    assert.match(await ok.text(), /Allow access\?/);

    // The same code again, in another sign-in: refused (a code seen over a shoulder works once).
    const second = await signInPage(t);
    await second.browser.follow(await second.browser.request(`${second.path}/login`, { form: { username: 'ann@example.test', password: 'ann-password' } }));
    const replay = await second.browser.request(`${second.path}/totp`, { form: { code } });
    assert.equal(replay.status, 401);
    await replay.body?.cancel();
  });

  it('locks the account after repeated wrong codes', async () => {
    const fresh = await startTestServer({ throttle: { perAccount: { maxFailures: 2 } } });
    try {
      await seed(fresh);
      await fresh.server.users.enableTotp('ben@example.test');
      const { browser, path } = await signInPage(fresh);
      await browser.follow(await browser.request(`${path}/login`, { form: { username: 'ben@example.test', password: 'ben-password' } }));
      for (let i = 0; i < 2; i++) {
        const r = await browser.request(`${path}/totp`, { form: { code: '000000' } });
        assert.equal(r.status, 401);
        await r.body?.cancel();
      }
      const locked = await browser.request(`${path}/totp`, { form: { code: '000000' } });
      assert.equal(locked.status, 429);
      await locked.body?.cancel();
    } finally {
      await fresh.close();
    }
  });

  it('refuses a user whose role requires TOTP until it is set up', async () => {
    const { browser, path } = await signInPage(t);
    const r = await browser.request(`${path}/login`, { form: { username: 'root@example.test', password: 'root-password' } });
    assert.equal(r.status, 403);
    assert.match(await r.text(), /second factor \(TOTP\), which is not set up/);
    const enabled = await t.server.users.enableTotp('root@example.test');
    const again = await browser.follow(await browser.request(`${path}/login`, { form: { username: 'root@example.test', password: 'root-password' } }));
    assert.ok(again instanceof Response && /Verification code/.test(await again.text()));
    const ok = await browser.follow(await browser.request(`${path}/totp`, { form: { code: totp(base32Decode(enabled.secret), Date.now()) } }));
    assert.ok(ok instanceof Response && /Allow access\?/.test(await ok.text()));
  });
});

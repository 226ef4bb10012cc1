// The console's sign-in, sessions, CSRF/Origin checks, roles, audit and static files, through the
// real admin server on port 0.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ConsoleClient, startConsole } from './console.test-support.js';
import type { TestConsole } from './console.test-support.js';

let t: TestConsole;

before(async () => {
  t = await startConsole();
});

after(async () => {
  await t.close();
});

const MIN = 60_000;

describe('console pages', () => {
  it('redirects / and /console to /console/ without a bearer token; the admin API still wants one', async () => {
    for (const p of ['/', '/console']) {
      const r = await fetch(t.url + p, { redirect: 'manual' });
      assert.equal(r.status, 302, p);
      assert.equal(r.headers.get('location'), '/console/');
    }
    assert.equal((await fetch(t.url + '/exchanges')).status, 401);
  });

  it('serves a page saying how to build when the web UI is missing', async () => {
    const r = await fetch(t.url + '/console/');
    assert.equal(r.status, 503);
    assert.match(await r.text(), /npm run build/);
    assert.match(r.headers.get('content-security-policy') ?? '', /default-src 'self'/);
  });

  it('serves the built files with long cache for hashed assets, an SPA fallback, strict CSP, and no way out of the folder', async () => {
    const web = join(t.dir, 'web');
    mkdirSync(join(web, 'assets'), { recursive: true });
    writeFileSync(join(web, 'index.html'), '<!doctype html><title>console</title><script type="module" src="/console/assets/app-1a2b3c.js"></script>');
    writeFileSync(join(web, 'assets', 'app-1a2b3c.js'), 'console.log(1)');
    writeFileSync(join(t.dir, 'secret.txt'), 'outside');
    const index = await fetch(t.url + '/console/');
    assert.equal(index.status, 200);
    assert.equal(index.headers.get('cache-control'), 'no-cache');
    assert.match(index.headers.get('content-type') ?? '', /text\/html/);
    const csp = index.headers.get('content-security-policy') ?? '';
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.equal(index.headers.get('x-frame-options'), 'DENY');
    const asset = await fetch(t.url + '/console/assets/app-1a2b3c.js');
    assert.equal(asset.status, 200);
    assert.match(asset.headers.get('cache-control') ?? '', /max-age=31536000, immutable/);
    assert.match(asset.headers.get('content-type') ?? '', /javascript/);
    const route = await fetch(t.url + '/console/inventory/endpoints/abc');
    assert.equal(route.status, 200);
    assert.match(await route.text(), /<title>console<\/title>/);
    assert.equal((await fetch(t.url + '/console/assets/missing-123.js')).status, 404);
    for (const p of ['/console/..%2fsecret.txt', '/console/%2e%2e/secret.txt', '/console/assets/..%2f..%2fsecret.txt']) {
      const r = await fetch(t.url + p);
      assert.ok(!(await r.text()).includes('outside'), p);
    }
    assert.equal((await fetch(t.url + '/console/', { method: 'POST' })).status, 405);
  });
});

describe('sign-in and sessions', () => {
  it('signs in with a session cookie (HttpOnly, SameSite=Strict, Path=/console), reads the session, signs out', async () => {
    const pw = await t.addUser('alice', 'operator');
    const c = new ConsoleClient(t.url);
    assert.equal((await c.json('/console/api/session')).status, 401);
    const r = await c.signIn('alice', pw);
    assert.equal(r.status, 200);
    const body = (await r.json()) as { user: { username: string; role: string; source: string }; csrfToken: string; sso: { enabled: boolean } };
    assert.deepEqual(body.user, { username: 'alice', displayName: 'alice', role: 'operator', source: 'local' });
    assert.equal(body.sso.enabled, false);
    const cookie = c.setCookies.at(-1)!;
    assert.match(cookie, /^palisade_console=[A-Za-z0-9_-]{43}; /);
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Strict/);
    assert.match(cookie, /Path=\/console/);
    assert.doesNotMatch(cookie, /Secure/, 'plain HTTP without console.secureCookies');
    const s = await c.json<{ user: { username: string }; csrfToken: string }>('/console/api/session');
    assert.equal(s.status, 200);
    assert.equal(s.body.user.username, 'alice');
    assert.equal(s.body.csrfToken, body.csrfToken);
    // The store holds a hash of the cookie, not the cookie.
    const token = c.cookies.get('palisade_console')!;
    assert.equal(await t.store.consoleUsers.getSession(token), undefined);
    assert.equal((await c.request('/console/api/session', { method: 'DELETE' })).status, 204);
    assert.equal(c.cookies.has('palisade_console'), false, 'cookie cleared');
    const replay = new ConsoleClient(t.url);
    replay.cookies.set('palisade_console', token);
    assert.equal((await replay.json('/console/api/session')).status, 401, 'the old cookie no longer works');
  });

  it('gives the same answer for a wrong password and an unknown user, and never a session', async () => {
    await t.addUser('bob', 'viewer');
    const c = new ConsoleClient(t.url);
    const wrong = await c.json<{ type: string; title: string; detail: string }>('/console/api/session', { body: { username: 'bob', password: 'not-the-password' } });
    const unknown = await c.json<{ type: string; title: string; detail: string }>('/console/api/session', { body: { username: 'nobody', password: 'not-the-password' } });
    assert.equal(wrong.status, 401);
    assert.equal(unknown.status, 401);
    assert.equal(wrong.res.headers.get('content-type'), 'application/problem+json');
    assert.deepEqual([wrong.body.type, wrong.body.title, wrong.body.detail], [unknown.body.type, unknown.body.title, unknown.body.detail]);
    assert.equal(c.cookies.size, 0);
  });

  it('locks a username after 5 failures in 15 minutes (429 with Retry-After), even for the right password, then lets it in', async () => {
    const pw = await t.addUser('carol', 'viewer');
    const other = await t.addUser('carl', 'viewer');
    // Earlier failures from this address (127.0.0.1) fall out of the 15-minute window.
    t.clock.now += 16 * MIN;
    const c = new ConsoleClient(t.url);
    for (let i = 0; i < 5; i++) assert.equal((await c.signIn('carol', `wrong-password-${i}`)).status, 401);
    const locked = await c.signIn('carol', pw);
    assert.equal(locked.status, 429);
    const wait = Number(locked.headers.get('retry-after'));
    assert.ok(wait > 0 && wait <= 15 * 60, String(wait));
    assert.equal(c.cookies.size, 0);
    // The 5 failures came from one address: it is locked for every username.
    assert.equal((await c.signIn('carl', other)).status, 429);
    t.clock.now += 14 * MIN;
    assert.equal((await c.signIn('carol', pw)).status, 429, 'still locked after 14 minutes');
    t.clock.now += 2 * MIN;
    assert.equal((await c.signIn('carol', pw)).status, 200);
  });

  it('refuses a change without the CSRF token, with a wrong one, or from another origin', async () => {
    const admin = await t.signedIn('admin');
    const body = { username: 'csrf-victim', role: 'admin', password: 'a-long-password-123' };
    const none = await admin.json<{ type: string }>('/console/api/users', { body, csrf: false });
    assert.equal(none.status, 403);
    assert.match(none.body.type, /csrf-failed$/);
    assert.equal((await admin.json('/console/api/users', { body, headers: { 'x-csrf-token': 'forged' } })).status, 403);
    const cross = await admin.json<{ type: string }>('/console/api/users', { body, headers: { origin: 'https://evil.example' } });
    assert.equal(cross.status, 403);
    assert.match(cross.body.type, /origin-mismatch$/);
    const fetchMeta = await admin.json('/console/api/users', { body, headers: { origin: '', 'sec-fetch-site': 'cross-site' } });
    assert.equal(fetchMeta.status, 403, 'a cross-site request without Origin');
    assert.equal(await t.store.consoleUsers.getUser('csrf-victim'), undefined, 'nothing was created');
    assert.equal((await admin.json('/console/api/users', { body })).status, 201, 'the same request with the token and the right origin works');
  });

  it('enforces roles in the API: a viewer cannot call admin endpoints; an operator cannot either', async () => {
    const viewer = await t.signedIn('viewer');
    assert.equal((await viewer.json('/console/api/users')).status, 403);
    assert.equal((await viewer.json('/console/api/audit')).status, 403);
    assert.equal((await viewer.json('/console/api/users', { body: { username: 'x-by-viewer', role: 'admin', password: 'a-long-password-123' } })).status, 403);
    assert.equal(await t.store.consoleUsers.getUser('x-by-viewer'), undefined);
    const operator = await t.signedIn('operator');
    assert.equal((await operator.json('/console/api/users')).status, 403);
    assert.equal((await new ConsoleClient(t.url).json('/console/api/users')).status, 401);
  });

  it('ends a session after 30 idle minutes, and after 12 hours however active', async () => {
    const idle = await t.signedIn('viewer');
    t.clock.now += 29 * MIN;
    assert.equal((await idle.json('/console/api/session')).status, 200);
    t.clock.now += 29 * MIN;
    assert.equal((await idle.json('/console/api/session')).status, 200, 'sliding: the last request restarted the idle time');
    t.clock.now += 31 * MIN;
    assert.equal((await idle.json('/console/api/session')).status, 401);

    const busy = await t.signedIn('viewer');
    for (let h = 0; h < 11 * 3 + 2; h++) {
      t.clock.now += 20 * MIN;
      assert.equal((await busy.json('/console/api/session')).status, 200, `after ${(h + 1) * 20} minutes`);
    }
    t.clock.now += 20 * MIN;
    assert.equal((await busy.json('/console/api/session')).status, 401, 'past 12 hours');
  });

  it('ends the sessions of a user who is disabled or whose role changes', async () => {
    const admin = await t.signedIn('admin');
    const victim = await t.signedIn('operator', 'dora');
    assert.equal((await admin.json('/console/api/users/dora', { method: 'PATCH', body: { disabled: true } })).status, 200);
    assert.equal((await victim.json('/console/api/session')).status, 401);
  });

  it('writes an audit entry for a user created through the API, without the password', async () => {
    const admin = await t.signedIn('admin', 'auditor');
    const created = await admin.json<{ user: { username: string; role: string }; password?: string }>('/console/api/users', { body: { username: 'erin', role: 'viewer' } });
    assert.equal(created.status, 201);
    assert.equal(created.body.user.role, 'viewer');
    assert.ok(created.body.password && created.body.password.length >= 12, 'a generated password, shown once');
    const listed = await admin.json<{ users: Record<string, unknown>[] }>('/console/api/users');
    assert.ok(listed.body.users.some((u) => u.username === 'erin'));
    assert.ok(!JSON.stringify(listed.body).includes('scrypt$'), 'no hash in the listing');
    const audit = await admin.json<{ entries: { actor: string; role: string; action: string; target: string; detail: Record<string, unknown> }[] }>('/console/api/audit?limit=5');
    const entry = audit.body.entries.find((e) => e.action === 'user.create' && e.target === 'erin');
    assert.ok(entry, JSON.stringify(audit.body.entries));
    assert.equal(entry.actor, 'auditor');
    assert.equal(entry.role, 'admin');
    assert.ok(!JSON.stringify(entry).includes(created.body.password), 'the password is not in the audit log');
    // The generated password works.
    assert.equal((await new ConsoleClient(t.url).signIn('erin', created.body.password)).status, 200);
  });

  it('refuses to leave the console without an enabled admin', async () => {
    const only = await startConsole();
    try {
      const admin = await only.signedIn('admin', 'root');
      await only.addUser('other', 'viewer');
      const self = await admin.json('/console/api/users/root', { method: 'PATCH', body: { role: 'viewer' } });
      assert.equal(self.status, 409);
      assert.equal((await admin.json('/console/api/users/root', { method: 'DELETE' })).status, 409);
      assert.equal((await admin.json('/console/api/users/other', { method: 'DELETE' })).status, 204);
    } finally {
      await only.close();
    }
  });

  it('marks the cookie Secure when console.secureCookies is set', async () => {
    const s = await startConsole({ console: { secureCookies: true } });
    try {
      const c = await s.signedIn('viewer');
      assert.match(c.setCookies.at(-1)!, /; Secure/);
    } finally {
      await s.close();
    }
  });
});

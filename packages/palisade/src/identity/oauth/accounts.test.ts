// Registering clients and users: what is accepted, what is refused, and that secrets are shown once
// and stored hashed.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isPalisadeError } from '../../core/index.js';
import { checkRedirectUri } from './clients.js';
import { verifyClientSecret } from './secrets.js';
import { startTestServer } from './harness.test-support.js';
import type { TestServer } from './harness.test-support.js';

let t: TestServer;
before(async () => {
  t = await startTestServer();
});
after(async () => t.close());

async function refused(p: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => isPalisadeError(e) && e.code === 'PALISADE_ERR_OAUTH_INPUT' && pattern.test(e.message));
}

describe('redirect URIs', () => {
  it('accepts https, loopback http and reverse-domain schemes; refuses the rest', () => {
    for (const ok of ['https://app.example/cb', 'https://app.example:8443/cb?x=1', 'http://127.0.0.1:8080/cb', 'http://localhost/cb', 'http://[::1]:3000/cb', 'com.example.app:/oauth2redirect']) {
      assert.equal(checkRedirectUri(ok), null, ok);
    }
    for (const [bad, why] of [
      ['http://app.example/cb', /loopback/],
      ['https://app.example/cb#frag', /fragment/],
      ['https://user:pw@app.example/cb', /credentials/],
      ['javascript:alert(1)', /scheme/],
      ['/relative', /absolute/],
      ['myapp:/cb', /scheme/],
    ] as const) {
      assert.match(checkRedirectUri(bad) ?? '', why, bad);
    }
  });
});

describe('clients', () => {
  it('shows a confidential client its secret once and stores only the hash', async () => {
    const c = await t.server.clients.create({ name: 'Billing service', grantTypes: ['client_credentials'], scopes: ['shop:read'] });
    assert.match(c.client.clientId, /^pc_[A-Za-z0-9_-]{16}$/);
    assert.equal(c.client.type, 'confidential');
    assert.ok(c.clientSecret);
    const stored = await t.store.oauth.getClient(c.client.clientId);
    assert.ok(stored?.secretHash?.startsWith('sha256$'));
    assert.ok(!JSON.stringify(stored).includes(c.clientSecret));
    assert.equal(verifyClientSecret(c.clientSecret, stored?.secretHash), true);
    const listed = await t.server.clients.list();
    assert.ok(!JSON.stringify(listed).includes('sha256$'), 'listings carry no hash');
  });

  it('refuses inconsistent registrations', async () => {
    await refused(t.server.clients.create({ name: '' }), /name/);
    await refused(t.server.clients.create({ name: 'x', grantTypes: ['password'] }), /not one of/);
    await refused(t.server.clients.create({ name: 'x', grantTypes: ['implicit'] }), /not one of/);
    await refused(t.server.clients.create({ name: 'x', grantTypes: ['refresh_token'] }), /needs authorization_code/);
    await refused(t.server.clients.create({ name: 'x', grantTypes: ['authorization_code'] }), /redirect URI/);
    await refused(t.server.clients.create({ name: 'x', public: true, grantTypes: ['client_credentials'] }), /public client/);
    await refused(t.server.clients.create({ name: 'x', grantTypes: ['client_credentials'], redirectUris: ['https://a.example/cb'] }), /only used by/);
    await refused(t.server.clients.create({ name: 'x', redirectUris: ['http://evil.example/cb'] }), /loopback/);
    await refused(t.server.clients.create({ name: 'x', grantTypes: ['client_credentials'], scopes: ['admin:everything'] }), /not a scope of a configured API/);
    await t.server.clients.create({ clientId: 'fixed', name: 'x', grantTypes: ['client_credentials'] });
    await refused(t.server.clients.create({ clientId: 'fixed', name: 'y', grantTypes: ['client_credentials'] }), /already exists/);
  });
});

describe('users', () => {
  it('hashes passwords with scrypt, normalises usernames and refuses duplicates and short passwords', async () => {
    const u = await t.server.users.create({ username: '  Dora@Example.TEST ', password: 'dora-password', roles: ['customer', 'customer'] });
    assert.equal(u.username, 'dora@example.test');
    assert.deepStrictEqual(u.roles, ['customer']);
    const stored = await t.store.oauth.findUserByUsername('dora@example.test');
    assert.match(stored?.passwordHash ?? '', /^scrypt\$/);
    assert.ok(!JSON.stringify(stored).includes('dora-password'));
    await refused(t.server.users.create({ username: 'DORA@example.test', password: 'another-password' }), /already exists/);
    await refused(t.server.users.create({ username: 'eve@example.test', password: 'short' }), /at least 8/);
    await refused(t.server.users.create({ username: 'has space', password: 'long-enough-pw' }), /without spaces/);
    await refused(t.server.users.create({ username: 'fay@example.test', password: 'long-enough-pw', roles: ['bad role'] }), /Role/);
  });

  it('checks credentials; a changed password replaces the old one', async () => {
    await t.server.users.create({ username: 'gil@example.test', password: 'gil-password-1' });
    assert.equal((await t.server.users.checkCredentials('GIL@example.test', 'gil-password-1')).ok, true);
    assert.deepStrictEqual(await t.server.users.checkCredentials('gil@example.test', 'nope-nope-nope'), { ok: false, reason: 'invalid' });
    assert.deepStrictEqual(await t.server.users.checkCredentials('nobody@example.test', 'gil-password-1'), { ok: false, reason: 'invalid' });
    await t.server.users.setPassword('gil@example.test', 'gil-password-2');
    assert.equal((await t.server.users.checkCredentials('gil@example.test', 'gil-password-1')).ok, false);
    assert.equal((await t.server.users.checkCredentials('gil@example.test', 'gil-password-2')).ok, true);
    assert.equal(await t.server.users.delete('gil@example.test'), true);
    assert.equal((await t.server.users.checkCredentials('gil@example.test', 'gil-password-2')).ok, false);
  });
});

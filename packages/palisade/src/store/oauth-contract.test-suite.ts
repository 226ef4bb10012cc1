// The OAuthStore part of the Store contract (store.oauth), run by contract.test-suite.ts against
// every implementation. Not exported from index.ts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { OAuthModelRecord, OAuthSigningKey, Store } from '../core/index.js';

const T0 = Date.UTC(2025, 0, 15, 12, 0, 0);

function key(kid: string, createdAt: number, over: Partial<OAuthSigningKey> = {}): OAuthSigningKey {
  return { kid, alg: 'ES256', publicJwk: `{"kid":"${kid}"}`, privateJwk: `sealed:${kid}`, createdAt, ...over };
}

export function oauthStoreContract(fresh: () => Promise<{ store: Store }>): void {
  describe('oauth models (oidc-provider adapter)', () => {
    it('round-trips a record with every field and replaces it on upsert', async () => {
      const { store } = await fresh();
      const r: OAuthModelRecord = {
        model: 'AuthorizationCode',
        id: 'code-1',
        payload: JSON.stringify({ kind: 'AuthorizationCode', nonce: 'n-ü🚀', scope: 'openid shop:read' }),
        grantId: 'grant-1',
        userCode: 'ABCD-EFGH',
        uid: 'uid-1',
        expiresAt: Date.now() + 60_000,
        consumedAt: T0,
      };
      await store.oauth.upsertModel(r);
      assert.deepStrictEqual(await store.oauth.findModel('AuthorizationCode', 'code-1'), r);
      assert.equal(await store.oauth.findModel('RefreshToken', 'code-1'), undefined, 'ids are per model');
      const replaced: OAuthModelRecord = { model: 'AuthorizationCode', id: 'code-1', payload: '{"v":2}', uid: 'uid-2' };
      await store.oauth.upsertModel(replaced);
      assert.deepStrictEqual(await store.oauth.findModel('AuthorizationCode', 'code-1'), replaced);
      assert.equal(await store.oauth.findModelByUid('AuthorizationCode', 'uid-1'), undefined);
      assert.deepStrictEqual(await store.oauth.findModelByUid('AuthorizationCode', 'uid-2'), replaced);
    });

    it('finds by uid and user code, never an expired record', async () => {
      const { store } = await fresh();
      const now = Date.now();
      await store.oauth.upsertModel({ model: 'Session', id: 's1', payload: '{}', uid: 'u1', expiresAt: now + 60_000 });
      await store.oauth.upsertModel({ model: 'DeviceCode', id: 'd1', payload: '{}', userCode: 'WXYZ', expiresAt: now + 60_000 });
      await store.oauth.upsertModel({ model: 'Session', id: 's2', payload: '{}', uid: 'u2', expiresAt: now - 1 });
      assert.equal((await store.oauth.findModelByUid('Session', 'u1'))?.id, 's1');
      assert.equal((await store.oauth.findModelByUserCode('DeviceCode', 'WXYZ'))?.id, 'd1');
      assert.equal(await store.oauth.findModelByUid('Session', 'u2'), undefined);
      assert.equal(await store.oauth.findModel('Session', 's2'), undefined);
      assert.equal(await store.oauth.findModel('Session', 's1', now + 60_001), undefined, 'expired at the given time');
      assert.equal(await store.oauth.purgeExpiredModels(now), 1);
      assert.equal(await store.oauth.purgeExpiredModels(now), 0);
      assert.ok(await store.oauth.findModel('Session', 's1'));
    });

    it('consumes once (the first time is kept) and destroys', async () => {
      const { store } = await fresh();
      await store.oauth.upsertModel({ model: 'RefreshToken', id: 'rt', payload: '{}', grantId: 'g' });
      await store.oauth.consumeModel('RefreshToken', 'rt', T0);
      await store.oauth.consumeModel('RefreshToken', 'rt', T0 + 5000);
      assert.equal((await store.oauth.findModel('RefreshToken', 'rt'))?.consumedAt, T0);
      await store.oauth.consumeModel('RefreshToken', 'absent', T0);
      await store.oauth.destroyModel('RefreshToken', 'rt');
      assert.equal(await store.oauth.findModel('RefreshToken', 'rt'), undefined);
      await store.oauth.destroyModel('RefreshToken', 'rt');
    });

    it('revokes one model of one grant only', async () => {
      const { store } = await fresh();
      for (const [model, id, grantId] of [
        ['RefreshToken', 'r1', 'g1'],
        ['RefreshToken', 'r2', 'g1'],
        ['AuthorizationCode', 'c1', 'g1'],
        ['RefreshToken', 'r3', 'g2'],
      ] as const) {
        await store.oauth.upsertModel({ model, id, payload: '{}', grantId });
      }
      assert.equal(await store.oauth.revokeGrant('RefreshToken', 'g1'), 2);
      assert.equal(await store.oauth.findModel('RefreshToken', 'r1'), undefined);
      assert.equal(await store.oauth.findModel('RefreshToken', 'r2'), undefined);
      assert.ok(await store.oauth.findModel('AuthorizationCode', 'c1'));
      assert.ok(await store.oauth.findModel('RefreshToken', 'r3'));
    });

    it('refuses empty model names and ids', async () => {
      const { store } = await fresh();
      await assert.rejects(store.oauth.upsertModel({ model: '', id: 'x', payload: '{}' }), TypeError);
      await assert.rejects(store.oauth.findModel('Session', ''), TypeError);
    });
  });

  describe('oauth users', () => {
    it('creates, refuses duplicates, reads, lists and deletes', async () => {
      const { store } = await fresh();
      const bob = await store.oauth.createUser({ id: 'u2', username: 'bob@acme.test', passwordHash: 'scrypt$x', roles: ['customer'] });
      assert.ok(bob);
      assert.equal(bob.username, 'bob@acme.test');
      assert.deepStrictEqual(bob.roles, ['customer']);
      assert.equal(bob.totpSecret, undefined);
      assert.ok(bob.createdAt > 0 && bob.updatedAt === bob.createdAt);
      assert.equal(await store.oauth.createUser({ id: 'u2', username: 'other@acme.test', passwordHash: 'h', roles: [] }), undefined, 'id taken');
      assert.equal(await store.oauth.createUser({ id: 'u9', username: 'bob@acme.test', passwordHash: 'h', roles: [] }), undefined, 'username taken');
      await store.oauth.createUser({ id: 'u1', username: 'alice@acme.test', passwordHash: 'h', roles: ['admin', 'customer'], totpSecret: 'sealed' });
      assert.deepStrictEqual(await store.oauth.getUser('u2'), bob);
      assert.deepStrictEqual(await store.oauth.findUserByUsername('bob@acme.test'), bob);
      assert.equal(await store.oauth.findUserByUsername('BOB@acme.test'), undefined, 'callers normalise the case');
      assert.deepStrictEqual((await store.oauth.listUsers()).map((u) => u.username), ['alice@acme.test', 'bob@acme.test']);
      assert.equal((await store.oauth.getUser('u1'))?.totpSecret, 'sealed');
      assert.equal(await store.oauth.deleteUser('u1'), true);
      assert.equal(await store.oauth.deleteUser('u1'), false);
      assert.equal(await store.oauth.getUser('u1'), undefined);
    });

    it('updates only what the patch names; a new TOTP secret restarts the step sequence', async () => {
      const { store } = await fresh();
      await store.oauth.createUser({ id: 'u1', username: 'a@acme.test', passwordHash: 'h1', roles: ['customer'] });
      const roles = await store.oauth.updateUser('u1', { roles: ['admin'] });
      assert.deepStrictEqual(roles?.roles, ['admin']);
      assert.equal(roles?.passwordHash, 'h1');
      const withTotp = await store.oauth.updateUser('u1', { totpSecret: 'sealed-1' });
      assert.equal(withTotp?.totpSecret, 'sealed-1');
      assert.equal(await store.oauth.recordTotpStep('u1', 100), true);
      assert.equal(await store.oauth.recordTotpStep('u1', 100), false, 'the same step twice');
      assert.equal(await store.oauth.recordTotpStep('u1', 99), false, 'an earlier step');
      assert.equal(await store.oauth.recordTotpStep('u1', 101), true);
      assert.equal((await store.oauth.getUser('u1'))?.totpLastStep, 101);
      const rekeyed = await store.oauth.updateUser('u1', { totpSecret: 'sealed-2', passwordHash: 'h2' });
      assert.equal(rekeyed?.totpLastStep, undefined);
      assert.equal(rekeyed?.passwordHash, 'h2');
      assert.equal(await store.oauth.recordTotpStep('u1', 50), true);
      const off = await store.oauth.updateUser('u1', { totpSecret: null });
      assert.equal(off?.totpSecret, undefined);
      assert.equal(await store.oauth.updateUser('nobody', { roles: [] }), undefined);
      assert.equal(await store.oauth.recordTotpStep('nobody', 1), false);
    });
  });

  describe('oauth clients', () => {
    it('creates confidential and public clients, refuses a taken id, lists by name and deletes', async () => {
      const { store } = await fresh();
      const web = await store.oauth.createClient({
        clientId: 'web',
        name: 'Web app',
        secretHash: 'sha256$abc',
        redirectUris: ['https://app.example/cb', 'http://127.0.0.1:9100/demo/callback'],
        grantTypes: ['authorization_code', 'refresh_token'],
        scopes: ['shop:read'],
      });
      assert.ok(web);
      assert.equal(web.secretHash, 'sha256$abc');
      const spa = await store.oauth.createClient({ clientId: 'spa', name: 'A single-page app', redirectUris: ['https://spa.example/cb'], grantTypes: ['authorization_code'], scopes: [] });
      assert.equal(spa?.secretHash, undefined);
      assert.equal(await store.oauth.createClient({ clientId: 'web', name: 'again', redirectUris: [], grantTypes: [], scopes: [] }), undefined);
      assert.deepStrictEqual(await store.oauth.getClient('web'), web);
      assert.deepStrictEqual((await store.oauth.listClients()).map((c) => c.clientId), ['spa', 'web']);
      assert.equal(await store.oauth.deleteClient('web'), true);
      assert.equal(await store.oauth.deleteClient('web'), false);
      assert.equal(await store.oauth.getClient('web'), undefined);
    });
  });

  describe('oauth signing keys', () => {
    it('adds, lists newest first, rotates atomically and purges expired keys', async () => {
      const { store } = await fresh();
      assert.equal(await store.oauth.addSigningKey(key('k1', T0)), true);
      assert.equal(await store.oauth.addSigningKey(key('k1', T0)), false, 'kid taken');
      assert.equal(await store.oauth.addSigningKey(key('k2', T0 + 1, { alg: 'RS256' })), true);
      assert.deepStrictEqual((await store.oauth.listSigningKeys()).map((k) => k.kid), ['k2', 'k1']);

      const retired = await store.oauth.rotateSigningKeys([key('k3', T0 + 100), key('k4', T0 + 100, { alg: 'RS256' })], T0 + 1000);
      assert.equal(retired, 2);
      const keys = await store.oauth.listSigningKeys();
      assert.deepStrictEqual(keys.map((k) => k.kid), ['k4', 'k3', 'k2', 'k1']);
      assert.deepStrictEqual(keys.find((k) => k.kid === 'k1'), key('k1', T0, { retiredAt: T0 + 100, expiresAt: T0 + 1000 }));
      assert.deepStrictEqual(keys.find((k) => k.kid === 'k3'), key('k3', T0 + 100));

      // A failing insert (kid taken) rolls the retirement back.
      await assert.rejects(store.oauth.rotateSigningKeys([key('k3', T0 + 200)], T0 + 2000));
      assert.equal((await store.oauth.listSigningKeys()).find((k) => k.kid === 'k4')?.retiredAt, undefined);

      // A later rotation with a shorter grace brings earlier retirements forward, never back.
      assert.equal(await store.oauth.rotateSigningKeys([key('k5', T0 + 300)], T0 + 500), 2);
      const after = await store.oauth.listSigningKeys();
      assert.equal(after.find((k) => k.kid === 'k1')?.expiresAt, T0 + 500);
      assert.equal(after.find((k) => k.kid === 'k3')?.expiresAt, T0 + 500);
      assert.equal(after.find((k) => k.kid === 'k3')?.retiredAt, T0 + 300);
      await store.oauth.rotateSigningKeys([key('k6', T0 + 400)], T0 + 9000);
      assert.equal((await store.oauth.listSigningKeys()).find((k) => k.kid === 'k1')?.expiresAt, T0 + 500, 'never postponed');

      assert.equal(await store.oauth.purgeExpiredSigningKeys(T0 + 499), 0);
      assert.equal(await store.oauth.purgeExpiredSigningKeys(T0 + 500), 4);
      assert.deepStrictEqual((await store.oauth.listSigningKeys()).map((k) => k.kid), ['k6', 'k5']);
    });
  });
}

// The ApiKeyStore part of the Store contract (store.apiKeys), run by contract.test-suite.ts against
// every implementation. Not exported from index.ts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isPalisadeError } from '../core/index.js';
import type { NewApiKey, Store } from '../core/index.js';

const T0 = Date.UTC(2025, 0, 15, 12, 0, 0);
const HOUR = 3600_000;

function key(id: string, over: Partial<NewApiKey> = {}): NewApiKey {
  return { id, api: 'shop', name: `key ${id}`, scopes: [], roles: [], secretHash: `sha256$hash-of-${id}`, createdAt: T0, ...over };
}

export function apiKeyStoreContract(fresh: () => Promise<{ store: Store }>): void {
  describe('API keys', () => {
    it('round-trips a key with every field; a taken id is refused', async () => {
      const { store } = await fresh();
      const k: NewApiKey = {
        id: 'AbC123xyz',
        api: 'orders',
        name: 'Zoë’s batch job 🚀',
        scopes: ['orders:read', 'orders:write'],
        roles: ['partner'],
        tenant: 'acme',
        secretHash: 'sha256$0123456789abcdef',
        createdAt: T0,
        createdBy: 'cli',
        expiresAt: T0 + 30 * 24 * HOUR,
      };
      const created = await store.apiKeys.create(k);
      assert.deepStrictEqual(created, k);
      assert.deepStrictEqual(await store.apiKeys.get('AbC123xyz'), k);
      assert.equal(await store.apiKeys.get('abc123xyz'), undefined, 'ids are case-sensitive');
      assert.equal(await store.apiKeys.get('absent'), undefined);
      assert.equal(await store.apiKeys.create({ ...k, name: 'other' }), undefined);
      assert.equal((await store.apiKeys.get('AbC123xyz'))?.name, k.name, 'the first key is kept');
      const minimal = key('min', { name: '' });
      assert.deepStrictEqual(await store.apiKeys.create(minimal), minimal);
    });

    it('lists newest first, by API, bounded', async () => {
      const { store } = await fresh();
      await store.apiKeys.create(key('a', { createdAt: T0 }));
      await store.apiKeys.create(key('b', { createdAt: T0 + 1, api: 'orders' }));
      await store.apiKeys.create(key('c', { createdAt: T0 + 2 }));
      await store.apiKeys.create(key('C', { createdAt: T0 + 2 }));
      assert.deepEqual((await store.apiKeys.list()).map((k) => k.id), ['c', 'C', 'b', 'a']);
      assert.deepEqual((await store.apiKeys.list({ api: 'shop' })).map((k) => k.id), ['c', 'C', 'a']);
      assert.deepEqual((await store.apiKeys.list({ api: 'orders' })).map((k) => k.id), ['b']);
      assert.deepEqual(await store.apiKeys.list({ api: 'none' }), []);
      assert.deepEqual((await store.apiKeys.list({ limit: 2 })).map((k) => k.id), ['c', 'C']);
      await assert.rejects(store.apiKeys.list({ limit: 0 }), RangeError);
    });

    it('revokes once (the first time is kept)', async () => {
      const { store } = await fresh();
      await store.apiKeys.create(key('k'));
      assert.equal((await store.apiKeys.revoke('k', T0 + HOUR))?.revokedAt, T0 + HOUR);
      assert.equal((await store.apiKeys.revoke('k', T0 + 2 * HOUR))?.revokedAt, T0 + HOUR);
      assert.equal((await store.apiKeys.get('k'))?.revokedAt, T0 + HOUR);
      assert.equal(await store.apiKeys.revoke('absent', T0), undefined);
      const now = Date.now();
      await store.apiKeys.create(key('d'));
      const r = await store.apiKeys.revoke('d');
      assert.ok(r?.revokedAt !== undefined && r.revokedAt >= now, 'defaults to now');
    });

    it('rotates: the old key points at its successor until graceUntil; only once', async () => {
      const { store } = await fresh();
      await store.apiKeys.create(key('old', { scopes: ['s'], roles: ['r'], tenant: 't' }));
      const successor = key('new', { createdAt: T0 + HOUR, scopes: ['s'], roles: ['r'], tenant: 't', createdBy: 'admin-api' });
      const created = await store.apiKeys.rotate('old', successor, T0 + 25 * HOUR);
      assert.deepStrictEqual(created, { ...successor, replaces: 'old' });
      const old = await store.apiKeys.get('old');
      assert.equal(old?.replacedBy, 'new');
      assert.equal(old?.graceUntil, T0 + 25 * HOUR);
      assert.equal(old?.revokedAt, undefined);
      assert.equal(await store.apiKeys.rotate('old', key('new2', { createdAt: T0 + 2 * HOUR }), T0 + 3 * HOUR), undefined, 'already replaced');
      assert.equal(await store.apiKeys.get('new2'), undefined, 'nothing stored when refused');
      // The successor can be rotated in turn.
      assert.equal((await store.apiKeys.rotate('new', key('newer', { createdAt: T0 + 2 * HOUR }), T0 + 2 * HOUR))?.replaces, 'new');
    });

    it('refuses to rotate a missing, revoked or expired key, changing nothing', async () => {
      const { store } = await fresh();
      await store.apiKeys.create(key('revoked'));
      await store.apiKeys.revoke('revoked', T0 + 1);
      await store.apiKeys.create(key('expired', { expiresAt: T0 + HOUR }));
      for (const id of ['absent', 'revoked', 'expired']) {
        assert.equal(await store.apiKeys.rotate(id, key(`succ-${id}`, { createdAt: T0 + HOUR }), T0 + 2 * HOUR), undefined, id);
        assert.equal(await store.apiKeys.get(`succ-${id}`), undefined, id);
      }
      assert.equal((await store.apiKeys.get('expired'))?.replacedBy, undefined);
      // Expiring exactly at the successor's creation counts as expired.
      await store.apiKeys.create(key('edge', { expiresAt: T0 + HOUR }));
      assert.equal(await store.apiKeys.rotate('edge', key('succ-edge', { createdAt: T0 + HOUR }), T0 + 2 * HOUR), undefined);
    });

    it('rotates atomically: a successor that cannot be stored leaves the old key untouched', async () => {
      const { store } = await fresh();
      await store.apiKeys.create(key('old'));
      await store.apiKeys.create(key('taken'));
      let caught: unknown;
      try {
        await store.apiKeys.rotate('old', key('taken', { createdAt: T0 + 1 }), T0 + HOUR);
      } catch (e) {
        caught = e;
      }
      assert.ok(isPalisadeError(caught) && caught.code === 'PALISADE_ERR_STORE_WRITE', String(caught));
      const old = await store.apiKeys.get('old');
      assert.equal(old?.replacedBy, undefined);
      assert.equal(old?.graceUntil, undefined);
      await assert.rejects(store.apiKeys.rotate('old', key('old'), T0), TypeError);
    });

    it('records use in batches, only ever moving lastUsedAt forward', async () => {
      const { store } = await fresh();
      await store.apiKeys.create(key('a'));
      await store.apiKeys.create(key('b'));
      assert.equal(await store.apiKeys.touch([]), 0);
      assert.equal(
        await store.apiKeys.touch([
          { id: 'a', at: T0 + 10 },
          { id: 'a', at: T0 + 30 },
          { id: 'a', at: T0 + 20 },
          { id: 'b', at: T0 + 5 },
          { id: 'absent', at: T0 },
        ]),
        2,
      );
      assert.equal((await store.apiKeys.get('a'))?.lastUsedAt, T0 + 30);
      assert.equal((await store.apiKeys.get('b'))?.lastUsedAt, T0 + 5);
      assert.equal(await store.apiKeys.touch([{ id: 'a', at: T0 + 1 }]), 0, 'an older use changes nothing');
      assert.equal((await store.apiKeys.get('a'))?.lastUsedAt, T0 + 30);
      assert.equal(await store.apiKeys.touch([{ id: 'a', at: T0 + 31 }]), 1);
      assert.equal((await store.apiKeys.get('a'))?.lastUsedAt, T0 + 31);
    });

    it('refuses malformed arguments before reaching the database', async () => {
      const { store } = await fresh();
      await assert.rejects(store.apiKeys.create(key('')), TypeError);
      await assert.rejects(store.apiKeys.create(key('x', { api: '' })), TypeError);
      await assert.rejects(store.apiKeys.create(key('x', { name: 'n'.repeat(5000) })), TypeError);
      await assert.rejects(store.apiKeys.create(key('x', { createdAt: Number.NaN })), TypeError);
      await assert.rejects(store.apiKeys.create(key('x', { scopes: 'a' as unknown as string[] })), TypeError);
      await assert.rejects(store.apiKeys.get(''), TypeError);
      await assert.rejects(store.apiKeys.touch([{ id: 'a', at: -1 }]), TypeError);
      assert.deepEqual(await store.apiKeys.list(), []);
    });

    it('keys the lookup text as data, never as SQL', async () => {
      const { store } = await fresh();
      await store.apiKeys.create(key('k'));
      assert.equal(await store.apiKeys.get("k' OR '1'='1"), undefined);
      assert.equal((await store.apiKeys.list({ api: "shop' OR '1'='1" })).length, 0);
    });
  });
}

// The AlertStore part of the Store contract (store.alerts), run by contract.test-suite.ts against
// every implementation. Not exported from index.ts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AlertRecord, Store } from '../core/index.js';

const T0 = Date.UTC(2025, 0, 15, 12, 0, 0);

function alert(id: string, over: Partial<AlertRecord> = {}): AlertRecord {
  return {
    id,
    detector: 'PAL-WATCH-BRUTE-FORCE',
    title: 'Brute force against one account',
    severity: 'high',
    category: 'API2:2023',
    actor: { kind: 'ip', id: '203.0.113.7' },
    endpoint: 'POST /login',
    figures: { failures: 31, threshold: 20 },
    sampleExchangeIds: ['x1', 'x2'],
    remediation: 'Lock the account after repeated failures.',
    firstSeenAt: T0,
    lastSeenAt: T0,
    count: 1,
    ...over,
  };
}

export function alertStoreContract(fresh: () => Promise<{ store: Store }>): void {
  describe('alerts', () => {
    it('round-trips an alert with every field; upsert replaces by id', async () => {
      const { store } = await fresh();
      const a = alert('a1', { response: { action: 'block', targets: ['203.0.113.7'], until: T0 + 600_000 }, figures: { ratio: 0.75, z: 4.5 }, title: 'Zoë’s 🚀 alert' });
      await store.alerts.upsert(a);
      assert.deepStrictEqual(await store.alerts.get('a1'), a);
      const later = { ...a, lastSeenAt: T0 + 5000, count: 3, figures: { ratio: 0.9, z: 6 } };
      await store.alerts.upsert(later);
      assert.deepStrictEqual(await store.alerts.get('a1'), later);
      assert.equal((await store.alerts.list()).length, 1, 'an upsert does not add a row');
      assert.equal(await store.alerts.get('A1'), undefined, 'ids are case-sensitive');
    });

    it('lists newest first, filtered and bounded', async () => {
      const { store } = await fresh();
      await store.alerts.upsert(alert('a', { lastSeenAt: T0 }));
      await store.alerts.upsert(alert('b', { lastSeenAt: T0 + 2, detector: 'PAL-WATCH-SCANNER', actor: { kind: 'ip', id: '198.51.100.1' } }));
      await store.alerts.upsert(alert('c', { lastSeenAt: T0 + 1 }));
      await store.alerts.upsert(alert('d', { lastSeenAt: T0 + 1 }));
      assert.deepEqual((await store.alerts.list()).map((x) => x.id), ['b', 'd', 'c', 'a']);
      assert.deepEqual((await store.alerts.list({ detector: 'PAL-WATCH-SCANNER' })).map((x) => x.id), ['b']);
      assert.deepEqual((await store.alerts.list({ actorId: '203.0.113.7' })).map((x) => x.id), ['d', 'c', 'a']);
      assert.deepEqual((await store.alerts.list({ since: T0 + 1 })).map((x) => x.id), ['b', 'd', 'c']);
      assert.deepEqual((await store.alerts.list({ limit: 2 })).map((x) => x.id), ['b', 'd']);
      assert.equal((await store.alerts.list({ limit: 5000 })).length, 4);
    });

    it('prunes by last time seen', async () => {
      const { store } = await fresh();
      await store.alerts.upsert(alert('old', { lastSeenAt: T0 }));
      await store.alerts.upsert(alert('new', { lastSeenAt: T0 + 10 }));
      assert.equal(await store.alerts.prune(T0 + 10), 1);
      assert.deepEqual((await store.alerts.list()).map((x) => x.id), ['new']);
    });

    it('refuses an alert that names no id or a bad time, and an oversized one', async () => {
      const { store } = await fresh();
      await assert.rejects(store.alerts.upsert(alert('')), /Alert id/);
      await assert.rejects(store.alerts.upsert(alert('t', { lastSeenAt: -1 })), /lastSeenAt/);
      await assert.rejects(store.alerts.upsert(alert('big', { remediation: 'x'.repeat(70_000) })), /more than/);
      assert.equal((await store.alerts.list()).length, 0);
    });
  });
}

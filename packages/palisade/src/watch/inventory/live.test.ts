import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../store/index.js';
import { Inventory } from './inventory.js';
import { StoreFollower, CURSOR_STATE_KEY } from './live.js';
import { loadOverrides, saveOverrides, parseOverrides } from './overrides.js';
import { exchange } from './test-support.js';

test('follows the store: new exchanges once each, late arrivals within the look-back window too', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'watch-live-'));
  const store = await openStore({ driver: 'sqlite', path: join(dir, 's.db') });
  try {
    await store.migrate();
    const inv = new Inventory();
    const f = new StoreFollower(store, inv, { lookbackMs: 1000 });
    await store.recordExchanges([exchange('GET', '/a/1', 200, { startedAt: 10_000 }), exchange('GET', '/a/2', 200, { startedAt: 10_001 })]);
    assert.equal(await f.poll(), 2);
    assert.equal(await f.poll(), 0, 'nothing new');
    // Recorded late, started before the newest one seen: still picked up.
    await store.recordExchanges([exchange('GET', '/b', 200, { startedAt: 9_500 }), exchange('GET', '/a/3', 200, { startedAt: 10_002 })]);
    assert.equal(await f.poll(), 2);
    assert.equal(inv.get(undefined, 'GET', '/a/{aId}')!.count, 3);
    assert.equal(await store.getState(CURSOR_STATE_KEY), '10002');
    // A new follower resumes from the persisted cursor.
    const g = new StoreFollower(store, new Inventory(), { lookbackMs: 0 });
    await store.recordExchanges([exchange('GET', '/c', 200, { startedAt: 20_000 })]);
    assert.equal(await g.poll(), 1);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a backlog beyond the page limit is skipped and counted, not silently lost', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'watch-live-'));
  const store = await openStore({ driver: 'sqlite', path: join(dir, 's.db') });
  try {
    await store.migrate();
    const f = new StoreFollower(store, new Inventory(), { maxPagesPerPoll: 1, persistCursor: false, lookbackMs: 0 });
    await store.recordExchanges(Array.from({ length: 1500 }, (_, i) => exchange('GET', `/p/${i}`, 200, { startedAt: 50_000 + i })));
    assert.equal(await f.poll(), 1000, 'the newest page');
    assert.equal(f.truncatedPolls, 1);
    await store.recordExchanges([exchange('GET', '/p/x1', 200, { startedAt: 60_000 })]);
    assert.equal(await f.poll(), 1);
    assert.equal(f.truncatedPolls, 1);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('overrides persist in the store or in a file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'watch-ovr-'));
  const store = await openStore({ driver: 'sqlite', path: join(dir, 's.db') });
  try {
    await store.migrate();
    const list = [{ action: 'merge' as const, template: '/files/{name}', at: 1 }];
    await saveOverrides(store, list);
    assert.deepEqual(await loadOverrides(store), list);
    const file = join(dir, 'overrides.json');
    assert.deepEqual(await loadOverrides(file), [], 'a missing file is no overrides');
    await saveOverrides(file, list);
    assert.deepEqual(await loadOverrides(file), list);
    assert.throws(() => parseOverrides([{ action: 'join', template: '/x/{y}' }], 'f.yaml'), /f\.yaml\[0\]\.action: must be split or merge/);
    assert.throws(() => parseOverrides([{ action: 'merge', template: '/x/y' }], 'f.yaml'), /f\.yaml\[0\]\.template/);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

// The Store contract: one set of tests every Store implementation must pass. sqlite.test.ts and
// postgres.test.ts run it against their implementation. Not exported from index.ts.
import assert from 'node:assert/strict';
import { after, afterEach, describe, it } from 'node:test';
import { isPalisadeError } from '../core/index.js';
import type { Exchange, Store, StoreKind } from '../core/index.js';
import type { Migration } from './migrations.js';
import { oauthStoreContract } from './oauth-contract.test-suite.js';
import { apiKeyStoreContract } from './api-key-contract.test-suite.js';
import { alertStoreContract } from './alert-contract.test-suite.js';
import { findingStoreContract } from './findings-contract.test-suite.js';
import { scanStoreContract } from './scan-contract.test-suite.js';
import { consoleUsersStoreContract } from './console-users-contract.test-suite.js';

export interface LocationOptions {
  migrations?: readonly Migration[];
  retentionChunkSize?: number;
}

/** A place a store lives (an SQLite file, a PostgreSQL schema) that can be opened again and again. */
export interface StoreLocation {
  /** A store on this location, not yet migrated. */
  open(options?: LocationOptions): Promise<Store>;
}

export interface StoreHarness {
  readonly kind: StoreKind;
  /** The implementation's built-in migrations, which tests extend. */
  readonly builtinMigrations: readonly Migration[];
  /** A fresh, empty location. */
  location(): Promise<StoreLocation>;
  /** Removes every location the harness created. */
  cleanup(): Promise<void>;
}

const DAY = 24 * 60 * 60 * 1000;
const T0 = Date.UTC(2025, 0, 15, 12, 0, 0);

export function exchange(n: number, over: Partial<Exchange> = {}): Exchange {
  return {
    id: `x-${String(n).padStart(6, '0')}`,
    startedAt: T0 + n,
    method: 'GET',
    url: `/items/${n}`,
    clientIp: '192.0.2.10',
    requestHeaders: { accept: 'application/json' },
    requestBytes: 0,
    status: 200,
    responseHeaders: { 'content-type': 'application/json' },
    responseBytes: 12,
    timings: { total: 1.5 },
    verdicts: [],
    ...over,
  };
}

/** An Exchange with every optional field set, including text that stresses encodings. */
export function fullExchange(): Exchange {
  return {
    id: '01JEXAMPLE0000000000000001',
    startedAt: T0,
    api: 'shop',
    route: 'GET /orders/{id}',
    operationId: 'getOrder',
    method: 'GET',
    url: '/orders/42?token=[REDACTED]&q=caf%C3%A9',
    host: 'api.example.com',
    clientIp: '2001:db8::7',
    principal: { id: 'user-42', method: 'jwt', roles: ['admin', 'billing'], tenant: 'acme' },
    requestHeaders: { authorization: '[REDACTED]', 'x-request-id': 'abc', 'accept-language': 'fr-CH, fr;q=0.9' },
    requestBodySample: '{"name":"Zoë 🚀","quote":"\\"hi\\"","nul":"a\u0000b","sql":"\'; DROP TABLE exchanges; --"}',
    requestBytes: 123,
    status: 403,
    responseHeaders: { 'content-type': 'application/problem+json', 'retry-after': '30' },
    responseBodySample: '{"type":"https://palisade.dev/problems/waf","status":403}',
    responseBytes: 57,
    timings: { total: 12.375, upstream: 9.25 },
    verdicts: [
      { stage: 'connection', outcome: 'continue' },
      { stage: 'authenticate', outcome: 'continue', rule: 'jwt:issuer-a' },
      { stage: 'waf', outcome: 'deny', code: 'waf', rule: '942100' },
    ],
    blockedBy: 'waf',
    error: 'client aborted',
  };
}

async function rejectsWith(p: Promise<unknown>, code: string, pattern?: RegExp): Promise<Error> {
  let caught: unknown;
  try {
    await p;
  } catch (e) {
    caught = e;
  }
  assert.ok(isPalisadeError(caught), `expected a PalisadeError ${code}, got ${String(caught)}`);
  assert.equal(caught.code, code);
  if (pattern) assert.match(caught.message, pattern);
  return caught;
}

export function storeContract(harness: StoreHarness): void {
  const open: Store[] = [];

  afterEach(async () => {
    for (const s of open.splice(0)) await s.close();
  });
  after(async () => {
    await harness.cleanup();
  });

  async function fresh(options?: LocationOptions): Promise<{ store: Store; loc: StoreLocation }> {
    const loc = await harness.location();
    const store = await loc.open(options);
    open.push(store);
    await store.migrate();
    return { store, loc };
  }

  async function reopen(loc: StoreLocation, options?: LocationOptions): Promise<Store> {
    const store = await loc.open(options);
    open.push(store);
    return store;
  }

  const latest = (): number => harness.builtinMigrations.at(-1)?.version ?? 0;
  const extra = (offset: number, name: string, up: string): Migration => ({ version: latest() + offset, name, up });

  describe('migrations', () => {
    it('start an empty database at version 0 and bring it to the latest version', async () => {
      const loc = await harness.location();
      const store = await reopen(loc);
      assert.equal(await store.schemaVersion(), 0);
      await store.migrate();
      assert.equal(store.kind, harness.kind);
      assert.equal(await store.schemaVersion(), latest());
      assert.ok(latest() >= 1);
    });

    it('are idempotent: migrating again, in the same or a new process, changes nothing', async () => {
      const { store, loc } = await fresh();
      await store.recordExchanges([exchange(1)]);
      await store.migrate();
      await store.close();
      const again = await reopen(loc);
      await again.migrate();
      assert.equal(await again.schemaVersion(), latest());
      assert.equal(await again.countExchanges(), 1);
    });

    it('apply only the steps not yet applied, in order, keeping data', async () => {
      // Step +1 creates a table without IF NOT EXISTS: running it twice would fail.
      const step1 = extra(1, 'extra_table', 'CREATE TABLE contract_extra (k TEXT PRIMARY KEY, v TEXT NOT NULL)');
      const step2 = extra(2, 'extra_row', "INSERT INTO contract_extra (k, v) VALUES ('a', 'b')");
      const { store, loc } = await fresh({ migrations: [...harness.builtinMigrations, step1] });
      assert.equal(await store.schemaVersion(), latest() + 1);
      await store.setState('contract.kept', 'yes');
      await store.close();
      const next = await reopen(loc, { migrations: [...harness.builtinMigrations, step1, step2] });
      await next.migrate();
      assert.equal(await next.schemaVersion(), latest() + 2);
      assert.equal(await next.getState('contract.kept'), 'yes');
    });

    it('refuse a database whose applied step differs from the known one', async () => {
      const original = extra(1, 'extra_table', 'CREATE TABLE contract_extra (k TEXT PRIMARY KEY)');
      const { store, loc } = await fresh({ migrations: [...harness.builtinMigrations, original] });
      await store.close();
      const edited = { ...original, up: 'CREATE TABLE contract_extra (k TEXT PRIMARY KEY, v TEXT)' };
      const next = await reopen(loc, { migrations: [...harness.builtinMigrations, edited] });
      await rejectsWith(next.migrate(), 'PALISADE_ERR_STORE_MIGRATION', /immutable/);
    });

    it('refuse a database migrated by a newer version', async () => {
      const { store, loc } = await fresh({ migrations: [...harness.builtinMigrations, extra(1, 'future', 'CREATE TABLE contract_future (k TEXT)')] });
      await store.close();
      const older = await reopen(loc);
      await rejectsWith(older.migrate(), 'PALISADE_ERR_STORE_MIGRATION', new RegExp(`version ${latest() + 1}`));
    });

    it('leave the store at the previous version when a step fails, with the database reason', async () => {
      const good = extra(1, 'good_step', 'CREATE TABLE contract_good (k TEXT PRIMARY KEY)');
      const bad = extra(2, 'bad_step', 'CREATE TABLE contract_partial (k TEXT PRIMARY KEY); SELECT * FROM contract_no_such_table');
      const loc = await harness.location();
      const store = await reopen(loc, { migrations: [...harness.builtinMigrations, good, bad] });
      const err = await rejectsWith(store.migrate(), 'PALISADE_ERR_STORE_MIGRATION', /contract_no_such_table/);
      assert.match(err.message, new RegExp(`remains at version ${latest() + 1}`));
      assert.equal(await store.schemaVersion(), latest() + 1);
      // The store still works at the previous version.
      await store.recordExchanges([exchange(1)]);
      assert.equal(await store.countExchanges(), 1);
      await store.close();
      // The failed step's first statement was rolled back: a corrected step creating the same table succeeds.
      const fixed = { ...bad, up: 'CREATE TABLE contract_partial (k TEXT PRIMARY KEY)' };
      const next = await reopen(loc, { migrations: [...harness.builtinMigrations, good, fixed] });
      await next.migrate();
      assert.equal(await next.schemaVersion(), latest() + 2);
    });

    it('reject a malformed migration list', async () => {
      const loc = await harness.location();
      const first = harness.builtinMigrations[0];
      assert.ok(first);
      const store = await reopen(loc, { migrations: [first, { ...first, name: 'duplicate_version' }] });
      await rejectsWith(store.migrate(), 'PALISADE_ERR_STORE_MIGRATION', /malformed/);
    });
  });

  describe('exchanges', () => {
    it('round-trip an exchange with every field', async () => {
      const { store } = await fresh();
      const x = fullExchange();
      await store.recordExchanges([x]);
      assert.deepStrictEqual(await store.getExchange(x.id), x);
      assert.deepStrictEqual(await store.recentExchanges(), [x]);
    });

    it('round-trip a minimal exchange without inventing absent fields', async () => {
      const { store } = await fresh();
      const x = exchange(7);
      await store.recordExchanges([x]);
      const back = await store.getExchange(x.id);
      assert.deepStrictEqual(back, x);
      assert.ok(back && !('api' in back) && !('principal' in back) && !('blockedBy' in back));
    });

    it('return undefined for an unknown id and count 0 when empty', async () => {
      const { store } = await fresh();
      assert.equal(await store.getExchange('nope'), undefined);
      assert.equal(await store.countExchanges(), 0);
      assert.deepStrictEqual(await store.recentExchanges(), []);
      await store.recordExchanges([]);
      assert.equal(await store.countExchanges(), 0);
    });

    it('keep the first record of an id written twice, even within one batch', async () => {
      const { store } = await fresh();
      await store.recordExchanges([exchange(1, { status: 201 }), exchange(1, { status: 500 })]);
      await store.recordExchanges([exchange(1, { status: 502 }), exchange(2)]);
      assert.equal(await store.countExchanges(), 2);
      assert.equal((await store.getExchange(exchange(1).id))?.status, 201);
    });

    it('filter by api, route, status, client IP and blocked, newest first', async () => {
      const { store } = await fresh();
      const batch = [
        exchange(1, { api: 'shop', route: 'GET /a', status: 200, clientIp: '192.0.2.1' }),
        exchange(2, { api: 'shop', route: 'GET /b', status: 404, clientIp: '192.0.2.2' }),
        exchange(3, { api: 'billing', route: 'GET /a', status: 403, clientIp: '192.0.2.1', blockedBy: 'ip-denied' }),
        exchange(4, { api: 'shop', route: 'GET /a', status: 429, clientIp: '192.0.2.3', blockedBy: 'rate-limited' }),
        exchange(5, { status: 200 }),
      ];
      await store.recordExchanges(batch);
      const ids = async (q: Parameters<Store['recentExchanges']>[0]): Promise<string[]> =>
        (await store.recentExchanges(q)).map((x) => x.id);
      const id = (n: number): string => exchange(n).id;
      assert.deepStrictEqual(await ids({}), [id(5), id(4), id(3), id(2), id(1)]);
      assert.deepStrictEqual(await ids({ api: 'shop' }), [id(4), id(2), id(1)]);
      assert.deepStrictEqual(await ids({ route: 'GET /a' }), [id(4), id(3), id(1)]);
      assert.deepStrictEqual(await ids({ api: 'shop', route: 'GET /a' }), [id(4), id(1)]);
      assert.deepStrictEqual(await ids({ status: 404 }), [id(2)]);
      assert.deepStrictEqual(await ids({ clientIp: '192.0.2.1' }), [id(3), id(1)]);
      assert.deepStrictEqual(await ids({ blocked: true }), [id(4), id(3)]);
      assert.deepStrictEqual(await ids({ blocked: false }), [id(5), id(2), id(1)]);
      assert.deepStrictEqual(await ids({ blocked: true, api: 'billing' }), [id(3)]);
      assert.deepStrictEqual(await ids({ status: 418 }), []);
      assert.deepStrictEqual(await ids({ limit: 2 }), [id(5), id(4)]);
    });

    it('page with the startedAt cursor, and with the id tie-breaker when times are equal', async () => {
      const { store } = await fresh();
      // 10 exchanges over 4 distinct milliseconds, so pages end in the middle of ties.
      const batch = Array.from({ length: 10 }, (_, i) => exchange(i, { startedAt: T0 + Math.floor(i / 3) }));
      await store.recordExchanges(batch);
      const expected = [...batch].sort((a, b) => b.startedAt - a.startedAt || (a.id < b.id ? 1 : -1)).map((x) => x.id);

      const seen: string[] = [];
      let cursor: { before?: number; beforeId?: string } = {};
      for (let guard = 0; guard < 20; guard++) {
        const page = await store.recentExchanges({ limit: 4, ...cursor });
        seen.push(...page.map((x) => x.id));
        const last = page.at(-1);
        if (page.length < 4 || !last) break;
        cursor = { before: last.startedAt, beforeId: last.id };
      }
      assert.deepStrictEqual(seen, expected);

      // Without the tie-breaker, `before` is strict: nothing from the cursor's millisecond.
      const older = await store.recentExchanges({ before: T0 + 2 });
      const startedAt = new Map(batch.map((x) => [x.id, x.startedAt] as const));
      assert.deepStrictEqual(older.map((x) => x.id), expected.filter((id) => (startedAt.get(id) ?? Infinity) < T0 + 2));
      assert.equal(older.length, 6);
    });

    it('default the limit to 100 and cap it at 1000', async () => {
      const { store } = await fresh();
      await store.recordExchanges(Array.from({ length: 1100 }, (_, i) => exchange(i)));
      assert.equal((await store.recentExchanges()).length, 100);
      assert.equal((await store.recentExchanges({ limit: 5000 })).length, 1000);
      assert.equal((await store.recentExchanges({ limit: 0 })).length, 1);
    });

    it('record a batch of 2,000 exchanges in one call and read them all back', async () => {
      const { store } = await fresh();
      const batch = Array.from({ length: 2000 }, (_, i) =>
        exchange(i, { api: i % 2 ? 'odd' : 'even', status: 200 + (i % 5), principal: { id: `p${i % 7}`, method: 'apiKey', roles: [] } }),
      );
      await store.recordExchanges(batch);
      assert.equal(await store.countExchanges(), 2000);
      const all: Exchange[] = [];
      let page = await store.recentExchanges({ limit: 1000 });
      // Bounded so a cursor that fails to advance fails the test instead of looping forever.
      for (let pages = 0; page.length && pages < 5; pages++) {
        all.push(...page);
        const last = page.at(-1);
        if (!last) break;
        page = await store.recentExchanges({ limit: 1000, before: last.startedAt, beforeId: last.id });
      }
      assert.equal(all.length, 2000);
      assert.deepStrictEqual(all.reverse(), batch);
      assert.equal((await store.recentExchanges({ api: 'odd', limit: 1000 })).length, 1000);
    });
  });

  describe('retention', () => {
    const now = T0 + 100 * DAY;

    it('deletes by age, then keeps only the newest maxExchanges', async () => {
      const { store } = await fresh({ retentionChunkSize: 3 });
      const old = Array.from({ length: 10 }, (_, i) => exchange(i, { startedAt: now - 40 * DAY + i }));
      const recent = Array.from({ length: 8 }, (_, i) => exchange(100 + i, { startedAt: now - 5 * DAY + i }));
      await store.recordExchanges([...old, ...recent]);

      assert.deepStrictEqual(await store.applyRetention({ maxAgeDays: 30, maxExchanges: 5, now }), { deletedByAge: 10, deletedBySize: 3 });
      const kept = (await store.recentExchanges()).map((x) => x.id);
      assert.deepStrictEqual(kept, recent.slice(3).reverse().map((x) => x.id));
      assert.deepStrictEqual(await store.applyRetention({ maxAgeDays: 30, maxExchanges: 5, now }), { deletedByAge: 0, deletedBySize: 0 });
    });

    it('treats the age limit as exclusive and keeps exchanges exactly at the cutoff', async () => {
      const { store } = await fresh();
      await store.recordExchanges([exchange(1, { startedAt: now - 30 * DAY - 1 }), exchange(2, { startedAt: now - 30 * DAY })]);
      assert.deepStrictEqual(await store.applyRetention({ maxAgeDays: 30, maxExchanges: 1000, now }), { deletedByAge: 1, deletedBySize: 0 });
      assert.deepStrictEqual((await store.recentExchanges()).map((x) => x.id), [exchange(2).id]);
    });

    it('keeps exactly maxExchanges when many share a millisecond', async () => {
      const { store } = await fresh({ retentionChunkSize: 2 });
      const same = Array.from({ length: 9 }, (_, i) => exchange(i, { startedAt: now - DAY }));
      await store.recordExchanges(same);
      const { deletedBySize } = await store.applyRetention({ maxAgeDays: 30, maxExchanges: 4, now });
      assert.equal(deletedBySize, 5);
      assert.equal(await store.countExchanges(), 4);
      assert.deepStrictEqual(
        (await store.recentExchanges()).map((x) => x.id),
        same.map((x) => x.id).sort().reverse().slice(0, 4),
      );
    });

    it('deletes more than one chunk by age', async () => {
      const { store } = await fresh({ retentionChunkSize: 7 });
      await store.recordExchanges(Array.from({ length: 50 }, (_, i) => exchange(i, { startedAt: now - 60 * DAY + i })));
      await store.recordExchanges([exchange(99, { startedAt: now })]);
      assert.deepStrictEqual(await store.applyRetention({ maxAgeDays: 1, maxExchanges: 1000, now }), { deletedByAge: 50, deletedBySize: 0 });
      assert.equal(await store.countExchanges(), 1);
    });

    it('rejects a nonsensical policy', async () => {
      const { store } = await fresh();
      await assert.rejects(store.applyRetention({ maxAgeDays: 0, maxExchanges: 10 }), RangeError);
      await assert.rejects(store.applyRetention({ maxAgeDays: 1, maxExchanges: -1 }), RangeError);
    });

    it('purges expired blocks', async () => {
      const { store } = await fresh();
      await store.addBlock({ entry: '192.0.2.1', reason: 'r', createdBy: 'test', expiresAt: now - 1 });
      await store.addBlock({ entry: '192.0.2.2', reason: 'r', createdBy: 'test' });
      await store.applyRetention({ maxAgeDays: 30, maxExchanges: 1000, now });
      // Even when asked about a time before it expired, the purged entry is gone.
      assert.deepStrictEqual((await store.listBlocks(now - 10)).map((b) => b.entry), ['192.0.2.2']);
    });
  });

  describe('blocks', () => {
    it('add, list, upsert by canonical entry, and remove', async () => {
      const { store } = await fresh();
      const before = Date.now();
      const added = await store.addBlock({ entry: '203.0.113.7', reason: 'credential stuffing', createdBy: 'watch:stuffing' });
      assert.equal(added.entry, '203.0.113.7');
      assert.equal(added.reason, 'credential stuffing');
      assert.equal(added.createdBy, 'watch:stuffing');
      assert.ok(added.createdAt >= before);
      assert.ok(!('expiresAt' in added));
      assert.deepStrictEqual(await store.listBlocks(), [added]);

      const replaced = await store.addBlock({ entry: '203.0.113.7/32', reason: 'manual', createdBy: 'alice', expiresAt: T0 + 365 * DAY * 100 });
      assert.equal(replaced.entry, '203.0.113.7');
      const list = await store.listBlocks();
      assert.equal(list.length, 1);
      assert.deepStrictEqual(list[0], replaced);
      assert.equal(list[0]?.reason, 'manual');

      assert.equal(await store.removeBlock('203.0.113.7'), true);
      assert.equal(await store.removeBlock('203.0.113.7'), false);
      assert.deepStrictEqual(await store.listBlocks(), []);
    });

    it('stores CIDR ranges and IPv6 in canonical form', async () => {
      const { store } = await fresh();
      await store.addBlock({ entry: '10.1.2.3/8', reason: 'r', createdBy: 't' });
      await store.addBlock({ entry: '2001:DB8:0:0::1', reason: 'r', createdBy: 't' });
      await store.addBlock({ entry: '2001:db8::1', reason: 'again', createdBy: 't' });
      const entries = (await store.listBlocks()).map((b) => b.entry).sort();
      assert.deepStrictEqual(entries, ['10.0.0.0/8', '2001:db8::1']);
      assert.equal(await store.removeBlock('10.9.9.9/8'), true);
    });

    it('hides expired entries and does not count removing one as a removal', async () => {
      const { store } = await fresh();
      const far = Date.now() + 365 * DAY;
      await store.addBlock({ entry: '198.51.100.1', reason: 'temp', createdBy: 't', expiresAt: far });
      await store.addBlock({ entry: '198.51.100.2', reason: 'gone', createdBy: 't', expiresAt: Date.now() - 1000 });
      assert.deepStrictEqual((await store.listBlocks()).map((b) => b.entry), ['198.51.100.1']);
      assert.deepStrictEqual(await store.listBlocks(far), []);
      assert.deepStrictEqual((await store.listBlocks(far - 1)).map((b) => b.expiresAt), [far]);
      assert.equal(await store.removeBlock('198.51.100.2'), false);
      assert.deepStrictEqual((await store.listBlocks(0)).map((b) => b.entry), ['198.51.100.1']);
    });

    it('rejects entries that are not IP addresses or ranges', async () => {
      const { store } = await fresh();
      for (const entry of ['', 'example.com', '10.0.0.1/33', '10.0.0.256', 'fe80::1%eth0', '::1/129']) {
        await assert.rejects(store.addBlock({ entry, reason: 'r', createdBy: 't' }), TypeError, entry);
      }
      assert.equal(await store.removeBlock('not an ip'), false);
      assert.deepStrictEqual(await store.listBlocks(), []);
    });
  });

  describe('state', () => {
    it('gets, sets and overwrites values', async () => {
      const { store } = await fresh();
      assert.equal(await store.getState('watch.cursor'), undefined);
      await store.setState('watch.cursor', '42');
      assert.equal(await store.getState('watch.cursor'), '42');
      await store.setState('watch.cursor', '43');
      assert.equal(await store.getState('watch.cursor'), '43');
      await store.setState('empty', '');
      assert.equal(await store.getState('empty'), '');
      const json = JSON.stringify({ ü: 'ñ', emoji: '🧱', big: 'x'.repeat(100_000) });
      await store.setState('probe.last', json);
      assert.equal(await store.getState('probe.last'), json);
      await assert.rejects(store.setState('', 'v'), TypeError);
    });
  });

  oauthStoreContract(fresh);
  apiKeyStoreContract(fresh);
  alertStoreContract(fresh);
  findingStoreContract(fresh);
  scanStoreContract(fresh);
  consoleUsersStoreContract(fresh);

  describe('lifecycle', () => {
    it('keeps everything across close and reopen', async () => {
      const { store, loc } = await fresh();
      const x = fullExchange();
      await store.recordExchanges([x, exchange(1)]);
      const block = await store.addBlock({ entry: '192.0.2.99', reason: 'r', createdBy: 't' });
      await store.setState('k', 'v');
      await store.close();
      await store.close();
      const again = await reopen(loc);
      await again.migrate();
      assert.deepStrictEqual(await again.getExchange(x.id), x);
      assert.equal(await again.countExchanges(), 2);
      assert.deepStrictEqual(await again.listBlocks(), [block]);
      assert.equal(await again.getState('k'), 'v');
    });

    it('reports health, and refuses work once closed', async () => {
      const { store } = await fresh();
      const h = await store.health();
      assert.equal(h.ok, true, h.detail);
      assert.match(h.detail ?? '', new RegExp(`schema version ${latest()}`));
      await store.close();
      assert.equal((await store.health()).ok, false);
      await rejectsWith(store.recordExchanges([exchange(1)]), 'PALISADE_ERR_STORE_WRITE', /closed/);
      await rejectsWith(store.countExchanges(), 'PALISADE_ERR_STORE_READ', /closed/);
    });

    it('names the operation and database reason when the schema is missing', async () => {
      const loc = await harness.location();
      const store = await reopen(loc);
      await rejectsWith(store.recordExchanges([exchange(1)]), 'PALISADE_ERR_STORE_WRITE', /writing 1 exchanges failed: .*(no such table|does not exist)/);
      await rejectsWith(store.getState('k'), 'PALISADE_ERR_STORE_READ', /reading state failed: .*(no such table|does not exist)/);
    });
  });
}

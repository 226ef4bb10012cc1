// Issuing and managing API keys over a real SQLite store, and the whole lifecycle through the
// verifier: create → use → rotate with grace → old refused after grace → revoke → expire. The
// database files are scanned byte by byte for the keys' secrets.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isPalisadeError } from '../core/index.js';
import type { Store } from '../core/index.js';
import { SqliteStore } from '../store/index.js';
import type { AuthResult } from './types.js';
import { StoreApiKeyVerifier, parseApiKey } from './api-keys.js';
import { ApiKeyError, ApiKeyManager, keyIdFrom, parseDuration, parseExpiry } from './api-key-manager.js';
import type { ApiKeyErrorKind } from './api-key-manager.js';

const root = mkdtempSync(join(tmpdir(), 'palisade-keys-'));
after(() => rmSync(root, { recursive: true, force: true }));

const T0 = Date.UTC(2026, 2, 1, 9, 0, 0);
const SECOND = 1000;
const HOUR = 3600 * SECOND;
const DAY = 24 * HOUR;

let n = 0;
async function setup(): Promise<{ store: Store; path: string; manager: ApiKeyManager; verifier: StoreApiKeyVerifier; advance(ms: number): void; now(): number }> {
  const path = join(root, `keys-${++n}.db`);
  const store = new SqliteStore({ path });
  await store.migrate();
  let now = T0;
  const verifier = new StoreApiKeyVerifier(store.apiKeys, { now: () => now, usageFlushMs: 3_600_000 });
  const manager = new ApiKeyManager(store.apiKeys, { now: () => now, knownApis: () => ['shop', 'orders'], onChange: (id) => verifier.invalidate(id) });
  return {
    store,
    path,
    manager,
    verifier,
    advance: (ms) => {
      now += ms;
    },
    now: () => now,
  };
}

function reasonOf(r: AuthResult): string {
  return r.ok ? 'ok' : r.reason;
}

async function refusedWith(p: Promise<unknown>, kind: ApiKeyErrorKind, pattern: RegExp): Promise<void> {
  let caught: unknown;
  try {
    await p;
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof ApiKeyError, `expected an ApiKeyError, got ${String(caught)}`);
  assert.ok(isPalisadeError(caught));
  assert.equal(caught.code, 'PALISADE_ERR_API_KEY');
  assert.equal(caught.kind, kind);
  assert.match(caught.message, pattern);
}

/** Every file of the database (WAL included): none may contain a secret. */
function databaseBytes(path: string): Buffer {
  return Buffer.concat([path, `${path}-wal`, `${path}-shm`].filter(existsSync).map((p) => readFileSync(p)));
}

describe('API key lifecycle (SQLite store, verifier, manager)', () => {
  it('create → use → rotate with grace → old refused after grace → revoke → refused', async () => {
    const t = await setup();
    try {
      const created = await t.manager.create({ api: 'shop', name: 'nightly export', scopes: ['orders:read'], roles: ['partner'], tenant: 'acme', expiresAt: T0 + 30 * DAY, createdBy: 'test' });
      assert.equal(created.summary.status, 'active');
      assert.equal(created.summary.hint, `pal_${created.summary.id}_…`);
      assert.ok(!('secretHash' in created.summary), 'summaries never carry the hash');
      const first = created.key;

      const used = await t.verifier.verify(first, 'shop');
      assert.ok(used.ok);
      assert.equal(used.principal.id, `apikey:${created.summary.id}`);
      assert.deepEqual(used.principal.claims, { keyName: 'nightly export' });

      t.advance(HOUR);
      const rotated = await t.manager.rotate(created.summary.id, { graceMs: 2 * HOUR, createdBy: 'test' });
      assert.notEqual(rotated.key, first);
      assert.equal(rotated.previous.status, 'grace');
      assert.equal(rotated.previous.replacedBy, rotated.summary.id);
      assert.equal(rotated.previous.graceUntil, t.now() + 2 * HOUR);
      assert.equal(rotated.summary.replaces, created.summary.id);
      assert.deepEqual([rotated.summary.api, rotated.summary.name, rotated.summary.tenant], ['shop', 'nightly export', 'acme']);
      assert.deepEqual(rotated.summary.scopes, ['orders:read']);
      assert.equal(rotated.summary.expiresAt, t.now() + 30 * DAY, 'the successor gets the same lifetime again');

      // During the grace period both keys work.
      assert.equal(reasonOf(await t.verifier.verify(first, 'shop')), 'ok');
      assert.equal(reasonOf(await t.verifier.verify(rotated.key, 'shop')), 'ok');
      t.advance(2 * HOUR - 1);
      assert.equal(reasonOf(await t.verifier.verify(first, 'shop')), 'ok');
      // After it, only the new one. (The verifier's cache lasts 5 s; the manager told it to forget.)
      t.advance(1);
      assert.equal(reasonOf(await t.verifier.verify(first, 'shop')), 'expired');
      assert.equal(reasonOf(await t.verifier.verify(rotated.key, 'shop')), 'ok');
      assert.equal((await t.manager.get(created.summary.id))?.status, 'rotated');

      const revoked = await t.manager.revoke(rotated.summary.id);
      assert.equal(revoked.already, false);
      assert.equal(revoked.summary.status, 'revoked');
      assert.equal(reasonOf(await t.verifier.verify(rotated.key, 'shop')), 'revoked', 'refused at once in the process that revoked it');
      const again = await t.manager.revoke(rotated.summary.id);
      assert.equal(again.already, true);
      assert.equal(again.summary.revokedAt, revoked.summary.revokedAt);

      // last-used times reach the store when the verifier flushes.
      await t.verifier.flush();
      const listed = await t.manager.list({ api: 'shop' });
      assert.deepEqual(listed.map((k) => k.id), [rotated.summary.id, created.summary.id]);
      assert.equal(listed[0]?.lastUsedAt, T0 + 3 * HOUR - 1 + 1);
      assert.equal(listed[1]?.lastUsedAt, T0 + 3 * HOUR - 1);

      await t.verifier.close();
      await t.store.close();
      const bytes = databaseBytes(t.path);
      for (const key of [first, rotated.key]) {
        const p = parseApiKey(key);
        assert.ok(p.ok);
        assert.ok(bytes.includes(Buffer.from(p.id)), 'the public id is stored (a sanity check of the scan)');
        assert.ok(!bytes.includes(Buffer.from(p.secret)), 'the secret never reaches the database');
        assert.ok(!bytes.includes(Buffer.from(p.secret.slice(0, 16))), 'not even part of it');
      }
    } finally {
      await t.store.close();
    }
  });

  it('refuses a key from its expiry on', async () => {
    const t = await setup();
    try {
      const k = await t.manager.create({ api: 'orders', name: 'short-lived', expiresAt: T0 + HOUR });
      assert.equal(reasonOf(await t.verifier.verify(k.key, 'orders')), 'ok');
      t.advance(HOUR - 1);
      t.verifier.invalidate();
      assert.equal(reasonOf(await t.verifier.verify(k.key, 'orders')), 'ok');
      t.advance(1);
      assert.equal(reasonOf(await t.verifier.verify(k.key, 'orders')), 'expired');
      assert.equal((await t.manager.get(k.summary.id))?.status, 'expired');
      await refusedWith(t.manager.rotate(k.summary.id), 'conflict', /is expired: create a new key/);
    } finally {
      await t.store.close();
    }
  });

  it('rotation with no grace ends the old key at once; a key rotates only once', async () => {
    const t = await setup();
    try {
      const k = await t.manager.create({ api: 'shop', name: 'ci' });
      const r = await t.manager.rotate(k.summary.id, { graceMs: 0 });
      assert.equal(r.summary.expiresAt, undefined, 'no expiry stays no expiry');
      assert.equal(reasonOf(await t.verifier.verify(k.key, 'shop')), 'expired');
      assert.equal(reasonOf(await t.verifier.verify(r.key, 'shop')), 'ok');
      await refusedWith(t.manager.rotate(k.summary.id), 'conflict', new RegExp(`already rotated; its successor is ${r.summary.id}`));
      await refusedWith(t.manager.rotate(k.summary.id, { graceMs: 31 * DAY }), 'invalid', /grace must be between 0 and 30 days/);
      await t.manager.revoke(r.summary.id);
      await refusedWith(t.manager.rotate(r.summary.id), 'conflict', /is revoked/);
    } finally {
      await t.store.close();
    }
  });

  it('checks every input with a message naming what is wrong', async () => {
    const t = await setup();
    try {
      await refusedWith(t.manager.create({ api: 'billing', name: 'x' }), 'invalid', /no API named "billing" in the configuration \(APIs: shop, orders\)/);
      await refusedWith(t.manager.create({ api: 'bad name', name: 'x' }), 'invalid', /api must name an API/);
      await refusedWith(t.manager.create({ api: 'shop', name: '  ' }), 'invalid', /name is required/);
      await refusedWith(t.manager.create({ api: 'shop', name: 'n'.repeat(201) }), 'invalid', /at most 200 characters/);
      await refusedWith(t.manager.create({ api: 'shop', name: 'a\u001b[31mred' }), 'invalid', /control characters/);
      await refusedWith(t.manager.create({ api: 'shop', name: 'x', scopes: ['has space'] }), 'invalid', /scopes: each entry .*"has space"/);
      await refusedWith(t.manager.create({ api: 'shop', name: 'x', scopes: Array.from({ length: 65 }, (_, i) => `s${i}`) }), 'invalid', /at most 64 entries/);
      await refusedWith(t.manager.create({ api: 'shop', name: 'x', roles: [''] }), 'invalid', /roles: each entry/);
      await refusedWith(t.manager.create({ api: 'shop', name: 'x', tenant: 'a"b' }), 'invalid', /tenant/);
      await refusedWith(t.manager.create({ api: 'shop', name: 'x', expiresAt: T0 }), 'invalid', /in the future/);
      await refusedWith(t.manager.create({ api: 'shop', name: 'x', expiresAt: T0 + 11 * 365 * DAY }), 'invalid', /ten years/);
      await refusedWith(t.manager.revoke('AAAAAAAAAAAAAAAA'), 'not-found', /no API key with id AAAAAAAAAAAAAAAA/);
      await refusedWith(t.manager.rotate('AAAAAAAAAAAAAAAA'), 'not-found', /no API key/);
      await refusedWith(t.manager.revoke('short'), 'invalid', /16 letters and digits/);
      const dup = await t.manager.create({ api: 'shop', name: 'dedup', scopes: ['a', 'a', 'b'] });
      assert.deepEqual(dup.summary.scopes, ['a', 'b']);
      assert.deepEqual(await t.manager.list(), [dup.summary]);
    } finally {
      await t.store.close();
    }
  });
});

describe('API key inputs', () => {
  it('parses durations and expiry times', () => {
    assert.equal(parseDuration('30d'), 30 * DAY);
    assert.equal(parseDuration('12h'), 12 * HOUR);
    assert.equal(parseDuration('0s'), 0);
    assert.equal(parseDuration('2w'), 14 * DAY);
    for (const bad of ['', '30', 'd', '1.5h', '-1d', '30 days', '9999999d', 'x'.repeat(100)]) assert.throws(() => parseDuration(bad, 'grace'), /grace must be a whole number/, bad);
    assert.equal(parseExpiry('30d', T0), T0 + 30 * DAY);
    assert.equal(parseExpiry('2027-01-01', T0), Date.UTC(2027, 0, 1));
    assert.equal(parseExpiry('2027-01-01T12:30:00+02:00', T0), Date.UTC(2027, 0, 1, 10, 30));
    assert.throws(() => parseExpiry('2027-02-31', T0), /not a calendar date/);
    assert.throws(() => parseExpiry('2020-01-01', T0), /in the future/);
    assert.throws(() => parseExpiry('2027-01-01T12:30:00', T0), /with a zone/);
    assert.throws(() => parseExpiry('tomorrow', T0), /expiry must be a duration \(30d, 12h\), a date/);
    assert.throws(() => parseExpiry('0d', T0), /in the future/);
  });

  it('takes a key id, or a whole key (to revoke a leaked key fast), and nothing else', async () => {
    const t = await setup();
    try {
      const k = await t.manager.create({ api: 'shop', name: 'leaky' });
      assert.equal(keyIdFrom(k.summary.id), k.summary.id);
      assert.equal(keyIdFrom(k.key), k.summary.id);
      assert.equal(keyIdFrom(` ${k.summary.id}\n`), k.summary.id);
      assert.throws(() => keyIdFrom(k.key.slice(0, -1) + (k.key.endsWith('a') ? 'b' : 'a')), /key id is/);
      assert.equal((await t.manager.revoke(k.key)).summary.id, k.summary.id);
    } finally {
      await t.store.close();
    }
  });
});

// API keys: the format (generation, parsing, checksum), hashing, constant-time verification, and the
// verifier's cache, negative cache, coalescing and batched last-used writes, over a counting fake store.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ApiKeyRecord, ApiKeyStore, ApiKeyUse } from '../core/index.js';
import type { AuthResult } from './types.js';
import {
  API_KEY_LENGTH,
  StoreApiKeyVerifier,
  apiKeyHint,
  formatApiKey,
  generateApiKey,
  hashApiKeySecret,
  isApiKey,
  isApiKeyId,
  parseApiKey,
  redactApiKeys,
  verifyApiKeySecret,
} from './api-keys.js';
import type { StoreApiKeyVerifierOptions } from './api-keys.js';

const T0 = Date.UTC(2026, 0, 1);

function reasonOf(r: AuthResult): string {
  return r.ok ? 'ok' : r.reason;
}

/** A store of keys in memory that counts what it is asked. */
class FakeKeys implements Pick<ApiKeyStore, 'get' | 'touch'> {
  readonly records = new Map<string, ApiKeyRecord>();
  gets: string[] = [];
  touches: ApiKeyUse[][] = [];
  failGet = false;
  failTouch = false;
  /** When set, get() waits for this before answering. */
  gate: Promise<void> | undefined;

  async get(id: string): Promise<ApiKeyRecord | undefined> {
    this.gets.push(id);
    if (this.gate) await this.gate;
    if (this.failGet) throw new Error('connection refused');
    const r = this.records.get(id);
    return r ? structuredClone(r) : undefined;
  }

  async touch(uses: readonly ApiKeyUse[]): Promise<number> {
    if (this.failTouch) throw new Error('disk full');
    this.touches.push([...uses]);
    return uses.length;
  }

  add(over: Partial<ApiKeyRecord> = {}): { key: string; record: ApiKeyRecord } {
    const g = generateApiKey();
    const record: ApiKeyRecord = { id: g.id, api: 'shop', name: 'batch job', scopes: ['orders:read'], roles: ['partner'], secretHash: g.secretHash, createdAt: T0, ...over };
    this.records.set(g.id, record);
    return { key: g.key, record };
  }
}

function setup(opts: StoreApiKeyVerifierOptions = {}) {
  const store = new FakeKeys();
  let now = T0 + 1000;
  const logs: Array<{ level: string; msg: string; fields?: Record<string, unknown> }> = [];
  const verifier = new StoreApiKeyVerifier(store, {
    now: () => now,
    log: (level, msg, fields) => logs.push({ level, msg, ...(fields ? { fields } : {}) }),
    usageFlushMs: 60_000,
    ...opts,
  });
  return {
    store,
    verifier,
    logs,
    advance: (ms: number) => {
      now += ms;
    },
    at: () => now,
  };
}

describe('API key format', () => {
  it('generates pal_<16 id>_<43 secret><6 check>: 70 base62 characters, one underscore-separated id', () => {
    const g = generateApiKey();
    assert.equal(g.key.length, API_KEY_LENGTH);
    assert.equal(API_KEY_LENGTH, 70);
    assert.match(g.key, /^pal_[0-9A-Za-z]{16}_[0-9A-Za-z]{49}$/);
    assert.equal(g.key.slice(4, 20), g.id);
    assert.ok(isApiKeyId(g.id));
    assert.ok(isApiKey(g.key));
    assert.match(g.secretHash, /^sha256\$[A-Za-z0-9_-]{43}$/);
    assert.ok(!g.secretHash.includes(g.key.slice(21, 64)), 'the hash does not contain the secret');
  });

  it('draws ids and secrets at random: no repeats, every base62 character used', () => {
    const ids = new Set<string>();
    const secrets = new Set<string>();
    const chars = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const g = generateApiKey();
      ids.add(g.id);
      secrets.add(g.key.slice(21, 64));
      for (const c of g.key.slice(21, 64)) chars.add(c);
    }
    assert.equal(ids.size, 2000);
    assert.equal(secrets.size, 2000);
    assert.equal(chars.size, 62);
  });

  it('parses its own keys back into id and secret', () => {
    const g = generateApiKey();
    const p = parseApiKey(g.key);
    assert.ok(p.ok);
    assert.equal(p.id, g.id);
    assert.equal(formatApiKey(p.id, p.secret), g.key);
    assert.ok(verifyApiKeySecret(g.secretHash, p.id, p.secret));
  });

  it('refuses every single-character typo through the checksum', () => {
    const { key } = generateApiKey();
    const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
    for (let i = 4; i < key.length; i++) {
      if (key[i] === '_') continue;
      const c = alphabet[(alphabet.indexOf(key[i]!) + 1 + (i % 61)) % 62]!;
      const typo = key.slice(0, i) + c + key.slice(i + 1);
      const p = parseApiKey(typo);
      assert.ok(!p.ok, `typo at ${i}`);
      assert.equal(p.why, 'checksum does not match');
    }
    // Two characters swapped.
    const swapped = key.slice(0, 30) + key[31] + key[30] + key.slice(32);
    if (swapped !== key) assert.ok(!parseApiKey(swapped).ok);
  });

  it('refuses wrong lengths, prefixes and characters without scanning long input, never quoting it', () => {
    const { key } = generateApiKey();
    const cases = ['', 'pal_', key + 'x', key.slice(0, -1), 'pk_' + key.slice(3) + 'x', key.replace('pal_', 'PAL_'), key.slice(0, 40) + '-' + key.slice(41), key.slice(0, 20) + '.' + key.slice(21), 'x'.repeat(70)];
    for (const c of cases) {
      const p = parseApiKey(c);
      assert.ok(!p.ok, c);
      assert.ok(!p.why.includes(c.slice(4, 20)) || c.length < 20, 'the reason never quotes the key');
    }
    const huge = 'pal_' + 'a'.repeat(5_000_000);
    const started = performance.now();
    assert.ok(!parseApiKey(huge).ok);
    assert.ok(performance.now() - started < 20, 'length is checked before any scan');
  });

  it('hashes per id and compares in constant time; a corrupt stored hash verifies nothing', () => {
    const a = hashApiKeySecret('AAAAAAAAAAAAAAAA', 'secret');
    const b = hashApiKeySecret('BBBBBBBBBBBBBBBB', 'secret');
    assert.notEqual(a, b, 'the id is part of the hash: a row copied to another id does not verify');
    assert.ok(verifyApiKeySecret(a, 'AAAAAAAAAAAAAAAA', 'secret'));
    assert.ok(!verifyApiKeySecret(a, 'AAAAAAAAAAAAAAAA', 'secreT'));
    assert.ok(!verifyApiKeySecret(a, 'BBBBBBBBBBBBBBBB', 'secret'));
    for (const bad of ['', 'sha256$', 'sha256$abc', 'md5$' + a.slice(7), a.slice(7), a + 'AA']) assert.ok(!verifyApiKeySecret(bad, 'AAAAAAAAAAAAAAAA', 'secret'), bad);
  });

  it('redacts keys anywhere in a text, keeping the id', () => {
    const { key, id } = generateApiKey();
    assert.equal(redactApiKeys(`GET /x?k=${key}&y=1`), `GET /x?k=pal_${id}_[redacted]&y=1`);
    assert.equal(redactApiKeys(`{"key":"${key}","other":"${key}"}`), `{"key":"pal_${id}_[redacted]","other":"pal_${id}_[redacted]"}`);
    assert.equal(redactApiKeys('no key here pal_short'), 'no key here pal_short');
    assert.equal(apiKeyHint(id), `pal_${id}_…`);
  });
});

describe('StoreApiKeyVerifier', () => {
  it('accepts a valid key: principal apikey:<id> with scopes, roles, tenant and the key name', async () => {
    const t = setup();
    const { key, record } = t.store.add({ tenant: 'acme' });
    const r = await t.verifier.verify(key, 'shop');
    assert.ok(r.ok);
    assert.deepEqual(r.principal, { id: `apikey:${record.id}`, method: 'apiKey', roles: ['partner'], scopes: ['orders:read'], tenant: 'acme', claims: { keyName: 'batch job' } });
    assert.ok(Object.isFrozen(r.principal));
  });

  it('refuses with the reason recorded: malformed, unknown, wrong secret, revoked, expired, wrong API', async () => {
    const t = setup();
    const good = t.store.add();
    const revoked = t.store.add({ revokedAt: T0 });
    const expired = t.store.add({ expiresAt: T0 + 1000 });
    const stranger = generateApiKey().key;
    const wrongSecret = formatApiKey(good.record.id, generateApiKey().key.slice(21, 64));
    assert.equal(reasonOf(await t.verifier.verify('pal_nope', 'shop')), 'malformed');
    assert.equal(reasonOf(await t.verifier.verify(stranger, 'shop')), 'unknown');
    const ws = await t.verifier.verify(wrongSecret, 'shop');
    assert.equal(reasonOf(ws), 'unknown');
    assert.ok(!ws.ok && ws.detail === 'secret does not match');
    assert.equal(reasonOf(await t.verifier.verify(revoked.key, 'shop')), 'revoked');
    assert.equal(reasonOf(await t.verifier.verify(expired.key, 'shop')), 'expired', 'expiry is exclusive: refused from expiresAt on');
    assert.equal(reasonOf(await t.verifier.verify(good.key, 'orders')), 'wrong-api');
    assert.equal(reasonOf(await t.verifier.verify(good.key, 'shop')), 'ok');
  });

  it('reveals a key state only to the holder of its secret', async () => {
    const t = setup();
    const revoked = t.store.add({ revokedAt: T0 });
    const forged = formatApiKey(revoked.record.id, generateApiKey().key.slice(21, 64));
    assert.equal(reasonOf(await t.verifier.verify(forged, 'shop')), 'unknown');
  });

  it('accepts a rotated key until graceUntil, then refuses it', async () => {
    const t = setup({ cacheTtlMs: 0 });
    const old = t.store.add({ replacedBy: 'SuccessorId00000', graceUntil: T0 + 10_000 });
    assert.equal(reasonOf(await t.verifier.verify(old.key, 'shop')), 'ok');
    t.advance(9_000 - 1);
    assert.equal(reasonOf(await t.verifier.verify(old.key, 'shop')), 'ok');
    t.advance(1);
    const r = await t.verifier.verify(old.key, 'shop');
    assert.equal(reasonOf(r), 'expired');
    assert.ok(!r.ok && r.detail === 'rotated; grace period over');
  });

  it('looks a key up once per TTL; a revocation is seen after it, or at once after invalidate()', async () => {
    const t = setup({ cacheTtlMs: 5000 });
    const { key, record } = t.store.add();
    for (let i = 0; i < 5; i++) assert.equal(reasonOf(await t.verifier.verify(key, 'shop')), 'ok');
    assert.equal(t.store.gets.length, 1);
    t.store.records.get(record.id)!.revokedAt = t.at();
    t.advance(4999);
    assert.equal(reasonOf(await t.verifier.verify(key, 'shop')), 'ok', 'cached within the TTL');
    t.advance(1);
    assert.equal(reasonOf(await t.verifier.verify(key, 'shop')), 'revoked');
    assert.equal(t.store.gets.length, 2);
    t.store.records.get(record.id)!.revokedAt = undefined;
    t.verifier.invalidate(record.id);
    assert.equal(reasonOf(await t.verifier.verify(key, 'shop')), 'ok');
    assert.equal(t.store.gets.length, 3);
  });

  it('shares one lookup between concurrent requests with the same key', async () => {
    const t = setup();
    const { key } = t.store.add();
    let open!: () => void;
    t.store.gate = new Promise((r) => (open = r));
    const all = Promise.all(Array.from({ length: 50 }, () => t.verifier.verify(key, 'shop')));
    await new Promise((r) => setImmediate(r));
    open();
    const results = await all;
    assert.ok(results.every((r) => r.ok));
    assert.equal(t.store.gets.length, 1);
  });

  it('remembers unknown ids (bounded), so repeating a made-up id costs one lookup per TTL', async () => {
    const t = setup({ negativeCacheSize: 2 });
    const [a, b, c] = [generateApiKey().key, generateApiKey().key, generateApiKey().key];
    for (let i = 0; i < 10; i++) assert.equal(reasonOf(await t.verifier.verify(a, 'shop')), 'unknown');
    assert.equal(t.store.gets.length, 1);
    await t.verifier.verify(b, 'shop');
    await t.verifier.verify(c, 'shop');
    assert.equal(t.store.gets.length, 3);
    await t.verifier.verify(a, 'shop');
    assert.equal(t.store.gets.length, 4, 'the oldest unknown id was dropped to stay within the bound');
    // Garbage and typos never reach the store at all.
    for (let i = 0; i < 100; i++) await t.verifier.verify(`pal_${'x'.repeat(16)}_${'y'.repeat(49)}`, 'shop');
    assert.equal(t.store.gets.length, 4);
  });

  it('keeps at most cacheSize keys', async () => {
    const t = setup({ cacheSize: 2 });
    const keys = [t.store.add(), t.store.add(), t.store.add()];
    for (const k of keys) await t.verifier.verify(k.key, 'shop');
    assert.equal(t.store.gets.length, 3);
    await t.verifier.verify(keys[2]!.key, 'shop');
    await t.verifier.verify(keys[1]!.key, 'shop');
    assert.equal(t.store.gets.length, 3);
    await t.verifier.verify(keys[0]!.key, 'shop');
    assert.equal(t.store.gets.length, 4);
  });

  it('answers unavailable when the store fails or too many lookups wait, logging the id but never the key', async () => {
    const t = setup({ maxPendingLookups: 1 });
    const { key, record } = t.store.add();
    t.store.failGet = true;
    const r = await t.verifier.verify(key, 'shop');
    assert.equal(reasonOf(r), 'unavailable');
    assert.equal(t.logs.length, 1);
    assert.equal(t.logs[0]?.fields?.['keyId'], record.id);
    assert.ok(!JSON.stringify(t.logs).includes(key.slice(21)), 'the secret is never logged');
    t.store.failGet = false;
    assert.equal(reasonOf(await t.verifier.verify(key, 'shop')), 'ok', 'a failure is not cached');

    let open!: () => void;
    t.store.gate = new Promise((res) => (open = res));
    const first = t.verifier.verify(t.store.add().key, 'shop');
    assert.equal(reasonOf(await t.verifier.verify(t.store.add().key, 'shop')), 'unavailable');
    open();
    assert.equal(reasonOf(await first), 'ok');
  });

  it('writes last-used times in batches, not per request, and on close', async () => {
    const t = setup();
    const a = t.store.add();
    const b = t.store.add();
    for (let i = 0; i < 20; i++) {
      await t.verifier.verify(a.key, 'shop');
      t.advance(10);
    }
    await t.verifier.verify(b.key, 'shop');
    await t.verifier.verify(a.key, 'other-api');
    assert.equal(t.store.touches.length, 0, 'nothing written per request');
    await t.verifier.flush();
    assert.equal(t.store.touches.length, 1);
    const batch = new Map(t.store.touches[0]!.map((u) => [u.id, u.at]));
    assert.equal(batch.size, 2);
    assert.equal(batch.get(a.record.id), T0 + 1000 + 190, 'the latest accepted use; the refused one does not count');
    assert.equal(batch.get(b.record.id), T0 + 1000 + 200);
    await t.verifier.flush();
    assert.equal(t.store.touches.length, 1, 'an empty flush writes nothing');
    await t.verifier.verify(a.key, 'shop');
    await t.verifier.close();
    assert.equal(t.store.touches.length, 2);
  });

  it('keeps last-used times for the next flush when writing them fails', async () => {
    const t = setup();
    const a = t.store.add();
    await t.verifier.verify(a.key, 'shop');
    t.store.failTouch = true;
    await t.verifier.flush();
    assert.equal(t.store.touches.length, 0);
    assert.match(t.logs[0]?.msg ?? '', /unavailable/);
    t.store.failTouch = false;
    await t.verifier.close();
    assert.equal(t.store.touches.length, 1);
    assert.equal(t.store.touches[0]?.[0]?.id, a.record.id);
  });

  it('flushes on its own after usageFlushMs', async () => {
    const t = setup({ usageFlushMs: 20 });
    const a = t.store.add();
    await t.verifier.verify(a.key, 'shop');
    await new Promise((r) => setTimeout(r, 80));
    assert.equal(t.store.touches.length, 1);
    await t.verifier.close();
  });
});

// API keys: the key format, generation, parsing, hashing and constant-time verification, and the
// verifier the gateway's authenticate stage uses (StoreApiKeyVerifier). Issuing and managing keys
// is api-key-manager.ts. Why the format and the hash: docs/decisions/0013-api-key-format.md.
//
//   pal_<id>_<secret><check>        70 characters, [0-9A-Za-z_] only (one double-click selects it)
//   pal_     fixed prefix: tells people and secret scanners what the string is
//   id       16 base62 characters (~95 random bits): public, the store's lookup key, safe to log
//   secret   43 base62 characters: 32 random bytes (256 bits), fixed width
//   check    6 base62 characters: CRC32 of everything before it, so a typo or a random string is
//            refused without a store lookup and a scanner can confirm a match offline
//
// The store keeps "sha256$" + base64url(SHA-256(domain ‖ id ‖ secret)), never the secret.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { crc32 } from 'node:zlib';
import type { ApiKeyRecord, ApiKeyStore, Principal } from '../core/index.js';
import type { ApiKeyVerifier, AuthResult } from './types.js';

export const API_KEY_PREFIX = 'pal_';
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
export const API_KEY_ID_LENGTH = 16;
const SECRET_BYTES = 32;
/** 62^43 > 2^256 > 62^42: the fewest base62 digits that hold 32 bytes. */
const SECRET_LENGTH = 43;
/** 62^6 > 2^32: the fewest base62 digits that hold a CRC32. */
const CHECK_LENGTH = 6;
export const API_KEY_LENGTH = API_KEY_PREFIX.length + API_KEY_ID_LENGTH + 1 + SECRET_LENGTH + CHECK_LENGTH;
const KEY_SHAPE = new RegExp(`^${API_KEY_PREFIX}([0-9A-Za-z]{${API_KEY_ID_LENGTH}})_([0-9A-Za-z]{${SECRET_LENGTH}})([0-9A-Za-z]{${CHECK_LENGTH}})$`);
const ID_SHAPE = new RegExp(`^[0-9A-Za-z]{${API_KEY_ID_LENGTH}}$`);
/** A key anywhere in a text, for scrubbing: the id is kept, the secret and check are not. */
const KEY_IN_TEXT = new RegExp(`${API_KEY_PREFIX}([0-9A-Za-z]{${API_KEY_ID_LENGTH}})_[0-9A-Za-z]{${SECRET_LENGTH + CHECK_LENGTH}}`, 'g');
const HASH_PREFIX = 'sha256$';
/** Binds the digest to this use, so it can never be confused with another SHA-256 in the database. */
const HASH_DOMAIN = 'palisade.api-key.v1\0';

/** Fixed-width base62 of a non-negative integer. */
function base62(n: bigint, width: number): string {
  let out = '';
  for (let i = 0; i < width; i++) {
    out = ALPHABET[Number(n % 62n)]! + out;
    n /= 62n;
  }
  return out;
}

/** `length` uniformly random base62 characters (rejection sampling: 248 = 4·62, so no bias). */
function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const b of randomBytes(length * 2)) {
      if (b < 248) out += ALPHABET[b % 62];
      if (out.length === length) break;
    }
  }
  return out;
}

function checkOf(body: string): string {
  return base62(BigInt(crc32(body)), CHECK_LENGTH);
}

/** True when `id` has the shape of a key id. */
export function isApiKeyId(id: string): boolean {
  return id.length === API_KEY_ID_LENGTH && ID_SHAPE.test(id);
}

export interface GeneratedApiKey {
  /** The whole key, to hand to the client once. */
  key: string;
  id: string;
  /** What the store keeps. */
  secretHash: string;
}

/** A new key: a random public id and 32 random bytes of secret. */
export function generateApiKey(): GeneratedApiKey {
  const id = randomBase62(API_KEY_ID_LENGTH);
  const secret = base62(BigInt('0x' + randomBytes(SECRET_BYTES).toString('hex')), SECRET_LENGTH);
  return { key: formatApiKey(id, secret), id, secretHash: hashApiKeySecret(id, secret) };
}

/** The key text of an id and a secret, checksum appended. */
export function formatApiKey(id: string, secret: string): string {
  const body = `${API_KEY_PREFIX}${id}_${secret}`;
  return body + checkOf(body);
}

export type ParsedApiKey = { ok: true; id: string; secret: string } | { ok: false; why: string };

/**
 * Splits a presented key into id and secret, checking length first (nothing longer than a key is
 * ever scanned), then shape, then the checksum. `why` never quotes the input.
 */
export function parseApiKey(presented: string): ParsedApiKey {
  if (typeof presented !== 'string' || presented.length !== API_KEY_LENGTH) return { ok: false, why: `not ${API_KEY_LENGTH} characters long` };
  const m = KEY_SHAPE.exec(presented);
  if (!m) return { ok: false, why: `not shaped like ${API_KEY_PREFIX}<id>_<secret>` };
  const [, id, secret, check] = m as unknown as [string, string, string, string];
  if (checkOf(presented.slice(0, -CHECK_LENGTH)) !== check) return { ok: false, why: 'checksum does not match' };
  return { ok: true, id, secret };
}

/** True when the text is a well-formed key (shape and checksum): what a secret scanner would ask. */
export function isApiKey(text: string): boolean {
  return parseApiKey(text).ok;
}

/** The stored form of a secret. */
export function hashApiKeySecret(id: string, secret: string): string {
  return HASH_PREFIX + digest(id, secret).toString('base64url');
}

function digest(id: string, secret: string): Buffer {
  return createHash('sha256').update(HASH_DOMAIN).update(id).update('\0').update(secret).digest();
}

/** Constant-time comparison of a presented secret with the stored hash; false for a malformed hash. */
export function verifyApiKeySecret(stored: string, id: string, secret: string): boolean {
  const presented = digest(id, secret);
  if (!stored.startsWith(HASH_PREFIX)) return false;
  const expected = Buffer.from(stored.slice(HASH_PREFIX.length), 'base64url');
  // Both are SHA-256 digests, so equal lengths; a corrupt row is refused without comparing.
  if (expected.length !== presented.length) return false;
  return timingSafeEqual(expected, presented);
}

/** `pal_<id>_…`: how a key is shown once its secret is gone. */
export function apiKeyHint(id: string): string {
  return `${API_KEY_PREFIX}${id}_…`;
}

/** The text with every API key's secret replaced, the id kept (so records still say which key). */
export function redactApiKeys(text: string): string {
  return text.includes(API_KEY_PREFIX) ? text.replace(KEY_IN_TEXT, `${API_KEY_PREFIX}$1_[redacted]`) : text;
}

/** The principal a key authenticates as. */
export function principalOfKey(k: ApiKeyRecord): Principal {
  return {
    id: `apikey:${k.id}`,
    method: 'apiKey',
    roles: Object.freeze([...k.roles]),
    scopes: Object.freeze([...k.scopes]),
    ...(k.tenant !== undefined ? { tenant: k.tenant } : {}),
    claims: Object.freeze({ keyName: k.name }),
  };
}

export interface StoreApiKeyVerifierOptions {
  /** How long a looked-up key (or its absence) is remembered: revocation is seen within this. Default 5000 ms. */
  cacheTtlMs?: number;
  /** Most keys remembered. Default 10000. */
  cacheSize?: number;
  /** Most unknown ids remembered, so a client repeating a made-up id costs one lookup per TTL. Default 10000. */
  negativeCacheSize?: number;
  /** Lookups waiting on the store at once; beyond this a request gets 'unavailable' (503) instead of queueing. Default 256. */
  maxPendingLookups?: number;
  /** How often last-used times are written, in one batch. Default 30000 ms. */
  usageFlushMs?: number;
  now?: () => number;
  log?: (level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void;
}

interface Entry {
  readonly record: ApiKeyRecord;
  readonly principal: Principal;
  readonly until: number;
}

const FAILURE_LOG_INTERVAL_MS = 10_000;

/**
 * Verifies presented API keys against the store (ApiKeyVerifier). The record of a key is looked up
 * by its public id and remembered for cacheTtlMs; concurrent lookups of one id share one query;
 * the secret is compared in constant time on every request. Last-used times are collected in
 * memory and written in one batch every usageFlushMs (and on close).
 */
export class StoreApiKeyVerifier implements ApiKeyVerifier {
  private readonly ttl: number;
  private readonly size: number;
  private readonly negativeSize: number;
  private readonly maxPending: number;
  private readonly flushMs: number;
  private readonly now: () => number;
  private readonly log: NonNullable<StoreApiKeyVerifierOptions['log']>;
  private readonly known = new Map<string, Entry>();
  private readonly unknown = new Map<string, number>();
  private readonly inflight = new Map<string, Promise<ApiKeyRecord | undefined>>();
  private pendingUses = new Map<string, number>();
  private flushTimer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  /** Bumped by invalidate(): a lookup that started before does not fill the cache. */
  private generation = 0;
  private lastFailureLog = 0;
  private closed = false;

  constructor(
    private readonly keys: Pick<ApiKeyStore, 'get' | 'touch'>,
    opts: StoreApiKeyVerifierOptions = {},
  ) {
    this.ttl = opts.cacheTtlMs ?? 5000;
    this.size = Math.max(1, opts.cacheSize ?? 10_000);
    this.negativeSize = Math.max(1, opts.negativeCacheSize ?? 10_000);
    this.maxPending = Math.max(1, opts.maxPendingLookups ?? 256);
    this.flushMs = opts.usageFlushMs ?? 30_000;
    this.now = opts.now ?? Date.now;
    this.log = opts.log ?? (() => undefined);
  }

  async verify(presented: string, api: string): Promise<AuthResult> {
    const parsed = parseApiKey(presented);
    if (!parsed.ok) return { ok: false, reason: 'malformed', detail: parsed.why };
    const t = this.now();
    let entry: Entry | undefined;
    try {
      entry = await this.lookup(parsed.id, t);
    } catch (err) {
      this.failed(parsed.id, err);
      return { ok: false, reason: 'unavailable' };
    }
    if (!entry) return { ok: false, reason: 'unknown' };
    const k = entry.record;
    // The secret first: whoever does not hold it learns nothing about the key's state.
    if (!verifyApiKeySecret(k.secretHash, parsed.id, parsed.secret)) return { ok: false, reason: 'unknown', detail: 'secret does not match' };
    if (k.revokedAt !== undefined && k.revokedAt <= t) return { ok: false, reason: 'revoked' };
    if (k.expiresAt !== undefined && k.expiresAt <= t) return { ok: false, reason: 'expired' };
    if (k.replacedBy !== undefined && (k.graceUntil ?? 0) <= t) return { ok: false, reason: 'expired', detail: 'rotated; grace period over' };
    if (k.api !== api) return { ok: false, reason: 'wrong-api' };
    this.used(k.id, t);
    return { ok: true, principal: entry.principal };
  }

  /** Forgets a key (or every key) so the next request reads the store: after a revocation or rotation in this process. */
  invalidate(id?: string): void {
    this.generation++;
    if (id === undefined) {
      this.known.clear();
      this.unknown.clear();
    } else {
      this.known.delete(id);
      this.unknown.delete(id);
    }
  }

  /** Writes the last-used times collected so far. */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.flushTimer) {
      clearTimeout(this.flushTimer);
      this.flushTimer = undefined;
    }
    if (this.pendingUses.size === 0) return;
    const batch = this.pendingUses;
    this.pendingUses = new Map();
    this.flushing = (async () => {
      try {
        await this.keys.touch([...batch].map(([id, at]) => ({ id, at })));
      } catch (err) {
        // Kept for the next flush (a newer use wins): last-used times are worth a retry, not a crash.
        for (const [id, at] of batch) if ((this.pendingUses.get(id) ?? -1) < at) this.pendingUses.set(id, at);
        this.failed(undefined, err);
        this.schedule();
      } finally {
        this.flushing = undefined;
      }
    })();
    await this.flushing;
  }

  /** Stops the timer and writes what is pending. The verifier still answers afterwards, but writes no more. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
  }

  private async lookup(id: string, t: number): Promise<Entry | undefined> {
    const hit = this.known.get(id);
    if (hit && hit.until > t) return hit;
    const miss = this.unknown.get(id);
    if (miss !== undefined && miss > t) return undefined;
    let pending = this.inflight.get(id);
    if (!pending) {
      if (this.inflight.size >= this.maxPending) throw new Error('too many API key lookups waiting for the store');
      const generation = this.generation;
      pending = this.keys.get(id).then((record) => {
        if (generation === this.generation) this.remember(id, record, this.now());
        return record;
      });
      this.inflight.set(id, pending);
      // Removed however it ends; the waiting callers see the rejection themselves.
      pending.then(
        () => this.inflight.delete(id),
        () => this.inflight.delete(id),
      );
    }
    const record = await pending;
    return record ? (this.known.get(id) ?? this.entryOf(record, this.now())) : undefined;
  }

  private entryOf(record: ApiKeyRecord, t: number): Entry {
    return { record, principal: Object.freeze(principalOfKey(record)), until: t + this.ttl };
  }

  private remember(id: string, record: ApiKeyRecord | undefined, t: number): void {
    this.known.delete(id);
    this.unknown.delete(id);
    if (record) {
      bounded(this.known, this.size).set(id, this.entryOf(record, t));
    } else {
      bounded(this.unknown, this.negativeSize).set(id, t + this.ttl);
    }
  }

  private used(id: string, t: number): void {
    if (this.closed) return;
    if ((this.pendingUses.get(id) ?? -1) < t) this.pendingUses.set(id, t);
    if (this.pendingUses.size >= this.size) void this.flush();
    else this.schedule();
  }

  private schedule(): void {
    if (this.closed || this.flushTimer || this.pendingUses.size === 0) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      void this.flush();
    }, this.flushMs);
    this.flushTimer.unref();
  }

  private failed(id: string | undefined, err: unknown): void {
    // One line per interval: a store that is down must not flood the log. The key id is public;
    // the presented key itself never reaches the log.
    const t = Date.now();
    if (t - this.lastFailureLog < FAILURE_LOG_INTERVAL_MS) return;
    this.lastFailureLog = t;
    this.log('warn', 'API key store unavailable', { ...(id !== undefined ? { keyId: id } : {}), err: err instanceof Error ? err.message : String(err) });
  }
}

/** The map with room for one more entry: the oldest inserted goes first. */
function bounded<V>(m: Map<string, V>, max: number): Map<string, V> {
  while (m.size >= max) {
    const oldest = m.keys().next();
    if (oldest.done) break;
    m.delete(oldest.value);
  }
  return m;
}

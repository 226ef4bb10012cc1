// The authorization server's signing keys: generated on first start (one ES256, one RS256), kept in
// the store with the private half sealed, published at <issuer>/jwks. Rotation adds a new pair and
// keeps the previous ones published — but no longer used for signing — until a grace period ends,
// so tokens they signed still verify wherever a verifier caches the JWKS.
import { generateKeyPair } from 'node:crypto';
import { calculateJwkThumbprint } from 'jose';
import type { JWK } from 'jose';
import type { OAuthSigningKey, Store } from '../../core/index.js';
import type { Sealer } from './seal.js';

export const SIGNING_ALGORITHMS = ['ES256', 'RS256'] as const;
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];

/** What oidc-provider needs: private JWKs (the signing ones first) and the current kid per algorithm. */
export interface KeySet {
  readonly jwks: readonly JWK[];
  readonly active: Readonly<Record<SigningAlgorithm, string>>;
  /** Changes whenever the set of keys does: the server rebuilds its provider when it sees a new one. */
  readonly fingerprint: string;
}

function generate(alg: SigningAlgorithm): Promise<JWK> {
  return new Promise((resolve, reject) => {
    const done = (err: Error | null, _pub: unknown, priv: { export(o: { format: 'jwk' }): JWK }) => (err ? reject(err) : resolve(priv.export({ format: 'jwk' })));
    // RSA-2048 is what RS256 verifiers expect and is acceptable through 2030 (NIST SP 800-57);
    // access tokens default to ES256 anyway.
    if (alg === 'ES256') generateKeyPair('ec', { namedCurve: 'P-256' }, done);
    else generateKeyPair('rsa', { modulusLength: 2048 }, done);
  });
}

const PUBLIC_MEMBERS: Record<string, readonly string[]> = { EC: ['kty', 'crv', 'x', 'y'], RSA: ['kty', 'n', 'e'] };

async function newKey(alg: SigningAlgorithm, sealer: Sealer, now: number): Promise<OAuthSigningKey> {
  const jwk = await generate(alg);
  const kid = await calculateJwkThumbprint(jwk);
  const pub: JWK = {};
  for (const m of PUBLIC_MEMBERS[jwk.kty ?? ''] ?? []) (pub as Record<string, unknown>)[m] = (jwk as Record<string, unknown>)[m];
  Object.assign(pub, { kid, alg, use: 'sig' });
  const priv: JWK = { ...jwk, kid, alg, use: 'sig' };
  return { kid, alg, publicJwk: JSON.stringify(pub), privateJwk: sealer.seal('signing-key', kid, JSON.stringify(priv)), createdAt: now };
}

export async function generateSigningKeys(sealer: Sealer, now = Date.now()): Promise<OAuthSigningKey[]> {
  return Promise.all(SIGNING_ALGORITHMS.map((alg) => newKey(alg, sealer, now)));
}

function usable(k: OAuthSigningKey, now: number): boolean {
  return k.expiresAt === undefined || k.expiresAt > now;
}

/** The keys in force, opened. Throws PALISADE_ERR_OAUTH_SECRET when one cannot be opened. */
export async function loadKeySet(store: Store, sealer: Sealer, now = Date.now()): Promise<KeySet | undefined> {
  const keys = (await store.oauth.listSigningKeys()).filter((k) => usable(k, now));
  // Newest first from the store; signing keys before retired ones, because oidc-provider signs
  // ID tokens with the first key that fits the algorithm.
  const ordered = [...keys.filter((k) => k.retiredAt === undefined), ...keys.filter((k) => k.retiredAt !== undefined)];
  const active: Partial<Record<SigningAlgorithm, string>> = {};
  for (const k of ordered) {
    if (k.retiredAt === undefined && (SIGNING_ALGORITHMS as readonly string[]).includes(k.alg)) active[k.alg as SigningAlgorithm] ??= k.kid;
  }
  if (!SIGNING_ALGORITHMS.every((a) => active[a] !== undefined)) return undefined;
  const jwks = ordered.map((k) => JSON.parse(sealer.open('signing-key', k.kid, k.privateJwk)) as JWK);
  return { jwks, active: active as Record<SigningAlgorithm, string>, fingerprint: ordered.map((k) => `${k.kid}:${k.retiredAt ?? ''}`).join(',') };
}

/**
 * The key set, creating the first keys when there are none (or none signing for an algorithm).
 * Expired retired keys are deleted first. Two instances starting together may both add keys;
 * both sets are published and the newest signs, which is harmless.
 */
export async function ensureKeySet(store: Store, sealer: Sealer, now = Date.now()): Promise<KeySet> {
  await store.oauth.purgeExpiredSigningKeys(now);
  const existing = await loadKeySet(store, sealer, now);
  if (existing) return existing;
  for (const k of await generateSigningKeys(sealer, now)) await store.oauth.addSigningKey(k);
  const created = await loadKeySet(store, sealer, now);
  if (!created) throw new Error('signing keys were added but cannot be read back');
  return created;
}

export interface RotationResult {
  /** Kids of the new signing keys. */
  added: string[];
  retired: number;
  /** Epoch ms until which the retired keys stay published. */
  graceUntil: number;
}

/**
 * Adds a new key pair and retires the current ones, published for `graceSeconds` more. With
 * `reset`, the old keys are dropped at once (a lost or compromised encryption secret): tokens they
 * signed stop verifying.
 */
export async function rotateKeys(store: Store, sealer: Sealer, graceSeconds: number, opts: { reset?: boolean; now?: number } = {}): Promise<RotationResult> {
  const now = opts.now ?? Date.now();
  const keys = await generateSigningKeys(sealer, now);
  const graceUntil = opts.reset ? now : now + graceSeconds * 1000;
  const retired = await store.oauth.rotateSigningKeys(keys, graceUntil);
  await store.oauth.purgeExpiredSigningKeys(now);
  return { added: keys.map((k) => k.kid), retired, graceUntil };
}

// A JSON Web Key Set fetched from the issuer and kept in memory. jose's createRemoteJWKSet does
// most of this, but Palisade needs three things it does not give: a synchronous lookup (so that a
// request with a known key never waits on a promise), a refresh limit that also holds while the
// issuer is failing (jose only cools down after a success, so a down JWKS endpoint would be hit by
// every request carrying an unknown `kid`), and keys kept when a refresh fails.
import type { CryptoKey, JWK } from 'jose';
import { fetchJsonObject, ProviderError } from './http.js';
import { algorithmsForJwk, importPublicJwk, type KeyResolver } from './keys.js';

export interface JwksOptions {
  readonly url: string;
  /** Algorithms tokens may use; keys are imported for these only. */
  readonly algorithms: readonly string[];
  /** Keys older than this are refreshed in the background (served meanwhile). Default 10 min. */
  readonly maxAgeMs?: number;
  /** Least time between two fetches, whatever triggers them (unknown kid, age, failure). Default 30 s. */
  readonly cooldownMs?: number;
  readonly timeoutMs?: number;
  /** Largest JWKS document read. Default 256 KiB. */
  readonly maxBytes?: number;
  /** Most keys kept from one document. Default 100. */
  readonly maxKeys?: number;
  readonly log?: (level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void;
  readonly now?: () => number;
}

/** kid → alg → key; keys without a kid under ''. */
type KeyTable = Map<string, Map<string, CryptoKey>>;

const NO_KID = '';

export class JwksCache implements KeyResolver {
  readonly url: string;
  private keys: KeyTable = new Map();
  private loadedAt = -Infinity;
  private lastAttempt = -Infinity;
  private pending: Promise<boolean> | undefined;
  private readonly maxAgeMs: number;
  private readonly cooldownMs: number;
  private readonly timeoutMs: number;
  private readonly maxBytes: number;
  private readonly maxKeys: number;
  private readonly now: () => number;
  /** Fetches attempted (for tests and metrics). */
  fetches = 0;

  constructor(private readonly opts: JwksOptions) {
    this.url = opts.url;
    this.maxAgeMs = opts.maxAgeMs ?? 10 * 60_000;
    this.cooldownMs = opts.cooldownMs ?? 30_000;
    this.timeoutMs = opts.timeoutMs ?? 5000;
    this.maxBytes = opts.maxBytes ?? 256 * 1024;
    this.maxKeys = opts.maxKeys ?? 100;
    this.now = opts.now ?? Date.now;
  }

  /** True once a document has been loaded. */
  get loaded(): boolean {
    return this.loadedAt !== -Infinity;
  }

  /** Key ids currently known ('' for keys without one). */
  kids(): string[] {
    return [...this.keys.keys()];
  }

  find(kid: string | undefined, alg: string): CryptoKey | undefined {
    const now = this.now();
    if (now - this.loadedAt > this.maxAgeMs && now - this.lastAttempt >= this.cooldownMs) void this.refresh();
    return lookup(this.keys, kid, alg);
  }

  async resolve(kid: string | undefined, alg: string): Promise<CryptoKey | 'unknown' | 'unavailable'> {
    let key = lookup(this.keys, kid, alg);
    if (key) return key;
    // An unknown kid may be a key the issuer just rotated in: refresh, at most once per cooldown.
    // Concurrent requests share one fetch.
    if (this.pending || this.now() - this.lastAttempt >= this.cooldownMs) {
      const ok = await this.refresh();
      key = lookup(this.keys, kid, alg);
      if (key) return key;
      if (!ok && !this.loaded) return 'unavailable';
    }
    return this.loaded ? 'unknown' : 'unavailable';
  }

  /** Fetches the document now (sharing a fetch in progress). Resolves false when it failed. */
  refresh(): Promise<boolean> {
    if (this.pending) return this.pending;
    this.lastAttempt = this.now();
    this.fetches++;
    const p = this.load().finally(() => {
      if (this.pending === p) this.pending = undefined;
    });
    this.pending = p;
    return p;
  }

  /** Loads the keys before the first request when they are not loaded yet; a failure is logged, not thrown. */
  async warm(): Promise<void> {
    if (!this.loaded) await this.refresh();
  }

  private async load(): Promise<boolean> {
    try {
      const { body } = await fetchJsonObject(this.url, { timeoutMs: this.timeoutMs, maxBytes: this.maxBytes });
      const list = body.keys;
      if (!Array.isArray(list)) throw new ProviderError('invalid', `${this.url} is not a JWK Set (no "keys" array)`);
      const next: KeyTable = new Map();
      let count = 0;
      for (const item of list) {
        if (count >= this.maxKeys) break;
        if (item === null || typeof item !== 'object' || Array.isArray(item)) continue;
        const jwk = item as JWK;
        if (jwk.kid !== undefined && (typeof jwk.kid !== 'string' || jwk.kid.length > 256)) continue;
        const kid = jwk.kid ?? NO_KID;
        for (const alg of algorithmsForJwk(jwk, this.opts.algorithms)) {
          try {
            const key = await importPublicJwk(jwk, alg);
            let byAlg = next.get(kid);
            if (!byAlg) next.set(kid, (byAlg = new Map()));
            // Two keys with one kid and algorithm: the first wins, as a JWKS consumer must pick one.
            if (!byAlg.has(alg)) byAlg.set(alg, key);
            count++;
          } catch (err) {
            this.opts.log?.('warn', 'JWKS key skipped', { url: this.url, kid, alg, err: (err as Error).message });
          }
        }
      }
      this.keys = next;
      this.loadedAt = this.now();
      return true;
    } catch (err) {
      // Keys already loaded keep serving: an issuer's outage must not lock every caller out.
      this.opts.log?.('warn', 'JWKS could not be refreshed', { url: this.url, err: (err as Error).message });
      return false;
    }
  }
}

function lookup(keys: KeyTable, kid: string | undefined, alg: string): CryptoKey | undefined {
  if (kid !== undefined) return keys.get(kid)?.get(alg);
  // No kid in the token: usable only when exactly one key fits the algorithm.
  let found: CryptoKey | undefined;
  for (const byAlg of keys.values()) {
    const k = byAlg.get(alg);
    if (!k) continue;
    if (found) return undefined;
    found = k;
  }
  return found;
}

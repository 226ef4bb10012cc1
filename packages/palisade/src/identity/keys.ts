// Verification keys for JWTs. Every key is bound to one algorithm when it is imported, and an HMAC
// algorithm is never paired with an asymmetric key: that is what defeats algorithm confusion (a
// token saying HS256 "signed" with the server's RSA public key as the HMAC secret).
import { createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { importJWK, type CryptoKey, type JWK } from 'jose';

export const HMAC_ALGORITHMS = ['HS256', 'HS384', 'HS512'] as const;
export const ASYMMETRIC_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'] as const;
export const JWS_ALGORITHMS = [...HMAC_ALGORITHMS, ...ASYMMETRIC_ALGORITHMS] as const;
export type JwsAlgorithm = (typeof JWS_ALGORITHMS)[number];

export function isHmac(alg: string): boolean {
  return alg === 'HS256' || alg === 'HS384' || alg === 'HS512';
}

/** Smallest HMAC key the algorithm allows (RFC 7518 §3.2: the hash size). */
export function hmacMinBytes(alg: string): number {
  return alg === 'HS512' ? 64 : alg === 'HS384' ? 48 : 32;
}

/** Key types (JWK kty, and curve) each asymmetric algorithm verifies with. */
function fits(alg: string, kty: string, crv: string | undefined): boolean {
  switch (alg) {
    case 'RS256': case 'RS384': case 'RS512': case 'PS256': case 'PS384': case 'PS512':
      return kty === 'RSA';
    case 'ES256':
      return kty === 'EC' && crv === 'P-256';
    case 'ES384':
      return kty === 'EC' && crv === 'P-384';
    case 'ES512':
      return kty === 'EC' && crv === 'P-521';
    case 'EdDSA': case 'Ed25519':
      return kty === 'OKP' && crv === 'Ed25519';
    default:
      return false;
  }
}

export class KeyError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KeyError';
  }
}

/** Public JWK members only: a JWK with private members is refused before it gets here. */
function publicJwkOf(key: KeyObject): JWK {
  return key.export({ format: 'jwk' }) as JWK;
}

/**
 * The algorithms of `allowed` that `jwk` can verify. A JWK naming its own `alg` is used for that
 * algorithm only; `use: enc` keys and symmetric (`oct`) keys are never used.
 */
export function algorithmsForJwk(jwk: JWK, allowed: readonly string[]): string[] {
  if (jwk.use !== undefined && jwk.use !== 'sig') return [];
  if (jwk.key_ops !== undefined && !jwk.key_ops.includes('verify')) return [];
  if (jwk.kty === 'oct' || jwk.kty === undefined) return [];
  return allowed.filter((alg) => !isHmac(alg) && fits(alg, jwk.kty!, jwk.crv) && (jwk.alg === undefined || jwk.alg === alg));
}

/** Imports one public JWK for one algorithm; throws KeyError. RSA keys under 2048 bits are refused. */
export async function importPublicJwk(jwk: JWK, alg: string): Promise<CryptoKey> {
  if (jwk.d !== undefined || jwk.p !== undefined || jwk.k !== undefined) throw new KeyError('a JWK with private or secret members is not a verification key');
  let key: CryptoKey | Uint8Array;
  try {
    key = await importJWK({ ...jwk, ext: false }, alg);
  } catch (err) {
    throw new KeyError(`cannot import the key for ${alg}: ${(err as Error).message}`, { cause: err });
  }
  if (key instanceof Uint8Array) throw new KeyError('symmetric keys are not accepted as public keys');
  const modulus = (key.algorithm as { modulusLength?: number }).modulusLength;
  if (modulus !== undefined && modulus < 2048) throw new KeyError(`RSA keys need at least 2048 bits; this one has ${modulus}`);
  return key;
}

/**
 * Parses a PEM public key (SPKI "PUBLIC KEY", "RSA PUBLIC KEY") or certificate. Synchronous, so a
 * broken key is refused while the configuration is checked. Private keys are refused: the
 * gateway only ever needs the public half.
 */
export function parsePublicPem(pem: string): KeyObject {
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem)) throw new KeyError('the PEM holds a private key; configure the public key (or certificate) instead');
  try {
    if (pem.includes('-----BEGIN CERTIFICATE-----')) return new X509Certificate(pem).publicKey;
    return createPublicKey({ key: pem, format: 'pem' });
  } catch (err) {
    throw new KeyError(`not a PEM public key or certificate: ${(err as Error).message}`, { cause: err });
  }
}

/** The allowed algorithms a PEM key can verify; throws KeyError when some cannot (a configuration mistake). */
export function algorithmsForPem(key: KeyObject, allowed: readonly string[]): string[] {
  const jwk = publicJwkOf(key);
  if (key.asymmetricKeyType === 'rsa') {
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < 2048) throw new KeyError(`RSA keys need at least 2048 bits; this one has ${bits}`);
  }
  const hmac = allowed.filter(isHmac);
  if (hmac.length > 0) throw new KeyError(`${hmac.join(', ')} cannot be verified with a public key: list only asymmetric algorithms (an HMAC algorithm with a public key is the algorithm-confusion attack)`);
  const usable = allowed.filter((alg) => fits(alg, jwk.kty!, jwk.crv));
  const unusable = allowed.filter((alg) => !usable.includes(alg));
  if (unusable.length > 0) throw new KeyError(`the key (${jwk.kty}${jwk.crv ? ' ' + jwk.crv : ''}) cannot verify ${unusable.join(', ')}; list only the algorithms the issuer signs with`);
  return usable;
}

/** Where a JWT's key comes from: a fixed key (PEM or secret) or a JWKS. */
export interface KeyResolver {
  /** The key for (kid, alg) when it is already at hand: the common, synchronous path. */
  find(kid: string | undefined, alg: string): CryptoKey | undefined;
  /** On a miss: imports, or refreshes a JWKS (rate-limited). */
  resolve(kid: string | undefined, alg: string): Promise<CryptoKey | 'unknown' | 'unavailable'>;
  /** Gets keys ready before the first request (never throws for a network failure). */
  warm(): Promise<void>;
}

/**
 * One fixed key imported once per allowed algorithm. The token's `kid` is not consulted: there is
 * nothing to select among, and it is never used for anything else (no file, URL or query).
 */
export class StaticKeys implements KeyResolver {
  private readonly imported = new Map<string, CryptoKey>();
  private readonly pending = new Map<string, Promise<CryptoKey>>();

  /** `material`: the public key, or the HMAC secret bytes; `algorithms`: those it may verify (already checked). */
  constructor(
    private readonly material: KeyObject | Uint8Array,
    readonly algorithms: readonly string[],
  ) {}

  find(_kid: string | undefined, alg: string): CryptoKey | undefined {
    return this.imported.get(alg);
  }

  async resolve(_kid: string | undefined, alg: string): Promise<CryptoKey | 'unknown'> {
    if (!this.algorithms.includes(alg)) return 'unknown';
    let p = this.pending.get(alg);
    if (!p) {
      p = this.importFor(alg);
      this.pending.set(alg, p);
    }
    const key = await p;
    this.imported.set(alg, key);
    return key;
  }

  /** Imports for every algorithm now, so the first request does not pay for it. */
  async warm(): Promise<void> {
    await Promise.all(this.algorithms.map((alg) => this.resolve(undefined, alg)));
  }

  private importFor(alg: string): Promise<CryptoKey> {
    const m = this.material;
    if (m instanceof Uint8Array) {
      // Not extractable, usable for verify only: the secret cannot leave the key object again.
      return crypto.subtle.importKey('raw', m, { name: 'HMAC', hash: `SHA-${alg.slice(2)}` }, false, ['verify']);
    }
    return importPublicJwk(publicJwkOf(m), alg);
  }
}

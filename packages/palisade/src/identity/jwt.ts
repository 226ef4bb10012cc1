// JWT bearer tokens verified with jose. What Palisade adds around jose's jwtVerify:
// - headers that point at keys (jku, x5u, jwk, x5c) refuse the token: a key must come from the
//   configuration, never from the token it is supposed to check;
// - `kid` only selects among configured keys (a map lookup), never reaches a file, URL or query;
// - keys are bound to one algorithm, HMAC never with an asymmetric key (see keys.ts);
// - `exp` is required, `iat` may not be in the future beyond the clock skew, which is bounded;
// - tokens verified recently are remembered (bounded, short-lived, never past `exp`), so the
//   common request — a client reusing its token — costs one map lookup and no signature check.
import { errors, jwtVerify, type CryptoKey, type JWTVerifyOptions, type JWTHeaderParameters } from 'jose';
import type { AuthFailure, AuthResult } from './types.js';
import { DEFAULT_CLAIMS, principalFromClaims, type ClaimMapping } from './claims.js';
import type { KeyResolver } from './keys.js';

/** Headers that carry or point at a key. Refused rather than ignored: no honest issuer needs them. */
export const REFUSED_HEADERS = ['jku', 'x5u', 'jwk', 'x5c'] as const;

export const MAX_CLOCK_SKEW_SECONDS = 300;

export interface JwtVerifierOptions {
  readonly keys: KeyResolver;
  /** Allow-list; `none` is never accepted whatever is listed. */
  readonly algorithms: readonly string[];
  readonly issuer?: string | readonly string[];
  readonly audience?: string | readonly string[];
  /** Tolerance for exp, nbf and iat; at most MAX_CLOCK_SKEW_SECONDS. */
  readonly clockSkewSeconds: number;
  /** Refuse tokens issued longer ago than this (needs iat). */
  readonly maxTokenAgeSeconds?: number;
  /** Claims that must be present, besides exp (always required). */
  readonly requiredClaims?: readonly string[];
  /** Expected `typ` header (e.g. at+jwt, RFC 9068); unchecked when absent. */
  readonly type?: string;
  readonly claims?: ClaimMapping;
  /** Longer tokens are refused unread. Default 8 KiB. */
  readonly maxTokenBytes?: number;
  /** Verified tokens remembered. Default 4096; 0 turns the cache off. */
  readonly cacheSize?: number;
  /** Longest a verified token is remembered (never past its exp). Default 60 s. */
  readonly cacheSeconds?: number;
  /** Milliseconds since the epoch; for tests. */
  readonly now?: () => number;
}

interface Cached {
  readonly result: AuthResult;
  /** Epoch ms after which the entry must not be used. */
  readonly until: number;
}

/** Why verification stopped, carried out of jose's key callback. */
class Refusal extends Error {
  constructor(
    readonly reason: AuthFailure,
    detail: string,
  ) {
    super(detail);
  }
}

const FAILURES = new Map<AuthFailure, AuthResult>();
function failure(reason: AuthFailure, detail?: string): AuthResult {
  if (detail !== undefined) return { ok: false, reason, detail };
  let f = FAILURES.get(reason);
  if (!f) FAILURES.set(reason, (f = Object.freeze({ ok: false, reason })));
  return f;
}

/** A string that could be a compact JWS: three base64url parts. Cheap; used to route bearer tokens. */
export function looksLikeJwt(token: string): boolean {
  const a = token.indexOf('.');
  if (a <= 0) return false;
  const b = token.indexOf('.', a + 1);
  return b > a + 1 && token.indexOf('.', b + 1) < 0 && token.charCodeAt(0) === 0x65 /* 'e': base64url of '{"' */;
}

export class JwtVerifier {
  private readonly keys: KeyResolver;
  private readonly base: JWTVerifyOptions;
  private readonly skew: number;
  private readonly mapping: ClaimMapping;
  private readonly maxBytes: number;
  private readonly cacheSize: number;
  private readonly cacheMs: number;
  private readonly cache = new Map<string, Cached>();
  private readonly now: () => number;

  constructor(opts: JwtVerifierOptions) {
    if (opts.algorithms.length === 0) throw new TypeError('at least one algorithm must be allowed');
    if (opts.algorithms.some((a) => a.toLowerCase() === 'none')) throw new TypeError('"none" is not an algorithm Palisade accepts');
    if (!(opts.clockSkewSeconds >= 0 && opts.clockSkewSeconds <= MAX_CLOCK_SKEW_SECONDS)) {
      throw new TypeError(`clock skew must be between 0 and ${MAX_CLOCK_SKEW_SECONDS} seconds`);
    }
    this.keys = opts.keys;
    this.skew = opts.clockSkewSeconds;
    this.mapping = opts.claims ?? DEFAULT_CLAIMS;
    this.maxBytes = opts.maxTokenBytes ?? 8192;
    this.cacheSize = opts.cacheSize ?? 4096;
    this.cacheMs = (opts.cacheSeconds ?? 60) * 1000;
    this.now = opts.now ?? Date.now;
    const list = (v: string | readonly string[]) => (typeof v === 'string' ? v : [...v]);
    this.base = Object.freeze({
      algorithms: [...opts.algorithms],
      clockTolerance: opts.clockSkewSeconds,
      requiredClaims: [...new Set(['exp', ...(opts.requiredClaims ?? [])])],
      ...(opts.issuer !== undefined ? { issuer: list(opts.issuer) } : {}),
      ...(opts.audience !== undefined ? { audience: list(opts.audience) } : {}),
      ...(opts.maxTokenAgeSeconds !== undefined ? { maxTokenAge: opts.maxTokenAgeSeconds } : {}),
      ...(opts.type !== undefined ? { typ: opts.type } : {}),
    });
  }

  /** Imports keys or loads the JWKS now, so the first request does not wait for it. */
  warm(): Promise<void> {
    return this.keys.warm();
  }

  /** A token verified recently and still valid, synchronously; undefined means call verify(). */
  cached(token: string): AuthResult | undefined {
    if (this.cacheSize === 0) return undefined;
    const hit = this.cache.get(token);
    if (!hit) return undefined;
    if (this.now() < hit.until) return hit.result;
    this.cache.delete(token);
    return undefined;
  }

  async verify(token: string): Promise<AuthResult> {
    if (token.length > this.maxBytes) return failure('malformed', 'token too long');
    const hit = this.cached(token);
    if (hit) return hit;
    const nowMs = this.now();
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, this.getKey, { ...this.base, currentDate: new Date(nowMs) }));
    } catch (err) {
      return this.failureOf(err);
    }
    const nowSec = Math.floor(nowMs / 1000);
    // jose checks iat only with maxTokenAge; a token "issued" in the future is forged or from a
    // badly wrong clock either way.
    if (typeof payload.iat === 'number' && payload.iat > nowSec + this.skew) return failure('not-yet-valid', 'iat');
    const principal = principalFromClaims(payload, this.mapping, 'jwt');
    if (!principal) return failure('missing-claim', this.mapping.subject);
    const result: AuthResult = Object.freeze({ ok: true, principal });
    this.remember(token, result, (payload.exp as number) + this.skew, nowMs);
    return result;
  }

  private remember(token: string, result: AuthResult, expSec: number, nowMs: number): void {
    if (this.cacheSize === 0) return;
    if (this.cache.size >= this.cacheSize) {
      // Oldest first: a Map iterates in insertion order.
      const oldest = this.cache.keys().next();
      if (!oldest.done) this.cache.delete(oldest.value);
    }
    this.cache.set(token, { result, until: Math.min(nowMs + this.cacheMs, expSec * 1000) });
  }

  private readonly getKey = (header: JWTHeaderParameters): CryptoKey | Promise<CryptoKey> => {
    for (const h of REFUSED_HEADERS) if (Object.hasOwn(header, h)) throw new Refusal('header-refused', `${h} header`);
    const kid: unknown = header.kid;
    if (kid !== undefined && (typeof kid !== 'string' || kid.length === 0 || kid.length > 256)) throw new Refusal('malformed', 'kid');
    const alg = header.alg;
    const key = this.keys.find(kid, alg);
    if (key) return key;
    return this.keys.resolve(kid, alg).then((k) => {
      if (k === 'unknown') throw new Refusal('unknown', 'no configured key for this kid and alg');
      if (k === 'unavailable') throw new Refusal('unavailable', 'keys could not be loaded');
      return k;
    });
  };

  private failureOf(err: unknown): AuthResult {
    if (err instanceof Refusal) return failure(err.reason, err.message);
    if (err instanceof errors.JWTExpired) return failure('expired', err.claim);
    if (err instanceof errors.JWTClaimValidationFailed) {
      if (err.reason === 'missing') return failure('missing-claim', err.claim);
      switch (err.claim) {
        case 'iss':
          return failure('wrong-issuer');
        case 'aud':
          return failure('wrong-audience');
        case 'nbf':
        case 'iat':
          return failure('not-yet-valid', err.claim);
        case 'typ':
          return failure('header-refused', 'typ');
        default:
          return failure('malformed', err.claim);
      }
    }
    if (err instanceof errors.JOSEAlgNotAllowed) return failure('algorithm-refused');
    // jose's one error class for an unsupported algorithm and an unrecognised `crit` extension.
    if (err instanceof errors.JOSENotSupported) return failure(/Extension Header/i.test(err.message) ? 'header-refused' : 'algorithm-refused');
    if (err instanceof errors.JWSSignatureVerificationFailed) return failure('bad-signature');
    if (err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid) return failure('malformed');
    // jose throws TypeError when a key does not fit the algorithm; keys are bound to theirs, so
    // this is a token asking for an algorithm its key was not imported for.
    if (err instanceof TypeError) return failure('algorithm-refused', err.message);
    return failure('malformed', (err as Error).message);
  }
}

// OAuth 2.0 Token Introspection (RFC 7662) for opaque bearer tokens: ask the authorization server
// whether a token is active, and remember the answer briefly so that a client reusing its token
// does not cost a round trip per request. Revocation is therefore seen within `cacheSeconds`.
import { createHash } from 'node:crypto';
import type { AuthFailure, AuthResult } from './types.js';
import { DEFAULT_CLAIMS, principalFromClaims, type ClaimMapping } from './claims.js';
import { fetchJsonObject } from './http.js';

export interface IntrospectionOptions {
  readonly endpoint: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** How long an answer (active or not) is remembered; never past the token's exp. Default 30. */
  readonly cacheSeconds?: number;
  readonly timeoutMs?: number;
  /** When set, the answer's `iss` must be one of these. */
  readonly issuer?: string | readonly string[];
  /** When set, the answer's `aud` must name one of these. */
  readonly audience?: string | readonly string[];
  readonly claims?: ClaimMapping;
  /** Most answers remembered. Default 10,000. */
  readonly cacheSize?: number;
  readonly clockSkewSeconds?: number;
  readonly maxTokenBytes?: number;
  readonly now?: () => number;
}

interface Cached {
  readonly result: AuthResult;
  readonly until: number;
}

function failure(reason: AuthFailure, detail?: string): AuthResult {
  return detail === undefined ? { ok: false, reason } : { ok: false, reason, detail };
}

function asList(v: string | readonly string[] | undefined): readonly string[] | undefined {
  return v === undefined ? undefined : typeof v === 'string' ? [v] : v;
}

/** RFC 6749 §2.3.1: client id and secret are form-encoded before Basic encoding. */
function basicAuth(id: string, secret: string): string {
  const enc = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');
  return 'Basic ' + Buffer.from(`${enc(id)}:${enc(secret)}`).toString('base64');
}

export class IntrospectionVerifier {
  private readonly cache = new Map<string, Cached>();
  private readonly inflight = new Map<string, Promise<AuthResult>>();
  private readonly authorization: string;
  private readonly cacheMs: number;
  private readonly cacheSize: number;
  private readonly issuers: readonly string[] | undefined;
  private readonly audiences: readonly string[] | undefined;
  private readonly mapping: ClaimMapping;
  private readonly skew: number;
  private readonly now: () => number;
  /** Calls made to the endpoint (for tests and metrics). */
  calls = 0;

  constructor(private readonly opts: IntrospectionOptions) {
    this.authorization = basicAuth(opts.clientId, opts.clientSecret);
    this.cacheMs = (opts.cacheSeconds ?? 30) * 1000;
    this.cacheSize = opts.cacheSize ?? 10_000;
    this.issuers = asList(opts.issuer);
    this.audiences = asList(opts.audience);
    this.mapping = opts.claims ?? DEFAULT_CLAIMS;
    this.skew = opts.clockSkewSeconds ?? 30;
    this.now = opts.now ?? Date.now;
  }

  /** Tokens are remembered by digest only, so the cache does not keep a second copy of live tokens. */
  private keyOf(token: string): string {
    return createHash('sha256').update(token).digest('base64url');
  }

  /** A remembered answer, synchronously; undefined means call verify(). */
  cached(token: string): AuthResult | undefined {
    return this.cachedByKey(this.keyOf(token));
  }

  private cachedByKey(key: string): AuthResult | undefined {
    const hit = this.cache.get(key);
    if (!hit) return undefined;
    if (this.now() < hit.until) return hit.result;
    this.cache.delete(key);
    return undefined;
  }

  verify(token: string): Promise<AuthResult> {
    if (token.length > (this.opts.maxTokenBytes ?? 8192)) return Promise.resolve(failure('malformed', 'token too long'));
    const key = this.keyOf(token);
    const hit = this.cachedByKey(key);
    if (hit) return Promise.resolve(hit);
    // Concurrent requests with one token share one call.
    let p = this.inflight.get(key);
    if (!p) {
      p = this.introspect(token, key).finally(() => this.inflight.delete(key));
      this.inflight.set(key, p);
    }
    return p;
  }

  private async introspect(token: string, key: string): Promise<AuthResult> {
    this.calls++;
    let body: Record<string, unknown>;
    try {
      ({ body } = await fetchJsonObject(this.opts.endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: this.authorization },
        body: new URLSearchParams({ token, token_type_hint: 'access_token' }).toString(),
        timeoutMs: this.opts.timeoutMs ?? 2000,
        maxBytes: 64 * 1024,
      }));
    } catch (err) {
      // Not remembered: the next request asks again.
      return failure('unavailable', (err as Error).message);
    }
    const nowMs = this.now();
    const result = this.judge(body, Math.floor(nowMs / 1000));
    const exp = typeof body.exp === 'number' ? (body.exp + this.skew) * 1000 : Infinity;
    this.remember(key, result, Math.min(nowMs + this.cacheMs, exp));
    return result;
  }

  private judge(body: Record<string, unknown>, now: number): AuthResult {
    // RFC 7662 §2.2: only a literal true means active.
    if (body.active !== true) return failure('inactive');
    if (typeof body.exp === 'number' && body.exp <= now - this.skew) return failure('expired');
    if (typeof body.nbf === 'number' && body.nbf > now + this.skew) return failure('not-yet-valid');
    if (this.issuers && !(typeof body.iss === 'string' && this.issuers.includes(body.iss))) return failure('wrong-issuer');
    if (this.audiences) {
      const aud = body.aud;
      const names = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : [];
      if (!names.some((a) => typeof a === 'string' && this.audiences!.includes(a))) return failure('wrong-audience');
    }
    const principal = principalFromClaims(body, this.mapping, 'introspection', ['client_id', 'username']);
    if (!principal) return failure('missing-claim', this.mapping.subject);
    return Object.freeze({ ok: true, principal });
  }

  private remember(key: string, result: AuthResult, until: number): void {
    if (this.cacheSize === 0 || until <= this.now()) return;
    if (this.cache.size >= this.cacheSize) {
      const oldest = this.cache.keys().next();
      if (!oldest.done) this.cache.delete(oldest.value);
    }
    this.cache.set(key, { result, until });
  }
}

// Bearer tokens for Acme Shop: its own HS256 JWTs signed with a shared secret and, when a trusted
// identity provider is configured, that provider's access tokens too — the way a team migrating
// to an identity provider accepts both while clients move over. The trusted path is checked
// properly (public keys from the issuer's JWKS, issuer, audience, expiry); the shop's own paths
// keep their weaknesses (DEMO-API2-01, DEMO-API2-02), which is what the demo is for.
import type { IncomingMessage } from 'node:http';
import { SignJWT, createRemoteJWKSet, jwtVerify, decodeJwt, decodeProtectedHeader } from 'jose';
import type { JWTPayload, JWTVerifyGetKey } from 'jose';
import { HttpError } from './http.js';

/** DEMO-API2-01: a guessable HS256 secret found in every common-secrets word list. */
export const DEMO_JWT_SECRET = 'changeme';
export const TOKEN_ISSUER = 'acme-shop';
export const TOKEN_LIFETIME_SECONDS = 3600;

const key = new TextEncoder().encode(DEMO_JWT_SECRET);

export interface Claims {
  userId: number;
  role: string;
  email: string;
}

/**
 * An identity provider whose access tokens the shop accepts besides its own (e.g. Palisade's
 * built-in authorization server): `sub` is the shop's user id, the `roles` claim gives the role.
 */
export interface TrustedIssuer {
  /** The tokens' `iss`, e.g. http://127.0.0.1:9100. */
  issuer: string;
  /** The issuer's JSON Web Key Set. Default `<issuer>/jwks`. */
  jwksUrl?: string;
  /** The `aud` the tokens must name (e.g. urn:acme:shop). Without it any audience of the issuer is accepted. */
  audience?: string;
}

/** Signature algorithms accepted from the trusted issuer: public-key ones only, never HS* or none. */
export const TRUSTED_ALGORITHMS = ['ES256', 'RS256'] as const;
const JWKS_TIMEOUT_MS = 3000;
// Bearer tokens are a few hundred bytes; anything much longer is not worth decoding.
const MAX_TOKEN_CHARS = 8192;

const UNAUTHORIZED = { 'www-authenticate': 'Bearer realm="acme-shop"' };

export async function issueToken(user: { id: number; role: string; email: string }): Promise<string> {
  return new SignJWT({ role: user.role, email: user.email })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(String(user.id))
    .setIssuer(TOKEN_ISSUER)
    .setIssuedAt()
    .setExpirationTime(`${TOKEN_LIFETIME_SECONDS}s`)
    .sign(key);
}

function invalid(): HttpError {
  return new HttpError(401, 'Invalid token', UNAUTHORIZED);
}

function bearer(req: IncomingMessage): string {
  const h = req.headers.authorization;
  if (h === undefined || !/^Bearer\s+/i.test(h)) throw new HttpError(401, 'Missing bearer token', UNAUTHORIZED);
  const token = h.replace(/^Bearer\s+/i, '').trim();
  if (token.length > MAX_TOKEN_CHARS) throw invalid();
  return token;
}

function userIdOf(p: JWTPayload): number {
  const userId = Number(p.sub);
  if (!Number.isSafeInteger(userId) || userId < 1) throw invalid();
  return userId;
}

function toClaims(p: JWTPayload): Claims {
  return { userId: userIdOf(p), role: typeof p.role === 'string' ? p.role : 'customer', email: typeof p.email === 'string' ? p.email : '' };
}

function algOf(token: string): string | undefined {
  try {
    return decodeProtectedHeader(token).alg;
  } catch {
    throw invalid();
  }
}

/** The token checks of one shop instance: its own (weak) ones, and the trusted issuer's when configured. */
export class TokenChecks {
  private readonly trusted: { readonly issuer: string; readonly audience: string | undefined; readonly keys: JWTVerifyGetKey } | undefined;

  constructor(trusted?: TrustedIssuer) {
    if (!trusted) return;
    const jwksUrl = trusted.jwksUrl ?? `${trusted.issuer.replace(/\/+$/, '')}/jwks`;
    let url: URL;
    try {
      url = new URL(jwksUrl);
    } catch {
      throw new TypeError(`trustedIssuer.jwksUrl: not a URL: ${jwksUrl}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`trustedIssuer.jwksUrl: http or https only, got ${jwksUrl}`);
    this.trusted = { issuer: trusted.issuer, audience: trusted.audience, keys: createRemoteJWKSet(url, { timeoutDuration: JWKS_TIMEOUT_MS }) };
  }

  /** Whether tokens of a trusted issuer are accepted. */
  get trustsIssuer(): boolean {
    return this.trusted !== undefined;
  }

  /** The v2 check: HS256 only, issuer and expiry verified (though with the weak secret of DEMO-API2-01). */
  async authenticate(req: IncomingMessage): Promise<Claims> {
    const token = bearer(req);
    if (this.isTrustedShape(token)) return this.verifyTrusted(token);
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, key, { algorithms: ['HS256'], issuer: TOKEN_ISSUER }));
    } catch {
      throw invalid();
    }
    return toClaims(payload);
  }

  /**
   * The check kept from v1, still used by `/api/v1/account` and the v2 invoice endpoint.
   * DEMO-API2-02: unsigned tokens (`alg: none`) are accepted, and `exp` is never looked at.
   */
  async authenticateLegacy(req: IncomingMessage): Promise<Claims> {
    const token = bearer(req);
    if (this.isTrustedShape(token)) return this.verifyTrusted(token);
    let payload: JWTPayload;
    try {
      if (algOf(token) === 'none') payload = decodeJwt(token);
      // Verifying "as of 1970" is how the v1 code skipped expiry: every exp lies in that future.
      else ({ payload } = await jwtVerify(token, key, { algorithms: ['HS256'], currentDate: new Date(0) }));
    } catch {
      throw invalid();
    }
    return toClaims(payload);
  }

  /** A token signed with a public-key algorithm goes to the trusted issuer's check (and only there). */
  private isTrustedShape(token: string): boolean {
    if (!this.trusted) return false;
    const alg = algOf(token);
    return (TRUSTED_ALGORITHMS as readonly string[]).includes(alg ?? '');
  }

  private async verifyTrusted(token: string): Promise<Claims> {
    const t = this.trusted!;
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, t.keys, {
        algorithms: [...TRUSTED_ALGORITHMS],
        issuer: t.issuer,
        ...(t.audience !== undefined ? { audience: t.audience } : {}),
        typ: 'at+jwt',
        requiredClaims: ['exp', 'sub'],
      }));
    } catch {
      throw invalid();
    }
    const roles = Array.isArray(payload.roles) ? payload.roles.filter((r): r is string => typeof r === 'string') : [];
    return { userId: userIdOf(payload), role: roles.includes('admin') ? 'admin' : 'customer', email: typeof payload.email === 'string' ? payload.email : '' };
  }
}

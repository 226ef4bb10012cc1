// Bearer tokens for Acme Shop: HS256 JWTs signed with a shared secret.
import type { IncomingMessage } from 'node:http';
import { SignJWT, jwtVerify, decodeJwt, decodeProtectedHeader } from 'jose';
import type { JWTPayload } from 'jose';
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

function bearer(req: IncomingMessage): string {
  const h = req.headers.authorization;
  if (h === undefined || !/^Bearer\s+/i.test(h)) throw new HttpError(401, 'Missing bearer token', UNAUTHORIZED);
  return h.replace(/^Bearer\s+/i, '').trim();
}

function toClaims(p: JWTPayload): Claims {
  const userId = Number(p.sub);
  if (!Number.isSafeInteger(userId) || userId < 1) throw new HttpError(401, 'Invalid token', UNAUTHORIZED);
  return { userId, role: typeof p.role === 'string' ? p.role : 'customer', email: typeof p.email === 'string' ? p.email : '' };
}

/** The v2 check: HS256 only, issuer and expiry verified (though with the weak secret of DEMO-API2-01). */
export async function authenticate(req: IncomingMessage): Promise<Claims> {
  const token = bearer(req);
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, key, { algorithms: ['HS256'], issuer: TOKEN_ISSUER }));
  } catch {
    throw new HttpError(401, 'Invalid token', UNAUTHORIZED);
  }
  return toClaims(payload);
}

/**
 * The check kept from v1, still used by `/api/v1/account` and the v2 invoice endpoint.
 * DEMO-API2-02: unsigned tokens (`alg: none`) are accepted, and `exp` is never looked at.
 */
export async function authenticateLegacy(req: IncomingMessage): Promise<Claims> {
  const token = bearer(req);
  let payload: JWTPayload;
  try {
    if (decodeProtectedHeader(token).alg === 'none') payload = decodeJwt(token);
    // Verifying "as of 1970" is how the v1 code skipped expiry: every exp lies in that future.
    else ({ payload } = await jwtVerify(token, key, { algorithms: ['HS256'], currentDate: new Date(0) }));
  } catch {
    throw new HttpError(401, 'Invalid token', UNAUTHORIZED);
  }
  return toClaims(payload);
}

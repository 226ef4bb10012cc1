// The few JWT operations the scanner needs to attack tokens: decode without verifying, re-sign
// with HMAC, forge `alg: none`, tamper with the payload. Deliberately not jose: jose refuses to
// produce the malformed tokens these checks are about.
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface DecodedJwt {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  signingInput: string;
  signature: string;
}

const MAX_TOKEN_CHARS = 16 * 1024;

function b64json(o: object): string {
  return Buffer.from(JSON.stringify(o)).toString('base64url');
}

export function decodeJwt(token: string): DecodedJwt | undefined {
  if (token.length > MAX_TOKEN_CHARS) return undefined;
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8')) as unknown;
    const payload = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as unknown;
    if (!header || typeof header !== 'object' || Array.isArray(header) || !payload || typeof payload !== 'object' || Array.isArray(payload)) return undefined;
    if (typeof (header as Record<string, unknown>).alg !== 'string') return undefined;
    return { header: header as Record<string, unknown>, payload: payload as Record<string, unknown>, signingInput: `${parts[0]}.${parts[1]}`, signature: parts[2]! };
  } catch {
    return undefined;
  }
}

const HMAC: Record<string, string> = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' };

export function isHmac(alg: unknown): alg is 'HS256' | 'HS384' | 'HS512' {
  return typeof alg === 'string' && alg in HMAC;
}

export function signHmac(header: Record<string, unknown>, payload: Record<string, unknown>, secret: string | Buffer): string {
  const alg = String(header.alg);
  const input = `${b64json(header)}.${b64json(payload)}`;
  return `${input}.${createHmac(HMAC[alg] ?? 'sha256', secret).update(input).digest('base64url')}`;
}

/** Whether `secret` produced the token's HMAC signature. */
export function hmacMatches(jwt: DecodedJwt, secret: string): boolean {
  const algo = HMAC[String(jwt.header.alg)];
  if (!algo) return false;
  const mac = createHmac(algo, secret).update(jwt.signingInput).digest();
  const sig = Buffer.from(jwt.signature, 'base64url');
  return sig.length === mac.length && timingSafeEqual(sig, mac);
}

export function unsigned(header: Record<string, unknown>, payload: Record<string, unknown>, alg = 'none'): string {
  return `${b64json({ ...header, alg })}.${b64json(payload)}.`;
}

/** Same signature, changed payload: accepted only by a server that does not check signatures. */
export function tampered(jwt: DecodedJwt, payload: Record<string, unknown>): string {
  return `${jwt.signingInput.split('.')[0]}.${b64json(payload)}.${jwt.signature}`;
}

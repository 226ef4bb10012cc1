// Time-based one-time passwords (RFC 6238, on HOTP of RFC 4226), written against node:crypto.
// The algorithm is a dozen lines; a dependency for it would be more code to trust than this file,
// and the RFC's test vectors (totp.test.ts) pin it down exactly. Authenticator apps expect SHA-1,
// 6 digits and 30-second steps, which are the defaults here.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export type TotpAlgorithm = 'sha1' | 'sha256' | 'sha512';

export interface TotpOptions {
  algorithm?: TotpAlgorithm;
  digits?: number;
  /** Seconds per step. */
  period?: number;
}

const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32 without padding: the form authenticator apps read. */
export function base32Encode(data: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of data) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += B32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += B32[(value << (5 - bits)) & 31];
  return out;
}

/** Decodes base32, ignoring case, spaces and padding; throws on any other character. */
export function base32Decode(text: string): Buffer {
  const clean = text.replace(/[\s=]/g, '').toUpperCase();
  const out: number[] = [];
  let bits = 0;
  let value = 0;
  for (const ch of clean) {
    const v = B32.indexOf(ch);
    if (v < 0) throw new TypeError('not base32');
    value = ((value << 5) | v) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** HOTP (RFC 4226): the code for one counter value. */
export function hotp(secret: Uint8Array, counter: number, digits = 6, algorithm: TotpAlgorithm = 'sha1'): string {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac(algorithm, secret).update(msg).digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  const bin = (mac.readUInt32BE(offset) & 0x7fffffff) % 10 ** digits;
  return String(bin).padStart(digits, '0');
}

/** The time step containing `atMs`. */
export function totpStep(atMs: number, period = 30): number {
  return Math.floor(atMs / 1000 / period);
}

export function totp(secret: Uint8Array, atMs: number, opts: TotpOptions = {}): string {
  return hotp(secret, totpStep(atMs, opts.period), opts.digits ?? 6, opts.algorithm);
}

/**
 * The time step the code belongs to, looking `window` steps either side of now (clock drift and
 * typing time), or undefined. Compared in constant time. The caller must refuse a step already
 * used (OAuthStore.recordTotpStep), or a code seen over a shoulder would work twice.
 */
export function verifyTotp(secret: Uint8Array, code: string, atMs: number, opts: TotpOptions & { window?: number } = {}): number | undefined {
  const digits = opts.digits ?? 6;
  const presented = code.replace(/\s/g, '');
  if (!new RegExp(`^\\d{${digits}}$`).test(presented)) return undefined;
  const now = totpStep(atMs, opts.period);
  const window = opts.window ?? 1;
  let found: number | undefined;
  // Every candidate is computed and compared, so the time taken does not depend on which matched.
  for (let step = now - window; step <= now + window; step++) {
    const expected = hotp(secret, step, digits, opts.algorithm);
    if (timingSafeEqual(Buffer.from(expected), Buffer.from(presented)) && found === undefined) found = step;
  }
  return found;
}

/** A new secret: 160 random bits, as RFC 4226 recommends for SHA-1. */
export function generateTotpSecret(): Buffer {
  return randomBytes(20);
}

/** The otpauth:// URI authenticator apps import (usually shown as a QR code). */
export function otpauthUri(secret: Uint8Array, account: string, issuer: string, opts: TotpOptions = {}): string {
  const label = `${encodeURIComponent(issuer)}:${encodeURIComponent(account)}`;
  const params = new URLSearchParams({
    secret: base32Encode(secret),
    issuer,
    algorithm: (opts.algorithm ?? 'sha1').toUpperCase(),
    digits: String(opts.digits ?? 6),
    period: String(opts.period ?? 30),
  });
  return `otpauth://totp/${label}?${params.toString()}`;
}

// Console passwords: scrypt (node:crypto) with a random 16-byte salt, encoded with its parameters
// ("scrypt$N$r$p$salt$hash", base64url) so they can be raised later without breaking old hashes.
// Decision 0037.
import { randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import type { ScryptOptions } from 'node:crypto';

export const MIN_PASSWORD_LENGTH = 12;
/** Longer inputs are refused before hashing: scrypt cost does not grow with length, but bodies should stay small. */
export const MAX_PASSWORD_LENGTH = 1024;

// N=2^15, r=8, p=1: about 32 MiB and tens of milliseconds per hash, OWASP's scrypt recommendation.
export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}
export const DEFAULT_SCRYPT: ScryptParams = { N: 32768, r: 8, p: 1 };
const KEY_LENGTH = 32;

function scrypt(password: string, salt: Buffer, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scryptCb(password.normalize('NFKC'), salt, KEY_LENGTH, { ...opts, maxmem: 128 * opts.N! * opts.r! * 2 }, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/** Why a new password is refused, or undefined when it is acceptable. */
export function passwordProblem(password: string): string | undefined {
  if (password.length < MIN_PASSWORD_LENGTH) return `a password has at least ${MIN_PASSWORD_LENGTH} characters`;
  if (password.length > MAX_PASSWORD_LENGTH) return `a password has at most ${MAX_PASSWORD_LENGTH} characters`;
  return undefined;
}

/** `params` other than the default are for tests (cheaper hashing); verification reads them from the hash. */
export async function hashPassword(password: string, params: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, params);
  return `scrypt$${params.N}$${params.r}$${params.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

/** Constant-time check of a password against an encoded hash; false for a malformed hash. */
export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  const parts = encoded.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  if (![N, r, p].every((n) => Number.isSafeInteger(n) && n > 0) || N > 2 ** 20 || r > 32 || p > 16) return false;
  const salt = Buffer.from(parts[4]!, 'base64url');
  const expected = Buffer.from(parts[5]!, 'base64url');
  if (expected.length !== KEY_LENGTH || password.length > MAX_PASSWORD_LENGTH) return false;
  const key = await scrypt(password, salt, { N, r, p });
  return timingSafeEqual(key, expected);
}

/** A hash of a random password, checked against when the user does not exist so both answers take as long. */
const decoys = new Map<string, Promise<string>>();
export function decoyHash(params: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
  const k = `${params.N}/${params.r}/${params.p}`;
  let d = decoys.get(k);
  if (!d) {
    d = hashPassword(randomBytes(24).toString('base64url'), params);
    decoys.set(k, d);
  }
  return d;
}

/** A password for people to copy: 24 base64url characters (144 bits). */
export function generatePassword(): string {
  return randomBytes(18).toString('base64url');
}

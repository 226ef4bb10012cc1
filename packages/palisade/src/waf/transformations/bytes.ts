/** Byte-string helpers shared by the transformations (values are Latin-1 strings, waf/types.ts). */

/** C `isspace` in the C locale: \t \n \v \f \r and space. */
export function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

/** The value of a hex digit, or -1. */
export function hexVal(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  if (l >= 0x61 && l <= 0x66) return l - 0x61 + 10;
  return -1;
}

export function isHex(c: number): boolean {
  return hexVal(c) !== -1;
}

/** The byte of two hex digits at `i` (both must be hex). */
export function x2c(s: string, i: number): number {
  return (hexVal(s.charCodeAt(i)) << 4) | hexVal(s.charCodeAt(i + 1));
}

/**
 * `%uHHHH` / `\uHHHH` to one byte as ModSecurity does without a unicode map: the low byte, and
 * full-width ASCII (U+FF01–U+FF5E) to its ASCII counterpart (low byte + 0x20).
 */
export function uniToByte(s: string, i: number): number {
  let b = x2c(s, i + 2);
  const hiFF = (s.charCodeAt(i) | 0x20) === 0x66 && (s.charCodeAt(i + 1) | 0x20) === 0x66;
  if (hiFF && b > 0x00 && b < 0x5f) b += 0x20;
  return b;
}

export function hex4(s: string, i: number): boolean {
  return i + 4 <= s.length && isHex(s.charCodeAt(i)) && isHex(s.charCodeAt(i + 1)) && isHex(s.charCodeAt(i + 2)) && isHex(s.charCodeAt(i + 3));
}

/** ASCII-only case mapping (C `tolower`/`toupper` in the C locale), allocation-free when unchanged. */
export function asciiLower(s: string): string {
  let i = 0;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) break;
  }
  if (i === s.length) return s;
  // toLowerCase would also fold Latin-1 letters (0xC0–0xDE); ModSecurity folds ASCII only.
  return s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}

export function asciiUpper(s: string): string {
  return /[a-z]/.test(s) ? s.replace(/[a-z]+/g, (m) => m.toUpperCase()) : s;
}

/** A byte string from a Buffer, and back. */
export function fromBuffer(b: Buffer): string {
  return b.toString('latin1');
}
export function toBuffer(s: string): Buffer {
  return Buffer.from(s, 'latin1');
}

// Token classes of path segments: what makes a segment an identifier rather than a name. Checked
// cheapest first; every test is a bounded scan of a segment already capped in length.
import { isWord } from './words.js';

export type TokenClass =
  | 'integer'
  | 'uuid'
  | 'objectid'
  | 'hash'
  | 'email'
  | 'date'
  | 'timestamp'
  | 'prefixed'
  | 'opaque';

/** What a segment is: an identifier of some class, vocabulary, or an undecided string. */
export type SegmentKind = { kind: 'token'; cls: TokenClass } | { kind: 'word' } | { kind: 'generic' };

const WORD: SegmentKind = Object.freeze({ kind: 'word' });
const GENERIC: SegmentKind = Object.freeze({ kind: 'generic' });
const TOKENS = new Map<TokenClass, SegmentKind>();
function token(cls: TokenClass): SegmentKind {
  let t = TOKENS.get(cls);
  if (!t) TOKENS.set(cls, (t = Object.freeze({ kind: 'token', cls })));
  return t;
}

/** Longer segments are identifiers whatever they contain (and never get scanned further). */
const MAX_SEGMENT = 256;
const HASH_LENGTHS = new Set([32, 40, 56, 64, 96, 128]);

function isDigits(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return s.length > 0;
}

function isHex(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i) | 0x20;
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
  }
  return s.length > 0;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const EMAIL = /^[^\s@/]{1,64}@[^\s@/]{1,190}\.[a-z]{2,24}$/i;
const DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])(?:[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:[Zz]|[+-]\d{2}:?\d{2})?)?$/;
const COMPACT_DATE = /^(19|20)\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])$/;
// A short lower-case prefix, a separator and an alphanumeric tail with a digit: ord_123, cus_9fK2x, usr-42.
const PREFIXED = /^[a-z]{1,12}[_-](?=[a-z0-9]*\d)[a-z0-9]{2,64}$/i;
const B64URL = /^[A-Za-z0-9_\-+=.~]+$/;

/** Shannon entropy in bits per character. */
export function entropy(s: string): number {
  const counts = new Map<number, number>();
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  let h = 0;
  for (const n of counts.values()) {
    const p = n / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

function classesOf(s: string): number {
  let lower = 0, upper = 0, digit = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 97 && c <= 122) lower = 1;
    else if (c >= 65 && c <= 90) upper = 1;
    else if (c >= 48 && c <= 57) digit = 1;
  }
  return lower + upper + digit;
}

/** Looks random: long enough, several character classes or digits mixed in, high entropy. */
export function isHighEntropy(s: string): boolean {
  if (s.length < 16 || !B64URL.test(s)) return false;
  const cls = classesOf(s);
  if (cls < 2) return false;
  return entropy(s) >= (s.length >= 32 ? 3.5 : 3.0);
}

/**
 * Classifies one decoded path segment. Identifier classes first (an integer is never a word),
 * then the word guard, then the looser classes; what is left is `generic`, decided later by how
 * many distinct siblings it has.
 */
export function classifySegment(seg: string): SegmentKind {
  const n = seg.length;
  if (n === 0) return WORD;
  // Braces would read as a template parameter downstream: such a segment is never a literal.
  if (n > MAX_SEGMENT || seg.includes('{') || seg.includes('}')) return token('opaque');
  if (isDigits(seg)) {
    if (COMPACT_DATE.test(seg)) return token('date');
    if ((n === 10 || n === 13) && seg[0] === '1') return token('timestamp');
    return token('integer');
  }
  if (n === 24 && isHex(seg)) return token('objectid');
  if (HASH_LENGTHS.has(n) && isHex(seg)) return token('hash');
  if (n === 36 && UUID.test(seg)) return token('uuid');
  if (seg.includes('@') && EMAIL.test(seg)) return token('email');
  const c0 = seg.charCodeAt(0);
  if (c0 >= 48 && c0 <= 57 && DATE.test(seg)) return token('date');
  if (isWord(seg)) return WORD;
  if (PREFIXED.test(seg)) return token('prefixed');
  if (isHighEntropy(seg)) return token('opaque');
  // Mostly digits with a few letters (a1b2c3d4e5, 9f8c7e) reads as an identifier too.
  if (n >= 6 && isHex(seg) && /\d/.test(seg) && /[a-f]/i.test(seg)) return token('opaque');
  return GENERIC;
}

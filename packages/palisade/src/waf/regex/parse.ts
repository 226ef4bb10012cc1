/**
 * A parser for RE2 regular-expression syntax (the dialect OWASP CRS v4 writes its `@rx` patterns
 * in), producing a small tree over BYTES. Both back ends (JS RegExp and RE2) are fed a pattern
 * re-emitted from this tree, so the two agree on every detail the dialects differ on: `\s`, `.`,
 * `$`, case folding, `\x{..}`, POSIX classes.
 *
 * Byte semantics (waf/types.ts): inputs are byte strings, so a character class is a set of 256
 * bytes; case-insensitivity folds ASCII letters only, as ModSecurity's PCRE does without UTF
 * mode. A code point above 0xFF (from `\x{100}` or a non-Latin-1 character in the pattern text)
 * stands for its UTF-8 bytes as a literal, and cannot be a member of a class (it is dropped from
 * one, and the class errors if nothing else is left).
 */

export type ByteSet = Uint8Array; // 256 entries of 0/1

export type Node =
  | { readonly t: 'empty' }
  | { readonly t: 'set'; readonly set: ByteSet }
  | { readonly t: 'cat'; readonly items: readonly Node[] }
  | { readonly t: 'alt'; readonly items: readonly Node[] }
  | { readonly t: 'group'; readonly index: number; readonly body: Node } // index 0 = non-capturing
  | { readonly t: 'rep'; readonly min: number; readonly max: number; readonly greedy: boolean; readonly body: Node } // max -1 = unbounded
  | { readonly t: 'assert'; readonly kind: AssertKind };

export type AssertKind = 'bot' | 'eot' | 'bol' | 'eol' | 'word' | 'nonword';

export interface ParseOptions {
  /** Flags in force at the start, as `(?flags)` would set them: i, m, s, U. */
  readonly flags?: string;
}

export interface ParsedRegex {
  readonly root: Node;
  readonly groups: number;
}

/** Limits: RE2's own repeat limit, and bounds that keep a hostile rule file from exhausting memory. */
export const REGEX_LIMITS = {
  maxPatternLength: 256 * 1024,
  maxRepeat: 1000,
  maxDepth: 500,
  /** Upper bound of the size after expanding counted repeats, as RE2 enforces for its program. */
  maxExpandedSize: 2_000_000,
} as const;

export class RegexSyntaxError extends Error {
  constructor(message: string, readonly pattern: string, readonly offset: number) {
    super(`invalid regular expression at offset ${offset}: ${message} (in ${JSON.stringify(abbreviate(pattern, offset))})`);
    this.name = 'RegexSyntaxError';
  }
}

function abbreviate(p: string, at: number): string {
  if (p.length <= 80) return p;
  const from = Math.max(0, at - 30);
  return `${from > 0 ? '…' : ''}${p.slice(from, from + 60)}…`;
}

interface Flags {
  i: boolean;
  m: boolean;
  s: boolean;
  U: boolean;
}

const EMPTY: Node = { t: 'empty' };

function newSet(): ByteSet {
  return new Uint8Array(256);
}
function addRange(s: ByteSet, lo: number, hi: number): void {
  for (let c = lo; c <= hi && c < 256; c++) s[c] = 1;
}
function setOf(...ranges: [number, number][]): ByteSet {
  const s = newSet();
  for (const [lo, hi] of ranges) addRange(s, lo, hi);
  return s;
}
function invert(s: ByteSet): ByteSet {
  const r = newSet();
  for (let c = 0; c < 256; c++) r[c] = s[c] ? 0 : 1;
  return r;
}
function union(into: ByteSet, s: ByteSet): void {
  for (let c = 0; c < 256; c++) if (s[c]) into[c] = 1;
}
function foldAscii(s: ByteSet): ByteSet {
  const r = s.slice();
  for (let c = 0x41; c <= 0x5a; c++) {
    if (s[c] || s[c + 0x20]) {
      r[c] = 1;
      r[c + 0x20] = 1;
    }
  }
  return r;
}

const DIGIT = setOf([0x30, 0x39]);
const WORD = setOf([0x30, 0x39], [0x41, 0x5a], [0x61, 0x7a], [0x5f, 0x5f]);
// RE2's \s is [\t\n\f\r ]: no \v, unlike PCRE2 and JS.
const SPACE = setOf([0x09, 0x0a], [0x0c, 0x0d], [0x20, 0x20]);

const POSIX: Record<string, [number, number][]> = {
  alnum: [[0x30, 0x39], [0x41, 0x5a], [0x61, 0x7a]],
  alpha: [[0x41, 0x5a], [0x61, 0x7a]],
  ascii: [[0x00, 0x7f]],
  blank: [[0x09, 0x09], [0x20, 0x20]],
  cntrl: [[0x00, 0x1f], [0x7f, 0x7f]],
  digit: [[0x30, 0x39]],
  graph: [[0x21, 0x7e]],
  lower: [[0x61, 0x7a]],
  print: [[0x20, 0x7e]],
  punct: [[0x21, 0x2f], [0x3a, 0x40], [0x5b, 0x60], [0x7b, 0x7e]],
  space: [[0x09, 0x0d], [0x20, 0x20]],
  upper: [[0x41, 0x5a]],
  word: [[0x30, 0x39], [0x41, 0x5a], [0x61, 0x7a], [0x5f, 0x5f]],
  xdigit: [[0x30, 0x39], [0x41, 0x46], [0x61, 0x66]],
};

// Literal nodes are shared (sets are never mutated once in a node): a CRS pattern is mostly
// literals, and allocating a 256-byte set for each made loading the rule set slow.
const LITERALS: readonly Node[] = Array.from({ length: 256 }, (_, c) => ({ t: 'set', set: setOf([c, c]) }));
const FOLDED_LITERALS: readonly Node[] = LITERALS.map((n) => (n.t === 'set' ? { t: 'set', set: foldAscii(n.set) } : n));

/** The UTF-8 bytes of a code point, as the byte string ModSecurity would see. */
function utf8Bytes(cp: number): number[] {
  return [...Buffer.from(String.fromCodePoint(cp), 'utf8')];
}

class Parser {
  private pos = 0;
  private groups = 0;
  private depth = 0;
  private flags: Flags;

  constructor(private readonly src: string, flags: string) {
    this.flags = { i: false, m: false, s: false, U: false };
    this.applyFlags(flags, 0);
  }

  fail(msg: string, at = this.pos): never {
    throw new RegexSyntaxError(msg, this.src, at);
  }

  parse(): ParsedRegex {
    if (this.src.length > REGEX_LIMITS.maxPatternLength) this.fail(`pattern longer than ${REGEX_LIMITS.maxPatternLength} characters`, 0);
    const root = this.parseAlt();
    if (this.pos < this.src.length) this.fail(`unexpected ${JSON.stringify(this.src[this.pos])} (unmatched ")"?)`);
    if (expandedSize(root) > REGEX_LIMITS.maxExpandedSize) this.fail('pattern too large after expanding counted repeats', 0);
    return { root, groups: this.groups };
  }

  private applyFlags(spec: string, at: number): void {
    let on = true;
    for (const ch of spec) {
      if (ch === '-') {
        if (!on) this.fail('two "-" in flags', at);
        on = false;
      } else if (ch === 'i' || ch === 'm' || ch === 's' || ch === 'U') {
        this.flags[ch] = on;
      } else {
        this.fail(`unknown flag ${JSON.stringify(ch)}`, at);
      }
    }
  }

  private parseAlt(): Node {
    const branches: Node[] = [this.parseCat()];
    while (this.src[this.pos] === '|') {
      this.pos++;
      branches.push(this.parseCat());
    }
    return branches.length === 1 ? branches[0]! : { t: 'alt', items: branches };
  }

  private parseCat(): Node {
    const items: Node[] = [];
    for (;;) {
      const c = this.src[this.pos];
      if (c === undefined || c === '|' || c === ')') break;
      const atomStart = this.pos;
      const atom = this.parseAtom();
      if (atom === null) continue; // a flag group or \Q\E produced nothing here
      if (Array.isArray(atom)) {
        items.push(...atom);
        continue;
      }
      items.push(this.parseQuantifiers(atom, atomStart));
    }
    // Flags set by (?x) persist across '|' until the enclosing group ends (parseGroup restores).
    if (items.length === 0) return EMPTY;
    return items.length === 1 ? items[0]! : { t: 'cat', items };
  }

  private parseQuantifiers(atom: Node, atomStart: number): Node {
    let node = atom;
    for (;;) {
      const c = this.src[this.pos];
      let min: number;
      let max: number;
      if (c === '*') {
        min = 0;
        max = -1;
        this.pos++;
      } else if (c === '+') {
        min = 1;
        max = -1;
        this.pos++;
      } else if (c === '?') {
        min = 0;
        max = 1;
        this.pos++;
      } else if (c === '{') {
        const m = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.pos, this.pos + 24));
        if (!m) break; // a literal '{', as in RE2
        min = Number(m[1]);
        max = m[2] === undefined ? min : m[3] === '' ? -1 : Number(m[3]);
        if (min > REGEX_LIMITS.maxRepeat || max > REGEX_LIMITS.maxRepeat) this.fail(`repeat count above ${REGEX_LIMITS.maxRepeat}`);
        if (max !== -1 && max < min) this.fail(`bad repeat {${min},${max}}`);
        this.pos += m[0].length;
      } else {
        break;
      }
      if (node.t === 'rep') this.fail('bad repetition operator (repeat of a repeat)', atomStart);
      if (node.t === 'empty') this.fail('missing argument to repetition operator', atomStart);
      let greedy = true;
      if (this.src[this.pos] === '?') {
        greedy = false;
        this.pos++;
      }
      if (this.flags.U) greedy = !greedy;
      node = { t: 'rep', min, max, greedy, body: node };
    }
    return node;
  }

  private literal(cp: number): Node | Node[] {
    if (cp > 0xff) return utf8Bytes(cp).map((b) => LITERALS[b]!);
    return (this.flags.i ? FOLDED_LITERALS : LITERALS)[cp]!;
  }

  private parseAtom(): Node | Node[] | null {
    const c = this.src[this.pos]!;
    const at = this.pos;
    switch (c) {
      case '(':
        return this.parseGroup();
      case '[':
        return this.parseClass();
      case '.':
        this.pos++;
        return { t: 'set', set: this.flags.s ? setOf([0, 255]) : invert(setOf([0x0a, 0x0a])) };
      case '^':
        this.pos++;
        return { t: 'assert', kind: this.flags.m ? 'bol' : 'bot' };
      case '$':
        this.pos++;
        return { t: 'assert', kind: this.flags.m ? 'eol' : 'eot' };
      case '*':
      case '+':
      case '?':
        return this.fail(`missing argument to repetition operator ${c}`);
      case '{': {
        if (/^\{\d+(,\d*)?\}/.test(this.src.slice(this.pos, this.pos + 24))) this.fail('missing argument to repetition operator {');
        this.pos++;
        return this.literal(0x7b);
      }
      case '\\': {
        this.pos++;
        const e = this.src[this.pos];
        if (e === undefined) this.fail('trailing backslash', at);
        switch (e) {
          case 'A':
            this.pos++;
            return { t: 'assert', kind: 'bot' };
          case 'z':
            this.pos++;
            return { t: 'assert', kind: 'eot' };
          case 'b':
            this.pos++;
            return { t: 'assert', kind: 'word' };
          case 'B':
            this.pos++;
            return { t: 'assert', kind: 'nonword' };
          case 'Q': {
            const end = this.src.indexOf('\\E', this.pos + 1);
            const text = this.src.slice(this.pos + 1, end === -1 ? undefined : end);
            this.pos = end === -1 ? this.src.length : end + 2;
            const out: Node[] = [];
            for (const ch of text) {
              const lit = this.literal(ch.codePointAt(0)!);
              if (Array.isArray(lit)) out.push(...lit);
              else out.push(lit);
            }
            // A quantifier after \Q..\E applies to its last character only, as in RE2.
            if (out.length > 0) {
              const last = out.pop()!;
              out.push(this.parseQuantifiers(last, this.pos));
            }
            return out;
          }
          case 'E':
            this.pos++;
            return null;
          default: {
            const cls = this.classEscape();
            if (cls) return { t: 'set', set: cls };
            return this.literal(this.charEscape());
          }
        }
      }
      default: {
        const cp = this.src.codePointAt(this.pos)!;
        this.pos += cp > 0xffff ? 2 : 1;
        return this.literal(cp);
      }
    }
  }

  /** After a backslash: \d \D \s \S \w \W \pX; returns null (position unchanged) otherwise. */
  private classEscape(): ByteSet | null {
    const e = this.src[this.pos];
    let s: ByteSet | null = null;
    if (e === 'd') s = DIGIT;
    else if (e === 'D') s = invert(DIGIT);
    else if (e === 's') s = SPACE;
    else if (e === 'S') s = invert(SPACE);
    else if (e === 'w') s = WORD;
    else if (e === 'W') s = invert(WORD);
    else if (e === 'p' || e === 'P') this.fail('Unicode classes (\\p, \\P) are not supported on byte strings');
    if (s) this.pos++;
    return s;
  }

  /** After a backslash, an escape standing for one code point. */
  private charEscape(): number {
    const at = this.pos - 1;
    const e = this.src[this.pos]!;
    this.pos++;
    switch (e) {
      case 'a':
        return 0x07;
      case 'f':
        return 0x0c;
      case 't':
        return 0x09;
      case 'n':
        return 0x0a;
      case 'r':
        return 0x0d;
      case 'v':
        return 0x0b;
      case 'x': {
        if (this.src[this.pos] === '{') {
          const close = this.src.indexOf('}', this.pos);
          const hex = close === -1 ? '' : this.src.slice(this.pos + 1, close);
          if (!/^[0-9a-fA-F]{1,6}$/.test(hex) || parseInt(hex, 16) > 0x10ffff) this.fail('bad \\x{...} escape', at);
          this.pos = close + 1;
          return parseInt(hex, 16);
        }
        const hex = this.src.slice(this.pos, this.pos + 2);
        if (!/^[0-9a-fA-F]{2}$/.test(hex)) this.fail('bad \\x escape (RE2 needs two hex digits or \\x{...})', at);
        this.pos += 2;
        return parseInt(hex, 16);
      }
      case '0':
      case '1':
      case '2':
      case '3':
      case '4':
      case '5':
      case '6':
      case '7': {
        // RE2: \0, and octal \1-\7 only when followed by more octal digits (else a backreference).
        const m = /^[0-7]{0,2}/.exec(this.src.slice(this.pos, this.pos + 2))![0];
        if (e !== '0' && m.length === 0) this.fail('backreferences are not supported (RE2 semantics)', at);
        this.pos += m.length;
        return parseInt(e + m, 8);
      }
      case '8':
      case '9':
        return this.fail('backreferences are not supported (RE2 semantics)', at);
      default:
        if (/[0-9A-Za-z]/.test(e)) this.fail(`unknown escape \\${e}`, at);
        return e.codePointAt(0)!; // escaped punctuation
    }
  }

  private parseGroup(): Node | null {
    const at = this.pos;
    this.pos++; // (
    let index = 0;
    const saved = { ...this.flags };
    if (this.src[this.pos] === '?') {
      const rest = this.src.slice(this.pos + 1, this.pos + 200);
      const named = /^(?:P?<)([A-Za-z_][A-Za-z0-9_]*)>/.exec(rest);
      if (named) {
        index = ++this.groups;
        this.pos += 1 + named[0].length;
      } else {
        const fl = /^([A-Za-z-]*)([:)])/.exec(rest);
        if (!fl) this.fail('unsupported group syntax (lookarounds and backreferences are not RE2)', at);
        this.applyFlags(fl[1]!, at);
        this.pos += 1 + fl[0].length;
        if (fl[2] === ')') return null; // (?i): flags last until the enclosing group closes
      }
    } else {
      index = ++this.groups;
    }
    if (++this.depth > REGEX_LIMITS.maxDepth) this.fail(`nesting deeper than ${REGEX_LIMITS.maxDepth}`, at);
    const body = this.parseAlt();
    this.depth--;
    if (this.src[this.pos] !== ')') this.fail('missing closing )', at);
    this.pos++;
    this.flags = saved;
    return { t: 'group', index, body };
  }

  private parseClass(): Node {
    const at = this.pos;
    this.pos++; // [
    let neg = false;
    if (this.src[this.pos] === '^') {
      neg = true;
      this.pos++;
    }
    const s = newSet();
    let first = true;
    let sawHigh = false;
    for (;;) {
      const c = this.src[this.pos];
      if (c === undefined) this.fail('missing closing ]', at);
      if (c === ']' && !first) {
        this.pos++;
        break;
      }
      first = false;
      if (c === '[' && this.src[this.pos + 1] === ':') {
        const m = /^\[:(\^?)([a-z]+):\]/.exec(this.src.slice(this.pos, this.pos + 16));
        if (m) {
          const ranges = POSIX[m[2]!];
          if (!ranges) this.fail(`unknown POSIX class [:${m[2]}:]`);
          const ps = setOf(...ranges);
          union(s, m[1] ? invert(ps) : ps);
          this.pos += m[0].length;
          continue;
        }
      }
      if (c === '\\') {
        this.pos++;
        if (this.src[this.pos] === undefined) this.fail('trailing backslash in class', at);
        const cls = this.classEscape();
        if (cls) {
          union(s, cls);
          continue;
        }
        this.pos--;
      }
      const lo = this.classChar();
      let hi = lo;
      if (this.src[this.pos] === '-' && this.src[this.pos + 1] !== ']' && this.src[this.pos + 1] !== undefined) {
        this.pos++;
        hi = this.classChar();
        if (hi < lo) this.fail('bad character class range', at);
      }
      if (hi > 0xff) sawHigh = true;
      addRange(s, lo, Math.min(hi, 0xff));
    }
    let set = this.flags.i ? foldAscii(s) : s;
    if (neg) set = invert(set);
    if (sawHigh && !neg && !set.includes(1)) this.fail('character class holds only code points above 0xFF, which no byte can match', at);
    return { t: 'set', set };
  }

  private classChar(): number {
    const c = this.src[this.pos]!;
    if (c === '\\') {
      this.pos++;
      if (this.src[this.pos] === undefined) this.fail('trailing backslash in class');
      if (/[dDsSwWpP]/.test(this.src[this.pos]!)) this.fail('class escape cannot be a range end');
      return this.charEscape();
    }
    const cp = this.src.codePointAt(this.pos)!;
    this.pos += cp > 0xffff ? 2 : 1;
    return cp;
  }
}

function expandedSize(n: Node): number {
  switch (n.t) {
    case 'empty':
    case 'set':
    case 'assert':
      return 1;
    case 'cat':
    case 'alt':
      return n.items.reduce((a, x) => a + expandedSize(x), 1);
    case 'group':
      return 1 + expandedSize(n.body);
    case 'rep':
      return 1 + expandedSize(n.body) * Math.max(1, n.max === -1 ? n.min + 1 : n.max);
  }
}

/** Parses an RE2 pattern; throws RegexSyntaxError naming the offset and what is wrong. */
export function parseRegex(pattern: string, options: ParseOptions = {}): ParsedRegex {
  return new Parser(pattern, options.flags ?? '').parse();
}

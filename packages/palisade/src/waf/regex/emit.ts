/**
 * Re-emits a parsed pattern (parse.ts) for a back end: JS RegExp source (no flags, no `u`: inputs
 * are byte strings) or RE2 source. Every class is written out as explicit byte ranges and every
 * anchor in the back end's own spelling, so both back ends match exactly the same bytes.
 */
import type { ByteSet, Node } from './parse.js';

type Dialect = 'js' | 're2';

function hex2(c: number): string {
  return c.toString(16).padStart(2, '0');
}

const PLAIN_OUTSIDE_CLASS = new Set([...'-,:= @\'"/<>&%#!;~`']);

// Escapes precomputed per dialect and context: emitting is on the rule-set load path.
const ESCAPES = {
  js: [0, 1].map((inClass) => Array.from({ length: 256 }, (_, c) => computeByteEsc(c, 'js', inClass === 1))),
  re2: [0, 1].map((inClass) => Array.from({ length: 256 }, (_, c) => computeByteEsc(c, 're2', inClass === 1))),
};

function byteEsc(c: number, d: Dialect, inClass: boolean): string {
  return ESCAPES[d][inClass ? 1 : 0]![c]!;
}

function computeByteEsc(c: number, d: Dialect, inClass: boolean): string {
  const ch = String.fromCharCode(c);
  if (/[0-9A-Za-z_]/.test(ch)) return ch;
  if (!inClass && PLAIN_OUTSIDE_CLASS.has(ch)) return ch;
  return d === 'js' ? `\\x${hex2(c)}` : `\\x{${hex2(c)}}`;
}

const setCache: Record<Dialect, WeakMap<ByteSet, string>> = { js: new WeakMap(), re2: new WeakMap() };

function setSource(s: ByteSet, d: Dialect): string {
  let src = setCache[d].get(s);
  if (src === undefined) {
    src = computeSetSource(s, d);
    setCache[d].set(s, src);
  }
  return src;
}

function computeSetSource(s: ByteSet, d: Dialect): string {
  let n = 0;
  let only = -1;
  for (let c = 0; c < 256; c++) {
    if (s[c]) {
      n++;
      only = c;
    }
  }
  if (n === 1) return byteEsc(only, d, false);
  if (n === 256) return d === 'js' ? '[^]' : '[\\x{00}-\\x{ff}]';
  if (n === 0) return d === 'js' ? '[]' : '[^\\x{00}-\\x{10ffff}]';
  // A negated class is shorter when most bytes are in; both forms mean the same over bytes.
  const neg = n > 128;
  let out = neg ? '[^' : '[';
  for (let c = 0; c < 256; ) {
    if (!s[c] === !neg) {
      c++;
      continue;
    }
    let e = c;
    while (e + 1 < 256 && !s[e + 1] !== !neg) e++;
    out += byteEsc(c, d, true);
    if (e > c) out += (e > c + 1 ? '-' : '') + byteEsc(e, d, true);
    c = e + 1;
  }
  return `${out}]`;
}

function atomic(n: Node): boolean {
  return n.t === 'set' || n.t === 'group' || (n.t === 'assert' && (n.kind === 'word' || n.kind === 'nonword'));
}

function emit(n: Node, d: Dialect): string {
  switch (n.t) {
    case 'empty':
      return '';
    case 'set':
      return setSource(n.set, d);
    case 'cat':
      return n.items.map((x) => (x.t === 'alt' ? `(?:${emit(x, d)})` : emit(x, d))).join('');
    case 'alt':
      return n.items.map((x) => emit(x, d)).join('|');
    case 'group':
      return `(${n.index > 0 ? '' : '?:'}${emit(n.body, d)})`;
    case 'assert':
      switch (n.kind) {
        case 'bot':
          return d === 'js' ? '^' : '\\A';
        case 'eot':
          return d === 'js' ? '$' : '\\z';
        case 'bol':
          return d === 'js' ? '(?<![^\\n])' : '(?m:^)';
        case 'eol':
          return d === 'js' ? '(?![^\\n])' : '(?m:$)';
        case 'word':
          return '\\b';
        case 'nonword':
          return '\\B';
      }
      break;
    case 'rep': {
      const body = atomic(n.body) ? emit(n.body, d) : `(?:${emit(n.body, d)})`;
      let q: string;
      if (n.min === 0 && n.max === -1) q = '*';
      else if (n.min === 1 && n.max === -1) q = '+';
      else if (n.min === 0 && n.max === 1) q = '?';
      else if (n.max === -1) q = `{${n.min},}`;
      else if (n.max === n.min) q = `{${n.min}}`;
      else q = `{${n.min},${n.max}}`;
      return body + q + (n.greedy ? '' : '?');
    }
  }
}

/** JS RegExp source, to be compiled with no flags (not `u`, not `i`, not `m`). */
export function toJsSource(root: Node): string {
  return emit(root, 'js');
}

/** RE2 source with the same meaning over byte strings given as Latin-1 JS strings. */
export function toRe2Source(root: Node): string {
  return emit(root, 're2');
}

/**
 * Generates inputs from a pattern's own structure, for the equivalence tests (strings that match
 * and near misses) and for the worst-case benchmark (64 KB inputs that pump one repeat of the
 * pattern and then stop short of a match: the classic shape of a ReDoS attack).
 */
import type { ByteSet, Node } from './parse.js';

/** A small deterministic PRNG (mulberry32) so runs are reproducible. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pickByte(s: ByteSet, r: () => number): string {
  const members: number[] = [];
  for (let c = 0; c < 256; c++) if (s[c]) members.push(c);
  if (members.length === 0) return '';
  // Prefer printable members: attackers and benign traffic are mostly text.
  const printable = members.filter((c) => c >= 0x20 && c < 0x7f);
  const from = printable.length > 0 && r() < 0.9 ? printable : members;
  return String.fromCharCode(from[Math.floor(r() * from.length)]!);
}

interface SampleOptions {
  readonly r: () => number;
  /** The repeat to pump, and how long the whole sample may grow. */
  readonly pump?: Node;
  readonly limit: number;
}

function sample(n: Node, o: SampleOptions, out: string[], len: { n: number }): void {
  if (len.n >= o.limit) return;
  switch (n.t) {
    case 'empty':
    case 'assert':
      return;
    case 'set': {
      const ch = pickByte(n.set, o.r);
      out.push(ch);
      len.n += ch.length;
      return;
    }
    case 'group':
      sample(n.body, o, out, len);
      return;
    case 'cat':
      for (const x of n.items) sample(x, o, out, len);
      return;
    case 'alt':
      sample(n.items[Math.floor(o.r() * n.items.length)]!, o, out, len);
      return;
    case 'rep': {
      if (n === o.pump) {
        // Pump one body sample (the same text each time: the most ambiguous case).
        const one: string[] = [];
        const l1 = { n: 0 };
        sample(n.body, { ...o, pump: undefined, limit: 64 }, one, l1);
        const unit = one.join('') || 'a';
        while (len.n < o.limit) {
          out.push(unit);
          len.n += unit.length;
        }
        return;
      }
      const max = n.max === -1 ? n.min + 3 : n.max;
      const k = n.min + Math.floor(o.r() * (Math.min(max, n.min + 3) - n.min + 1));
      for (let i = 0; i < k; i++) sample(n.body, o, out, len);
      return;
    }
  }
}

/** A string the pattern is likely to match (a random walk through it). */
export function sampleMatch(root: Node, r: () => number, limit = 4096): string {
  const out: string[] = [];
  sample(root, { r, limit }, out, { n: 0 });
  return out.join('');
}

function reps(n: Node, acc: Node[]): Node[] {
  switch (n.t) {
    case 'group':
      reps(n.body, acc);
      break;
    case 'cat':
    case 'alt':
      for (const x of n.items) reps(x, acc);
      break;
    case 'rep':
      if (n.max === -1 || n.max > 1) acc.push(n);
      reps(n.body, acc);
      break;
    default:
      break;
  }
  return acc;
}

export interface AdversarialInput {
  readonly name: string;
  readonly input: string;
}

/** Inputs of `size` bytes built to make a search on `root` as slow as possible. */
export function adversarialInputs(root: Node, size: number, seed = 1, maxPumps = 16): AdversarialInput[] {
  const r = rng(seed);
  const out: AdversarialInput[] = [];
  const fill = (unit: string): string => (unit.length === 0 ? '' : unit.repeat(Math.ceil(size / unit.length)).slice(0, size));
  for (const [name, unit] of [
    ['a*', 'a'],
    ['spaces', ' '],
    ['digits', '1'],
    ['<a', '<a'],
    ['%2', '%2'],
    ['\\x00', '\x00'],
  ] as const) {
    out.push({ name, input: fill(unit) });
  }
  const m = sampleMatch(root, r, 256);
  out.push({ name: 'match repeated', input: fill(m) });
  if (m.length > 1) out.push({ name: 'near miss repeated', input: fill(m.slice(0, -1)) });
  const all = reps(root, []);
  const step = Math.max(1, Math.ceil(all.length / maxPumps));
  for (let i = 0; i < all.length; i += step) {
    for (let v = 0; v < 2; v++) {
      const parts: string[] = [];
      sample(root, { r, pump: all[i]!, limit: size }, parts, { n: 0 });
      const s = parts.join('').slice(0, size);
      out.push({ name: `pump repeat #${i} (variant ${v})`, input: s });
      // The same pumped text repeated from the start, so every start position sees it.
      const head = s.slice(0, 512);
      if (v === 0 && head.length > 0) out.push({ name: `pump repeat #${i} tiled`, input: fill(head) });
    }
  }
  return out;
}

/**
 * A case-insensitive (ASCII) Aho–Corasick automaton over bytes, built once at load for @pm and
 * @pmFromFile. Search is one pass over the input with no allocation until a match is found.
 * Transitions live in typed arrays (a child list per state, a dense row for the root and for
 * states with many children): building from CRS's largest data files was dominated by a Map of
 * transitions and its garbage.
 */

/** Bounds on what a rule may load: phrases × length keeps the automaton's memory bounded. */
export const PM_LIMITS = { maxPhrases: 100_000, maxPhraseLength: 4096, maxStates: 2_000_000 } as const;

/** States with at least this many children get a dense row of 256 transitions. */
const DENSE_CHILDREN = 8;
/** At most this many dense rows (1 KiB each) per automaton. */
const MAX_DENSE_ROWS = 1024;

function fold(c: number): number {
  return c >= 0x41 && c <= 0x5a ? c + 0x20 : c;
}

export class AhoCorasick {
  /** First child of each state (0: none; the root is nobody's child). */
  private readonly first: Int32Array;
  /** Next sibling of each state (0: none). */
  private readonly sibling: Int32Array;
  /** The byte on the edge into each state. */
  private readonly byteOf: Uint8Array;
  /** Dense rows: row r holds the 256 transitions of the state whose denseRow is r (0: none). */
  private readonly dense: Int32Array;
  /** Dense row of each state, -1 if it has none; the root's is row 0. */
  private readonly denseRow: Int32Array;
  private readonly fail: Int32Array;
  /** The index of the phrase recognised at each state (the state's own, or via its failure links), -1 if none. */
  private readonly out: Int32Array;
  readonly phrases: readonly string[];

  constructor(phrases: readonly string[]) {
    if (phrases.length > PM_LIMITS.maxPhrases) throw new Error(`more than ${PM_LIMITS.maxPhrases} phrases`);
    this.phrases = phrases;
    // Plain arrays while the trie grows; typed copies once its size is known.
    const first: number[] = [0];
    const sibling: number[] = [0];
    const byteOf: number[] = [0];
    const own: number[] = [-1];
    const rootRow = new Int32Array(256);
    for (let p = 0; p < phrases.length; p++) {
      const ph = phrases[p]!;
      if (ph.length > PM_LIMITS.maxPhraseLength) throw new Error(`phrase longer than ${PM_LIMITS.maxPhraseLength} bytes: ${ph.slice(0, 40)}…`);
      if (ph.length === 0) continue;
      let s = 0;
      for (let i = 0; i < ph.length; i++) {
        const c = fold(ph.charCodeAt(i) & 0xff);
        let t = 0;
        if (s === 0) t = rootRow[c]!;
        else for (let k = first[s]!; k !== 0; k = sibling[k]!) if (byteOf[k] === c) { t = k; break; }
        if (t === 0) {
          t = own.length;
          if (t >= PM_LIMITS.maxStates) throw new Error(`phrase list too large (over ${PM_LIMITS.maxStates} automaton states)`);
          own.push(-1);
          byteOf.push(c);
          first.push(0);
          sibling.push(first[s]!);
          first[s] = t;
          if (s === 0) rootRow[c] = t;
        }
        s = t;
      }
      if (own[s] === -1) own[s] = p;
    }
    const states = own.length;
    this.first = Int32Array.from(first);
    this.sibling = Int32Array.from(sibling);
    this.byteOf = Uint8Array.from(byteOf);
    this.out = Int32Array.from(own);
    this.fail = new Int32Array(states);
    // Dense rows for the root and for the busiest states (the hot path on benign input).
    this.denseRow = new Int32Array(states).fill(-1);
    const rows: number[] = [0];
    for (let s = 1; s < states && rows.length < MAX_DENSE_ROWS; s++) {
      let n = 0;
      for (let k = this.first[s]!; k !== 0 && n < DENSE_CHILDREN; k = this.sibling[k]!) n++;
      if (n >= DENSE_CHILDREN) rows.push(s);
    }
    this.dense = new Int32Array(rows.length * 256);
    this.dense.set(rootRow, 0);
    this.denseRow[0] = 0;
    for (let r = 1; r < rows.length; r++) {
      const s = rows[r]!;
      this.denseRow[s] = r;
      for (let k = this.first[s]!; k !== 0; k = this.sibling[k]!) this.dense[r * 256 + this.byteOf[k]!] = k;
    }
    // Breadth-first over the trie to set failure links.
    const queue = new Int32Array(states);
    let tail = 0;
    for (let k = this.first[0]!; k !== 0; k = this.sibling[k]!) queue[tail++] = k;
    for (let head = 0; head < tail; head++) {
      const s = queue[head]!;
      for (let t = this.first[s]!; t !== 0; t = this.sibling[t]!) {
        const c = this.byteOf[t]!;
        let f = this.fail[s]!;
        while (f !== 0 && this.step(f, c) === 0) f = this.fail[f]!;
        const g = this.step(f, c);
        this.fail[t] = g === t ? 0 : g;
        if (this.out[t] === -1) this.out[t] = this.out[this.fail[t]!]!;
        queue[tail++] = t;
      }
    }
  }

  /** The transition from s on byte c, or 0 (no edge; from the root that means staying there). */
  private step(s: number, c: number): number {
    const r = this.denseRow[s]!;
    if (r !== -1) return this.dense[r * 256 + c]!;
    for (let k = this.first[s]!; k !== 0; k = this.sibling[k]!) if (this.byteOf[k] === c) return k;
    return 0;
  }

  /** The first phrase found (by end position), or -1. */
  search(input: string): number {
    let s = 0;
    const dense = this.dense;
    for (let i = 0; i < input.length; i++) {
      const c = fold(input.charCodeAt(i) & 0xff);
      for (;;) {
        if (s === 0) {
          s = dense[c]!;
          break;
        }
        const t = this.step(s, c);
        if (t !== 0) {
          s = t;
          break;
        }
        s = this.fail[s]!;
      }
      if (s !== 0) {
        const o = this.out[s]!;
        if (o !== -1) return o;
      }
    }
    return -1;
  }
}

/**
 * A case-insensitive (ASCII) Aho–Corasick automaton over bytes, built once at load for @pm and
 * @pmFromFile. Search is one pass over the input with no allocation until a match is found.
 */

/** Bounds on what a rule may load: phrases × length keeps the automaton's memory bounded. */
export const PM_LIMITS = { maxPhrases: 100_000, maxPhraseLength: 4096, maxStates: 2_000_000 } as const;

function fold(c: number): number {
  return c >= 0x41 && c <= 0x5a ? c + 0x20 : c;
}

export class AhoCorasick {
  /** Transitions other than from the root, keyed state * 256 + byte. */
  private readonly next = new Map<number, number>();
  /** Dense transitions from the root (the hot path: most bytes of benign input fail there). */
  private readonly root = new Int32Array(256);
  private readonly fail: Int32Array;
  /** The index of the phrase recognised at each state (the state's own, or via its failure links), -1 if none. */
  private readonly out: Int32Array;
  readonly phrases: readonly string[];

  constructor(phrases: readonly string[]) {
    if (phrases.length > PM_LIMITS.maxPhrases) throw new Error(`more than ${PM_LIMITS.maxPhrases} phrases`);
    this.phrases = phrases;
    let states = 1;
    const own: number[] = [-1];
    for (let p = 0; p < phrases.length; p++) {
      const ph = phrases[p]!;
      if (ph.length > PM_LIMITS.maxPhraseLength) throw new Error(`phrase longer than ${PM_LIMITS.maxPhraseLength} bytes: ${ph.slice(0, 40)}…`);
      if (ph.length === 0) continue;
      let s = 0;
      for (let i = 0; i < ph.length; i++) {
        const c = fold(ph.charCodeAt(i) & 0xff);
        const key = s * 256 + c;
        let t = s === 0 ? this.root[c]! : (this.next.get(key) ?? 0);
        if (t === 0) {
          t = states++;
          if (states > PM_LIMITS.maxStates) throw new Error(`phrase list too large (over ${PM_LIMITS.maxStates} automaton states)`);
          own.push(-1);
          if (s === 0) this.root[c] = t;
          else this.next.set(key, t);
        }
        s = t;
      }
      if (own[s] === -1) own[s] = p;
    }
    this.fail = new Int32Array(states);
    this.out = Int32Array.from(own);
    // Breadth-first over the trie to set failure links; children are found by scanning keys once.
    const children: number[][] = Array.from({ length: states }, () => []);
    const byteOf = new Uint8Array(states);
    for (let c = 0; c < 256; c++) {
      const t = this.root[c]!;
      if (t !== 0) {
        children[0]!.push(t);
        byteOf[t] = c;
      }
    }
    for (const [key, t] of this.next) {
      children[Math.floor(key / 256)]!.push(t);
      byteOf[t] = key % 256;
    }
    const queue: number[] = [...children[0]!];
    for (let qi = 0; qi < queue.length; qi++) {
      const s = queue[qi]!;
      for (const t of children[s]!) {
        const c = byteOf[t]!;
        let f = this.fail[s]!;
        while (f !== 0 && this.step(f, c) === -1) f = this.fail[f]!;
        const g = this.step(f, c);
        this.fail[t] = g === -1 || g === t ? 0 : g;
        if (this.out[t] === -1) this.out[t] = this.out[this.fail[t]!]!;
        queue.push(t);
      }
    }
  }

  /** The transition from s on byte c, or -1 (the root never fails: it stays at 0). */
  private step(s: number, c: number): number {
    if (s === 0) return this.root[c]!;
    return this.next.get(s * 256 + c) ?? -1;
  }

  /** The first phrase found (by end position), or -1. */
  search(input: string): number {
    let s = 0;
    const root = this.root;
    const next = this.next;
    for (let i = 0; i < input.length; i++) {
      const c = fold(input.charCodeAt(i) & 0xff);
      for (;;) {
        if (s === 0) {
          s = root[c]!;
          break;
        }
        const t = next.get(s * 256 + c);
        if (t !== undefined) {
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

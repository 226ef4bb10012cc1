/**
 * Static check: may this pattern run on V8's backtracking RegExp without super-linear time?
 *
 * An unanchored search tries every start position; a backtracking engine is linear overall when
 * the work of one attempt is bounded by a constant. That holds when:
 *  - no unbounded repeat (`*`, `+`, `{n,}`) can be followed by anything that can fail: such a
 *    repeat in TAIL position (nothing after it in the pattern, and not inside an outer repeat)
 *    ends the attempt in success once reached, so its scan happens once per search, not once per
 *    start position;
 *  - every other repeat is bounded, and a bound on the steps of one attempt (counting the
 *    ways each part can end, each of which re-runs what follows) is below a budget.
 * Patterns that pass run as JS RegExp (V8's JIT, the fastest here); the rest run on RE2. The
 * budget was set with bench/waf-regex.ts, which drives every CRS pattern with adversarial 64 KB
 * inputs on both engines (docs/decisions/0018-regex-engine.md).
 */
import type { ByteSet, Node } from './parse.js';

/**
 * Budget for the steps of one attempt (one start position). 64 KB of start positions × 1,000
 * steps stays well inside the 50 ms budget at V8's speed; bench/waf-regex.ts checks it.
 */
export const JS_ATTEMPT_BUDGET = 1000;

export interface SafetyReport {
  readonly safe: boolean;
  /** Why not, or the estimated cost of one attempt when safe. */
  readonly reason: string;
  readonly attemptCost: number;
}

/**
 * For one attempt: `work` bounds the steps a backtracking matcher can spend in the node when
 * everything after it fails; `exits` bounds the number of distinct ways it can end (each one
 * re-runs what follows). An alternation whose branches start with pairwise disjoint bytes (the
 * trie-shaped word lists CRS generates) is entered by at most one branch at a position.
 */
interface Info {
  work: number;
  exits: number;
}

class Unsafe extends Error {}

/** 256 bits, one per byte: unions and overlap tests are 8 word operations. */
type Bits = Int32Array;

interface First {
  readonly bits: Bits;
  readonly nullable: boolean;
}

// The bytes that can start a non-empty match, and whether the node can match empty. Memoized
// per node (the prefilter search asks again and again); class nodes share the bits of their set.
const firstMemo = new WeakMap<Node, First>();
const bitsMemo = new WeakMap<ByteSet, Bits>();
const NONE: Bits = new Int32Array(8);

function bitsOf(set: ByteSet): Bits {
  let b = bitsMemo.get(set);
  if (b === undefined) {
    b = new Int32Array(8);
    for (let c = 0; c < 256; c++) if (set[c]) b[c >> 5]! |= 1 << (c & 31);
    bitsMemo.set(set, b);
  }
  return b;
}

function firstOf(n: Node): First {
  let r = firstMemo.get(n);
  if (r === undefined) {
    r = computeFirst(n);
    firstMemo.set(n, r);
  }
  return r;
}

function unionInto(acc: Bits, b: Bits): void {
  for (let w = 0; w < 8; w++) acc[w]! |= b[w]!;
}

function computeFirst(n: Node): First {
  switch (n.t) {
    case 'empty':
    case 'assert':
      return { bits: NONE, nullable: true };
    case 'set':
      return { bits: bitsOf(n.set), nullable: false };
    case 'group':
      return firstOf(n.body);
    case 'rep': {
      const b = firstOf(n.body);
      return n.min === 0 && !b.nullable ? { bits: b.bits, nullable: true } : b;
    }
    case 'cat': {
      const head = n.items.length > 0 ? firstOf(n.items[0]!) : undefined;
      // The usual case, a sequence that starts with a byte or class: its first set is the head's.
      if (head !== undefined && !head.nullable) return head;
      const acc = new Int32Array(8);
      for (const x of n.items) {
        const f = firstOf(x);
        unionInto(acc, f.bits);
        if (!f.nullable) return { bits: acc, nullable: false };
      }
      return { bits: acc, nullable: true };
    }
    case 'alt': {
      const acc = new Int32Array(8);
      let nullable = false;
      for (const x of n.items) {
        const f = firstOf(x);
        unionInto(acc, f.bits);
        if (f.nullable) nullable = true;
      }
      return { bits: acc, nullable };
    }
  }
}

function deterministic(items: readonly Node[]): boolean {
  const seen = new Int32Array(8);
  for (const x of items) {
    const { bits, nullable } = firstOf(x);
    if (nullable) return false;
    for (let w = 0; w < 8; w++) {
      if (seen[w]! & bits[w]!) return false;
      seen[w]! |= bits[w]!;
    }
  }
  return true;
}

const CAP = 1e12;

// Memoized per node and position: the prefilter search (prefilter.ts) checks overlapping trees.
const walkMemo = [new WeakMap<Node, Info>(), new WeakMap<Node, Info>()];

function walk(n: Node, tail: boolean): Info {
  const memo = walkMemo[tail ? 1 : 0]!;
  let r = memo.get(n);
  if (r === undefined) {
    r = computeWalk(n, tail);
    memo.set(n, r);
  }
  return r;
}

function computeWalk(n: Node, tail: boolean): Info {
  switch (n.t) {
    case 'empty':
    case 'assert':
    case 'set':
      return { work: 1, exits: 1 };
    case 'group':
      return walk(n.body, tail);
    case 'cat': {
      let work = 0;
      let exits = 1;
      n.items.forEach((x, i) => {
        const r = walk(x, tail && i === n.items.length - 1);
        work = Math.min(CAP, work + exits * r.work);
        exits = Math.min(CAP, exits * r.exits);
      });
      return { work, exits };
    }
    case 'alt': {
      const rs = n.items.map((x) => walk(x, tail));
      if (deterministic(n.items)) {
        return { work: rs.length + Math.max(...rs.map((r) => r.work)), exits: Math.max(...rs.map((r) => r.exits)) };
      }
      return { work: Math.min(CAP, rs.reduce((a, r) => a + r.work, 0)), exits: Math.min(CAP, rs.reduce((a, r) => a + r.exits, 0)) };
    }
    case 'rep': {
      if (n.max === -1) {
        if (!tail) throw new Unsafe('unbounded repeat followed by more pattern');
        // Reached at most once per search; its scan is linear and then the attempt succeeds.
        const r = walk(n.body, false);
        if (r.exits > 1 || r.work > 64) throw new Unsafe('unbounded tail repeat over an ambiguous body');
        return { work: 1, exits: 1 };
      }
      const r = walk(n.body, tail && n.max <= 1);
      // Unrolled: copy k is tried once for each way copies 1..k-1 can end.
      let work = 0;
      let exits = 0;
      let reach = 1;
      for (let k = 1; k <= n.max; k++) {
        work = Math.min(CAP, work + reach * r.work);
        if (k - 1 >= n.min) exits = Math.min(CAP, exits + reach);
        reach = Math.min(CAP, reach * r.exits);
      }
      exits = Math.min(CAP, exits + reach);
      return { work: Math.max(work, 1), exits };
    }
  }
}

export function checkBacktrackingSafety(root: Node): SafetyReport {
  try {
    const r = walk(root, true);
    const cost = r.work;
    if (!(cost <= JS_ATTEMPT_BUDGET)) return { safe: false, reason: `attempt cost ${cost} over budget ${JS_ATTEMPT_BUDGET}`, attemptCost: cost };
    return { safe: true, reason: `attempt cost ${cost}`, attemptCost: cost };
  } catch (e) {
    if (e instanceof Unsafe) return { safe: false, reason: e.message, attemptCost: Number.POSITIVE_INFINITY };
    throw e;
  }
}

/**
 * A JS-RegExp prefilter for patterns that must run on RE2: a part of the pattern that every match
 * must contain — the pattern cut short at its first unbounded repeat (`x{n,}` becomes `x{n}` and
 * whatever follows it in the enclosing sequence is dropped), or a run of items from the middle of
 * a sequence. When the prefilter finds nothing, neither would the pattern; RE2 (a native call
 * that converts the input to UTF-8 each time) then runs only on inputs that get that far.
 * The prefilter has no unbounded repeat left, so the same static check (safety.ts) bounds it.
 */
import type { Node } from './parse.js';
import { checkBacktrackingSafety } from './safety.js';

interface Cut {
  node: Node;
  /** False when the node was truncated: nothing after it may be kept. */
  complete: boolean;
}

const EMPTY: Node = { t: 'empty' };

const cutMemo = new WeakMap<Node, Cut>();

function cut(n: Node): Cut {
  let c = cutMemo.get(n);
  if (c === undefined) {
    c = computeCut(n);
    cutMemo.set(n, c);
  }
  return c;
}

function computeCut(n: Node): Cut {
  switch (n.t) {
    case 'empty':
    case 'set':
    case 'assert':
      return { node: n, complete: true };
    case 'group': {
      // Complete subtrees are returned as they are: the safety check memoizes by node.
      const r = cut(n.body);
      return r.node === n.body ? { node: n, complete: true } : { node: { t: 'group', index: 0, body: r.node }, complete: r.complete };
    }
    case 'cat': {
      const items: Node[] = [];
      for (const x of n.items) {
        const r = cut(x);
        items.push(r.node);
        if (!r.complete) return { node: { t: 'cat', items }, complete: false };
      }
      return items.every((x, i) => x === n.items[i]) ? { node: n, complete: true } : { node: { t: 'cat', items }, complete: true };
    }
    case 'alt': {
      const rs = n.items.map(cut);
      if (rs.every((r, i) => r.node === n.items[i])) return { node: n, complete: true };
      return { node: { t: 'alt', items: rs.map((r) => r.node) }, complete: rs.every((r) => r.complete) };
    }
    case 'rep': {
      const r = cut(n.body);
      if (r.complete && r.node === n.body && n.max !== -1) return { node: n, complete: true };
      if (!r.complete) return { node: n.min > 0 ? r.node : EMPTY, complete: false };
      if (n.max === -1) return { node: n.min > 1 ? { t: 'rep', min: n.min, max: n.min, greedy: true, body: r.node } : n.min === 1 ? r.node : EMPTY, complete: false };
      return { node: { t: 'rep', min: n.min, max: n.max, greedy: n.greedy, body: r.node }, complete: true };
    }
  }
}

function nullable(n: Node): boolean {
  switch (n.t) {
    case 'empty':
    case 'assert':
      return true;
    case 'set':
      return false;
    case 'group':
      return nullable(n.body);
    case 'cat':
      return n.items.every(nullable);
    case 'alt':
      return n.items.some(nullable);
    case 'rep':
      return n.min === 0 || nullable(n.body);
  }
}

const widthMemo = new WeakMap<Node, number>();

function minWidth(n: Node): number {
  let w = widthMemo.get(n);
  if (w === undefined) {
    w = computeMinWidth(n);
    widthMemo.set(n, w);
  }
  return w;
}

function computeMinWidth(n: Node): number {
  switch (n.t) {
    case 'empty':
    case 'assert':
      return 0;
    case 'set':
      return 1;
    case 'group':
      return minWidth(n.body);
    case 'cat':
      return n.items.reduce((a, x) => a + minWidth(x), 0);
    case 'alt':
      return Math.min(...n.items.map(minWidth));
    case 'rep':
      return n.min * minWidth(n.body);
  }
}

/**
 * A necessary factor: a tree without unbounded repeats such that every string the node matches
 * contains a match of it (evaluated on the same whole input, so anchors and \b keep their
 * meaning). For a sequence, any run of consecutive items qualifies, the last one possibly cut
 * short (cut()); the run with the longest shortest match is kept, as the most selective.
 */
function necessary(n: Node): Node | null {
  switch (n.t) {
    case 'empty':
    case 'assert':
      return null;
    case 'set':
      return n;
    case 'group':
      return necessary(n.body);
    case 'alt': {
      const parts: Node[] = [];
      for (const x of n.items) {
        const f = necessary(x);
        if (f === null || minWidth(f) === 0) return null;
        parts.push(f);
      }
      return { t: 'alt', items: parts };
    }
    case 'rep':
      return n.min >= 1 ? necessary(n.body) : null;
    case 'cat': {
      let best: Node | null = null;
      let bestWidth = 0;
      const consider = (f: Node | null): void => {
        if (f === null) return;
        const w = minWidth(f);
        // Safety is checked once, on the final choice (prefilterOf): checking every nested
        // candidate made loading the big CRS word lists quadratic.
        if (w > bestWidth) {
          best = f;
          bestWidth = w;
        }
      };
      let run: Node[] = [];
      for (const x of n.items) {
        const c = cut(x);
        if (c.complete) {
          run.push(c.node);
          continue;
        }
        consider(run.length === 0 ? c.node : { t: 'cat', items: [...run, c.node] });
        consider(necessary(x));
        // The last copy of `y+` (y itself complete) directly precedes what follows: `x+=` needs `x=`.
        const b = x.t === 'rep' && x.min >= 1 ? cut(x.body) : null;
        run = b?.complete ? [b.node] : [];
      }
      if (run.length > 0) consider(run.length === 1 ? run[0]! : { t: 'cat', items: run });
      return best;
    }
  }
}

/** The prefilter tree, or null when it would match every input or could itself be slow. */
export function prefilterOf(root: Node): Node | null {
  const candidates = [cut(root).node, necessary(root)];
  let best: Node | null = null;
  let bestWidth = 0;
  for (const f of candidates) {
    if (f === null || nullable(f)) continue;
    const w = minWidth(f);
    if (w > bestWidth && checkBacktrackingSafety(f).safe) {
      best = f;
      bestWidth = w;
    }
  }
  return best;
}

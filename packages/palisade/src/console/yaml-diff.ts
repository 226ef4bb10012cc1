// A unified diff of two texts (the palisade.yaml before and after a change), for the preview.
// Configuration files are small and a change is local, so the common head and tail are cut first
// and a plain LCS table covers the rest; past a size bound the middle is shown as replaced.

const CONTEXT = 3;
/** Cells of the LCS table at most (rows × columns of the differing middle). */
const MAX_CELLS = 4_000_000;

export type Op = { t: ' ' | '-' | '+'; line: string };

function lines(s: string): string[] {
  if (s === '') return [];
  const out = s.split('\n');
  if (out[out.length - 1] === '') out.pop();
  return out;
}

function middleOps(a: readonly string[], b: readonly string[]): Op[] {
  const n = a.length;
  const m = b.length;
  if (n * m > MAX_CELLS) return [...a.map((line) => ({ t: '-' as const, line })), ...b.map((line) => ({ t: '+' as const, line }))];
  // lcs[i][j]: common lines of a[i..] and b[j..], in one flat array.
  const w = m + 1;
  const lcs = new Uint32Array((n + 1) * w);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i * w + j] = a[i] === b[j] ? lcs[(i + 1) * w + j + 1]! + 1 : Math.max(lcs[(i + 1) * w + j]!, lcs[i * w + j + 1]!);
    }
  }
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      ops.push({ t: ' ', line: a[i]! });
      i++;
      j++;
    } else if (lcs[(i + 1) * w + j]! >= lcs[i * w + j + 1]!) ops.push({ t: '-', line: a[i++]! });
    else ops.push({ t: '+', line: b[j++]! });
  }
  while (i < n) ops.push({ t: '-', line: a[i++]! });
  while (j < m) ops.push({ t: '+', line: b[j++]! });
  return ops;
}

/** The line edits turning `before` into `after`: kept (' '), removed ('-'), added ('+'). */
export function lineOps(before: string, after: string): Op[] {
  const a = lines(before);
  const b = lines(after);
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  return [
    ...a.slice(0, head).map((line) => ({ t: ' ' as const, line })),
    ...middleOps(a.slice(head, a.length - tail), b.slice(head, b.length - tail)),
    ...a.slice(a.length - tail).map((line) => ({ t: ' ' as const, line })),
  ];
}

/**
 * Carries an edit made on a re-printed text over to the original: `printedBefore` is the original
 * as the YAML printer writes it, `printedAfter` the same with the change. Lines the change did not
 * touch are taken from the original, so its alignment and spacing stay byte for byte. Undefined
 * when the printer changed the number of lines (the mapping would be ambiguous).
 */
export function carryEdit(original: string, printedBefore: string, printedAfter: string): string | undefined {
  const orig = lines(original);
  if (orig.length !== lines(printedBefore).length) return undefined;
  const out: string[] = [];
  let i = 0;
  for (const o of lineOps(printedBefore, printedAfter)) {
    if (o.t === ' ') out.push(orig[i++]!);
    else if (o.t === '-') i++;
    else out.push(o.line);
  }
  const text = out.join('\n');
  return text === '' ? '' : original.endsWith('\n') || !original ? `${text}\n` : text;
}

/** `diff -u` style: ---/+++ headers, @@ hunks with three lines of context. Empty when the texts are equal. */
export function unifiedDiff(before: string, after: string, name = 'palisade.yaml'): string {
  if (before === after) return '';
  const ops = lineOps(before, after);
  const out = [`--- a/${name}`, `+++ b/${name}`];
  // Walk the ops, cutting hunks around each run of changes.
  let k = 0;
  let aLine = 1;
  let bLine = 1;
  while (k < ops.length) {
    if (ops[k]!.t === ' ') {
      k++;
      aLine++;
      bLine++;
      continue;
    }
    const start = Math.max(0, k - CONTEXT);
    let end = k;
    // Extend while the next change is within 2×CONTEXT unchanged lines.
    for (;;) {
      while (end < ops.length && ops[end]!.t !== ' ') end++;
      let gap = end;
      while (gap < ops.length && ops[gap]!.t === ' ' && gap - end < 2 * CONTEXT) gap++;
      if (gap < ops.length && ops[gap]!.t !== ' ') end = gap;
      else break;
    }
    const stop = Math.min(ops.length, end + CONTEXT);
    const back = k - start;
    const hunk = ops.slice(start, stop);
    const aCount = hunk.filter((o) => o.t !== '+').length;
    const bCount = hunk.filter((o) => o.t !== '-').length;
    const aStart = aLine - back;
    const bStart = bLine - back;
    out.push(`@@ -${aCount === 0 ? aStart - 1 : aStart},${aCount} +${bCount === 0 ? bStart - 1 : bStart},${bCount} @@`);
    for (const o of hunk) out.push(`${o.t}${o.line}`);
    for (let x = k; x < stop; x++) {
      if (ops[x]!.t !== '+') aLine++;
      if (ops[x]!.t !== '-') bLine++;
    }
    k = stop;
  }
  return out.join('\n') + '\n';
}

/** Helpers shared by the operators: constant results (no allocation per call) and parameter parsing. */
import type { OperatorResult, OperatorTx } from '../types.js';

export const NO_MATCH: OperatorResult = Object.freeze({ matched: false });
export const MATCH: OperatorResult = Object.freeze({ matched: true });

export function hasMacro(param: string): boolean {
  return param.includes('%{');
}

/**
 * A parameter that may contain macros: `get(tx)` returns it expanded (or as written when it has
 * none), remembering the last expansion so a derived value (a parsed list, a compiled pattern) is
 * rebuilt only when the expansion changes.
 */
export function macroParam<T>(param: string, derive: (text: string) => T): (tx: OperatorTx) => T {
  if (!hasMacro(param)) {
    const fixed = derive(param);
    return () => fixed;
  }
  let lastText: string | undefined;
  let lastValue: T | undefined;
  return (tx) => {
    const text = tx.expand(param);
    if (text !== lastText || lastValue === undefined) {
      lastValue = derive(text);
      lastText = text;
    }
    return lastValue;
  };
}

/**
 * An integer as ModSecurity reads one (C++ `std::stoi`): leading whitespace, an optional sign,
 * digits up to the first non-digit; no digits, or out of the 32-bit range, reads as 0.
 */
export function toInt(s: string): number {
  let i = 0;
  while (i < s.length && (s.charCodeAt(i) === 0x20 || (s.charCodeAt(i) >= 0x09 && s.charCodeAt(i) <= 0x0d))) i++;
  let neg = false;
  if (s[i] === '+' || s[i] === '-') {
    neg = s[i] === '-';
    i++;
  }
  const start = i;
  let v = 0;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) break;
    v = v * 10 + (c - 0x30);
    if (v > 2147483648) return 0;
    i++;
  }
  if (i === start) return 0;
  const r = neg ? -v : v;
  return r > 2147483647 ? 0 : r;
}

/** Data-file lines: trimmed, without blank lines and `#` comments (ModSecurity's @pmFromFile format). */
export function dataLines(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    out.push(line);
  }
  return out;
}

/** Space-separated file names of a `…FromFile` parameter. */
export function fileList(param: string, op: string): string[] {
  const files = param.split(/\s+/).filter((f) => f !== '');
  if (files.length === 0) throw new Error(`@${op} needs at least one file name`);
  return files;
}

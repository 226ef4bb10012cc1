import type { OperatorFactory } from '../types.js';
import { stringOperator } from './string-ops.js';

function isWord(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f;
}

/** True when `p` occurs in `s` with no word character (A-Z a-z 0-9 _) directly before or after it. */
export function containsWordAt(s: string, p: string): boolean {
  if (p === '') return true;
  for (let i = s.indexOf(p); i !== -1; i = s.indexOf(p, i + 1)) {
    const before = i === 0 || !isWord(s.charCodeAt(i - 1));
    const after = i + p.length >= s.length || !isWord(s.charCodeAt(i + p.length));
    if (before && after) return true;
  }
  return false;
}

/** `@containsWord`: the parameter occurs in the value as a whole word. */
export const containsWord: OperatorFactory = { name: 'containsWord', create: (param) => stringOperator(param, containsWordAt) };

import type { Transformation } from '../types.js';
import { isSpace } from './bytes.js';

/** Index of the first non-space byte from the left. */
export function leftEnd(s: string): number {
  let b = 0;
  while (b < s.length && isSpace(s.charCodeAt(b))) b++;
  return b;
}

/** Index after the last non-space byte, scanning back from the right (a /\s+$/ would backtrack quadratically). */
export function rightEnd(s: string, from = 0): number {
  let e = s.length;
  while (e > from && isSpace(s.charCodeAt(e - 1))) e--;
  return e;
}

/** `t:trim`: strips C `isspace` bytes (\t \n \v \f \r space) from both ends (not NBSP, unlike JS trim). */
export const trim: Transformation = {
  name: 'trim',
  fn: (s) => {
    const b = leftEnd(s);
    const e = rightEnd(s, b);
    return b === 0 && e === s.length ? s : s.slice(b, e);
  },
};

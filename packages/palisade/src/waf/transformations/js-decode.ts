import type { Transformation } from '../types.js';
import { hex4, isHex, uniToByte, x2c } from './bytes.js';

const SIMPLE: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

function isOct(c: number): boolean {
  return c >= 0x30 && c <= 0x37;
}

/**
 * `t:jsDecode`: JavaScript escapes, as ModSecurity's non-strict decoder: `\uHHHH` (low byte,
 * full-width ASCII folded), `\xHH`, octal `\OOO` (at most one byte: a 3-digit escape starting
 * above 3 uses 2 digits), `\a \b \f \n \r \t \v`, and `\c` → `c` for any other character.
 * A lone trailing backslash is kept.
 */
export const jsDecode: Transformation = {
  name: 'jsDecode',
  fn: (s) => {
    if (s.indexOf('\\') === -1) return s;
    let out = '';
    let last = 0;
    for (let i = 0; i < s.length; i++) {
      if (s.charCodeAt(i) !== 0x5c || i + 1 >= s.length) continue;
      const n = s.charCodeAt(i + 1);
      let rep: string;
      let len: number;
      if ((n === 0x75 || n === 0x55) && hex4(s, i + 2)) {
        rep = String.fromCharCode(uniToByte(s, i + 2));
        len = 6;
      } else if ((n === 0x78 || n === 0x58) && i + 3 < s.length && isHex(s.charCodeAt(i + 2)) && isHex(s.charCodeAt(i + 3))) {
        rep = String.fromCharCode(x2c(s, i + 2));
        len = 4;
      } else if (isOct(n)) {
        let j = 1;
        while (j < 3 && i + 1 + j < s.length && isOct(s.charCodeAt(i + 1 + j))) j++;
        if (j === 3 && n > 0x33) j = 2;
        rep = String.fromCharCode(parseInt(s.slice(i + 1, i + 1 + j), 8));
        len = 1 + j;
      } else {
        const ch = s[i + 1]!;
        rep = SIMPLE[ch] ?? ch;
        len = 2;
      }
      out += s.slice(last, i) + rep;
      i += len - 1;
      last = i + 1;
    }
    return out + s.slice(last);
  },
};

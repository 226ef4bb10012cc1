import type { Transformation } from '../types.js';
import { isHex, x2c } from './bytes.js';

const SIMPLE: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', '?': '?', "'": "'", '"': '"' };

function isOct(c: number): boolean {
  return c >= 0x30 && c <= 0x37;
}

/**
 * `t:escapeSeqDecode`: ANSI C escapes `\a \b \f \n \r \t \v \\ \? \' \"`, `\xHH` and octal
 * `\O`–`\OOO` (low byte). An unknown or incomplete escape is kept as it is, backslash included.
 */
export const escapeSeqDecode: Transformation = {
  name: 'escapeSeqDecode',
  fn: (s) => {
    if (s.indexOf('\\') === -1) return s;
    let out = '';
    let last = 0;
    for (let i = 0; i < s.length - 1; i++) {
      if (s.charCodeAt(i) !== 0x5c) continue;
      const n = s[i + 1]!;
      let rep: string | undefined = SIMPLE[n];
      let len = 2;
      if (rep === undefined) {
        if ((n === 'x' || n === 'X') && i + 3 < s.length && isHex(s.charCodeAt(i + 2)) && isHex(s.charCodeAt(i + 3))) {
          rep = String.fromCharCode(x2c(s, i + 2));
          len = 4;
        } else if (isOct(n.charCodeAt(0))) {
          let j = 1;
          while (j < 3 && i + 1 + j < s.length && isOct(s.charCodeAt(i + 1 + j))) j++;
          rep = String.fromCharCode(parseInt(s.slice(i + 1, i + 1 + j), 8) & 0xff);
          len = 1 + j;
        } else {
          i++; // keep "\c" as it is, and do not read c as the start of an escape
          continue;
        }
      }
      out += s.slice(last, i) + rep;
      i += len - 1;
      last = i + 1;
    }
    return last === 0 ? s : out + s.slice(last);
  },
};

import type { Transformation } from '../types.js';
import { hexVal, isSpace, x2c } from './bytes.js';

/**
 * `t:cssDecode`: CSS 2.x escapes as ModSecurity decodes them: `\` + 1–6 hex digits gives one byte
 * (the last two digits; full-width ASCII U+FF01–U+FF5E folded to ASCII), one whitespace after a
 * hex escape is eaten, `\` + newline is removed, `\` + any other character gives that character,
 * and a trailing `\` is dropped.
 */
export const cssDecode: Transformation = {
  name: 'cssDecode',
  fn: (s) => {
    if (s.indexOf('\\') === -1) return s;
    let out = '';
    let i = 0;
    let last = 0;
    while (i < s.length) {
      if (s.charCodeAt(i) !== 0x5c) {
        i++;
        continue;
      }
      out += s.slice(last, i);
      i++;
      if (i >= s.length) {
        last = i;
        break;
      }
      let j = 0;
      while (j < 6 && i + j < s.length && hexVal(s.charCodeAt(i + j)) !== -1) j++;
      if (j > 0) {
        let b = j === 1 ? hexVal(s.charCodeAt(i)) : x2c(s, i + j - 2);
        const full = j === 4 || (j === 5 && s[i] === '0') || (j === 6 && s[i] === '0' && s[i + 1] === '0');
        if (full && b > 0 && b < 0x5f && (s.charCodeAt(i + j - 3) | 0x20) === 0x66 && (s.charCodeAt(i + j - 4) | 0x20) === 0x66) b += 0x20;
        out += String.fromCharCode(b);
        if (i + j < s.length && isSpace(s.charCodeAt(i + j))) j++;
        i += j;
      } else if (s.charCodeAt(i) === 0x0a) {
        i++;
      } else {
        out += s[i];
        i++;
      }
      last = i;
    }
    return out + s.slice(last);
  },
};

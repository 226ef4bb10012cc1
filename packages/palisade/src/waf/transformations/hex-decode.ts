import type { Transformation } from '../types.js';
import { isHex, x2c } from './bytes.js';

/** `t:hexDecode`: pairs of hex digits to bytes; a pair that is not hex, and an odd last digit, are kept. */
export const hexDecode: Transformation = {
  name: 'hexDecode',
  fn: (s) => {
    let out = '';
    let i = 0;
    for (; i + 1 < s.length; i += 2) {
      out += isHex(s.charCodeAt(i)) && isHex(s.charCodeAt(i + 1)) ? String.fromCharCode(x2c(s, i)) : s.slice(i, i + 2);
    }
    return out + s.slice(i);
  },
};

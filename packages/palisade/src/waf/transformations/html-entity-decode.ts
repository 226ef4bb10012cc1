import type { Transformation } from '../types.js';
import { hexVal } from './bytes.js';

const NAMED: Record<string, string> = { quot: '"', amp: '&', lt: '<', gt: '>', nbsp: '\xa0' };

/**
 * `t:htmlEntityDecode`, ModSecurity's rules: `&#DDD;` and `&#xHH;` (the `;` optional, the value
 * cut to its low byte), and the named entities `&quot; &amp; &lt; &gt; &nbsp;` (the `;` optional,
 * names case-insensitive). Anything else, including `&#` without digits, is kept as it is.
 */
export const htmlEntityDecode: Transformation = {
  name: 'htmlEntityDecode',
  fn: (s) => {
    if (s.indexOf('&') === -1) return s;
    let out = '';
    let last = 0;
    for (let i = 0; i < s.length; i++) {
      if (s.charCodeAt(i) !== 0x26) continue;
      let j = i + 1;
      let value = -1;
      if (s[j] === '#') {
        j++;
        const hex = s[j] === 'x' || s[j] === 'X';
        if (hex) j++;
        const start = j;
        let v = 0;
        while (j < s.length) {
          const c = s.charCodeAt(j);
          const d = hex ? hexVal(c) : c >= 0x30 && c <= 0x39 ? c - 0x30 : -1;
          if (d === -1) break;
          v = (v * (hex ? 16 : 10) + d) % 0x1000000; // bounded: only the low byte is used
          j++;
        }
        if (j > start) value = v & 0xff;
      } else {
        let k = j;
        while (k < s.length && /[0-9A-Za-z]/.test(s[k]!)) k++;
        const name = s.slice(j, k).toLowerCase();
        const rep = NAMED[name];
        if (rep !== undefined) {
          value = rep.charCodeAt(0);
          j = k;
        }
      }
      if (value === -1) continue;
      if (s[j] === ';') j++;
      out += s.slice(last, i) + String.fromCharCode(value);
      i = j - 1;
      last = j;
    }
    return last === 0 ? s : out + s.slice(last);
  },
};

import type { Transformation } from '../types.js';

function cont(s: string, i: number): number {
  const c = i < s.length ? s.charCodeAt(i) : -1;
  return (c & 0xc0) === 0x80 ? c & 0x3f : -1;
}

/**
 * `t:utf8toUnicode`: each well-formed UTF-8 multi-byte sequence becomes `%uHHHH` (lower-case hex,
 * at least 4 digits), as ModSecurity writes it; ASCII and bytes that do not start a well-formed
 * sequence are copied unchanged.
 */
export const utf8toUnicode: Transformation = {
  name: 'utf8toUnicode',
  fn: (s) => {
    if (!/[\x80-\xff]/.test(s)) return s;
    let out = '';
    let last = 0;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x80) continue;
      let cp = -1;
      let n = 0;
      if ((c & 0xe0) === 0xc0) {
        const a = cont(s, i + 1);
        if (a >= 0) {
          cp = ((c & 0x1f) << 6) | a;
          n = 2;
        }
      } else if ((c & 0xf0) === 0xe0) {
        const a = cont(s, i + 1);
        const b = a >= 0 ? cont(s, i + 2) : -1;
        if (b >= 0) {
          cp = ((c & 0x0f) << 12) | (a << 6) | b;
          n = 3;
        }
      } else if ((c & 0xf8) === 0xf0) {
        const a = cont(s, i + 1);
        const b = a >= 0 ? cont(s, i + 2) : -1;
        const d = b >= 0 ? cont(s, i + 3) : -1;
        if (d >= 0) {
          cp = ((c & 0x07) << 18) | (a << 12) | (b << 6) | d;
          n = 4;
        }
      }
      if (cp < 0) continue;
      out += `${s.slice(last, i)}%u${cp.toString(16).padStart(4, '0')}`;
      i += n - 1;
      last = i + 1;
    }
    return last === 0 ? s : out + s.slice(last);
  },
};

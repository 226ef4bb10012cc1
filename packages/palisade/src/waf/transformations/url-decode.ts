import type { Transformation } from '../types.js';
import { hex4, isHex, uniToByte, x2c } from './bytes.js';

/** Shared by urlDecode and urlDecodeUni: `%HH` and `+`; `%u` handled when `uni`. Invalid escapes stay as they are. */
export function urlDecodeBytes(s: string, uni: boolean): string {
  if (s.indexOf('%') === -1 && s.indexOf('+') === -1) return s;
  let out = '';
  let last = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x2b) {
      out += `${s.slice(last, i)} `;
      last = i + 1;
    } else if (c === 0x25) {
      if (uni && (s.charCodeAt(i + 1) | 0x20) === 0x75 && hex4(s, i + 2)) {
        out += s.slice(last, i) + String.fromCharCode(uniToByte(s, i + 2));
        i += 5;
        last = i + 1;
      } else if (i + 2 < s.length && isHex(s.charCodeAt(i + 1)) && isHex(s.charCodeAt(i + 2))) {
        out += s.slice(last, i) + String.fromCharCode(x2c(s, i + 1));
        i += 2;
        last = i + 1;
      }
    }
  }
  return last === 0 ? s : out + s.slice(last);
}

/** `t:urlDecode`: `%HH` to a byte and `+` to a space; invalid or incomplete escapes are kept. */
export const urlDecode: Transformation = { name: 'urlDecode', fn: (s) => urlDecodeBytes(s, false) };

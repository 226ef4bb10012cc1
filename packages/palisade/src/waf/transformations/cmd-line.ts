import type { Transformation } from '../types.js';

/**
 * `t:cmdLine`, ModSecurity's exact rules: delete `\ " ' ^`; turn each run of space, tab, CR, LF,
 * `,` and `;` into one space; drop a space right before `/` or `(`; lower-case (ASCII) the rest.
 */
export const cmdLine: Transformation = {
  name: 'cmdLine',
  fn: (s) => {
    let out = '';
    let space = false;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      switch (c) {
        case 0x22:
        case 0x27:
        case 0x5c:
        case 0x5e:
          break;
        case 0x20:
        case 0x2c:
        case 0x3b:
        case 0x09:
        case 0x0d:
        case 0x0a:
          if (!space) {
            out += ' ';
            space = true;
          }
          break;
        case 0x2f:
        case 0x28:
          if (space) out = out.slice(0, -1);
          space = false;
          out += s[i];
          break;
        default:
          out += c >= 0x41 && c <= 0x5a ? String.fromCharCode(c + 0x20) : s[i];
          space = false;
      }
    }
    return out;
  },
};

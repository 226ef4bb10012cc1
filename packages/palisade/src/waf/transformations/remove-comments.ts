import type { Transformation } from '../types.js';

/**
 * `t:removeComments`: removes `/* … *\/` and `<!-- … -->` comments, and everything from `--` or `#`
 * (SQL and shell line comments) to the end of the value, as ModSecurity does; an unterminated
 * block comment becomes one space.
 */
export const removeComments: Transformation = {
  name: 'removeComments',
  fn: (s) => {
    if (!/\/\*|<!--|--|#/.test(s)) return s;
    let out = '';
    let i = 0;
    while (i < s.length) {
      const c = s[i];
      if (c === '/' && s[i + 1] === '*') {
        const end = s.indexOf('*/', i + 2);
        if (end === -1) return `${out} `;
        i = end + 2;
      } else if (c === '<' && s.startsWith('<!--', i)) {
        const end = s.indexOf('-->', i + 4);
        if (end === -1) return `${out} `;
        i = end + 3;
      } else if ((c === '-' && s[i + 1] === '-') || c === '#') {
        return out;
      } else {
        out += c;
        i++;
      }
    }
    return out;
  },
};

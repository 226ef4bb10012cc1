import type { Transformation } from '../types.js';

/** `t:replaceComments`: each C comment `/* … *\/` becomes one space; an unterminated one runs to the end. A lone `*\/` stays. */
export const replaceComments: Transformation = {
  name: 'replaceComments',
  fn: (s) => {
    let i = s.indexOf('/*');
    if (i === -1) return s;
    let out = '';
    let last = 0;
    while (i !== -1) {
      out += `${s.slice(last, i)} `;
      const end = s.indexOf('*/', i + 2);
      if (end === -1) return out;
      last = end + 2;
      i = s.indexOf('/*', last);
    }
    return out + s.slice(last);
  },
};

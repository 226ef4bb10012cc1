import type { Transformation } from '../types.js';

/** `t:compressWhitespace`: each run of whitespace (\t \n \v \f \r space, NBSP 0xA0) becomes one space. */
export const compressWhitespace: Transformation = {
  name: 'compressWhitespace',
  fn: (s) => (/[\t-\r\xa0]| {2}/.test(s) ? s.replace(/[\t-\r \xa0]+/g, ' ') : s),
};

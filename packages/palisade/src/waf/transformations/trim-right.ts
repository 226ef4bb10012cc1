import type { Transformation } from '../types.js';
import { rightEnd } from './trim.js';

/** `t:trimRight`: strips trailing C `isspace` bytes. */
export const trimRight: Transformation = {
  name: 'trimRight',
  fn: (s) => {
    const e = rightEnd(s);
    return e === s.length ? s : s.slice(0, e);
  },
};

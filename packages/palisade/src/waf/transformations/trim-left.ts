import type { Transformation } from '../types.js';
import { leftEnd } from './trim.js';

/** `t:trimLeft`: strips leading C `isspace` bytes. */
export const trimLeft: Transformation = {
  name: 'trimLeft',
  fn: (s) => {
    const b = leftEnd(s);
    return b === 0 ? s : s.slice(b);
  },
};

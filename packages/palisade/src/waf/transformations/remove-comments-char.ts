import type { Transformation } from '../types.js';

/** `t:removeCommentsChar`: deletes the comment markers `/*`, `*\/`, `<!--`, `-->`, `--` and `#`. */
export const removeCommentsChar: Transformation = {
  name: 'removeCommentsChar',
  fn: (s) => (/\/\*|\*\/|<!--|--|#/.test(s) ? s.replace(/\/\*|\*\/|<!--|-->|--|#/g, '') : s),
};

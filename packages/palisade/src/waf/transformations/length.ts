import type { Transformation } from '../types.js';

/** `t:length`: the length of the value in bytes, as a decimal string. */
export const length: Transformation = { name: 'length', fn: (s) => String(s.length) };

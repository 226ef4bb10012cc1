import type { Transformation } from '../types.js';

/** `t:base64Encode`: standard base64 with padding. */
export const base64Encode: Transformation = { name: 'base64Encode', fn: (s) => Buffer.from(s, 'latin1').toString('base64') };

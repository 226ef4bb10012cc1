import type { Transformation } from '../types.js';

/** `t:hexEncode`: each byte as two lower-case hex digits. */
export const hexEncode: Transformation = { name: 'hexEncode', fn: (s) => Buffer.from(s, 'latin1').toString('hex') };

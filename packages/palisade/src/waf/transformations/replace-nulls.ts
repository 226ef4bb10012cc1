import type { Transformation } from '../types.js';

/** `t:replaceNulls`: each NUL byte becomes a space. */
export const replaceNulls: Transformation = { name: 'replaceNulls', fn: (s) => (s.indexOf('\0') === -1 ? s : s.replace(/\0/g, ' ')) };

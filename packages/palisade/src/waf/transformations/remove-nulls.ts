import type { Transformation } from '../types.js';

/** `t:removeNulls`: drops every NUL byte. */
export const removeNulls: Transformation = { name: 'removeNulls', fn: (s) => (s.indexOf('\0') === -1 ? s : s.replace(/\0+/g, '')) };

import type { Transformation } from '../types.js';

/** `t:none`: the engine reads it as "drop the transformations inherited so far"; as a function, identity. */
export const none: Transformation = { name: 'none', fn: (s) => s };

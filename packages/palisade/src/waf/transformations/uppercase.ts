import type { Transformation } from '../types.js';
import { asciiUpper } from './bytes.js';

/** `t:uppercase`: ASCII letters only. */
export const uppercase: Transformation = { name: 'uppercase', fn: asciiUpper };

import type { Transformation } from '../types.js';
import { asciiLower } from './bytes.js';

/** `t:lowercase`: ASCII letters only, as C `tolower` in the C locale. */
export const lowercase: Transformation = { name: 'lowercase', fn: asciiLower };

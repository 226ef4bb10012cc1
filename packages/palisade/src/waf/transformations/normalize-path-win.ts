import type { Transformation } from '../types.js';
import { normalizePathBytes } from './normalize-path.js';

function win(s: string): string {
  return normalizePathBytes(s.indexOf('\\') === -1 ? s : s.replace(/\\/g, '/'));
}

/** `t:normalizePathWin` (alias `normalisePathWin`): backslashes become `/`, then normalizePath. */
export const normalizePathWin: Transformation = { name: 'normalizePathWin', fn: win };
export const normalisePathWin: Transformation = { name: 'normalisePathWin', fn: win };

import type { Transformation } from '../types.js';
import { urlDecodeBytes } from './url-decode.js';

/**
 * `t:urlDecodeUni`: urlDecode plus IIS-style `%uHHHH`, which ModSecurity (without a unicode map)
 * turns into the low byte, full-width ASCII U+FF01–U+FF5E into its ASCII character.
 */
export const urlDecodeUni: Transformation = { name: 'urlDecodeUni', fn: (s) => urlDecodeBytes(s, true) };

import { createHash } from 'node:crypto';
import type { Transformation } from '../types.js';

/** `t:md5`: the 16-byte binary MD5 digest. */
export const md5: Transformation = { name: 'md5', fn: (s) => createHash('md5').update(s, 'latin1').digest().toString('latin1') };

import { createHash } from 'node:crypto';
import type { Transformation } from '../types.js';

/** `t:sha1`: the 20-byte binary SHA-1 digest (use `t:hexEncode` after it for hex). */
export const sha1: Transformation = { name: 'sha1', fn: (s) => createHash('sha1').update(s, 'latin1').digest().toString('latin1') };

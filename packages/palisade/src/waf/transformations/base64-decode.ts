import type { Transformation } from '../types.js';

const B64 = /^[A-Za-z0-9+/]*/;

/**
 * Standard base64 up to the first character outside the alphabet (padding or not); a dangling
 * single character is ignored. Node's decoder would skip invalid characters instead, which is
 * base64DecodeExt's behaviour.
 */
export function base64DecodeStrict(s: string): string {
  const body = B64.exec(s)![0];
  const usable = body.length - (body.length % 4 === 1 ? 1 : 0);
  return Buffer.from(body.slice(0, usable), 'base64').toString('latin1');
}

/** `t:base64Decode`: decodes base64, stopping at the first character outside the alphabet. */
export const base64Decode: Transformation = { name: 'base64Decode', fn: base64DecodeStrict };

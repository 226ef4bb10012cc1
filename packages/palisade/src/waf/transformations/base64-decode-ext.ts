import type { Transformation } from '../types.js';

/** `t:base64DecodeExt`: forgiving base64: characters outside the alphabet (spaces, dots…) are skipped. */
export const base64DecodeExt: Transformation = {
  name: 'base64DecodeExt',
  fn: (s) => {
    const body = s.replace(/[^A-Za-z0-9+/]+/g, '');
    const usable = body.length - (body.length % 4 === 1 ? 1 : 0);
    return Buffer.from(body.slice(0, usable), 'base64').toString('latin1');
  },
};

import type { Transformation } from '../types.js';

/** `t:urlEncode`: space to `+`; every byte but ASCII letters, digits and `* - . _` to `%hh` (lower-case). */
export const urlEncode: Transformation = {
  name: 'urlEncode',
  fn: (s) => s.replace(/[^0-9A-Za-z*\-._]/g, (c) => (c === ' ' ? '+' : `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`)),
};

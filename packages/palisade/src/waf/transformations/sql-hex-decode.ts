import type { Transformation } from '../types.js';
import { isHex, x2c } from './bytes.js';

/** `t:sqlHexDecode`: SQL hex literals `0xHHHH…` become their bytes (whole pairs; an odd last digit stays). */
export const sqlHexDecode: Transformation = {
  name: 'sqlHexDecode',
  fn: (s) => {
    if (!/0[xX][0-9A-Fa-f]{2}/.test(s)) return s;
    return s.replace(/0[xX]((?:[0-9A-Fa-f]{2})+)/g, (_m, hex: string) => {
      let out = '';
      for (let i = 0; i + 1 < hex.length; i += 2) if (isHex(hex.charCodeAt(i))) out += String.fromCharCode(x2c(hex, i));
      return out;
    });
  },
};

import type { OperatorFactory, OperatorResult } from '../types.js';
import { NO_MATCH } from './common.js';

/**
 * `@validateByteRange 9,10,13,32-126`: matches when the value holds a byte outside the listed
 * values and ranges. Compiled at load to a one-class RegExp (a single class cannot backtrack).
 */
export const validateByteRange: OperatorFactory = {
  name: 'validateByteRange',
  create(param) {
    const allowed = new Uint8Array(256);
    for (const part of param.split(',')) {
      const p = part.trim();
      const m = /^(\d{1,3})(?:-(\d{1,3}))?$/.exec(p);
      if (!m) throw new Error(`@validateByteRange: ${JSON.stringify(p)} is not a byte or a range lo-hi`);
      const lo = Number(m[1]);
      const hi = m[2] === undefined ? lo : Number(m[2]);
      if (lo > 255 || hi > 255 || hi < lo) throw new Error(`@validateByteRange: bad range ${JSON.stringify(p)} (bytes are 0-255)`);
      for (let c = lo; c <= hi; c++) allowed[c] = 1;
    }
    let cls = '';
    for (let c = 0; c < 256; c++) if (allowed[c]) cls += `\\x${c.toString(16).padStart(2, '0')}`;
    const bad = cls === '' ? /[^]/ : new RegExp(`[^${cls}]`);
    return {
      execute(_tx, input): OperatorResult {
        const m = bad.exec(input);
        if (m === null) return NO_MATCH;
        return { matched: true, data: `byte ${m[0].charCodeAt(0)} at offset ${m.index}` };
      },
    };
  },
};

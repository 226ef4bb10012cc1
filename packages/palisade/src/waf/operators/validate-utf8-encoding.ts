import type { OperatorFactory, OperatorResult } from '../types.js';
import { NO_MATCH } from './common.js';

const HIGH = /[\x80-\xff]/;

/** Why the byte string is not valid UTF-8, or null. Checks missing bytes, bad continuation, over-long forms and code points above U+10FFFF. */
export function utf8Problem(s: string): string | null {
  let i = s.search(HIGH);
  if (i === -1) return null;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c < 0x80) {
      i++;
      continue;
    }
    let n: number;
    let cp: number;
    if ((c & 0xe0) === 0xc0) {
      n = 2;
      cp = c & 0x1f;
    } else if ((c & 0xf0) === 0xe0) {
      n = 3;
      cp = c & 0x0f;
    } else if ((c & 0xf8) === 0xf0) {
      n = 4;
      cp = c & 0x07;
    } else {
      return `invalid UTF-8 lead byte 0x${c.toString(16)} at offset ${i}`;
    }
    if (i + n > s.length) return `not enough bytes for a UTF-8 character at offset ${i}`;
    for (let k = 1; k < n; k++) {
      const d = s.charCodeAt(i + k);
      if ((d & 0xc0) !== 0x80) return `invalid UTF-8 continuation byte at offset ${i + k}`;
      cp = (cp << 6) | (d & 0x3f);
    }
    if ((n === 2 && cp < 0x80) || (n === 3 && cp < 0x800) || (n === 4 && cp < 0x10000)) return `over-long UTF-8 encoding at offset ${i}`;
    if (cp > 0x10ffff) return `UTF-8 character above U+10FFFF at offset ${i}`;
    i += n;
  }
  return null;
}

/** `@validateUtf8Encoding`: matches when the value is not valid UTF-8. */
export const validateUtf8Encoding: OperatorFactory = {
  name: 'validateUtf8Encoding',
  create() {
    return {
      execute(_tx, input): OperatorResult {
        const problem = utf8Problem(input);
        return problem === null ? NO_MATCH : { matched: true, data: problem };
      },
    };
  },
};

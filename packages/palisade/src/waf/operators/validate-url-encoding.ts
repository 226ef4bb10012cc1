import type { OperatorFactory, OperatorResult } from '../types.js';
import { NO_MATCH } from './common.js';

function hex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66);
}

/** `@validateUrlEncoding`: matches when a `%` is not followed by two hex digits (or the value ends too soon). */
export const validateUrlEncoding: OperatorFactory = {
  name: 'validateUrlEncoding',
  create() {
    return {
      execute(_tx, input): OperatorResult {
        for (let i = input.indexOf('%'); i !== -1; i = input.indexOf('%', i + 1)) {
          if (i + 2 >= input.length) return { matched: true, data: `not enough characters after % at offset ${i}` };
          if (!hex(input.charCodeAt(i + 1)) || !hex(input.charCodeAt(i + 2))) return { matched: true, data: `non-hexadecimal digits after % at offset ${i}` };
          i += 2;
        }
        return NO_MATCH;
      },
    };
  },
};

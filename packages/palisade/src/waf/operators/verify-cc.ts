import type { OperatorFactory, OperatorResult } from '../types.js';
import { candidateFinder } from './candidates.js';
import { NO_MATCH } from './common.js';

/** The Luhn checksum over the digits of `s` (other characters ignored); 13–19 digits required. */
export function luhnValid(s: string): boolean {
  let sum = 0;
  let n = 0;
  for (let i = s.length - 1; i >= 0; i--) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) continue;
    let d = c - 0x30;
    if (n % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    n++;
  }
  return n >= 13 && n <= 19 && sum % 10 === 0;
}

/** `@verifyCC <regex>`: matches when a candidate found by the regex passes the Luhn check. */
export const verifyCC: OperatorFactory = {
  name: 'verifyCC',
  create(param) {
    const find = candidateFinder(param, 'verifyCC');
    return {
      execute(_tx, input): OperatorResult {
        const m = find(input, luhnValid);
        return m === null ? NO_MATCH : { matched: true, data: m };
      },
    };
  },
};

import type { OperatorFactory, OperatorResult } from '../types.js';
import { candidateFinder } from './candidates.js';
import { NO_MATCH } from './common.js';

/**
 * A plausible US social security number: 9 digits (separators ignored), area 001–899 but not 666,
 * group 01–99, serial 0001–9999, and not one digit repeated.
 */
export function ssnValid(s: string): boolean {
  const d = s.replace(/[^0-9]/g, '');
  if (d.length !== 9 || /^(\d)\1{8}$/.test(d)) return false;
  const area = Number(d.slice(0, 3));
  const group = Number(d.slice(3, 5));
  const serial = Number(d.slice(5));
  return area > 0 && area < 900 && area !== 666 && group > 0 && serial > 0;
}

/** `@verifySSN <regex>`: matches when a candidate found by the regex is a plausible SSN. */
export const verifySSN: OperatorFactory = {
  name: 'verifySSN',
  create(param) {
    const find = candidateFinder(param, 'verifySSN');
    return {
      execute(_tx, input): OperatorResult {
        const m = find(input, ssnValid);
        return m === null ? NO_MATCH : { matched: true, data: m };
      },
    };
  },
};

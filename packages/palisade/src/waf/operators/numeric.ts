import type { Operator, OperatorResult } from '../types.js';
import { MATCH, NO_MATCH, macroParam, toInt } from './common.js';

/** A numeric comparison of value and parameter, both read as ModSecurity reads integers (toInt). */
export function numericOperator(param: string, cmp: (value: number, param: number) => boolean): Operator {
  const get = macroParam(param, toInt);
  return {
    execute(tx, input): OperatorResult {
      return cmp(toInt(input), get(tx)) ? MATCH : NO_MATCH;
    },
  };
}

import type { Operator, OperatorResult, OperatorTx } from '../types.js';
import { MATCH, NO_MATCH, macroParam } from './common.js';

/** Builds a string-comparison operator over the (macro-expanded) parameter; `data` is the parameter found. */
export function stringOperator(param: string, test: (input: string, p: string) => boolean): Operator {
  const get = macroParam(param, (t) => t);
  return {
    execute(tx: OperatorTx, input: string): OperatorResult {
      const p = get(tx);
      return test(input, p) ? (p === '' ? MATCH : { matched: true, data: p }) : NO_MATCH;
    },
  };
}

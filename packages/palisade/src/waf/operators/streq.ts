import type { OperatorFactory } from '../types.js';
import { stringOperator } from './string-ops.js';

/** `@streq`: the value equals the (expanded) parameter, case-sensitively. */
export const streq: OperatorFactory = { name: 'streq', create: (param) => stringOperator(param, (input, p) => input === p) };

import type { OperatorFactory } from '../types.js';
import { stringOperator } from './string-ops.js';

/** `@endsWith`: the value ends with the (expanded) parameter. */
export const endsWith: OperatorFactory = { name: 'endsWith', create: (param) => stringOperator(param, (input, p) => input.endsWith(p)) };

import type { OperatorFactory } from '../types.js';
import { stringOperator } from './string-ops.js';

/** `@beginsWith`: the value starts with the (expanded) parameter. */
export const beginsWith: OperatorFactory = { name: 'beginsWith', create: (param) => stringOperator(param, (input, p) => input.startsWith(p)) };

import type { OperatorFactory } from '../types.js';
import { stringOperator } from './string-ops.js';

/** `@contains`: the parameter occurs in the value (case-sensitive). */
export const contains: OperatorFactory = { name: 'contains', create: (param) => stringOperator(param, (input, p) => input.includes(p)) };

import type { OperatorFactory } from '../types.js';
import { numericOperator } from './numeric.js';

/** `@le`: value <= parameter, as integers (a value that is not a number reads as 0, as in ModSecurity). */
export const le: OperatorFactory = { name: 'le', create: (param) => numericOperator(param, (v, p) => v <= p) };

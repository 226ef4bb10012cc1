import type { OperatorFactory } from '../types.js';
import { numericOperator } from './numeric.js';

/** `@gt`: value > parameter, as integers (a value that is not a number reads as 0, as in ModSecurity). */
export const gt: OperatorFactory = { name: 'gt', create: (param) => numericOperator(param, (v, p) => v > p) };

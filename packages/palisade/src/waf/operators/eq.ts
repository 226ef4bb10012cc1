import type { OperatorFactory } from '../types.js';
import { numericOperator } from './numeric.js';

/** `@eq`: value === parameter, as integers (a value that is not a number reads as 0, as in ModSecurity). */
export const eq: OperatorFactory = { name: 'eq', create: (param) => numericOperator(param, (v, p) => v === p) };

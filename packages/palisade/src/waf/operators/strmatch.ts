import type { OperatorFactory } from '../types.js';
import { stringOperator } from './string-ops.js';

/** `@strmatch`: the literal parameter occurs in the value (V8's indexOf is already a fast substring search). */
export const strmatch: OperatorFactory = {
  name: 'strmatch',
  create(param) {
    if (param === '') throw new Error('@strmatch needs a non-empty string');
    return stringOperator(param, (input, p) => input.includes(p));
  },
};

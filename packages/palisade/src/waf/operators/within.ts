import type { OperatorFactory } from '../types.js';
import { stringOperator } from './string-ops.js';

/**
 * `@within`: the VALUE occurs inside the (expanded) parameter, e.g. `/.exe/` within
 * `%{tx.restricted_extensions}`. An empty value matches, as in ModSecurity v3.
 */
export const within: OperatorFactory = { name: 'within', create: (param) => stringOperator(param, (input, p) => p.includes(input)) };

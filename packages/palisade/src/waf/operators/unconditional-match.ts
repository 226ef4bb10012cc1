import type { OperatorFactory } from '../types.js';
import { MATCH } from './common.js';

/** `@unconditionalMatch`: always matches. */
export const unconditionalMatch: OperatorFactory = { name: 'unconditionalMatch', create: () => ({ execute: () => MATCH }) };

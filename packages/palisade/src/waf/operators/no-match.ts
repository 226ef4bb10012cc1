import type { OperatorFactory } from '../types.js';
import { NO_MATCH } from './common.js';

/** `@noMatch`: never matches. */
export const noMatch: OperatorFactory = { name: 'noMatch', create: () => ({ execute: () => NO_MATCH }) };

import { refused } from './refused.js';

/** `@rbl`: refused — a DNS query per request on the hot path. */
export const rbl = refused('rbl', 'it makes a DNS blocklist query per request; use @ipMatchFromFile with a downloaded list');

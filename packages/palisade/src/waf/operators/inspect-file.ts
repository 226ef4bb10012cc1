import { refused } from './refused.js';

/** `@inspectFile`: refused — it runs an external program per uploaded file. */
export const inspectFile = refused('inspectFile', 'it runs an external program for each upload; scan uploads outside the gateway');

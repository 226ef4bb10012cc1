import { refused } from './refused.js';

/** `@validateDTD`: refused — XML is validated by the Shield's validate stage. */
export const validateDTD = refused('validateDTD', 'XML validation belongs to the Shield validate stage, not the WAF');

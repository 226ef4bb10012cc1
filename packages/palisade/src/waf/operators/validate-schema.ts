import { refused } from './refused.js';

/** `@validateSchema`: refused — XML is validated by the Shield's validate stage. */
export const validateSchema = refused('validateSchema', 'XML validation belongs to the Shield validate stage, not the WAF');

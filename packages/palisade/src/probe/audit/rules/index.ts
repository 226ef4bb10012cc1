// The audit's rules, in id order. Ids are permanent: a retired rule keeps its number, unused.
import type { AuditRule } from '../rule.js';
import { authRules } from './auth.js';
import { inputRules } from './inputs.js';
import { responseRules } from './responses.js';
import { disclosureRules } from './disclosure.js';
import { inventoryRules } from './inventory.js';

export const AUDIT_RULES: readonly AuditRule[] = [...authRules, ...inputRules, ...responseRules, ...disclosureRules, ...inventoryRules].sort((a, b) => a.id.localeCompare(b.id));

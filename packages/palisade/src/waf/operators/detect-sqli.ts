import type { OperatorFactory } from '../types.js';
import { detectSqli as detect } from '../detect/sqli.js';
import { NO_MATCH } from './common.js';

/**
 * `@detectSQLi`: SQL injection by tokenizing the value as SQL (see detect/sqli.ts). On a match
 * the data — and TX:0 with `capture` — is the fingerprint, as ModSecurity reports it.
 */
export const detectSQLi: OperatorFactory = {
  name: 'detectSQLi',
  create(param) {
    if (param.trim() !== '') throw new Error(`@detectSQLi takes no parameter, got "${param}"`);
    return {
      execute(tx, input) {
        const r = detect(input);
        if (!r.isSqli) return NO_MATCH;
        if (tx.capturing) tx.setCapture(0, r.fingerprint);
        return { matched: true, data: r.fingerprint };
      },
    };
  },
};

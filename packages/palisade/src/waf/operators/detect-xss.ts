import type { OperatorFactory } from '../types.js';
import { detectXss as detect } from '../detect/xss.js';
import { NO_MATCH } from './common.js';

/**
 * `@detectXSS`: cross-site scripting by parsing the value as HTML in several starting states (see
 * detect/xss.ts). On a match TX:0 (with `capture`) is the value, as ModSecurity sets it.
 */
export const detectXSS: OperatorFactory = {
  name: 'detectXSS',
  create(param) {
    if (param.trim() !== '') throw new Error(`@detectXSS takes no parameter, got "${param}"`);
    return {
      execute(tx, input) {
        const r = detect(input);
        if (!r.isXss) return NO_MATCH;
        if (tx.capturing) tx.setCapture(0, input);
        return { matched: true, data: r.reason };
      },
    };
  },
};

import type { OperatorFactory, OperatorResult } from '../types.js';
import { REGEX_CACHE, compileRegex } from '../regex/compile.js';
import type { CompiledRegex } from '../regex/compile.js';
import { NO_MATCH, hasMacro } from './common.js';

/**
 * `@rx`: RE2-syntax regular expression, linear-time on any input (waf/regex). With the `capture`
 * action, the match and groups 1–9 go to TX:0–9. A parameter with macros is expanded and compiled
 * per use through a bounded cache.
 */
export const rx: OperatorFactory = {
  name: 'rx',
  create(param) {
    const fixed: CompiledRegex | null = hasMacro(param) ? null : compileRegex(param);
    return {
      execute(tx, input): OperatorResult {
        const re = fixed ?? REGEX_CACHE.get(tx.expand(param));
        const m = re.exec(input);
        if (m === null) return NO_MATCH;
        if (tx.capturing) {
          const n = Math.min(9, m.length - 1);
          for (let i = 0; i <= n; i++) tx.setCapture(i, m[i] ?? '');
        }
        return { matched: true, data: m[0] };
      },
    };
  },
};

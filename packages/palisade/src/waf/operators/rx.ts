import type { OperatorFactory, OperatorResult } from '../types.js';
import { REGEX_CACHE } from '../regex/compile.js';
import type { CompiledRegex } from '../regex/compile.js';
import { NO_MATCH, hasMacro } from './common.js';

/** Recent matches kept per fixed pattern (inputs up to MATCH_MEMO_MAX_INPUT chars). */
const MATCH_MEMO_ENTRIES = 64;
const MATCH_MEMO_MAX_INPUT = 256;

/**
 * `@rx`: RE2-syntax regular expression, linear-time on any input (waf/regex). With the `capture`
 * action, the match and groups 1–9 go to TX:0–9. A parameter with macros is expanded and compiled
 * per use through a bounded cache; fixed patterns go through the same cache, so a rule-set reload
 * (or a second engine in the process) reuses the compiled pattern instead of analysing it again.
 *
 * A fixed pattern remembers its last matches on short inputs: some CRS rules match every request
 * (920450's `^.*$` on each header name, the Content-Type and protocol checks), and a pattern that
 * needs RE2 costs a native call per input. The engine remembers non-matches itself (decision 0029).
 */
export const rx: OperatorFactory = {
  name: 'rx',
  create(param) {
    const fixed: CompiledRegex | null = hasMacro(param) ? null : REGEX_CACHE.get(param);
    let matches = new Map<string, RegExpExecArray>();
    return {
      execute(tx, input): OperatorResult {
        let m: RegExpExecArray | null | undefined;
        if (fixed === null) m = REGEX_CACHE.get(tx.expand(param)).exec(input);
        else if (input.length > MATCH_MEMO_MAX_INPUT) m = fixed.exec(input);
        else {
          m = matches.get(input);
          if (m === undefined) {
            m = fixed.exec(input);
            if (m !== null) {
              if (matches.size >= MATCH_MEMO_ENTRIES) matches = new Map();
              matches.set(input, m);
            }
          }
        }
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

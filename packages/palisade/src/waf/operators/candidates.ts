import { compileRegex } from '../regex/compile.js';

/** At most this many regex candidates are checked per value, which bounds the work on hostile input. */
export const MAX_CANDIDATES = 1000;

/**
 * An operator helper: finds the matches of an RE2 pattern one after another and returns the first
 * for which `check` holds. Each search resumes after the previous match.
 */
export function candidateFinder(pattern: string, op: string): (input: string, check: (m: string) => boolean) => string | null {
  let re;
  try {
    re = compileRegex(pattern);
  } catch (e) {
    throw new Error(`@${op}: ${(e as Error).message}`);
  }
  return (input, check) => {
    let from = 0;
    for (let n = 0; n < MAX_CANDIDATES && from <= input.length; n++) {
      const rest = from === 0 ? input : input.slice(from);
      const m = re.exec(rest);
      if (m === null) return null;
      if (check(m[0])) return m[0];
      from += m.index + Math.max(1, m[0].length);
    }
    return null;
  };
}

// Catastrophic regular expressions (ReDoS): a validation pattern with nested quantifiers, such as
// the e-mail checks copied from tutorials, takes exponential time on a long run of word characters
// that fails to match at its end. Lengths grow step by step and stop at the first slow answer, so
// a vulnerable server is held for seconds, not hours.
import type { Check } from '../check.js';
import { evidenceOf } from '../runner.js';
import type { ScanResponse } from '../runner.js';
import { injectionPoints, pointParts, withPayload } from './inject-common.js';
import { opRef, sessionOf } from './util.js';

/** Values a server typically checks with a regular expression. */
const VALIDATED = /mail|url|uri|link|website|phone|mobile|host|domain|zip|postal|date|pattern|regex|user_?name|login|slug/i;
/** Lengths of the run, in order; each step costs a vulnerable pattern about 4 to 16 times more. */
export const REDOS_LENGTHS = [18, 24, 28, 30, 32, 34, 36, 40] as const;
/** Slower than the baseline by this much is slow. */
const SLOW_MS = 1000;
const TIMEOUT_MS = 6000;
const MAX_POINTS = 10;

export function redosPayload(n: number): string {
  return `${'a'.repeat(n)}!`;
}

export const regexDos: Check = {
  id: 'PAL-SCAN-RATE-004',
  title: 'A catastrophic regular expression lets one request hold the server (ReDoS)',
  category: 'API4:2023',
  cwe: 1333,
  severity: 'high',
  order: 72,
  description: `For string parameters that servers usually validate with a regular expression (e-mail, URL, phone, host, user name, date...) of requests that succeeded, sends runs of word characters ending in a character that cannot match (aaaa…a!) of growing length (${REDOS_LENGTHS.join(', ')}), stopping at the first answer ${SLOW_MS / 1000} s slower than the baseline. Reported when that length is slow again, while the length before it was at least twice as fast for only 2 to 6 characters less (growth no linear check shows) — time budget ${TIMEOUT_MS / 1000} s per request.`,
  remediation: { summary: 'Use linear-time regular expressions (RE2, or patterns without nested quantifiers), bound input lengths before matching, and validate e-mail addresses with a simple check plus a confirmation message.', shieldPolicy: 'contract: parameter validation with maxLength (long values refused before the API sees them)' },
  async run(ctx) {
    for (const pt of injectionPoints(ctx, VALIDATED).slice(0, MAX_POINTS)) {
      ctx.tested(pt.obs.op);
      const s = sessionOf(ctx, pt.obs.identity);
      const base = await ctx.send(pt.obs.request, s);
      if (base.status === 0) continue;
      const timed = (n: number): Promise<ScanResponse> => ctx.send({ ...withPayload(pt, redosPayload(n)), timeoutMs: TIMEOUT_MS }, s);
      let previous: ScanResponse | undefined;
      for (const n of REDOS_LENGTHS) {
        const r = await timed(n);
        if (r.durationMs < base.durationMs + SLOW_MS) {
          previous = r;
          continue;
        }
        const fresh = await ctx.send(pt.obs.request, s);
        const again = await timed(n);
        // Twice the time for a few more characters: no linear check grows like that.
        const grew = previous !== undefined && previous.durationMs * 2 <= again.durationMs;
        // Still growing but not slow twice yet (a loaded machine blurs one answer): one length more.
        if (again.durationMs < fresh.durationMs + SLOW_MS && grew) {
          previous = again;
          continue;
        }
        if (again.durationMs >= fresh.durationMs + SLOW_MS && grew) {
          ctx.report({
            operation: opRef(pt.obs.op),
            confidence: 'firm',
            parts: pointParts(pt),
            description: `${pt.where} parameter ${pt.name}: ${n} word characters and a "!" take ${r.durationMs} ms and ${again.durationMs} ms (baseline ${fresh.durationMs} ms; ${previous!.durationMs} ms at ${REDOS_LENGTHS[REDOS_LENGTHS.indexOf(n as typeof REDOS_LENGTHS[number]) - 1]} characters): the time grows exponentially with the length.`,
            evidence: [evidenceOf(again, `answered after ${again.durationMs} ms`), evidenceOf(previous!, `shorter run: ${previous!.durationMs} ms`), evidenceOf(fresh, `baseline ${fresh.durationMs} ms`)],
          });
        }
        break;
      }
    }
  },
};

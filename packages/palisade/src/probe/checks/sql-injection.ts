// SQL injection: error-based (a database error appears that the baseline does not show),
// boolean-based (true and false conditions answer differently, twice, with two pairs), and
// time-based (a sleep payload delays the answer, twice).
import type { Check } from '../check.js';
import { evidenceOf } from '../runner.js';
import { injectionPoints, pointParts, withPayload } from './inject-common.js';
import { SQL_ERRORS, bodySignature, firstMatch, opRef, sameResponse, sessionOf } from './util.js';

const BOOLEAN_PAIRS: Array<[string, string, string, string]> = [
  ["' AND '1'='1'-- ", "' AND '1'='2'-- ", "' AND 'b'>'a'-- ", "' AND 'a'>'b'-- "],
  [' AND 1=1', ' AND 1=2', ' AND 2>1', ' AND 1>2'],
  ["') AND ('1'='1'-- ", "') AND ('1'='2'-- ", "') AND ('b'>'a'-- ", "') AND ('a'>'b'-- "],
];
const SLEEP_S = 3;
const TIME_PAYLOADS = [`' AND (SELECT 1 FROM (SELECT SLEEP(${SLEEP_S}))x)-- `, `';SELECT pg_sleep(${SLEEP_S})-- `, `' || pg_sleep(${SLEEP_S})-- `, `';WAITFOR DELAY '0:0:${SLEEP_S}'-- `];

export const sqlInjection: Check = {
  id: 'PAL-SCAN-INJ-001',
  title: 'SQL injection',
  category: 'API8:2023',
  cwe: 89,
  severity: 'critical',
  description: "For string query, path and JSON body parameters (GraphQL arguments and the text of SOAP Body elements too) of requests that succeeded: (1) error-based — the value followed by ' or \" yields a database error message the baseline does not contain, seen twice; (2) boolean-based — the value with a true and a false condition (two different pairs) answers differently while each answer repeats identically and the baseline is stable; (3) time-based — sleep payloads for MySQL, PostgreSQL and SQL Server delay the answer by at least 2.5 s more than the baseline, twice.",
  remediation: { summary: 'Use parameterised queries (bound parameters) everywhere; never build SQL from request text.', shieldPolicy: 'waf (OWASP CRS SQL injection rules) and contract: parameter validation (pattern, type)' },
  async run(ctx) {
    for (const pt of injectionPoints(ctx)) {
      ctx.tested(pt.obs.op);
      const s = sessionOf(ctx, pt.obs.identity);
      const base = await ctx.send(pt.obs.request, s);
      const parts = pointParts(pt);
      let reported = false;
      for (const q of ["'", '"']) {
        const r = await ctx.send(withPayload(pt, pt.value + q), s);
        const m = firstMatch(SQL_ERRORS, r.body);
        if (!m || firstMatch(SQL_ERRORS, base.body)) continue;
        const again = await ctx.send(withPayload(pt, pt.value + q), s);
        if (!firstMatch(SQL_ERRORS, again.body)) continue;
        ctx.report({ operation: opRef(pt.obs.op), confidence: 'confirmed', parts, description: `${pt.where} parameter ${pt.name}: a ${q} produces a database error (error-based SQL injection).`, evidence: [evidenceOf(r, `database error: ${m}`, m), evidenceOf(base, 'baseline without the quote')] });
        reported = true;
        break;
      }
      if (reported) continue;
      const base2 = await ctx.send(pt.obs.request, s);
      if (sameResponse(base, base2)) {
        for (const [t1, f1, t2, f2] of BOOLEAN_PAIRS) {
          const rt = await ctx.send(withPayload(pt, pt.value + t1), s);
          const rf = await ctx.send(withPayload(pt, pt.value + f1), s);
          if (rt.status === 0 || rf.status === 0 || bodySignature(rt) === bodySignature(rf) && rt.status === rf.status) continue;
          if (rt.status >= 500 || rf.status >= 500) continue;
          const rt2 = await ctx.send(withPayload(pt, pt.value + t2), s);
          const rf2 = await ctx.send(withPayload(pt, pt.value + f2), s);
          if (!sameResponse(rt, rt2) || !sameResponse(rf, rf2)) continue;
          ctx.report({ operation: opRef(pt.obs.op), confidence: 'firm', parts, description: `${pt.where} parameter ${pt.name}: true and false SQL conditions answer differently, consistently across two pairs (boolean-based SQL injection).`, evidence: [evidenceOf(rt, `true condition: ${rt.status}, ${rt.bytes} bytes`), evidenceOf(rf, `false condition: ${rf.status}, ${rf.bytes} bytes`)] });
          reported = true;
          break;
        }
      }
      if (reported) continue;
      for (const p of TIME_PAYLOADS) {
        const r = await ctx.send({ ...withPayload(pt, pt.value + p), timeoutMs: (SLEEP_S + 10) * 1000 }, s);
        if (r.durationMs < base.durationMs + (SLEEP_S - 0.5) * 1000) continue;
        const quick = await ctx.send(pt.obs.request, s);
        const again = await ctx.send({ ...withPayload(pt, pt.value + p), timeoutMs: (SLEEP_S + 10) * 1000 }, s);
        if (again.durationMs < quick.durationMs + (SLEEP_S - 0.5) * 1000) continue;
        ctx.report({ operation: opRef(pt.obs.op), confidence: 'firm', parts, description: `${pt.where} parameter ${pt.name}: a ${SLEEP_S} s sleep payload delays the answer (${r.durationMs} ms and ${again.durationMs} ms against ${quick.durationMs} ms) — time-based SQL injection.`, evidence: [evidenceOf(again, `answered after ${again.durationMs} ms`), evidenceOf(quick, `baseline ${quick.durationMs} ms`)] });
        break;
      }
    }
  },
};

// OS command injection. Output-based: shell separators followed by `echo` of an arithmetic
// expansion; the evaluated marker (pal<product>x) cannot come from reflection, since the request
// carries only the expression. Time-based: `sleep` after a separator delays the answer by the
// sleep, twice, each against a fresh baseline.
import type { Check } from '../check.js';
import { evidenceOf } from '../runner.js';
import { injectionPoints, pointParts, withPayload } from './inject-common.js';
import { opRef, sessionOf } from './util.js';

const SLEEP_S = 3;
/** `{E}` is the echoed expression. */
const OUTPUT_PAYLOADS = [';echo {E};', '|echo {E}', '$(echo {E})', '\necho {E}\n', '`echo {E}`'];
const TIME_PAYLOADS = [`;sleep ${SLEEP_S};`, `|sleep ${SLEEP_S}`, `$(sleep ${SLEEP_S})`, `\nsleep ${SLEEP_S}\n`];

function factors(): [number, number] {
  return [1000 + Math.floor(Math.random() * 8999), 1000 + Math.floor(Math.random() * 8999)];
}

export const commandInjection: Check = {
  id: 'PAL-SCAN-INJ-004',
  title: 'OS command injection',
  category: 'API8:2023',
  cwe: 78,
  severity: 'critical',
  description: 'For string query, path and JSON body parameters (GraphQL arguments and the text of SOAP Body elements too) of requests that succeeded: (1) output-based — the value followed by a shell separator (; | $() backticks, newline) and echo pal$((A*B))x; reported when the response contains the evaluated marker pal<A×B>x (which the request does not contain) and a second pair of random factors is evaluated too; (2) time-based — sleep 3 after a separator delays the answer by at least 2.5 s more than a fresh baseline, twice.',
  remediation: { summary: 'Never run a shell with request data: call programs with an argument array (execFile, no shell) and validate the values against an allow-list.', shieldPolicy: 'waf (OWASP CRS remote command execution rules) and contract: parameter validation (pattern)' },
  async run(ctx) {
    for (const pt of injectionPoints(ctx)) {
      ctx.tested(pt.obs.op);
      const s = sessionOf(ctx, pt.obs.identity);
      let reported = false;
      for (const p of OUTPUT_PAYLOADS) {
        const [a, b] = factors();
        const r = await ctx.send(withPayload(pt, pt.value + p.replace('{E}', `pal$((${a}*${b}))x`)), s);
        const marker = `pal${a * b}x`;
        if (!r.body.includes(marker)) continue;
        const [c, d] = factors();
        const again = await ctx.send(withPayload(pt, pt.value + p.replace('{E}', `pal$((${c}*${d}))x`)), s);
        if (!again.body.includes(`pal${c * d}x`)) continue;
        ctx.report({ operation: opRef(pt.obs.op), confidence: 'confirmed', parts: pointParts(pt), description: `${pt.where} parameter ${pt.name}: a shell evaluates what follows the value (${JSON.stringify(p.replace('{E}', 'pal$((A*B))x'))} answers with the product), twice with different numbers.`, evidence: [evidenceOf(r, `evaluated marker ${marker}`, marker), evidenceOf(again, `evaluated marker pal${c * d}x`, `pal${c * d}x`)] });
        reported = true;
        break;
      }
      if (reported) continue;
      const base = await ctx.send(pt.obs.request, s);
      for (const p of TIME_PAYLOADS) {
        const slow = { ...withPayload(pt, pt.value + p), timeoutMs: (SLEEP_S + 10) * 1000 };
        const r = await ctx.send(slow, s);
        if (r.status === 0 || r.durationMs < base.durationMs + (SLEEP_S - 0.5) * 1000) continue;
        const quick = await ctx.send(pt.obs.request, s);
        const again = await ctx.send(slow, s);
        if (again.durationMs < quick.durationMs + (SLEEP_S - 0.5) * 1000) continue;
        const quick2 = await ctx.send(pt.obs.request, s);
        if (quick2.durationMs > (SLEEP_S - 0.5) * 1000) continue;
        ctx.report({ operation: opRef(pt.obs.op), confidence: 'firm', parts: pointParts(pt), description: `${pt.where} parameter ${pt.name}: ${JSON.stringify(p)} delays the answer (${r.durationMs} ms and ${again.durationMs} ms against ${quick.durationMs} ms and ${quick2.durationMs} ms) — time-based command injection.`, evidence: [evidenceOf(again, `answered after ${again.durationMs} ms`), evidenceOf(quick, `baseline ${quick.durationMs} ms`)] });
        break;
      }
    }
  },
};

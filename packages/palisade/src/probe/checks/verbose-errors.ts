// Verbose errors: stack traces and database errors in responses, provoked with malformed input
// (a quote in each string parameter, a broken JSON body) and looked for in every response seen.
import type { Check } from '../check.js';
import { evidenceOf } from '../runner.js';
import type { ScanResponse } from '../runner.js';
import { injectionPoints, withPayload } from './inject-common.js';
import { SQL_ERRORS, STACK_TRACE, firstMatch, opRef, sessionOf, successes } from './util.js';

export const verboseErrors: Check = {
  id: 'PAL-SCAN-CONF-003',
  title: 'Errors reveal stack traces or database internals',
  category: 'API8:2023',
  cwe: 209,
  severity: 'medium',
  description: "Sends malformed values (a value followed by '\"`{, and a truncated JSON body) to the parameters of requests that succeeded, and looks at every response seen during the scan. Reported per operation when a stack trace (Node.js, Java, Python, .NET, Go, PHP) or a database error message appears, and appears again when the request is repeated.",
  remediation: { summary: 'Return a generic error (RFC 9457 problem details with an id) and log the details server side.', shieldPolicy: 'error scrubbing (response stage: 5xx bodies replaced by problem+json)' },
  async run(ctx) {
    const done = new Set<string>();
    const consider = async (op: Parameters<typeof opRef>[0] & { path: string }, r: ScanResponse, replay: () => Promise<ScanResponse>) => {
      const key = `${op.method} ${op.path}`;
      if (done.has(key)) return;
      const m = firstMatch(STACK_TRACE, r.body) ?? firstMatch(SQL_ERRORS, r.body);
      if (!m) return;
      const again = await replay();
      if (!(firstMatch(STACK_TRACE, again.body) ?? firstMatch(SQL_ERRORS, again.body))) return;
      done.add(key);
      ctx.report({ operation: opRef(op), confidence: 'confirmed', parts: [], description: `The ${r.status} response shows internals: ${m.split('\n')[0]}`, evidence: [evidenceOf(r, m, m.split('\n')[0])] });
    };
    for (const o of ctx.explore.observations) await consider(o.op, o.response, () => ctx.send(o.request, sessionOf(ctx, o.identity)));
    for (const pt of injectionPoints(ctx)) {
      ctx.tested(pt.obs.op);
      const s = sessionOf(ctx, pt.obs.identity);
      const req = withPayload(pt, `${pt.value}'"\`{`);
      await consider(pt.obs.op, await ctx.send(req, s), () => ctx.send(req, s));
    }
    for (const o of successes(ctx, (x) => typeof x.request.body === 'string' && /json/.test(x.request.headers?.['content-type'] ?? ''))) {
      const req = { ...o.request, body: String(o.request.body).slice(0, -1) + ',"' };
      const s = sessionOf(ctx, o.identity);
      await consider(o.op, await ctx.send(req, s), () => ctx.send(req, s));
    }
  },
};

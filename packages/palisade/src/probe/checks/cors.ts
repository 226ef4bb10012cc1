// CORS that reflects any Origin together with Access-Control-Allow-Credentials: any web page can
// read a signed-in user's data.
import type { Check } from '../check.js';
import { evidenceOf } from '../runner.js';
import { opRef, sessionOf, successes } from './util.js';

export const cors: Check = {
  id: 'PAL-SCAN-CONF-002',
  title: 'CORS reflects arbitrary origins with credentials',
  category: 'API8:2023',
  cwe: 942,
  severity: 'high',
  description: 'Replays a successful request (a signed-in one when there is one) with Origin: https://palisade-probe-<random>.example and then Origin: null. Reported when both are echoed in Access-Control-Allow-Origin together with Access-Control-Allow-Credentials: true.',
  remediation: { summary: 'Allow an explicit list of origins; never echo the request Origin when credentials are allowed.', shieldPolicy: 'cors stage (configured origins only; upstream CORS headers dropped)' },
  async run(ctx) {
    const o = successes(ctx, (x) => x.identity !== 'anonymous' && x.op.method === 'GET')[0] ?? successes(ctx, (x) => x.op.method === 'GET')[0];
    if (!o) return;
    ctx.tested(o.op);
    const s = sessionOf(ctx, o.identity);
    const origin = `https://palisade-probe-${Math.random().toString(36).slice(2, 8)}.example`;
    const r1 = await ctx.send({ ...o.request, headers: { ...o.request.headers, origin } }, s);
    if (r1.headers['access-control-allow-origin'] !== origin || r1.headers['access-control-allow-credentials'] !== 'true') return;
    const r2 = await ctx.send({ ...o.request, headers: { ...o.request.headers, origin: 'null' } }, s);
    const nullToo = r2.headers['access-control-allow-origin'] === 'null';
    ctx.report({ operation: opRef(o.op), confidence: 'confirmed', parts: [], description: `Any Origin is echoed with credentials allowed (${origin}${nullToo ? ', and null' : ''}).`, evidence: [evidenceOf(r1, `Access-Control-Allow-Origin: ${origin}, Access-Control-Allow-Credentials: true`)] });
  },
};

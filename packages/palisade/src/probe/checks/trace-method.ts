// TRACE answered: the request is echoed back, credentials included (cross-site tracing).
import type { Check } from '../check.js';
import { evidenceOf } from '../runner.js';
import { randomToken } from './util.js';

export const traceMethod: Check = {
  id: 'PAL-SCAN-CONF-004',
  title: 'TRACE is enabled and echoes the request',
  category: 'API8:2023',
  cwe: 693,
  severity: 'medium',
  description: 'Sends TRACE to the API base and to the first operation path with a marker header. Reported when the answer is 2xx and echoes the marker (so it would echo Authorization and cookies too), twice.',
  remediation: { summary: 'Disable TRACE (and TRACK) on the server and any proxy in front of it.', shieldPolicy: 'method allow-list (TRACE answered 405 by default)' },
  async run(ctx) {
    const first = ctx.operations.find((o) => !o.path.includes('{'));
    for (const path of ['/', ...(first ? [first.path] : [])]) {
      const marker = `palisade-trace-${randomToken()}`;
      const r = await ctx.sendRaw({ method: 'TRACE', url: path, headers: { 'x-palisade-probe': marker } });
      if (r.status < 200 || r.status > 299 || !r.body.includes(marker)) continue;
      const again = await ctx.sendRaw({ method: 'TRACE', url: path, headers: { 'x-palisade-probe': marker } });
      if (!again.body.includes(marker)) continue;
      ctx.report({ operation: { method: 'TRACE', path }, confidence: 'confirmed', parts: [], description: `TRACE ${path} is answered ${r.status} and echoes the request headers.`, evidence: [evidenceOf(r, `marker header echoed: ${marker}`, marker)] });
      return;
    }
  },
};

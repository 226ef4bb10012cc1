// Missing security headers on API responses: nosniff everywhere, no-store on responses to
// signed-in requests, HSTS over https.
import type { Check } from '../check.js';
import { evidenceOf } from '../runner.js';
import { successes } from './util.js';

export const securityHeaders: Check = {
  id: 'PAL-SCAN-CONF-001',
  title: 'Security headers are missing from API responses',
  category: 'API8:2023',
  cwe: 693,
  severity: 'low',
  description: 'Looks at every successful response seen while exploring: X-Content-Type-Options: nosniff must be on all, Cache-Control with no-store (or private) on those to signed-in requests, Strict-Transport-Security on https targets. Reported once for the API when a header is missing from at least three responses (or all, if fewer).',
  remediation: { summary: 'Send X-Content-Type-Options: nosniff, Cache-Control: no-store on authenticated responses, and HSTS over https.', shieldPolicy: 'response security headers stage (securityHeaders)' },
  async run(ctx) {
    const obs = successes(ctx);
    if (obs.length === 0) return;
    const missing = new Map<string, typeof obs>();
    const add = (h: string, o: (typeof obs)[number]) => missing.set(h, [...(missing.get(h) ?? []), o]);
    for (const o of obs) {
      ctx.tested(o.op);
      if (!/nosniff/i.test(o.response.headers['x-content-type-options'] ?? '')) add('x-content-type-options', o);
      if (o.identity !== 'anonymous' && !/no-store|private/i.test(o.response.headers['cache-control'] ?? '')) add('cache-control', o);
      if (o.response.request.url.startsWith('https:') && !o.response.headers['strict-transport-security']) add('strict-transport-security', o);
    }
    const names = [...missing.entries()].filter(([, list]) => list.length >= Math.min(3, obs.length)).map(([h]) => h).sort();
    if (names.length === 0) return;
    const example = missing.get(names[0]!)![0]!;
    ctx.report({ confidence: 'confirmed', parts: names, description: `Missing on the API's responses: ${names.map((n) => `${n} (${missing.get(n)!.length} of ${obs.length} responses)`).join(', ')}.`, evidence: [evidenceOf(example.response, `no ${names.join(', ')}`)] });
  },
};

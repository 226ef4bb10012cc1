// No rate limit: a bounded burst on a cheap operation is answered in full, with no 429 and no
// rate-limit headers.
import type { Check } from '../check.js';
import { evidenceOf } from '../runner.js';
import type { ScanResponse } from '../runner.js';
import { ok, opRef, pool, sessionOf, successes } from './util.js';

export const RATE_BURST = 50;
const LIMIT_HEADERS = ['retry-after', 'ratelimit', 'ratelimit-limit', 'ratelimit-remaining', 'ratelimit-policy', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-rate-limit-limit', 'x-rate-limit-remaining'];

export const rateLimit: Check = {
  id: 'PAL-SCAN-RATE-001',
  title: 'No rate limit on the API',
  category: 'API4:2023',
  cwe: 770,
  severity: 'medium',
  order: 75,
  description: `Sends a burst of ${RATE_BURST} requests (8 at a time) to the cheapest successful GET seen (no path parameters, preferably public). Reported when every one succeeds, none is answered 429, and no response carries rate-limit headers (RateLimit-*, X-RateLimit-*, Retry-After).`,
  remediation: { summary: 'Limit requests per client and per principal, and answer 429 with Retry-After beyond the limit.', shieldPolicy: 'rateLimit (per client IP and per principal, with quotas per operation)' },
  async run(ctx) {
    const candidates = successes(ctx, (o) => o.op.method === 'GET' && !o.op.path.includes('{')).sort((a, b) => Number(b.identity === 'anonymous') - Number(a.identity === 'anonymous') || a.response.bytes - b.response.bytes);
    const o = candidates[0];
    if (!o) return;
    ctx.tested(o.op);
    const session = sessionOf(ctx, o.identity);
    const replies: ScanResponse[] = [];
    await pool(Array.from({ length: RATE_BURST }, (_, i) => i), 8, async () => {
      replies.push(await ctx.send(o.request, session));
    });
    const limited = replies.some((r) => r.status === 429 || LIMIT_HEADERS.some((h) => r.headers[h] !== undefined));
    if (limited || !replies.every(ok)) return;
    ctx.report({
      operation: opRef(o.op),
      confidence: 'confirmed',
      parts: [],
      description: `${RATE_BURST} requests in a burst were all answered ${[...new Set(replies.map((r) => r.status))].join('/')}, with no 429 and no rate-limit headers.`,
      evidence: [evidenceOf(replies[replies.length - 1]!, `request ${RATE_BURST} of ${RATE_BURST}: no rate limit`)],
    });
  },
};

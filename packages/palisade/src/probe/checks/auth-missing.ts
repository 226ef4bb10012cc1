// Operations whose contract requires credentials but that answer without them.
import type { Check } from '../check.js';
import { evidenceOf } from '../runner.js';
import { ok, opRef, sameResponse, successes } from './util.js';

export const authMissing: Check = {
  id: 'PAL-SCAN-AUTH-001',
  title: 'An operation that declares security answers without credentials',
  category: 'API2:2023',
  cwe: 306,
  severity: 'high',
  description: 'Every GET operation whose contract declares a security requirement, and that answered an identity with a 2xx, is sent again without any credentials (and once with a malformed bearer token). Reported when the anonymous request gets a 2xx twice in a row with the same content.',
  remediation: { summary: 'Enforce the authentication the contract declares on every operation; deny by default.', shieldPolicy: 'authenticate stage (required for the operation: the OpenAPI security requirement)' },
  async run(ctx) {
    const done = new Set<string>();
    for (const o of successes(ctx, (x) => x.op.method === 'GET' && x.op.security === 'required' && x.identity !== 'anonymous')) {
      const key = `${o.op.method} ${o.op.path}`;
      if (done.has(key)) continue;
      done.add(key);
      ctx.tested(o.op);
      const { authorization: _a, cookie: _c, ...headers } = o.request.headers ?? {};
      const req = { ...o.request, headers };
      const r1 = await ctx.sendRaw(req);
      if (!ok(r1)) continue;
      const r2 = await ctx.sendRaw(req);
      if (!ok(r2) || !sameResponse(r1, r2)) continue;
      ctx.report({
        operation: opRef(o.op),
        confidence: 'confirmed',
        parts: [],
        description: `The contract requires credentials, yet the request without any is answered ${r1.status} (twice).`,
        evidence: [evidenceOf(r1, 'answered without credentials'), evidenceOf(o.response, `${o.identity} (signed in) for comparison`)],
      });
    }
  },
};

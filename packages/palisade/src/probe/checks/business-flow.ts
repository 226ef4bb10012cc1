// Business flows the contract says are limited ("once per customer", "one per customer", "protected
// against bots") or that the configuration names, repeated by one user without being stopped.
import type { Check } from '../check.js';
import { evidenceOf } from '../runner.js';
import type { ScanResponse } from '../runner.js';
import { nonAdmins, ok, opRef, successes } from './util.js';

export const FLOW_REPEATS = 5;
const LIMIT_CLAIM = /once per|one per|per (customer|user|account)|limited to|single[- ]use|only once|against bots|anti-?automation|captcha/i;

export const businessFlow: Check = {
  id: 'PAL-SCAN-FLOW-001',
  title: 'A business flow the contract limits can be repeated freely',
  category: 'API6:2023',
  cwe: 799,
  severity: 'medium',
  order: 65,
  description: `Operations whose summary or description promises a limit ("once per customer", "one per customer", "protected against bots"...) or listed in sensitiveFlows are repeated ${FLOW_REPEATS} times in a row by one user with the request that succeeded while exploring. Reported when every repetition succeeds with no 409, 429 or challenge.`,
  remediation: { summary: 'Enforce the business limit server side (per account, per device) and slow down automation on sensitive flows.', shieldPolicy: 'rateLimit quotas per principal and operation (business-flow quota)' },
  async run(ctx) {
    const listed = new Set(ctx.config.sensitiveFlows.map((s) => s.trim().replace(/\s+/, ' ')));
    const users = new Set(nonAdmins(ctx).map((u) => u.name));
    const done = new Set<string>();
    for (const o of successes(ctx, (x) => x.op.method !== 'GET' && users.has(x.identity))) {
      const key = `${o.op.method} ${o.op.path}`;
      if (done.has(key) || !(listed.has(key) || LIMIT_CLAIM.test(`${o.op.summary ?? ''} ${o.op.description ?? ''}`))) continue;
      done.add(key);
      ctx.tested(o.op);
      const session = ctx.users.find((u) => u.name === o.identity)!;
      const replies: ScanResponse[] = [];
      for (let i = 0; i < FLOW_REPEATS; i++) {
        const r = await ctx.send(o.request, session);
        replies.push(r);
        if (!ok(r)) break;
      }
      if (replies.length < FLOW_REPEATS || !replies.every(ok)) continue;
      ctx.report({
        operation: opRef(o.op),
        confidence: 'confirmed',
        parts: [],
        description: `The contract promises a limit ("${(`${o.op.summary ?? ''} ${o.op.description ?? ''}`.match(LIMIT_CLAIM) ?? ['listed in sensitiveFlows'])[0]}"), yet ${session.name} repeated it ${FLOW_REPEATS + 1} times (exploration included), every time answered ${replies[0]!.status}.`,
        evidence: [evidenceOf(o.response, 'first time (exploration)'), evidenceOf(replies[replies.length - 1]!, `repetition ${FLOW_REPEATS}: still accepted`)],
      });
    }
  },
};

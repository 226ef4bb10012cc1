// Business flows the contract says are limited ("once per customer", "one per customer", "protected
// against bots") or that the configuration names, repeated by one user without being stopped.
import type { Check } from '../check.js';
import { evidenceOf } from '../runner.js';
import type { ScanRequest, ScanResponse } from '../runner.js';
import { nonAdmins, ok, opRef, successes } from './util.js';

export const FLOW_REPEATS = 5;
const LIMIT_CLAIM = /once per|one per|per (customer|user|account)|limited to|single[- ]use|only once|against bots|anti-?automation|captcha/i;
/** A limit promised for one object: "the flash-sale product (id 1) is limited to one per customer". */
const NAMED_ID = /\((?:id|#)\s*(\d{1,12})\)|\b(?:id|#)\s*(\d{1,12})\b/i;

/** The request aimed at the object the claim names: its first integer id field set to that id. */
function aimed(req: ScanRequest, text: string): ScanRequest | undefined {
  const m = NAMED_ID.exec(text);
  if (!m || typeof req.body !== 'string') return undefined;
  try {
    const body = JSON.parse(req.body) as Record<string, unknown>;
    const key = body && typeof body === 'object' && !Array.isArray(body) ? Object.keys(body).find((k) => /id$/i.test(k) && typeof body[k] === 'number') : undefined;
    if (!key) return undefined;
    return { ...req, body: JSON.stringify({ ...body, [key]: Number(m[1] ?? m[2]) }) };
  } catch {
    return undefined;
  }
}

export const businessFlow: Check = {
  id: 'PAL-SCAN-FLOW-001',
  title: 'A business flow the contract limits can be repeated freely',
  category: 'API6:2023',
  cwe: 799,
  severity: 'medium',
  order: 65,
  description: `Operations whose summary or description promises a limit ("once per customer", "one per customer", "protected against bots"...) or listed in sensitiveFlows are repeated ${FLOW_REPEATS} times in a row by one user with the request that succeeded while exploring (aimed at the object the claim names, "product (id 1)", when it names one). Reported when every repetition succeeds with no 409, 429 or challenge.`,
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
      const claim = `${o.op.summary ?? ''} ${o.op.description ?? ''}`;
      const target = aimed(o.request, claim);
      const replies: ScanResponse[] = [];
      for (let i = 0; i < FLOW_REPEATS; i++) {
        const r = await ctx.send(target ?? o.request, session);
        replies.push(r);
        if (!ok(r)) break;
      }
      if (replies.length < FLOW_REPEATS || !replies.every(ok)) continue;
      ctx.report({
        operation: opRef(o.op),
        confidence: 'confirmed',
        parts: [],
        description: `The contract promises a limit ("${(claim.match(LIMIT_CLAIM) ?? ['listed in sensitiveFlows'])[0]}"), yet ${session.name} repeated it ${target ? `${FLOW_REPEATS} times for the object it names (${String(target.body)})` : `${FLOW_REPEATS + 1} times (exploration included)`}, every time answered ${replies[0]!.status}.`,
        evidence: [evidenceOf(o.response, 'first time (exploration)'), evidenceOf(replies[replies.length - 1]!, `repetition ${FLOW_REPEATS}: still accepted`)],
      });
    }
  },
};

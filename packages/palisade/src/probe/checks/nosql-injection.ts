// NoSQL operator injection: a parameter that the server hands to a document database as it came
// may carry an operator object instead of a value. `name[$ne]=` in a query string (qs-style
// parsers build { $ne: '' }) and `{"$ne": null}` in JSON match every document. Confirmed by the
// baseline difference: the operator answers differently from a value that matches nothing, while
// `$eq` of that same value answers exactly like the value itself (so operators are interpreted,
// and the difference is not just an object being refused or stringified).
import type { Check } from '../check.js';
import type { ScanRequest } from '../runner.js';
import { evidenceOf } from '../runner.js';
import type { InjectionPoint } from './inject-common.js';
import { injectionPoints, pointParts, withBodyValue, withPayload } from './inject-common.js';
import { bodySignature, ok, opRef, randomToken, sameResponse, sessionOf } from './util.js';

function withOperator(pt: InjectionPoint, op: '$ne' | '$eq', value: string | null): ScanRequest {
  if (pt.where === 'query') {
    const r = pt.obs.request;
    const u = new URL(r.url, 'http://x');
    u.searchParams.delete(pt.name);
    u.searchParams.append(`${pt.name}[${op}]`, value ?? '');
    return { ...r, url: `${u.pathname}${u.search}` };
  }
  return withBodyValue(pt, { [op]: value });
}

export const nosqlInjection: Check = {
  id: 'PAL-SCAN-INJ-003',
  title: 'NoSQL operator injection',
  category: 'API8:2023',
  cwe: 943,
  severity: 'high',
  description: 'For string query parameters, JSON body fields and GraphQL arguments of requests that succeeded: a value that matches nothing is the baseline; the same parameter then gets an operator that matches everything (name[$ne]= in the query, {"$ne": null} in JSON) and a control operator that means the baseline value ($eq). Reported when the $ne request succeeds and answers differently from the baseline, the $eq control answers exactly like the baseline (operators are interpreted), and the $ne answer repeats identically.',
  remediation: { summary: 'Accept only scalar values where a value is expected (validate types), and never pass request objects to the database query as they came; sanitise keys starting with $.', shieldPolicy: 'contract: parameter and body validation (type: string) and waf (OWASP CRS NoSQL operator rules)' },
  async run(ctx) {
    for (const pt of injectionPoints(ctx)) {
      // Operators are objects: a path segment or the text of an XML element cannot carry one.
      if (pt.where === 'path' || pt.where === 'xml') continue;
      ctx.tested(pt.obs.op);
      const s = sessionOf(ctx, pt.obs.identity);
      const nothing = `palisade-${randomToken()}`;
      const base = await ctx.send(withPayload(pt, nothing), s);
      if (base.status === 0 || base.status >= 500) continue;
      const ne = await ctx.send(withOperator(pt, '$ne', pt.where === 'query' ? '' : null), s);
      if (!ok(ne) || (ne.status === base.status && bodySignature(ne) === bodySignature(base))) continue;
      const eq = await ctx.send(withOperator(pt, '$eq', nothing), s);
      if (!sameResponse(eq, base)) continue;
      const again = await ctx.send(withOperator(pt, '$ne', pt.where === 'query' ? '' : null), s);
      if (!sameResponse(again, ne)) continue;
      ctx.report({ operation: opRef(pt.obs.op), confidence: 'firm', parts: pointParts(pt), description: `${pt.where} parameter ${pt.name}: a $ne operator answers ${ne.status} with ${ne.bytes} bytes where a value matching nothing answers ${base.status} with ${base.bytes} bytes, and $eq of that value answers like the value: the database receives operators from the request.`, evidence: [evidenceOf(ne, 'operator $ne accepted and interpreted'), evidenceOf(base, 'baseline: a value that matches nothing'), evidenceOf(eq, 'control: $eq of the same value answers like the baseline')] });
    }
  },
};

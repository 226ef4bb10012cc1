// Size and page parameters above the contract's maximum are accepted and cost more: the API
// does not enforce its own limits (page size, image size, depth...).
import type { Check } from '../check.js';
import { evidenceOf } from '../runner.js';
import { jsonOf, ok, opRef, sessionOf, successes } from './util.js';

const SIZE_NAME = /^(limit|size|page_?size|per_?page|count|top|max|first|last|take|n|width|height|depth|rows|items)$/i;

function itemCount(j: unknown): number | undefined {
  if (Array.isArray(j)) return j.length;
  if (j && typeof j === 'object') for (const v of Object.values(j)) if (Array.isArray(v)) return v.length;
  return undefined;
}

export const pageSize: Check = {
  id: 'PAL-SCAN-RATE-002',
  title: "A size parameter above the contract's maximum is accepted",
  category: 'API4:2023',
  cwe: 770,
  severity: 'medium',
  description: "For integer query parameters with a documented maximum whose name says size (limit, size, per_page, count, width...), the request that succeeded while exploring is sent with the maximum and with a value far above it (×10 up to 100, ×3 above). Reported when the larger value is accepted and returns more (more items, or a response at least 1.5 times larger); the oversized request is repeated before reporting.",
  remediation: { summary: 'Validate size and paging parameters against the documented maximum (reject or clamp).', shieldPolicy: 'limits.maxPageSize and contract: query parameter validation (maximum)' },
  async run(ctx) {
    const done = new Set<string>();
    for (const o of successes(ctx, (x) => x.op.method === 'GET')) {
      for (const p of o.op.params) {
        const max = p.schema?.maximum;
        const key = `${o.op.method} ${o.op.path} ${p.name}`;
        if (p.in !== 'query' || typeof max !== 'number' || (p.schema?.type !== 'integer' && p.schema?.type !== 'number') || !SIZE_NAME.test(p.name) || done.has(key)) continue;
        done.add(key);
        ctx.tested(o.op);
        const session = sessionOf(ctx, o.identity);
        const over = max <= 100 ? max * 10 : max * 3;
        const build = (v: number) => ctx.explore.build(o.op, session, { path: o.pathValues, query: { [p.name]: String(v) } }).request;
        const atMax = await ctx.send(build(max), session);
        const big = await ctx.send(build(over), session);
        if (!ok(atMax) || !ok(big)) continue;
        const nMax = itemCount(jsonOf(atMax));
        const nBig = itemCount(jsonOf(big));
        const moreItems = nMax !== undefined && nBig !== undefined && nBig > max && nBig > nMax;
        const bigger = big.bytes >= atMax.bytes * 1.5;
        if (!moreItems && !bigger) continue;
        const again = await ctx.send(build(over), session);
        if (!ok(again) || again.bytes < atMax.bytes * (moreItems ? 1.01 : 1.5)) continue;
        ctx.report({
          operation: opRef(o.op),
          confidence: 'confirmed',
          parts: [p.name],
          description: `${p.name}=${over} is accepted although the contract's maximum is ${max}: ${moreItems ? `${nBig} items instead of at most ${max}` : `${big.bytes} bytes instead of ${atMax.bytes}`}.`,
          evidence: [evidenceOf(atMax, `${p.name}=${max} (the maximum): ${atMax.bytes} bytes${nMax !== undefined ? `, ${nMax} items` : ''}`), evidenceOf(big, `${p.name}=${over}: ${big.bytes} bytes${nBig !== undefined ? `, ${nBig} items` : ''}`)],
        });
      }
    }
  },
};

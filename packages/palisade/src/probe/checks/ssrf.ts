// Server-side request forgery. SSRF-001: a URL-valued parameter gets the out-of-band canary URL; a
// hit on the canary proves the server fetched it. SSRF-002: when the canary is not reached,
// internal addresses are compared: an open and a closed loopback port answering differently
// shows the server fetches internal addresses and reports on them.
import type { Check, CheckContext } from '../check.js';
import { evidenceOf, shieldProblem } from '../runner.js';
import { isUrlField } from '../explore.js';
import type { InjectionPoint } from './inject-common.js';
import { withPayload } from './inject-common.js';
import { bodySignature, isAdminOp, opRef, sessionOf, successes } from './util.js';

function urlPoints(ctx: CheckContext): InjectionPoint[] {
  const out: InjectionPoint[] = [];
  const seen = new Set<string>();
  const obs = [...successes(ctx), ...ctx.explore.observations.filter((o) => o.response.status >= 400 && o.response.status < 600 && o.response.status !== 401 && o.response.status !== 403)];
  for (const o of obs) {
    if (isAdminOp(o.op)) continue;
    const u = new URL(o.request.url, 'http://x');
    for (const p of o.op.params) {
      if (p.in !== 'query' || !isUrlField(p.name, p.schema)) continue;
      const k = `${o.op.method} ${o.op.path} query ${p.name}`;
      if (!seen.has(k)) {
        seen.add(k);
        out.push({ obs: o, where: 'query', name: p.name, value: u.searchParams.get(p.name) ?? '' });
      }
    }
    if (typeof o.request.body === 'string' && /json/.test(o.request.headers?.['content-type'] ?? '')) {
      try {
        const b = JSON.parse(o.request.body) as Record<string, unknown>;
        const props = (o.op.body?.schema?.properties ?? {}) as Record<string, unknown>;
        for (const [name, v] of Object.entries(b)) {
          if (typeof v !== 'string' || !(isUrlField(name, props[name]) || /^https?:\/\//.test(v))) continue;
          const k = `${o.op.method} ${o.op.path} body ${name}`;
          if (!seen.has(k)) {
            seen.add(k);
            out.push({ obs: o, where: 'body', name, value: v });
          }
        }
      } catch {
        // Not JSON.
      }
    }
  }
  return out;
}

export const ssrfCanary: Check = {
  id: 'PAL-SCAN-SSRF-001',
  title: 'Server-side request forgery (the server fetches a URL the client gives)',
  category: 'API7:2023',
  cwe: 918,
  severity: 'high',
  description: "URL-valued parameters (format uri, or names like url, callback, webhook, image, avatar) of requests seen while exploring get a fresh URL of the scanner's out-of-band canary listener. Reported when the canary receives the request carrying that URL's token; a second token must be fetched too.",
  remediation: { summary: 'Fetch only allow-listed hosts; resolve and refuse private, loopback and link-local addresses; do not follow redirects; never echo what was fetched.', shieldPolicy: 'validate: SSRF guard (ssrfGuard) on URL-valued fields' },
  async run(ctx) {
    for (const pt of urlPoints(ctx)) {
      ctx.tested(pt.obs.op);
      const s = sessionOf(ctx, pt.obs.identity);
      const c1 = ctx.canary.url();
      const r1 = await ctx.send(withPayload(pt, c1.url), s);
      const hit1 = await ctx.canary.waitFor(c1.token);
      if (!hit1) continue;
      const c2 = ctx.canary.url();
      await ctx.send(withPayload(pt, c2.url), s);
      const hit2 = await ctx.canary.waitFor(c2.token);
      if (!hit2) continue;
      ctx.report({ operation: opRef(pt.obs.op), confidence: 'confirmed', parts: [pt.where, pt.name], description: `${pt.where} field ${pt.name}: the server fetched the canary URL (${hit1.method} ${hit1.path}${hit1.userAgent ? `, User-Agent ${hit1.userAgent}` : ''}), twice.`, evidence: [{ ...evidenceOf(r1, `canary fetched by the server: ${hit1.method} ${hit1.path}`) }] });
    }
  },
};

export const ssrfInternal: Check = {
  id: 'PAL-SCAN-SSRF-002',
  title: 'Server-side request forgery toward internal addresses (blind port probing)',
  category: 'API7:2023',
  cwe: 918,
  severity: 'high',
  description: "For URL-valued parameters whose canary URL was not fetched (the target may not reach the scanner), sends http://127.0.0.1:1/ (closed port) and http://127.0.0.1:<port of the target>/ (open). Reported when the two answers differ (status or body) and each repeats identically: the server fetches internal addresses and tells open from closed.",
  remediation: { summary: 'Resolve the URL and refuse private, loopback and link-local addresses before fetching; answer the same whatever the failure.', shieldPolicy: 'validate: SSRF guard (ssrfGuard) on URL-valued fields' },
  async run(ctx) {
    const target = new URL(ctx.runner.target);
    const open = `${target.protocol}//127.0.0.1:${target.port || (target.protocol === 'https:' ? 443 : 80)}/`;
    for (const pt of urlPoints(ctx)) {
      ctx.tested(pt.obs.op);
      const s = sessionOf(ctx, pt.obs.identity);
      const c = ctx.canary.url();
      await ctx.send(withPayload(pt, c.url), s);
      if (await ctx.canary.waitFor(c.token, 800)) continue;
      const closed = await ctx.send(withPayload(pt, 'http://127.0.0.1:1/'), s);
      const opened = await ctx.send(withPayload(pt, open), s);
      // A gateway's own refusal (Shield's SSRF guard) says nothing about what the API fetches.
      if (shieldProblem(closed) !== undefined || shieldProblem(opened) !== undefined) continue;
      if (closed.status === opened.status && bodySignature(closed).replace(/:1\b/g, '') === bodySignature(opened).replace(/:\d+\b/g, '')) continue;
      const closed2 = await ctx.send(withPayload(pt, 'http://127.0.0.1:1/'), s);
      const opened2 = await ctx.send(withPayload(pt, open), s);
      if (closed2.status !== closed.status || opened2.status !== opened.status) continue;
      ctx.report({ operation: opRef(pt.obs.op), confidence: 'firm', parts: [pt.where, pt.name], description: `${pt.where} field ${pt.name}: a closed loopback port answers ${closed.status}, an open one ${opened.status}: the server fetches internal addresses.`, evidence: [evidenceOf(closed, 'closed port 127.0.0.1:1'), evidenceOf(opened, `open port ${open}`)] });
    }
  },
};

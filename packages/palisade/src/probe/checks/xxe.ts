// XML external entities, on every XML request body that succeeded (SOAP envelopes included): a
// DOCTYPE declaring an external entity that points at the scanner's out-of-band canary (a hit
// proves the parser fetched it; a parameter entity is tried when the general one is not
// fetched), and one that points at a local file, reported when the file's content appears and
// is not in the baseline. Each is confirmed a second time.
import type { Check, CheckContext } from '../check.js';
import type { Observation } from '../explore.js';
import type { ScanRequest } from '../runner.js';
import { evidenceOf } from '../runner.js';
import { firstMatch, isAdminOp, opRef, sessionOf, successes } from './util.js';

const FILES: Array<[string, RegExp]> = [['file:///etc/passwd', /root:[x*!]?:0:0:/], ['file:///c:/windows/win.ini', /\[(fonts|extensions)\]\s*\r?\n/i]];
const MAX_TARGETS = 20;

function xmlTargets(ctx: CheckContext): Observation[] {
  const seen = new Set<string>();
  return successes(ctx, (o) => !isAdminOp(o.op) && typeof o.request.body === 'string' && (/xml/i.test(o.request.headers?.['content-type'] ?? '') || /^\s*<[?A-Za-z]/.test(o.request.body))).filter((o) => {
    const k = `${o.op.method} ${o.op.path} ${o.op.operationId ?? ''}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  }).slice(0, MAX_TARGETS);
}

/**
 * The body with `doctype` declared and the first text content replaced by `ref`. Undefined when
 * the body has no element with text (nowhere to expand a general entity).
 */
export function withEntity(body: string, decl: string, ref: string): string | undefined {
  const rest = body.replace(/^\s*<\?xml[^>]*\?>\s*/, '').replace(/<!DOCTYPE[^>[]*(\[[\s\S]*?\])?\s*>\s*/i, '');
  const root = /^<([A-Za-z_][\w.:-]*)/.exec(rest)?.[1];
  if (!root) return undefined;
  let replaced = false;
  const doc = ref === '' ? rest : rest.replace(/>([^<>]*\S[^<>]*)</, () => {
    replaced = true;
    return `>${ref}<`;
  });
  if (ref !== '' && !replaced) return undefined;
  return `<?xml version="1.0" encoding="utf-8"?><!DOCTYPE ${root} [${decl}]>${doc}`;
}

export const xxe: Check = {
  id: 'PAL-SCAN-INJ-005',
  title: 'XML external entities are resolved (XXE)',
  category: 'API8:2023',
  cwe: 611,
  severity: 'critical',
  description: "For XML request bodies that succeeded while exploring (SOAP envelopes included), a DOCTYPE is added that declares an external entity pointing at the scanner's out-of-band canary and the first text value is replaced by a reference to it; reported when the canary receives that URL's token, and a second token too (a parameter entity is tried when the general one is not fetched). Then an entity pointing at /etc/passwd (and win.ini): reported when the file's content appears in the answer and not in the baseline, twice.",
  remediation: { summary: 'Disable DTDs (or at least external entities and entity expansion) in every XML parser that reads request data.', shieldPolicy: 'validate: XML/SOAP stage (DTDs refused, external entities never resolved)' },
  async run(ctx) {
    for (const o of xmlTargets(ctx)) {
      ctx.tested(o.op);
      const s = sessionOf(ctx, o.identity);
      const body = String(o.request.body);
      const send = (b: string): Promise<Awaited<ReturnType<typeof ctx.send>>> => ctx.send({ ...o.request, body: b } as ScanRequest, s);
      const parts = o.op.soap || o.op.graphql ? [o.op.operationId ?? ''] : [];
      for (const kind of ['general', 'parameter'] as const) {
        const build = (url: string): string | undefined => kind === 'general' ? withEntity(body, `<!ENTITY palisade SYSTEM "${url}">`, '&palisade;') : withEntity(body, `<!ENTITY % palisade SYSTEM "${url}"> %palisade;`, '');
        const c1 = ctx.canary.url();
        const b1 = build(c1.url);
        if (b1 === undefined) continue;
        const r1 = await send(b1);
        const hit1 = await ctx.canary.waitFor(c1.token);
        if (!hit1) continue;
        const c2 = ctx.canary.url();
        await send(build(c2.url)!);
        if (!(await ctx.canary.waitFor(c2.token))) continue;
        ctx.report({ operation: opRef(o.op), confidence: 'confirmed', parts: [...parts, 'canary'], description: `The XML parser resolves a ${kind} external entity: it fetched the canary URL (${hit1.method} ${hit1.path}), twice.`, evidence: [evidenceOf(r1, `external entity fetched by the server: ${hit1.method} ${hit1.path}`)] });
        break;
      }
      // A file entity is tried even after a canary hit: reading local files is the worse outcome,
      // and a target that cannot reach the canary may still expand files.
      const base = await ctx.send(o.request, s);
      for (const [file, content] of FILES) {
        if (firstMatch([content], base.body)) continue;
        const b = withEntity(body, `<!ENTITY palisade SYSTEM "${file}">`, '&palisade;');
        if (b === undefined) break;
        const r = await send(b);
        const m = firstMatch([content], r.body);
        if (!m) continue;
        const again = await send(b);
        if (!firstMatch([content], again.body)) continue;
        ctx.report({ operation: opRef(o.op), confidence: 'confirmed', parts: [...parts, 'file'], description: `The XML parser resolves an external entity naming ${file} and the answer carries the file.`, evidence: [evidenceOf(r, `file content: ${m}`, m), evidenceOf(base, 'baseline without the entity')] });
        break;
      }
    }
  },
};

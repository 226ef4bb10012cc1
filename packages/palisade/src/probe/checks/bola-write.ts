// User B changes an object exploration saw only in user A's responses. The write carries a marker
// in its string fields; it is confirmed when A, reading the object, sees B's marker.
import type { Check } from '../check.js';
import { evidenceOf } from '../runner.js';
import { isAdminOp, nonAdmins, ok, opRef, randomToken } from './util.js';

export const bolaWrite: Check = {
  id: 'PAL-SCAN-BOLA-002',
  title: "Another user's object can be changed (broken object level authorization)",
  category: 'API1:2023',
  cwe: 639,
  severity: 'critical',
  destructive: true,
  order: 70,
  description: "For each PUT/PATCH/POST operation with an object id in its path, user B writes to an id seen only in user A's responses, with a marker in the body's string fields. Reported when the write succeeds and A then reads B's marker in the object (or, without a read operation, when the response carries it).",
  remediation: { summary: 'Check ownership of the object before every change, not only before reads.', shieldPolicy: 'authorize.rules[] with ownerLookup (object ownership rule) on the write methods' },
  async run(ctx) {
    for (const op of ctx.operations.filter((o) => ['PUT', 'PATCH', 'POST'].includes(o.method) && o.path.includes('{') && !isAdminOp(o))) {
      ctx.tested(op);
      const param = [...op.path.matchAll(/\{([^}]+)\}/g)].pop()?.[1];
      if (!param) continue;
      const read = ctx.operations.find((o) => o.method === 'GET' && o.path === op.path);
      const base = ctx.explore.bodyFor(op);
      const marker = `palisade-bola-${randomToken()}`;
      const props = (op.body?.schema?.properties ?? {}) as Record<string, { type?: unknown; format?: unknown; pattern?: unknown; enum?: unknown }>;
      let body: unknown = base;
      let marked = false;
      if (base && typeof base === 'object' && !Array.isArray(base)) {
        body = { ...(base as Record<string, unknown>) };
        for (const [k, v] of Object.entries(body as Record<string, unknown>)) {
          const s = props[k];
          if (typeof v === 'string' && !s?.format && !s?.pattern && !s?.enum) {
            (body as Record<string, unknown>)[k] = marker;
            marked = true;
          }
        }
      }
      let done = false;
      for (const victim of ctx.users) {
        if (done) break;
        const value = ctx.explore.owned(victim.name, param)[0];
        if (value === undefined) continue;
        for (const attacker of nonAdmins(ctx).filter((a) => a !== victim)) {
          const w = await ctx.send(ctx.explore.build(op, attacker, { path: { [param]: value }, ...(body !== undefined ? { body } : {}) }).request, attacker);
          if (!ok(w)) continue;
          let proof = marked && w.body.includes(marker) ? w : undefined;
          if (read && marked) {
            const r = await ctx.send(ctx.explore.build(read, victim, { path: { [param]: value } }).request, victim);
            proof = ok(r) && r.body.includes(marker) ? r : undefined;
          }
          if (!proof) continue;
          ctx.report({
            operation: opRef(op),
            confidence: 'confirmed',
            parts: [param],
            description: `${attacker.name} changed ${victim.name}'s object {${param}}=${value}; ${read ? `${victim.name} then read the marker ${marker}` : 'the response carries the marker'}.`,
            evidence: [evidenceOf(w, `${attacker.name} wrote ${marker} into ${victim.name}'s object`), evidenceOf(proof, `the object now holds ${marker}`, marker)],
          });
          done = true;
          break;
        }
      }
    }
  },
};

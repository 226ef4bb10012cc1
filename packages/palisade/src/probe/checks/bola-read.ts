// User B reads an object that exploration saw only in user A's responses. Confirmed when B gets
// the same content A gets, anonymous does not, and a repeat gives the same answer.
import type { Check } from '../check.js';
import { evidenceOf } from '../runner.js';
import { isAdminOp, nonAdmins, ok, opRef, sameResponse } from './util.js';

export const bolaRead: Check = {
  id: 'PAL-SCAN-BOLA-001',
  title: "Another user's object can be read (broken object level authorization)",
  category: 'API1:2023',
  cwe: 639,
  severity: 'high',
  description: "For each GET operation with an object id in its path, user B asks for ids exploration saw only in user A's responses (or ids next to B's own). Reported when B receives the same object A receives, while an anonymous request is refused; the request is repeated before reporting.",
  remediation: { summary: 'Check on every request that the caller owns (or may see) the object named by the id, not only that the caller is signed in.', shieldPolicy: 'authorize.rules[] with ownerLookup (object ownership rule) for the operation' },
  async run(ctx) {
    const attackers = nonAdmins(ctx);
    for (const op of ctx.operations.filter((o) => o.method === 'GET' && o.path.includes('{') && o.security !== 'none' && !isAdminOp(o))) {
      ctx.tested(op);
      const param = [...op.path.matchAll(/\{([^}]+)\}/g)].pop()?.[1];
      if (!param) continue;
      let found = false;
      for (const victim of ctx.users) {
        if (found) break;
        for (const value of ctx.explore.owned(victim.name, param).slice(0, 3)) {
          if (found) break;
          const asVictim = await ctx.send(ctx.explore.build(op, victim, { path: { [param]: value } }).request, victim);
          if (!ok(asVictim)) continue;
          const anon = await ctx.send(ctx.explore.build(op, ctx.anonymous, { path: { [param]: value } }).request);
          if (ok(anon)) continue;
          for (const attacker of attackers.filter((a) => a !== victim)) {
            const req = ctx.explore.build(op, attacker, { path: { [param]: value } }).request;
            const r1 = await ctx.send(req, attacker);
            if (!ok(r1) || !sameResponse(r1, asVictim)) continue;
            const r2 = await ctx.send(req, attacker);
            if (!sameResponse(r2, r1)) continue;
            ctx.report({
              operation: opRef(op),
              confidence: 'confirmed',
              parts: [param],
              description: `${attacker.name} read ${victim.name}'s object {${param}}=${value}: the answer equals ${victim.name}'s own, and an anonymous request is refused (${anon.status}).`,
              evidence: [evidenceOf(asVictim, `${victim.name} (owner) reads {${param}}=${value}`), evidenceOf(r1, `${attacker.name} gets the same ${r1.status} answer for ${victim.name}'s object`)],
            });
            found = true;
            break;
          }
        }
      }
    }
  },
};

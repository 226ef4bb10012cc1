// Method switching: GET on an admin path is refused to a normal user, but another method on the
// same path (DELETE/PUT/PATCH, or POST with X-HTTP-Method-Override) is accepted.
import type { Check } from '../check.js';
import { evidenceOf } from '../runner.js';
import { admins, isAdminOp, nonAdmins, ok, opRef } from './util.js';

export const bflaMethod: Check = {
  id: 'PAL-SCAN-BFLA-002',
  title: 'An administrator operation is refused with one method and accepted with another (method switching)',
  category: 'API5:2023',
  cwe: 285,
  severity: 'critical',
  destructive: true,
  order: 95,
  description: "For administrative paths where a normal user's GET is refused (401/403), the user sends the path's other declared methods (DELETE, PUT, PATCH) and POST with X-HTTP-Method-Override. Reported when one is accepted; for DELETE the effect is confirmed by reading the object afterwards (as admin when configured, else by a second DELETE answering 404).",
  remediation: { summary: 'Apply the same role check to every method of a path, and ignore method-override headers.', shieldPolicy: 'authorize: required roles per operation and method (x-palisade-roles on every method); Shield drops X-HTTP-Method-Override' },
  async run(ctx) {
    const byPath = new Map<string, typeof ctx.operations[number][]>();
    for (const op of ctx.operations) byPath.set(op.path, [...(byPath.get(op.path) ?? []), op]);
    const admin = admins(ctx)[0];
    for (const [path, ops] of byPath) {
      const get = ops.find((o) => o.method === 'GET');
      if (!get || !ops.some(isAdminOp)) continue;
      for (const user of nonAdmins(ctx)) {
        const adminObs = admin ? ctx.explore.observed(get, admin.name) : undefined;
        const pathValues = adminObs?.pathValues ?? {};
        const refused = await ctx.send(ctx.explore.build(get, user, { path: pathValues }).request, user);
        if (refused.status !== 401 && refused.status !== 403) continue;
        let reported = false;
        for (const op of ops.filter((o) => o !== get && ['DELETE', 'PUT', 'PATCH'].includes(o.method))) {
          ctx.tested(op);
          const req = ctx.explore.build(op, user, { path: pathValues }).request;
          const r = await ctx.send(req, user);
          if (!ok(r)) continue;
          let proof = r;
          if (op.method === 'DELETE') {
            const after = admin ? await ctx.send(ctx.explore.build(get, admin, { path: pathValues }).request, admin) : await ctx.send(req, user);
            if (after.status !== 404 && after.status !== 410) continue;
            proof = after;
          }
          ctx.report({
            operation: opRef(op),
            confidence: 'confirmed',
            parts: [op.method],
            description: `${user.name} is refused GET ${path} (${refused.status}) but ${op.method} is accepted (${r.status}).`,
            evidence: [evidenceOf(refused, `GET refused to ${user.name}`), evidenceOf(r, `${op.method} accepted for ${user.name}`), ...(proof !== r ? [evidenceOf(proof, 'the object is gone afterwards')] : [])],
          });
          reported = true;
          break;
        }
        if (!reported) {
          for (const method of ['DELETE', 'PUT', 'PATCH']) {
            const req = ctx.explore.build(get, user, { path: pathValues, method: 'POST', headers: { 'x-http-method-override': method, 'x-method-override': method } }).request;
            const r = await ctx.send(req, user);
            if (!ok(r)) continue;
            const again = await ctx.send(ctx.explore.build(get, user, { path: pathValues }).request, user);
            if (again.status !== 401 && again.status !== 403) continue;
            ctx.report({ operation: opRef(get), confidence: 'firm', parts: ['override', method], description: `${user.name} is refused GET ${path} but POST with X-HTTP-Method-Override: ${method} is accepted (${r.status}).`, evidence: [evidenceOf(refused, 'GET refused'), evidenceOf(r, `override to ${method} accepted`)] });
            break;
          }
        }
        break;
      }
    }
  },
};

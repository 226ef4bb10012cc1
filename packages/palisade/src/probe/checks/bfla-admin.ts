// Admin operations (x-palisade-roles, an admin tag, path or scope) called by a normal user.
import type { Check } from '../check.js';
import { evidenceOf } from '../runner.js';
import { admins, isAdminOp, nonAdmins, ok, opRef } from './util.js';

export const bflaAdmin: Check = {
  id: 'PAL-SCAN-BFLA-001',
  title: 'A normal user can call an administrator operation (broken function level authorization)',
  category: 'API5:2023',
  cwe: 285,
  severity: 'high',
  description: 'Operations recognised as administrative (x-palisade-roles naming an admin role, an admin tag, /admin/ in the path, or an admin scope) are called with GET by each identity whose role is user. Reported when the user gets a 2xx while an anonymous request is refused; with an admin identity configured, the admin must get a 2xx too. Repeated before reporting.',
  remediation: { summary: 'Check the caller\'s role or permission on every administrative operation, server side.', shieldPolicy: 'authorize: required roles per operation (x-palisade-roles, authorize.rules[].roles)' },
  async run(ctx) {
    for (const op of ctx.operations.filter((o) => o.method === 'GET' && isAdminOp(o))) {
      ctx.tested(op);
      const admin = admins(ctx)[0];
      const adminObs = admin ? ctx.explore.observed(op, admin.name) : undefined;
      if (admin && (!adminObs || !ok(adminObs.response))) continue;
      for (const user of nonAdmins(ctx)) {
        const req = ctx.explore.build(op, user, { path: adminObs?.pathValues ?? {} }).request;
        const r1 = await ctx.send(req, user);
        if (!ok(r1)) continue;
        const anon = await ctx.send(req);
        if (ok(anon)) continue;
        const r2 = await ctx.send(req, user);
        if (!ok(r2)) continue;
        ctx.report({
          operation: opRef(op),
          confidence: 'confirmed',
          parts: [],
          description: `${user.name} (role user) called an administrator operation and got ${r1.status}; anonymous gets ${anon.status}.`,
          evidence: [evidenceOf(r1, `${user.name} (not an administrator) gets ${r1.status}`), ...(adminObs ? [evidenceOf(adminObs.response, `${admin!.name} (administrator) gets ${adminObs.response.status}`)] : [])],
        });
        break;
      }
    }
  },
};

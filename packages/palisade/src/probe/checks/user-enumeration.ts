// Login answers tell an unknown account from a wrong password: accounts can be enumerated.
import type { Check } from '../check.js';
import { evidenceOf } from '../runner.js';
import type { ScanResponse } from '../runner.js';
import { loginRequest, loginSucceeded, loginTarget, opFor, unknownUser, wrongPassword } from './login-common.js';
import { randomToken } from './util.js';

function shape(r: ScanResponse, user: string): string {
  return `${r.status}|${r.body.split(user).join('<user>').replace(/\d{4}-\d\d-\d\dT[\d:.]+Z?/g, '<time>')}`;
}

export const userEnumeration: Check = {
  id: 'PAL-SCAN-AUTH-003',
  title: 'Login answers reveal which accounts exist (user enumeration)',
  category: 'API2:2023',
  cwe: 204,
  severity: 'medium',
  order: 80,
  description: "Sends two logins with wrong passwords for a configured identity's account and two for made-up accounts of the same shape (none may sign in: a 2xx without the token counts as a failure). Reported when the two known-account answers agree with each other, the two unknown-account answers agree with each other, and the two groups differ (status or body, with the user name itself masked).",
  remediation: { summary: 'Answer every failed login the same way (status, body, timing), whether the account exists or not.', shieldPolicy: 'loginGuard with uniform failure responses' },
  async run(ctx) {
    const t = loginTarget(ctx);
    if (!t) return ctx.note('no identity signs in with a user name and password: nothing to test');
    const op = ctx.operations.find((o) => o.method === t.method && o.path === t.path);
    if (op) ctx.tested(op);
    const k1 = await ctx.sendRaw(loginRequest(t, t.creds.user, wrongPassword(t.creds.password, 101)));
    const u1user = unknownUser(t.creds.user, randomToken());
    const u1 = await ctx.sendRaw(loginRequest(t, u1user, wrongPassword(t.creds.password, 102)));
    const k2 = await ctx.sendRaw(loginRequest(t, t.creds.user, wrongPassword(t.creds.password, 103)));
    const u2user = unknownUser(t.creds.user, randomToken());
    const u2 = await ctx.sendRaw(loginRequest(t, u2user, wrongPassword(t.creds.password, 104)));
    // A failed login may well be a 200 ({"status": "fail"}): failure is the absence of the token.
    if ([k1, k2, u1, u2].some((r) => r.status === 0 || r.status === 429 || loginSucceeded(t, r))) return;
    const known = shape(k1, t.creds.user);
    const unknown = shape(u1, u1user);
    if (known !== shape(k2, t.creds.user) || unknown !== shape(u2, u2user) || known === unknown) return;
    ctx.report({
      operation: opFor(ctx, t),
      confidence: 'confirmed',
      parts: [],
      description: `A wrong password for an existing account gets ${k1.status}; an unknown account gets ${u1.status}${k1.status === u1.status ? ' with a different body' : ''} (each observed twice).`,
      evidence: [evidenceOf(k1, 'existing account, wrong password'), evidenceOf(u1, 'unknown account')],
    });
  },
};

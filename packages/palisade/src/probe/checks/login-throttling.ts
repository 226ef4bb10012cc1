// Failed logins are not throttled: a bounded burst of wrong passwords for a known account gets no
// 429, no lockout, no Retry-After, and the right password still works right after.
import type { Check } from '../check.js';
import { evidenceOf } from '../runner.js';
import type { ScanResponse } from '../runner.js';
import { loginRequest, loginSucceeded, loginTarget, opFor, wrongPassword } from './login-common.js';
import { pool } from './util.js';

export const LOGIN_BURST = 30;

export const loginThrottling: Check = {
  id: 'PAL-SCAN-AUTH-002',
  title: 'Failed logins are not throttled (unlimited password guessing)',
  category: 'API4:2023',
  cwe: 307,
  severity: 'high',
  order: 85,
  description: `Sends ${LOGIN_BURST} logins with wrong passwords for the account of a configured identity (its login request), then the right password. Reported when no attempt is answered 429 or 423, none carries Retry-After, and the right password still succeeds: nothing slows a password-guessing attack.`,
  remediation: { summary: 'Throttle failed logins per account and per client (delays, then temporary lockout), and answer 429 with Retry-After.', shieldPolicy: 'loginGuard (failed-login throttling per account and client) and rateLimit on the login operation' },
  async run(ctx) {
    const t = loginTarget(ctx);
    if (!t) return ctx.note('no identity signs in with a user name and password: nothing to test');
    const op = ctx.operations.find((o) => o.method === t.method && o.path === t.path);
    if (op) ctx.tested(op);
    const replies: ScanResponse[] = [];
    await pool(Array.from({ length: LOGIN_BURST }, (_, i) => i), 4, async (i) => {
      replies.push(await ctx.sendRaw(loginRequest(t, t.creds.user, wrongPassword(t.creds.password, i))));
    });
    const limited = replies.find((r) => r.status === 429 || r.status === 423 || r.status === 503 || r.headers['retry-after'] !== undefined);
    if (limited || replies.some((r) => loginSucceeded(t, r)) || replies.some((r) => r.status === 0)) return;
    const right = await ctx.sendRaw(loginRequest(t, t.creds.user, t.creds.password));
    if (!loginSucceeded(t, right)) return;
    const statuses = [...new Set(replies.map((r) => r.status))].join(', ');
    ctx.report({
      operation: opFor(ctx, t),
      confidence: 'confirmed',
      parts: [],
      description: `${LOGIN_BURST} wrong passwords for ${t.session.name}'s account were all answered ${statuses}, none throttled; the right password then succeeded.`,
      evidence: [evidenceOf(replies[replies.length - 1]!, `attempt ${LOGIN_BURST} of ${LOGIN_BURST}: no 429, no Retry-After`), evidenceOf(right, 'the right password still works: no lockout')],
    });
  },
};

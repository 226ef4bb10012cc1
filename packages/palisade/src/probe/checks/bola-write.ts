// User B changes an object exploration saw only in user A's responses. The write carries a marker
// in its string fields; it is confirmed when A, reading the object, sees B's marker.
import type { Check } from '../check.js';
import { evidenceOf } from '../runner.js';
import type { Session } from '../identities.js';
import type { ScanResponse } from '../runner.js';
import { loginRequest, loginSucceeded, loginTargetOf } from './login-common.js';
import { isAdminOp, nonAdmins, ok, opRef, randomToken } from './util.js';

const PASSWORD_FIELD = /^(new_?)?pass(word|wd)?$/i;

export const bolaWrite: Check = {
  id: 'PAL-SCAN-BOLA-002',
  title: "Another user's object can be changed (broken object level authorization)",
  category: 'API1:2023',
  cwe: 639,
  severity: 'critical',
  destructive: true,
  order: 70,
  description: "For each PUT/PATCH/POST operation with an object id in its path, user B writes to an id seen only in user A's responses (or A's own user name), with a marker in the body's string fields. Reported when the write succeeds and A then reads B's marker in the object (or, without a read operation, when the response carries it); a marker written into a password field is proven by signing in as A with it, and A's password is put back at once.",
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
          let proof: ScanResponse | undefined = marked && w.body.includes(marker) ? w : undefined;
          if (read && marked) {
            const r = await ctx.send(ctx.explore.build(read, victim, { path: { [param]: value } }).request, victim);
            proof = ok(r) && r.body.includes(marker) ? r : undefined;
          }
          // A password written into the victim's account: the proof is signing in as the victim
          // with it (account takeover); the victim's password is put back right after.
          const pwField = body && typeof body === 'object' ? Object.keys(body as Record<string, unknown>).find((k) => PASSWORD_FIELD.test(k) && (body as Record<string, unknown>)[k] === marker) : undefined;
          const writePassword = (target: string, password: string) => ctx.send(ctx.explore.build(op, attacker, { path: { [param]: target }, body: { ...(body as Record<string, unknown>), [pwField!]: password } }).request, attacker);
          if (!proof && pwField) proof = await takeover(ctx, victim, attacker, marker, (password) => writePassword(value, password), (password) => writePassword(ctx.explore.owned(attacker.name, param)[0] ?? value, password));
          if (!proof) continue;
          ctx.report({
            operation: opRef(op),
            confidence: 'confirmed',
            parts: [param],
            description: `${attacker.name} changed ${victim.name}'s object {${param}}=${value}; ${read ? `${victim.name} then read the marker ${marker}` : pwField ? `the scan then signed in as ${victim.name} with the password ${attacker.name} set (account takeover; the password was restored)` : 'the response carries the marker'}.`,
            evidence: [evidenceOf(w, `${attacker.name} wrote ${marker} into ${victim.name}'s object`), evidenceOf(proof, `the object now holds ${marker}`, marker)],
          });
          done = true;
          break;
        }
      }
    }
  },
};

/**
 * Signs in as `victim` with the password the attacker set, then puts passwords back: the victim's
 * through the same flaw, and the attacker's own if the API changed the caller's password instead.
 */
async function takeover(ctx: Parameters<Check['run']>[0], victim: Session, attacker: Session, password: string, writeVictim: (p: string) => Promise<ScanResponse>, writeOwn: (p: string) => Promise<ScanResponse>): Promise<ScanResponse | undefined> {
  const t = loginTargetOf(victim);
  const a = loginTargetOf(attacker);
  if (!t || !a) return undefined;
  const asVictim = await ctx.sendRaw(loginRequest(t, t.creds.user, password));
  const taken = loginSucceeded(t, asVictim);
  if (taken) await writeVictim(t.creds.password);
  if (!loginSucceeded(t, await ctx.sendRaw(loginRequest(t, t.creds.user, t.creds.password)))) ctx.note(`${victim.name}'s password could not be restored after the takeover test: reset it`);
  if (!loginSucceeded(a, await ctx.sendRaw(loginRequest(a, a.creds.user, a.creds.password)))) {
    await writeOwn(a.creds.password);
    if (!loginSucceeded(a, await ctx.sendRaw(loginRequest(a, a.creds.user, a.creds.password)))) ctx.note(`${attacker.name}'s password could not be restored after the takeover test: reset it`);
  }
  return taken ? asVictim : undefined;
}

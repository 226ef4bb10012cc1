// A response carries an identity's password as an unsalted fast hash (MD5, SHA-1, SHA-256,
// SHA-512 of the password the scan signs in with): stored badly, and leaked.
import { createHash } from 'node:crypto';
import type { Check } from '../check.js';
import { evidenceOf } from '../runner.js';
import { ok, opRef, successes } from './util.js';

export const passwordHash: Check = {
  id: 'PAL-SCAN-PROP-003',
  title: 'Passwords are stored as unsalted fast hashes (and a response shows one)',
  category: 'API2:2023',
  cwe: 916,
  severity: 'high',
  description: "Computes MD5, SHA-1, SHA-256 and SHA-512 of each identity's login password and looks for them in every response seen while exploring. A match proves the API stores the password unsalted with a fast hash, and hands the hash out. Confirmed by sending the request again.",
  remediation: { summary: 'Store passwords with a slow, salted algorithm (Argon2id, scrypt or bcrypt) and never return the stored value.', shieldPolicy: 'response property filtering and sensitive-data masking keep hashes in; the storage needs the API fix' },
  async run(ctx) {
    for (const s of ctx.users) {
      const creds = s.credentials();
      if (!creds) continue;
      const hashes = (['md5', 'sha1', 'sha256', 'sha512'] as const).map((a) => ({ alg: a, hex: createHash(a).update(creds.password).digest('hex') }));
      for (const o of successes(ctx)) {
        const h = hashes.find((x) => o.response.body.toLowerCase().includes(x.hex));
        if (!h) continue;
        ctx.tested(o.op);
        const again = await ctx.send(o.request, o.identity === 'anonymous' ? ctx.anonymous : ctx.users.find((u) => u.name === o.identity));
        if (!ok(again) || !again.body.toLowerCase().includes(h.hex)) continue;
        ctx.report({
          operation: opRef(o.op),
          confidence: 'confirmed',
          parts: [h.alg],
          description: `The ${o.op.method} ${o.op.path} response contains the unsalted ${h.alg.toUpperCase()} of ${s.name}'s password.`,
          evidence: [evidenceOf(again, `${h.alg} of ${s.name}'s password: ${h.hex.slice(0, 12)}…`, h.hex)],
        });
        return;
      }
    }
  },
};

// A JWT whose payload was changed after signing is still accepted: signatures are not verified.
import type { Check } from '../check.js';
import { evidenceOf } from '../runner.js';
import { tampered } from '../jwt-tools.js';
import { acceptedWith, jwtSessions, replayTargets } from './jwt-common.js';
import { opRef } from './util.js';

export const jwtSignature: Check = {
  id: 'PAL-SCAN-JWT-002',
  title: 'A JWT with a tampered payload is accepted (signature not verified)',
  category: 'API2:2023',
  cwe: 347,
  severity: 'critical',
  description: "For each identity holding a JWT, a claim (palisade_probe) is added to the payload while the original signature is kept, and the token is replayed on the GET operations that answered the identity. Reported per operation when it gets the identity's own answer while a garbage signature is refused (so the server checks something, just not this).",
  remediation: { summary: 'Verify the signature of every token before reading its claims.', shieldPolicy: 'authenticate.jwt (signature verified with the configured keys)' },
  async run(ctx) {
    for (const { session, jwt } of jwtSessions(ctx)) {
      for (const o of replayTargets(ctx, session)) {
        ctx.tested(o.op);
        const hit = await acceptedWith(ctx, session, o, tampered(jwt, { ...jwt.payload, palisade_probe: true }));
        if (!hit) continue;
        ctx.report({ operation: opRef(o.op), confidence: 'confirmed', parts: [], description: `${session.name}'s token with a changed payload and the old signature is accepted.`, evidence: [evidenceOf(hit.accepted, 'tampered payload accepted'), evidenceOf(hit.refused, 'garbage signature refused')] });
      }
    }
  },
};

// Unsigned tokens (`alg: none`) accepted.
import type { Check } from '../check.js';
import { evidenceOf } from '../runner.js';
import { unsigned } from '../jwt-tools.js';
import { acceptedWith, jwtSessions, replayTargets } from './jwt-common.js';
import { opRef } from './util.js';

export const jwtNone: Check = {
  id: 'PAL-SCAN-JWT-001',
  title: 'An unsigned JWT (alg: none) is accepted',
  category: 'API2:2023',
  cwe: 347,
  severity: 'critical',
  description: "For each identity holding a JWT, the token is re-encoded with alg none (none, None, NONE) and an empty signature, claims unchanged, and replayed on the GET operations that answered the identity. Reported per operation when the forged token gets the identity's own answer while the same token with a garbage signature is refused; replayed once more before reporting.",
  remediation: { summary: 'Verify every token with an explicit allow-list of signature algorithms that never includes none.', shieldPolicy: 'authenticate.jwt.algorithms (allow-list; none is always refused)' },
  async run(ctx) {
    for (const { session, jwt } of jwtSessions(ctx)) {
      for (const o of replayTargets(ctx, session)) {
        ctx.tested(o.op);
        for (const alg of ['none', 'None', 'NONE']) {
          const hit = await acceptedWith(ctx, session, o, unsigned(jwt.header, jwt.payload, alg));
          if (!hit) continue;
          ctx.report({ operation: opRef(o.op), confidence: 'confirmed', parts: [], description: `A token with alg "${alg}" and no signature, carrying ${session.name}'s claims, is accepted.`, evidence: [evidenceOf(hit.accepted, `unsigned token (alg ${alg}) accepted`), evidenceOf(hit.refused, 'the same claims with a garbage HS256 signature are refused')] });
          break;
        }
      }
    }
  },
};

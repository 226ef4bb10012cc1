// Expired JWTs accepted. The expired token comes from the identity's configuration or, when the
// signing secret was guessed, is signed by the scanner with an exp an hour in the past.
import type { Check } from '../check.js';
import { evidenceOf } from '../runner.js';
import { signHmac } from '../jwt-tools.js';
import { acceptedWith, crackHmac, jwtSessions, replayTargets } from './jwt-common.js';
import { opRef } from './util.js';

export const jwtExpired: Check = {
  id: 'PAL-SCAN-JWT-004',
  title: 'An expired JWT is accepted',
  category: 'API2:2023',
  cwe: 613,
  severity: 'high',
  description: "For each identity holding a JWT, an expired token (the identity's expiredToken setting, or one signed with a guessed HMAC secret, exp one hour ago) is replayed on the GET operations that answered the identity. Reported per operation when it gets the identity's own answer while a garbage signature is refused.",
  remediation: { summary: 'Require and check exp on every token (with at most a minute of clock skew).', shieldPolicy: 'authenticate.jwt (exp required and checked)' },
  async run(ctx) {
    for (const { session, jwt } of jwtSessions(ctx)) {
      let expired = session.config?.expiredToken;
      if (!expired) {
        const secret = crackHmac(ctx, jwt);
        if (secret === undefined) continue;
        const now = Math.floor(Date.now() / 1000);
        expired = signHmac(jwt.header, { ...jwt.payload, iat: now - 7200, exp: now - 3600 }, secret);
      }
      for (const o of replayTargets(ctx, session)) {
        ctx.tested(o.op);
        const hit = await acceptedWith(ctx, session, o, expired);
        if (!hit) continue;
        ctx.report({ operation: opRef(o.op), confidence: 'confirmed', parts: [], description: `A token of ${session.name} that expired an hour ago is accepted.`, evidence: [evidenceOf(hit.accepted, 'expired token accepted'), evidenceOf(hit.refused, 'garbage signature refused')] });
      }
    }
  },
};

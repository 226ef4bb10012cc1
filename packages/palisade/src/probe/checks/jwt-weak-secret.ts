// The HMAC secret of the identities' JWTs is in a word list: anyone holding one token finds it
// offline and mints tokens. Confirmed online with a token the scanner signs itself.
import type { Check } from '../check.js';
import { evidenceOf } from '../runner.js';
import { signHmac } from '../jwt-tools.js';
import { acceptedWith, crackHmac, jwtSessions, replayTargets } from './jwt-common.js';

export const jwtWeakSecret: Check = {
  id: 'PAL-SCAN-JWT-003',
  title: 'The JWT signing secret is guessable',
  category: 'API2:2023',
  cwe: 1391,
  severity: 'critical',
  description: "For each identity whose JWT is HMAC-signed (HS256/384/512), the signature is checked offline against a bundled list of about 250 common secrets plus variants of the API's name and issuer. When one matches, a token with the same claims and a fresh iat is signed with it and replayed: reported when the server accepts the scanner's own token.",
  remediation: { summary: 'Sign tokens with a random secret of at least 32 bytes (or an asymmetric key), rotate it, and re-issue tokens.', shieldPolicy: 'authenticate.jwt with Palisade-managed keys; Shield refuses to start with a weak shared secret (PALISADE_ERR_AUTH_WEAK_SECRET)' },
  async run(ctx) {
    for (const { session, jwt } of jwtSessions(ctx)) {
      const secret = crackHmac(ctx, jwt);
      if (secret === undefined) continue;
      for (const o of replayTargets(ctx, session).slice(0, 5)) {
        ctx.tested(o.op);
        const minted = signHmac(jwt.header, { ...jwt.payload, iat: Math.floor(Date.now() / 1000) - 1, palisade_probe: true }, secret);
        const hit = await acceptedWith(ctx, session, o, minted);
        if (!hit) continue;
        ctx.report({ confidence: 'confirmed', parts: [String(jwt.header.alg)], description: `${session.name}'s ${String(jwt.header.alg)} token is signed with the secret "${secret.slice(0, 2)}${'*'.repeat(Math.max(0, secret.length - 2))}" (${secret.length} characters, from the word list); a token the scanner signed with it is accepted.`, evidence: [evidenceOf(hit.accepted, `token signed by the scanner with the guessed secret accepted on ${o.op.method} ${o.op.path}`), evidenceOf(hit.refused, 'a garbage signature is refused')] });
        return;
      }
    }
  },
};

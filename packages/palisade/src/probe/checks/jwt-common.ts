// Shared by the JWT checks: which identities hold JWTs, which operations to replay them on, and
// cracking an HMAC secret from the word list.
import type { CheckContext } from '../check.js';
import type { Observation } from '../explore.js';
import type { Session } from '../identities.js';
import type { DecodedJwt } from '../jwt-tools.js';
import { hmacMatches, isHmac } from '../jwt-tools.js';
import type { ScanResponse } from '../runner.js';
import { JWT_SECRET_CANDIDATES, contextualCandidates } from './jwt-secrets.js';
import { ok, sameResponse, successes } from './util.js';

/** How many operations a forged token is replayed on, per identity. */
export const JWT_REPLAY_OPS = 40;

export function jwtSessions(ctx: CheckContext): Array<{ session: Session; jwt: DecodedJwt }> {
  const out: Array<{ session: Session; jwt: DecodedJwt }> = [];
  for (const s of ctx.users) {
    const jwt = s.jwt();
    if (jwt) out.push({ session: s, jwt });
  }
  return out;
}

/**
 * GET operations that may need credentials and that answered this identity: those that declare
 * security first, then those anonymous was refused, then the rest (a public operation accepts any
 * token, so it proves nothing and only spends the budget).
 */
export function replayTargets(ctx: CheckContext, s: Session): Observation[] {
  const seen = new Set<string>();
  const refusedAnonymously = new Set(ctx.explore.observations.filter((o) => o.identity === 'anonymous' && (o.response.status === 401 || o.response.status === 403)).map((o) => o.op));
  const rank = (o: Observation): number => (o.op.security === 'required' ? 0 : refusedAnonymously.has(o.op) ? 1 : 2);
  return successes(ctx, (o) => o.identity === s.name && o.op.method === 'GET' && o.op.security !== 'none').filter((o) => {
    const k = `${o.op.method} ${o.op.path}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  }).sort((a, b) => rank(a) - rank(b)).slice(0, JWT_REPLAY_OPS);
}

/**
 * Replays `o` with `token` instead of the identity's. Accepted means: 2xx with the same content
 * as the identity's own, while a token with a garbage signature is refused.
 */
export async function acceptedWith(ctx: CheckContext, s: Session, o: Observation, token: string): Promise<{ accepted: ScanResponse; refused: ScanResponse } | undefined> {
  // Compared with a fresh answer to the identity's own token: exploration may have changed the data since.
  const own = await ctx.send(o.request, s);
  if (!ok(own)) return undefined;
  const headers = { ...(o.request.headers ?? {}), ...s.headers(token) };
  const r = await ctx.sendRaw({ ...o.request, headers });
  if (!ok(r) || !sameResponse(r, own)) return undefined;
  // The identity's own header and claims with a broken signature: the server must refuse that.
  const garbage = `${(s.token ?? token).split('.').slice(0, 2).join('.')}.${'A'.repeat(43)}`;
  const refused = await ctx.sendRaw({ ...o.request, headers: { ...(o.request.headers ?? {}), ...s.headers(garbage) } });
  if (ok(refused)) return undefined;
  const again = await ctx.sendRaw({ ...o.request, headers });
  if (!ok(again)) return undefined;
  return { accepted: r, refused };
}

export function crackHmac(ctx: CheckContext, jwt: DecodedJwt): string | undefined {
  if (!isHmac(jwt.header.alg)) return undefined;
  let host = '';
  try {
    host = new URL(ctx.runner.target).hostname;
  } catch {
    // No host words then.
  }
  const extra = contextualCandidates([ctx.model.title ?? '', host.split('.')[0] ?? '', typeof jwt.payload.iss === 'string' ? jwt.payload.iss : '', typeof jwt.payload.aud === 'string' ? jwt.payload.aud : '']);
  for (const c of [...JWT_SECRET_CANDIDATES, ...extra]) if (hmacMatches(jwt, c)) return c;
  return undefined;
}

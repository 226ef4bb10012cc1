// The seams between identity/ and its users (shield's authenticate stage, the CLI, the admin API).
import type { Principal } from '../core/index.js';

/** Why a presented credential was not accepted; recorded with the exchange, never sent to the client. */
export type AuthFailure =
  | 'missing'
  | 'malformed'
  | 'unknown'
  | 'revoked'
  | 'expired'
  | 'not-yet-valid'
  | 'wrong-api'
  | 'bad-signature'
  | 'algorithm-refused'
  | 'header-refused'
  | 'wrong-issuer'
  | 'wrong-audience'
  | 'missing-claim'
  | 'inactive'
  | 'unavailable';

export type AuthResult = { ok: true; principal: Principal } | { ok: false; reason: AuthFailure; detail?: string };

/**
 * Verifies API keys presented by callers. Implemented by identity/api-keys.ts over the Store;
 * the gateway gives one to the authenticate stage. Must be constant-time in the secret part and
 * must not hit the store on every request (short cache; revocation visible within its TTL).
 */
export interface ApiKeyVerifier {
  verify(presented: string, api: string): Promise<AuthResult>;
}

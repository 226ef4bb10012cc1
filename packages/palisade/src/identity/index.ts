// identity/: who is calling. API keys, JWT/JWKS, introspection, mTLS, and the built-in OAuth 2.0 /
// OpenID Connect server. The public face; other modules import only from here.
export type { AuthFailure, AuthResult, ApiKeyVerifier } from './types.js';

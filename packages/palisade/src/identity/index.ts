// identity/: who is calling. API keys, JWT/JWKS, introspection, mTLS, and the built-in OAuth 2.0 /
// OpenID Connect server. The public face; other modules import only from here.
export type { AuthFailure, AuthResult, ApiKeyVerifier } from './types.js';
// API keys: format, hashing, verification (StoreApiKeyVerifier), issuance and management.
export { StoreApiKeyVerifier, generateApiKey, parseApiKey, isApiKey, isApiKeyId, hashApiKeySecret, verifyApiKeySecret, redactApiKeys, apiKeyHint, principalOfKey, API_KEY_PREFIX, API_KEY_LENGTH, API_KEY_ID_LENGTH } from './api-keys.js';
export type { StoreApiKeyVerifierOptions, GeneratedApiKey, ParsedApiKey } from './api-keys.js';
export { ApiKeyManager, ApiKeyError, API_KEY_LIMITS, parseDuration, parseExpiry, keyIdFrom, statusOf, summariseApiKey } from './api-key-manager.js';
export type { ApiKeyErrorKind, ApiKeyStatus, ApiKeySummary, NewApiKeyInput, IssuedApiKey, RotateApiKeyOptions, RotatedApiKey, ApiKeyManagerOptions } from './api-key-manager.js';
// Authentication verifiers (JWT/JWKS, introspection, mTLS) and their per-process registry.
export { AuthenticatorRegistry } from './authenticators.js';
export type { Authenticator, AuthenticatorRegistryOptions } from './authenticators.js';
export { JwtVerifier, looksLikeJwt, REFUSED_HEADERS, MAX_CLOCK_SKEW_SECONDS } from './jwt.js';
export type { JwtVerifierOptions } from './jwt.js';
export { JwksCache } from './jwks.js';
export type { JwksOptions } from './jwks.js';
export { IntrospectionVerifier } from './introspection.js';
export type { IntrospectionOptions } from './introspection.js';
export { discoverIssuer, discoveryUrl } from './discovery.js';
export type { IssuerMetadata } from './discovery.js';
export { MtlsVerifier, normaliseFingerprint } from './mtls.js';
export type { MtlsOptions, MtlsMapping } from './mtls.js';
export { StaticKeys, JWS_ALGORITHMS } from './keys.js';
export type { KeyResolver } from './keys.js';
export { weakSecretReason, WEAK_SECRET_COUNT } from './weak-secrets.js';
export { principalFromClaims, claimValue, DEFAULT_CLAIMS } from './claims.js';
export type { ClaimMapping } from './claims.js';
// The built-in OAuth 2.0 / OpenID Connect authorization server.
export * from './oauth/index.js';

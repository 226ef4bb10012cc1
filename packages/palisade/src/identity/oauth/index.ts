// The built-in OAuth 2.0 / OpenID Connect authorization server (oidc-provider), re-exported by
// identity/index.ts.
export { AuthorizationServer } from './server.js';
export type { AuthorizationServerOptions } from './server.js';
export { OAuthClients, GRANT_TYPES, checkRedirectUri } from './clients.js';
export type { ClientSummary, CreatedClient, NewClient } from './clients.js';
export { OAuthUsers, normaliseUsername } from './users.js';
export type { UserSummary } from './users.js';
export { Sealer } from './seal.js';
export { resolveMasterSecret, masterSecretFile } from './master-secret.js';
export type { MasterSecret } from './master-secret.js';
export { ensureKeySet, loadKeySet, rotateKeys } from './signing-keys.js';
export type { RotationResult } from './signing-keys.js';
export { demoOAuthSettings, DEMO_RESOURCE, DEMO_SCOPES, DEMO_USERS, DEMO_WEB_CLIENT, DEMO_SERVICE_CLIENT } from './demo.js';
export type { DemoInfo } from './demo.js';
export type { OAuthSettings } from './provider.js';
export { hashPassword, verifyPassword, hashClientSecret, verifyClientSecret, generateClientSecret } from './secrets.js';
export { totp, hotp, verifyTotp, otpauthUri, base32Encode, base32Decode } from './totp.js';

// The `oauth` block: the built-in OAuth 2.0 / OpenID Connect authorization server (identity/oauth).
// Kept apart from schema.ts because the block is large; schema.ts includes it as one line.
import { z } from 'zod';

const seconds = (max: number) => z.int().min(1).max(max);
const DAY = 24 * 3600;

const failureWindow = (maxFailures: number, windowSeconds: number, doc: string) =>
  z
    .strictObject({
      maxFailures: z.int().min(1).max(1_000_000).default(maxFailures).describe('Failed sign-ins allowed within the window; reaching it locks the key out.'),
      windowSeconds: seconds(31 * DAY).default(windowSeconds).describe('How long failures are remembered.'),
    })
    .prefault({})
    .describe(doc);

// An absolute URI without a fragment (RFC 8707 §2): https://api.example.com or urn:acme:shop.
const resourceIndicator = z
  .string()
  .regex(/^[a-z][a-z0-9+.-]*:[^\s#]+$/i, 'an absolute URI without a fragment, e.g. https://api.example.com or urn:acme:shop');

const scopeName = z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, 'a scope: printable ASCII without spaces, quotes or backslashes');

export function oauthSchema<L extends z.ZodType>(listen: L) {
  return z
    .strictObject({
      enabled: z.boolean().default(false).describe('Run the built-in authorization server.'),
      listen: listen.describe('Where the authorization server listens.'),
      issuer: z
        .url({ protocol: /^https?$/ })
        // The server answers at the root of its listener, so the issuer is an origin.
        .refine((u) => URL.parse(u)?.pathname === '/' && !/[?#]/.test(u), 'an origin such as https://login.example.com, without a path, query or fragment')
        .optional()
        .describe('Public URL of the server, the `iss` of every token and the base of its endpoints. Default http://<listen.host>:<listen.port>. Use https in production (behind a TLS-terminating proxy with trustProxy).'),
      trustProxy: z.boolean().default(false).describe('Believe X-Forwarded-Proto and X-Forwarded-For from the proxy in front (needed for secure cookies and per-address throttling behind a proxy).'),
      resources: z
        .array(
          z.strictObject({
            indicator: resourceIndicator.describe('The API\'s identifier (RFC 8707 resource indicator): the `aud` of its access tokens, and what the gateway expects as audience.'),
            scopes: z.array(scopeName).default([]).describe('Scopes the API understands; clients may be granted a subset.'),
            accessTokenTtlSeconds: seconds(DAY).optional().describe('Access token lifetime for this API (default ttl.accessTokenSeconds).'),
          }),
        )
        .default([])
        .describe('The APIs access tokens are issued for. Every access token is a JWT for one of them (the first when the client names none), signed with a key published at <issuer>/jwks.'),
      accessTokenAlgorithm: z.enum(['ES256', 'RS256']).default('ES256').describe('Signature algorithm of access tokens (ID tokens use RS256 unless a client asks for ES256). Keys of both kinds are generated and published.'),
      ttl: z
        .strictObject({
          accessTokenSeconds: seconds(DAY).default(600).describe('Access token lifetime. Access tokens are JWTs verified offline, so revocation reaches them only when they expire: keep this short.'),
          authorizationCodeSeconds: seconds(600).default(60).describe('Authorization code lifetime.'),
          refreshTokenSeconds: seconds(365 * DAY).default(14 * DAY).describe('Refresh token lifetime. Each use rotates the token; reusing a rotated one revokes the whole grant.'),
          idTokenSeconds: seconds(DAY).default(3600).describe('ID token lifetime.'),
          sessionSeconds: seconds(365 * DAY).default(DAY).describe('How long a browser stays signed in at the authorization server.'),
          grantSeconds: seconds(365 * DAY).default(14 * DAY).describe('How long a consent (grant) is remembered.'),
          interactionSeconds: seconds(DAY).default(600).describe('Time a person has to finish signing in and consenting.'),
        })
        .prefault({})
        .describe('Token and session lifetimes.'),
      keyRotationGraceSeconds: seconds(365 * DAY)
        .default(DAY)
        .describe('After `palisade oauth keys rotate`, how long the previous signing keys stay published so tokens they signed still verify. Keep it longer than the longest token lifetime plus verifiers\' JWKS cache time.'),
      keyReloadSeconds: seconds(DAY).default(30).describe('How often the server looks for rotated keys in the store (a rotation by the admin API applies at once).'),
      encryptionSecret: z
        .string()
        .min(32, 'at least 32 characters')
        .optional()
        .describe(
          'Master secret sealing private signing keys and TOTP secrets in the store (AES-256-GCM) and signing the server\'s cookies. Prefer PALISADE_OAUTH_ENCRYPTION_SECRET; when neither is set one is generated into oauth-secret beside the SQLite file (.palisade/ for PostgreSQL). Every instance sharing a store needs the same value.',
        ),
      passwordMinLength: z.int().min(8).max(1024).default(12).describe('Shortest password accepted when users are created or change their password.'),
      totp: z
        .strictObject({
          requiredForRoles: z.array(z.string()).default([]).describe('Users with any of these roles must have TOTP set up; they cannot sign in until it is.'),
          label: z.string().min(1).max(64).default('Palisade').describe('Issuer name shown by authenticator apps.'),
        })
        .prefault({})
        .describe('Time-based one-time passwords (RFC 6238) as a second factor. Users with a TOTP secret are always asked for a code.'),
      throttle: z
        .strictObject({
          perAccount: failureWindow(5, 900, 'Failed sign-ins for one account, from any address. Anyone can lock an account out by failing on purpose, so lockouts are short and grow only with repeated abuse.'),
          perIp: failureWindow(30, 900, 'Failed sign-ins from one client address, for any account (password spraying, credential stuffing).'),
          lockoutSeconds: seconds(DAY).default(60).describe('First lockout length; each further lockout of the same key within a day doubles it.'),
          maxLockoutSeconds: seconds(31 * DAY).default(3600).describe('Longest lockout.'),
        })
        .prefault({})
        .describe('Sign-in throttling: failures are counted per account and per address in memory; a key that reaches its limit is locked out (429) with growing lockouts. Unknown accounts are counted like known ones.'),
    })
    // `as never`: the listen schema is generic here, so TypeScript cannot see that {} is a valid input.
    .prefault({} as never)
    .describe('The built-in OAuth 2.0 / OpenID Connect authorization server (oidc-provider): authorization code with PKCE (S256), client credentials, rotating refresh tokens, JWT access tokens, users with TOTP. Clients and users are managed with `palisade oauth` and the admin API.');
}

// The `authenticate` stage settings and the checks the schema cannot express. Kept apart from
// schema.ts because the block is large; schema.ts includes it like any other stage.
//
// Nested blocks (jwt, introspection, apiKey, mtls) carry no zod defaults on purpose: a route that
// overrides `jwt.audience` alone must not reset the other jwt options to their defaults when the
// override is merged over `defaults`. Their defaults are applied where the settings are used and
// are stated in the descriptions.
import { z } from 'zod';
import type { OptionPath } from './walk.js';

export const AUTH_METHODS = ['apiKey', 'jwt', 'introspection', 'mtls'] as const;
export const HMAC_ALGS = ['HS256', 'HS384', 'HS512'] as const;
export const JWT_ALGORITHMS = [...HMAC_ALGS, 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'] as const;

export const AUTH_DEFAULTS = Object.freeze({
  clockSkewSeconds: 30,
  jwksCacheSeconds: 600,
  jwksCooldownSeconds: 30,
  introspectionCacheSeconds: 30,
  introspectionTimeoutMs: 2000,
  apiKeyHeader: 'x-api-key',
});

const claimName = z.string().regex(/^[A-Za-z0-9_:./-]+$/, 'a claim name (dot path for nested claims)');
const oneOrMore = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);
const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name');
const headerName = z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'an HTTP header name');

const claimMapping = z
  .strictObject({
    subject: claimName.optional().describe('Claim holding the principal id (default sub).'),
    roles: claimName.optional().describe('Claim holding roles, an array or a space-separated string (default roles). Dot paths reach nested claims: realm_access.roles.'),
    scopes: claimName.optional().describe('Claim holding scopes (default: scope as a space-separated string, else scp as an array).'),
    tenant: claimName.optional().describe('Claim holding the tenant (default tenant).'),
  })
  .describe('Which claims make the principal.');

export function authenticateSchema() {
  const d = <T extends z.ZodType>(schema: T, value: z.input<T>) => schema.default(value as never);
  return z
    .strictObject({
      enabled: d(z.boolean(), false).describe('Run the authentication stage.'),
      methods: d(z.array(z.enum(AUTH_METHODS)), []).describe(
        'Methods accepted on the route: apiKey, jwt, introspection (opaque bearer tokens, RFC 7662), mtls (client certificates). A bearer token shaped like a JWT goes to jwt, any other to introspection.',
      ),
      optional: d(z.boolean(), false).describe(
        'Let requests that carry no credential through without a principal (anonymous). A credential that is presented must still be valid.',
      ),
      realm: d(z.string().regex(/^[\x20-\x21\x23-\x5b\x5d-\x7e]*$/, 'printable ASCII without quotes or backslashes'), 'palisade').describe('Realm named in the WWW-Authenticate challenges.'),
      jwt: z
        .strictObject({
          issuer: oneOrMore.optional().describe('Expected iss (one issuer or a list). With discovery: the issuer URL, which must equal the issuer its metadata names.'),
          audience: oneOrMore.optional().describe(
            'Expected aud: the token must name one of these. Set it: without it, a token the same issuer made for another API is accepted.',
          ),
          discovery: z.boolean().optional().describe('Find the JWKS through OpenID Connect discovery (<issuer>/.well-known/openid-configuration, fetched when the configuration loads). Default false.'),
          jwksUrl: z.url({ protocol: /^https?$/ }).optional().describe('URL of the issuer\'s JSON Web Key Set; keys are cached, refreshed when a token names an unknown kid (at most once per jwksCooldownSeconds).'),
          publicKeyPem: z.string().optional().describe('The issuer\'s public key or certificate, PEM, inline.'),
          publicKeyFile: z.string().optional().describe('File holding the issuer\'s public key or certificate, PEM (relative to the config file).'),
          secret: z.string().optional().describe('Shared HMAC secret, inline (prefer secretEnv). Refused when shorter than the algorithm needs (32 bytes for HS256) or guessable.'),
          secretEnv: envName.optional().describe('Environment variable holding the shared HMAC secret; read when the configuration loads.'),
          secretEncoding: z.enum(['utf8', 'base64', 'base64url', 'hex']).optional().describe('How the secret is written (default utf8).'),
          algorithms: z.array(z.enum(JWT_ALGORITHMS)).min(1).optional().describe(
            'Algorithms accepted (required): HS* with a secret only, the others with public keys only. `none` is never accepted.',
          ),
          clockSkewSeconds: z.int().min(0).max(300).optional().describe('Tolerance for exp, nbf and iat, in seconds (default 30, at most 300).'),
          maxTokenAgeSeconds: z.int().min(1).max(31 * 24 * 3600).optional().describe('Refuse tokens issued (iat) longer ago than this.'),
          requiredClaims: z.array(claimName).optional().describe('Claims that must be present besides exp (always required).'),
          type: z.string().optional().describe('Expected typ header, e.g. at+jwt (RFC 9068).'),
          claims: claimMapping.optional(),
          jwksCacheSeconds: z.int().min(10).max(86400).optional().describe('Age after which JWKS keys are refreshed in the background (default 600).'),
          jwksCooldownSeconds: z.int().min(1).max(3600).optional().describe('Least time between two JWKS fetches, whatever asks for them (default 30).'),
        })
        .optional()
        .describe('JWT bearer tokens (Authorization: Bearer). Exactly one key source: jwksUrl, discovery, publicKeyPem, publicKeyFile, secret or secretEnv.'),
      introspection: z
        .strictObject({
          endpoint: z.url({ protocol: /^https?$/ }).optional().describe('The RFC 7662 introspection endpoint.'),
          issuer: z.string().optional().describe('Expected iss of the answers; with discovery, the issuer whose metadata names the endpoint.'),
          discovery: z.boolean().optional().describe('Find the endpoint through OpenID Connect discovery of `issuer`. Default false.'),
          audience: oneOrMore.optional().describe('Expected aud of the answers.'),
          clientId: z.string().min(1).optional().describe('Palisade\'s client id at the authorization server (HTTP Basic).'),
          clientSecret: z.string().optional().describe('Client secret, inline (prefer clientSecretEnv).'),
          clientSecretEnv: envName.optional().describe('Environment variable holding the client secret.'),
          cacheSeconds: z.int().min(0).max(300).optional().describe('How long an answer is remembered (default 30); revocation is seen within this time.'),
          timeoutMs: z.int().min(100).max(30000).optional().describe('Time allowed for one introspection call (default 2000). An unreachable endpoint answers 503 authentication-unavailable.'),
          claims: claimMapping.optional(),
        })
        .optional()
        .describe('Opaque bearer tokens checked with the authorization server (OAuth 2.0 token introspection), answers cached briefly.'),
      apiKey: z
        .strictObject({
          header: headerName.optional().describe(
            'Header carrying the key (default x-api-key). `Authorization: ApiKey <key>` is always accepted too. A name other than x-api-key, api-key or apikey belongs in recording.redactHeaders too.',
          ),
          queryParam: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'a query parameter name').optional().describe(
            'Also accept the key in this query parameter. Off by default: URLs end up in logs, histories and Referer headers.',
          ),
        })
        .optional()
        .describe('API keys, verified against the key store.'),
      mtls: z
        .strictObject({
          principal: z.enum(['subject', 'fingerprint']).optional().describe('Principal id: the certificate subject\'s CN (subject, default) or its SHA-256 fingerprint.'),
          mapping: z
            .record(
              z.string().regex(/^(?:[0-9A-Fa-f]{2}:?){31}[0-9A-Fa-f]{2}$/, 'a SHA-256 fingerprint: 64 hex digits, colons allowed'),
              z.strictObject({
                id: z.string().min(1).optional().describe('Principal id for this certificate.'),
                roles: z.array(z.string()).optional(),
                scopes: z.array(z.string()).optional(),
                tenant: z.string().optional(),
              }),
            )
            .optional()
            .describe('Certificate SHA-256 fingerprint → principal id, roles, scopes and tenant.'),
          requireMapping: z.boolean().optional().describe('Accept only the certificates listed in mapping (default false: any certificate the client CAs signed).'),
        })
        .optional()
        .describe('Client certificates verified by the TLS layer against gateway.tls.clientCa.'),
    })
    .describe(
      'Authentication: API keys, JWT bearer tokens (JWKS, PEM or shared secret), token introspection and client certificates. Sets the principal the later stages use; failures are 401 with WWW-Authenticate.',
    )
    .prefault({} as never);
}

export type AuthenticateSettings = z.output<ReturnType<typeof authenticateSchema>>;

/** A problem found by checkAuthenticate: where (relative to the block) and what. */
export interface AuthProblem {
  readonly path: OptionPath;
  readonly message: string;
}

/**
 * Consistency of one route's (merged) authenticate settings: methods have their settings, one
 * key source, algorithms that fit it. Keys and secrets themselves are checked when the
 * configuration is loaded into a gateway (identity/), which reads files and variables.
 */
export function checkAuthenticate(s: AuthenticateSettings, clientCaConfigured: boolean): AuthProblem[] {
  const out: AuthProblem[] = [];
  if (!s.enabled) return out;
  const bad = (path: OptionPath, message: string) => out.push({ path, message });
  if (s.methods.length === 0) bad(['methods'], 'list at least one method (apiKey, jwt, introspection, mtls)');
  if (s.methods.includes('jwt')) {
    const j = s.jwt;
    if (!j) bad(['jwt'], 'methods includes jwt: configure authenticate.jwt (a key source and algorithms)');
    else {
      const sources = (['jwksUrl', 'discovery', 'publicKeyPem', 'publicKeyFile', 'secret', 'secretEnv'] as const).filter((k) => j[k] !== undefined && j[k] !== false);
      if (sources.length === 0) bad(['jwt'], 'no key source: set one of jwksUrl, discovery, publicKeyPem, publicKeyFile, secret, secretEnv');
      if (sources.length > 1) bad(['jwt', sources[1]!], `one key source only; ${sources.join(' and ')} are both set`);
      if (!j.algorithms) bad(['jwt', 'algorithms'], 'required: list the algorithms the issuer signs with (e.g. [RS256] or [ES256])');
      else {
        const symmetric = j.secret !== undefined || j.secretEnv !== undefined;
        const hmac = j.algorithms.filter((a) => (HMAC_ALGS as readonly string[]).includes(a));
        const other = j.algorithms.filter((a) => !(HMAC_ALGS as readonly string[]).includes(a));
        if (symmetric && other.length > 0) bad(['jwt', 'algorithms'], `${other.join(', ')} cannot be verified with a shared secret; list HS256, HS384 or HS512 only`);
        if (!symmetric && sources.length > 0 && hmac.length > 0) {
          bad(['jwt', 'algorithms'], `${hmac.join(', ')} with public keys would let a public key serve as an HMAC secret (algorithm confusion); list only asymmetric algorithms`);
        }
      }
      if (j.discovery === true && (typeof j.issuer !== 'string' || !/^https?:\/\//.test(j.issuer))) {
        bad(['jwt', 'issuer'], 'discovery needs issuer: the issuer URL (one, http or https)');
      }
      if (j.secretEncoding !== undefined && j.secret === undefined && j.secretEnv === undefined) bad(['jwt', 'secretEncoding'], 'only meaningful with secret or secretEnv');
    }
  }
  if (s.methods.includes('introspection')) {
    const i = s.introspection;
    if (!i) bad(['introspection'], 'methods includes introspection: configure authenticate.introspection');
    else {
      if (i.endpoint === undefined && i.discovery !== true) bad(['introspection', 'endpoint'], 'required (or discovery: true with issuer)');
      if (i.endpoint !== undefined && i.discovery === true) bad(['introspection', 'discovery'], 'either endpoint or discovery, not both');
      if (i.discovery === true && (i.issuer === undefined || !/^https?:\/\//.test(i.issuer))) bad(['introspection', 'issuer'], 'discovery needs issuer: the issuer URL');
      if (i.clientId === undefined) bad(['introspection', 'clientId'], 'required: the introspection endpoint authenticates its callers (RFC 7662 §2.1)');
      if ((i.clientSecret === undefined) === (i.clientSecretEnv === undefined)) bad(['introspection', 'clientSecretEnv'], 'set one of clientSecret or clientSecretEnv');
    }
  }
  if (s.methods.includes('mtls') && !clientCaConfigured) {
    bad(['methods'], 'mtls needs gateway.tls.clientCa: without it clients are never asked for a certificate');
  }
  return out;
}

/**
 * Where the configuration says credentials travel besides the usual places (Authorization,
 * Cookie, X-Api-Key): custom API key headers and query parameters of the defaults and of every
 * route. The recorder redacts them and the gateway treats requests carrying them as credentialed.
 */
export function credentialLocations(config: {
  defaults: { authenticate?: { apiKey?: { header?: string; queryParam?: string } } };
  routes: ReadonlyArray<{ stages?: { authenticate?: { apiKey?: { header?: string; queryParam?: string } } } }>;
}): { headers: string[]; queryParams: string[] } {
  const headers = new Set<string>();
  const queryParams = new Set<string>();
  for (const a of [config.defaults.authenticate?.apiKey, ...config.routes.map((r) => r.stages?.authenticate?.apiKey)]) {
    if (a?.header) headers.add(a.header.toLowerCase());
    if (a?.queryParam) queryParams.add(a.queryParam);
  }
  headers.delete(AUTH_DEFAULTS.apiKeyHeader);
  return { headers: [...headers], queryParams: [...queryParams] };
}

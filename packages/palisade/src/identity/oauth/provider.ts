// oidc-provider configured for Palisade: what is on, what is off, and why.
//
// On: authorization code with PKCE (required for every client; oidc-provider 9 knows only S256,
// so `plain` is refused), client credentials, refresh tokens rotated on every use (a reused one
// revokes the grant: oidc-provider destroys every token of the grant when a consumed refresh token
// comes back), resource indicators (RFC 8707) so access tokens are JWTs whose `aud` is the API,
// token revocation, userinfo.
// Off: implicit and hybrid flows (response_type code only), dynamic client registration, the
// development login pages, HMAC client authentication (client secrets are stored hashed, so the
// server cannot compute an HMAC with them), introspection (access tokens are JWTs verified offline).
import type Provider from 'oidc-provider';
import type * as Oidc from 'oidc-provider';
import type { Account, Configuration, KoaContextWithOIDC } from 'oidc-provider';
import type { Logger } from 'pino';
import type { PalisadeConfig, Store } from '../../core/index.js';
import { storeAdapter } from './adapter.js';
import { API_SCOPES_METADATA, OIDC_SCOPES, apiScopesOf } from './clients.js';
import { verifyClientSecret } from './secrets.js';
import type { Sealer } from './seal.js';
import type { KeySet } from './signing-keys.js';
import type { OAuthUsers } from './users.js';
import { messagePage, PAGE_HEADERS } from './views.js';

export type OAuthSettings = PalisadeConfig['oauth'];

export interface ProviderDeps {
  issuer: string;
  settings: OAuthSettings;
  store: Store;
  keys: KeySet;
  sealer: Sealer;
  users: OAuthUsers;
  log: Logger;
}

export type OidcModule = typeof Oidc;

let loading: Promise<OidcModule> | undefined;

/**
 * oidc-provider, loaded when an authorization server starts rather than whenever Palisade's CLI
 * loads. Its maintainers support Node.js 22 LTS and later and it prints a console warning on
 * Node.js 20, which Palisade still supports (and tests on): that one line becomes a log entry.
 */
export function loadOidcProvider(log: Logger): Promise<OidcModule> {
  loading ??= (async () => {
    const warn = console.warn;
    let unsupported = false;
    console.warn = (...args: unknown[]) => {
      if (typeof args[0] === 'string' && args[0].includes('oidc-provider WARNING: Unsupported runtime')) unsupported = true;
      else warn(...args);
    };
    try {
      return await import('oidc-provider');
    } finally {
      console.warn = warn;
      if (unsupported) log.warn({ node: process.version }, 'oidc-provider supports Node.js 22 LTS and later; it runs on this version but without its maintainers\' support');
    }
  })();
  return loading;
}

export function buildProvider(oidc: OidcModule, d: ProviderDeps): Provider {
  const { errors } = oidc;
  const { settings, keys, users } = d;
  const secure = d.issuer.startsWith('https:');
  const resources = new Map(settings.resources.map((r) => [r.indicator, r]));
  const firstResource = settings.resources[0]?.indicator;
  const alg = settings.accessTokenAlgorithm;
  const ttl = settings.ttl;

  const findAccount = async (_ctx: KoaContextWithOIDC, sub: string): Promise<Account | undefined> => {
    const u = await users.get(sub);
    if (!u) return undefined;
    return {
      accountId: u.id,
      claims: async (_use: string, scope: string) => ({
        sub: u.id,
        ...(scope.split(' ').includes('email') ? { email: u.username } : {}),
        roles: u.roles,
      }),
    };
  };

  const configuration: Configuration = {
    adapter: storeAdapter(d.store),
    clients: [],
    clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'none'],
    clientDefaults: {
      grant_types: ['authorization_code'],
      id_token_signed_response_alg: 'RS256',
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
    // Exact matching of redirect_uri, and always required (no defaulting to the single registered one).
    allowOmittingSingleRegisteredRedirectUri: false,
    // Browsers may call the token endpoint cross-origin only for public clients (single-page apps),
    // and only from the origin of one of their redirect URIs.
    clientBasedCORS: (_ctx, origin, client) => client.clientAuthMethod === 'none' && client.redirectUris?.some((u) => URL.parse(u)?.origin === origin) === true,
    responseTypes: ['code'],
    // Only OpenID Connect scopes are static; API scopes belong to resource servers (below).
    scopes: [...OIDC_SCOPES],
    claims: { openid: ['sub'], email: ['email'] },
    pkce: { required: () => true },
    cookies: {
      keys: d.sealer.cookieKeys(),
      long: { httpOnly: true, sameSite: 'lax', secure },
      short: { httpOnly: true, sameSite: 'lax', secure },
    },
    jwks: { keys: keys.jwks as NonNullable<Configuration['jwks']>['keys'] },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: false },
      // A client revokes only its own tokens.
      revocation: { enabled: true, allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId },
      userinfo: { enabled: true },
      registration: { enabled: false },
      rpInitiatedLogout: { enabled: false },
      resourceIndicators: {
        enabled: true,
        defaultResource: async (_ctx, _client, oneOf) => {
          if (oneOf) return oneOf.length === 1 ? oneOf[0] : oneOf;
          // No API configured: tokens are only good at the userinfo endpoint.
          return firstResource;
        },
        // A code or refresh token exchanged without `resource` gets a token for the API it was granted for.
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx, indicator, client) => {
          const r = resources.get(indicator);
          if (!r) throw new errors.InvalidTarget(`unknown resource indicator; this server issues tokens for ${[...resources.keys()].join(', ') || 'no API'}`);
          const allowed = new Set(apiScopesOf(client.metadata()));
          return {
            scope: r.scopes.filter((s) => allowed.has(s)).join(' '),
            audience: r.indicator,
            accessTokenTTL: r.accessTokenTtlSeconds ?? ttl.accessTokenSeconds,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg, kid: keys.active[alg] } },
          };
        },
      },
    },
    // The API scopes a client may be granted travel with its metadata (clients.ts).
    extraClientMetadata: { properties: [API_SCOPES_METADATA] },
    findAccount,
    extraTokenClaims: async (_ctx, token) => {
      // Roles travel in access tokens so the gateway can authorise without calling back.
      const accountId = 'accountId' in token ? token.accountId : undefined;
      if (typeof accountId !== 'string') return undefined;
      const u = await users.get(accountId);
      return u ? { roles: u.roles } : undefined;
    },
    // Refresh tokens for every client allowed the grant, without requiring offline_access (plain
    // OAuth clients do not speak OpenID Connect scopes); they outlive the browser session.
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    expiresWithSession: async () => false,
    rotateRefreshToken: true,
    ttl: {
      AccessToken: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? ttl.accessTokenSeconds,
      ClientCredentials: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? ttl.accessTokenSeconds,
      AuthorizationCode: ttl.authorizationCodeSeconds,
      IdToken: ttl.idTokenSeconds,
      Interaction: ttl.interactionSeconds,
      Session: ttl.sessionSeconds,
      Grant: ttl.grantSeconds,
      // A rotated refresh token keeps its predecessor's end: rotation never extends the lifetime.
      RefreshToken: (ctx) => ctx?.oidc?.entities.RotatedRefreshToken?.remainingTTL ?? ttl.refreshTokenSeconds,
    },
    interactions: { url: async (_ctx, interaction) => `/interaction/${interaction.uid}` },
    renderError: async (ctx, out) => {
      for (const [k, v] of Object.entries(PAGE_HEADERS)) ctx.set(k, v);
      ctx.type = 'html';
      ctx.body = messagePage('Sign-in could not continue', String(out.error_description ?? out.error ?? 'error'), 'Go back to the application and start again.');
    },
  };

  const provider = new oidc.Provider(d.issuer, configuration);
  provider.proxy = settings.trustProxy;

  // Client secrets are stored as hashes (secrets.ts): compare the hash of what was presented.
  provider.Client.prototype.compareClientSecret = function compareClientSecret(this: { clientSecret?: string }, actual: string): boolean {
    return verifyClientSecret(actual, this.clientSecret);
  };

  // Why a token request was refused (error_detail is not sent to clients): debug level, it is routine.
  provider.on('grant.error', (ctx: KoaContextWithOIDC, err: Error & { error_detail?: string }) =>
    d.log.debug({ clientId: ctx.oidc?.client?.clientId, err: err.message, detail: err.error_detail }, 'token request refused'),
  );
  provider.on('server_error', (_ctx: KoaContextWithOIDC, err: Error) => d.log.error({ err: err.message }, 'authorization server error'));
  provider.on('grant.revoked', (ctx: KoaContextWithOIDC, grantId: string) => {
    // At the token endpoint a grant is only revoked when a spent code or refresh token comes back:
    // a sign that it was stolen, worth a warning.
    const reason = ctx.oidc?.route !== 'token' ? 'revocation' : ctx.oidc.params?.['grant_type'] === 'refresh_token' ? 'refresh-token-reuse' : 'code-reuse';
    const log = reason === 'revocation' ? d.log.info.bind(d.log) : d.log.warn.bind(d.log);
    log({ grantId, clientId: ctx.oidc?.client?.clientId, reason }, reason === 'revocation' ? 'grant revoked' : `${reason === 'code-reuse' ? 'authorization code' : 'refresh token'} used twice: grant revoked`);
  });
  return provider;
}


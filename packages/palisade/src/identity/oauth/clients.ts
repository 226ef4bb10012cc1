// The authorization server's clients, registered by operators (`palisade oauth clients create`,
// the admin API) — never by themselves: dynamic registration is off. A confidential client's secret
// is shown once when it is created and only its hash is stored (secrets.ts).
import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { PalisadeError } from '../../core/index.js';
import type { OAuthClientRecord, Store } from '../../core/index.js';
import { generateClientSecret, hashClientSecret } from './secrets.js';

export const GRANT_TYPES = ['authorization_code', 'refresh_token', 'client_credentials'] as const;
export type GrantType = (typeof GRANT_TYPES)[number];

/** OpenID Connect scopes every client may ask for, besides the APIs' scopes. */
export const OIDC_SCOPES = ['openid', 'email', 'offline_access'] as const;

export interface NewClient {
  name: string;
  redirectUris?: readonly string[];
  grantTypes?: readonly string[];
  /** API scopes the client may be granted. */
  scopes?: readonly string[];
  /** A public client (a browser or native app that cannot keep a secret): no secret, PKCE only. */
  public?: boolean;
  /** Chosen id (the demo's fixed ids); generated when absent. */
  clientId?: string;
}

/** A client as shown to operators: no secret, no hash. */
export interface ClientSummary {
  clientId: string;
  name: string;
  type: 'confidential' | 'public';
  redirectUris: string[];
  grantTypes: string[];
  scopes: string[];
  createdAt: number;
}

export interface CreatedClient {
  client: ClientSummary;
  /** Shown once: only its hash is stored. Absent for a public client. */
  clientSecret?: string;
}

/** True when the text holds a C0 control character or DEL (they have no place in names). */
export function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

function invalid(message: string): PalisadeError {
  return new PalisadeError('PALISADE_ERR_OAUTH_INPUT', message);
}

export function summariseClient(c: OAuthClientRecord): ClientSummary {
  return {
    clientId: c.clientId,
    name: c.name,
    type: c.secretHash === undefined ? 'public' : 'confidential',
    redirectUris: [...c.redirectUris],
    grantTypes: [...c.grantTypes],
    scopes: [...c.scopes],
    createdAt: c.createdAt,
  };
}

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]']);

/** null when `uri` may be registered as a redirect URI, else why not. */
export function checkRedirectUri(uri: string): string | null {
  let u: URL;
  try {
    u = new URL(uri);
  } catch {
    return `${JSON.stringify(uri)} is not an absolute URL`;
  }
  if (uri.includes('#')) return `${JSON.stringify(uri)} has a fragment, which redirect URIs may not have (RFC 6749 §3.1.2)`;
  if (u.username || u.password) return `${JSON.stringify(uri)} carries credentials`;
  if (u.protocol === 'https:') return null;
  if (u.protocol === 'http:') {
    const host = u.hostname;
    if (LOOPBACK_NAMES.has(host) || (isIP(host) === 4 && host.startsWith('127.'))) return null;
    return `${JSON.stringify(uri)} uses http on a host other than the loopback address: use https (codes sent over plain http can be read on the way)`;
  }
  // RFC 8252 §7.1: native apps use a private-use scheme in reverse-domain form (com.example.app:/cb).
  if (/^[a-z][a-z0-9+-]*(\.[a-z0-9+-]+)+:$/.test(u.protocol)) return null;
  return `${JSON.stringify(uri)} uses the ${u.protocol} scheme: use https, http on the loopback address, or a reverse-domain scheme for native apps`;
}

export class OAuthClients {
  /** `apiScopes`: the scopes the configured APIs (oauth.resources) understand. */
  constructor(
    private readonly store: Store,
    private readonly apiScopes: ReadonlySet<string>,
  ) {}

  async create(input: NewClient): Promise<CreatedClient> {
    const name = typeof input.name === 'string' ? input.name.trim() : '';
    if (name.length < 1 || name.length > 100 || hasControlCharacter(name)) throw invalid('The client name must be 1 to 100 printable characters.');
    const isPublic = input.public === true;
    const grants = [...new Set(input.grantTypes ?? ['authorization_code', 'refresh_token'])];
    if (grants.length === 0) throw invalid('A client needs at least one grant type.');
    for (const g of grants) if (!(GRANT_TYPES as readonly string[]).includes(g)) throw invalid(`Grant type ${JSON.stringify(g)} is not one of ${GRANT_TYPES.join(', ')}.`);
    if (grants.includes('refresh_token') && !grants.includes('authorization_code')) throw invalid('refresh_token needs authorization_code: refresh tokens come from the authorization-code flow.');
    if (isPublic && grants.includes('client_credentials')) throw invalid('A public client cannot use client_credentials: that grant rests on the client secret.');
    const redirectUris = [...new Set(input.redirectUris ?? [])];
    if (grants.includes('authorization_code') && redirectUris.length === 0) throw invalid('authorization_code needs at least one redirect URI (--redirect-uri).');
    if (!grants.includes('authorization_code') && redirectUris.length > 0) throw invalid('Redirect URIs are only used by the authorization_code grant.');
    for (const u of redirectUris) {
      const why = checkRedirectUri(u);
      if (why) throw invalid(why);
    }
    const scopes = [...new Set(input.scopes ?? [])];
    for (const s of scopes) {
      if (!this.apiScopes.has(s)) {
        const known = [...this.apiScopes];
        throw invalid(`Scope ${JSON.stringify(s)} is not a scope of a configured API (oauth.resources): ${known.length ? known.join(', ') : 'none are configured'}.`);
      }
    }
    const clientId = input.clientId ?? `pc_${randomBytes(12).toString('base64url')}`;
    if (!/^[A-Za-z0-9_.:-]{1,128}$/.test(clientId)) throw invalid('The client id must be 1 to 128 letters, digits or _ . : -.');
    const clientSecret = isPublic ? undefined : generateClientSecret();
    const created = await this.store.oauth.createClient({
      clientId,
      name,
      ...(clientSecret !== undefined ? { secretHash: hashClientSecret(clientSecret) } : {}),
      redirectUris,
      grantTypes: grants,
      scopes,
    });
    if (!created) throw invalid(`A client with id ${clientId} already exists.`);
    return { client: summariseClient(created), ...(clientSecret !== undefined ? { clientSecret } : {}) };
  }

  async list(): Promise<ClientSummary[]> {
    return (await this.store.oauth.listClients()).map(summariseClient);
  }

  async get(clientId: string): Promise<ClientSummary | undefined> {
    const c = await this.store.oauth.getClient(clientId);
    return c ? summariseClient(c) : undefined;
  }

  async delete(clientId: string): Promise<boolean> {
    return this.store.oauth.deleteClient(clientId);
  }

  /**
   * A new secret for a confidential client, shown once; the old one stops working at once.
   * undefined when there is no such client. The store has no update for clients, so the record is
   * written again under the same id with the same settings: token requests in that instant fail
   * and are retried by the client like any refused request.
   */
  async rotateSecret(clientId: string): Promise<CreatedClient | undefined> {
    const c = await this.store.oauth.getClient(clientId);
    if (!c) return undefined;
    if (c.secretHash === undefined) throw invalid('A public client has no secret to rotate.');
    const clientSecret = generateClientSecret();
    await this.store.oauth.deleteClient(clientId);
    const created = await this.store.oauth.createClient({ clientId, name: c.name, secretHash: hashClientSecret(clientSecret), redirectUris: c.redirectUris, grantTypes: c.grantTypes, scopes: c.scopes });
    if (!created) throw invalid(`The client ${clientId} was registered again while its secret was rotated: rotate again.`);
    return { client: summariseClient(created), clientSecret };
  }
}

/** Client metadata carrying the API scopes a client may be granted (provider.ts). */
export const API_SCOPES_METADATA = 'palisade_api_scopes';

export function apiScopesOf(metadata: Record<string, unknown>): string[] {
  const v = metadata[API_SCOPES_METADATA];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/**
 * oidc-provider's view of a stored client. `client_secret` carries the stored hash: the provider
 * calls compareClientSecret, which provider.ts replaces with a hash comparison, and the secret is
 * used for nothing else because HMAC-based client authentication and signing are switched off.
 */
export function providerMetadata(c: OAuthClientRecord): Record<string, unknown> {
  const code = c.grantTypes.includes('authorization_code');
  return {
    client_id: c.clientId,
    client_name: c.name,
    ...(c.secretHash !== undefined ? { client_secret: c.secretHash, token_endpoint_auth_method: 'client_secret_basic' } : { token_endpoint_auth_method: 'none' }),
    grant_types: c.grantTypes,
    response_types: code ? ['code'] : [],
    redirect_uris: c.redirectUris,
    [API_SCOPES_METADATA]: c.scopes,
    id_token_signed_response_alg: 'RS256',
  };
}

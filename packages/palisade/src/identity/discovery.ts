// OpenID Connect Discovery 1.0: the issuer's metadata at <issuer>/.well-known/openid-configuration
// names its JWKS (jwks_uri) and, often, its RFC 7662 introspection endpoint. Fetched once when a
// configuration is loaded; the metadata says where keys live, the keys themselves are refreshed
// by the JWKS cache.
import { fetchJsonObject, ProviderError } from './http.js';

export interface IssuerMetadata {
  readonly issuer: string;
  readonly jwksUri: string;
  readonly introspectionEndpoint?: string;
}

export interface DiscoveryOptions {
  readonly timeoutMs?: number;
}

function httpUrl(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  try {
    const u = new URL(v);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.href : undefined;
  } catch {
    return undefined;
  }
}

export function discoveryUrl(issuer: string): string {
  // OIDC Discovery §4: the issuer with any trailing slash removed, then the well-known path.
  return `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
}

/**
 * Fetches and checks an issuer's metadata. The document's `issuer` must equal the configured one
 * exactly (§4.3): otherwise a document served at a look-alike address could name another issuer's
 * keys. Throws ProviderError.
 */
export async function discoverIssuer(issuer: string, opts: DiscoveryOptions = {}): Promise<IssuerMetadata> {
  const url = discoveryUrl(issuer);
  const { body } = await fetchJsonObject(url, { timeoutMs: opts.timeoutMs ?? 5000, maxBytes: 512 * 1024 });
  if (body.issuer !== issuer) {
    throw new ProviderError('invalid', `${url} names issuer ${JSON.stringify(body.issuer)}, not ${JSON.stringify(issuer)} as configured`);
  }
  const jwksUri = httpUrl(body.jwks_uri);
  if (!jwksUri) throw new ProviderError('invalid', `${url} has no usable jwks_uri`);
  const introspectionEndpoint = httpUrl(body.introspection_endpoint);
  return Object.freeze({ issuer, jwksUri, ...(introspectionEndpoint ? { introspectionEndpoint } : {}) });
}

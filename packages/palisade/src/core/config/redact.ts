// A copy of the configuration that is safe to show (admin API, logs, error messages).
import type { PalisadeConfig } from './schema.js';

export const REDACTED = '[redacted]';

// Compared after lower-casing and dropping - and _, so api_key, API-Key and apiKey all match.
// Whole-word endings, so that maxHeaderCount, requestIdHeader or tls.key (a file path) do not.
const SECRET_NAME = /(token|secret|password|passwd|passphrase|apikey|privatekey|credential|credentials)$/;

/** True for option names that hold secrets by convention: token, clientSecret, api_key, privateKey... */
export function isSecretKey(name: string): boolean {
  return SECRET_NAME.test(name.toLowerCase().replace(/[-_]/g, ''));
}

/**
 * Hides the password of a URL's userinfo and secret-named query parameters, keeping the rest
 * readable (`postgres://app:[redacted]@db:5432/palisade`). Strings that are not URLs are returned as is.
 */
export function redactUrl(value: string): string {
  const m = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)(.*)$/i.exec(value);
  if (!m) return value;
  const [, scheme = '', authority = '', rest = ''] = m;
  let auth = authority;
  // The last @ ends the userinfo: unencoded @ in passwords is common enough in hand-written URLs.
  const at = auth.lastIndexOf('@');
  if (at >= 0) {
    const userinfo = auth.slice(0, at);
    const colon = userinfo.indexOf(':');
    if (colon >= 0) auth = `${userinfo.slice(0, colon)}:${REDACTED}${auth.slice(at)}`;
  }
  const redactedRest = rest.replace(/([?&])([^=&#]*)=([^&#]*)/g, (whole, sep: string, name: string) => {
    let decoded = name;
    try {
      decoded = decodeURIComponent(name);
    } catch {
      // A malformed escape is still a name worth checking as written.
    }
    return isSecretKey(decoded) ? `${sep}${name}=${REDACTED}` : whole;
  });
  return scheme + auth + redactedRest;
}

function redactValue(value: unknown): unknown {
  if (typeof value === 'string') return redactUrl(value);
  if (Array.isArray(value)) return value.map(redactValue);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      // A boolean is a switch (cors.credentials: true), never the secret itself.
      if (isSecretKey(k) && v !== undefined && v !== null && typeof v !== 'boolean') out[k] = REDACTED;
      else out[k] = redactValue(v);
    }
    return out;
  }
  return value;
}

/**
 * A deep copy safe for the admin API: admin.token, any token/secret/password/apiKey/privateKey-like
 * option, and passwords inside URLs (store.url keeps its host and database) are replaced with
 * '[redacted]'.
 */
export function redactConfig(cfg: PalisadeConfig | Readonly<Record<string, unknown>>): unknown {
  return redactValue(cfg);
}

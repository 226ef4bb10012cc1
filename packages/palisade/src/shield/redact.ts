// Redaction of what is recorded: secrets never reach the store in clear.
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import { redactApiKeys } from '../identity/index.js';

export const REDACTED = '[redacted]';

/** Headers that always carry credentials. */
const ALWAYS_HEADERS = [
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'api-key',
  'apikey',
  'x-auth-token',
  'x-access-token',
  'x-csrf-token',
  'x-xsrf-token',
  'x-amz-security-token',
  'x-goog-api-key',
  'ocp-apim-subscription-key',
];

/** Query parameters and JSON fields whose names suggest a secret. */
const SECRET_NAME = /pass(word|wd)?|secret|token|api[-_]?key|apikey|access[-_]?key|private[-_]?key|credential|session|^code$|^sig(nature)?$|^auth(orization)?$/i;

/** An auth-scheme token (RFC 9110 §11.1) followed by credentials: only the scheme is kept. */
const SCHEME = /^\s*([A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]{0,31})\s+\S/;

export interface Redactor {
  headers(h: IncomingHttpHeaders | OutgoingHttpHeaders | Record<string, string | string[] | number | undefined>): Record<string, string>;
  url(url: string): string;
  body(sample: string, contentType?: string): string;
}

export function createRedactor(opts: { headers?: readonly string[]; queryParams?: readonly string[]; bodyFields?: readonly string[] } = {}): Redactor {
  const headerSet = new Set([...ALWAYS_HEADERS, ...(opts.headers ?? []).map((h) => h.toLowerCase())]);
  const querySet = new Set((opts.queryParams ?? []).map((q) => q.toLowerCase()));
  const fieldSet = new Set((opts.bodyFields ?? []).map((f) => f.toLowerCase()));
  const secretParam = (name: string) => querySet.has(name.toLowerCase()) || SECRET_NAME.test(name);
  const secretField = (name: string) => fieldSet.has(name.toLowerCase()) || SECRET_NAME.test(name);

  return {
    headers(h) {
      const out: Record<string, string> = {};
      for (const name of Object.keys(h)) {
        const v = h[name];
        if (v === undefined) continue;
        const lower = name.toLowerCase();
        if (lower === 'authorization' || lower === 'proxy-authorization') {
          // The scheme (Bearer, Basic, ApiKey...) is no secret, and it tells Watch how callers authenticate.
          const scheme = SCHEME.exec(Array.isArray(v) ? String(v[0]) : String(v))?.[1];
          out[lower] = scheme ? `${scheme} ${REDACTED}` : REDACTED;
          continue;
        }
        out[lower] = headerSet.has(lower) || SECRET_NAME.test(lower) ? REDACTED : redactApiKeys(Array.isArray(v) ? v.join(', ') : String(v));
      }
      return out;
    },
    url(raw) {
      // Palisade's own API keys are recognisable wherever they sit (a custom query parameter, a path).
      const url = redactApiKeys(raw);
      const q = url.indexOf('?');
      if (q < 0) return url;
      const parts = url.slice(q + 1).split('&');
      let changed = false;
      for (let i = 0; i < parts.length; i++) {
        const p = parts[i]!;
        const eq = p.indexOf('=');
        const rawName = eq < 0 ? p : p.slice(0, eq);
        let name = rawName;
        try {
          name = decodeURIComponent(rawName.replace(/\+/g, ' '));
        } catch {
          // A malformed escape is recorded as sent; the name is still checked raw.
        }
        if (eq >= 0 && secretParam(name)) {
          parts[i] = rawName + '=' + encodeURIComponent(REDACTED);
          changed = true;
        }
      }
      return changed ? url.slice(0, q + 1) + parts.join('&') : url;
    },
    body(raw, contentType) {
      const sample = redactApiKeys(raw);
      if (contentType && /json/i.test(contentType)) {
        try {
          return JSON.stringify(redactJson(JSON.parse(sample), secretField));
        } catch {
          // A truncated sample is not valid JSON: fall back to masking "key": "value" pairs textually.
          return sample.replace(/"([^"\\]{1,64})"\s*:\s*"(?:[^"\\]|\\.)*"/g, (m, key: string) =>
            secretField(key) ? `"${key}":"${REDACTED}"` : m,
          );
        }
      }
      if (contentType && /x-www-form-urlencoded/i.test(contentType)) {
        return this.url('?' + sample).slice(1);
      }
      return sample;
    },
  };
}

function redactJson(v: unknown, secret: (k: string) => boolean, depth = 0): unknown {
  if (depth > 64 || v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map((x) => redactJson(x, secret, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    out[k] = secret(k) && (typeof x === 'string' || typeof x === 'number') ? REDACTED : redactJson(x, secret, depth + 1);
  }
  return out;
}

// What Shield hands to an exchange observer (Watch): the redacted record, plus short fingerprints
// of the credential and the session taken from the raw headers before redaction, so that an
// observer can tell actors apart (one token from many networks) without ever holding a secret.
import { createHash } from 'node:crypto';
import type { Exchange } from '../core/index.js';
import type { RawExchange } from './recorder.js';

export interface ObservedExchange {
  exchange: Exchange;
  /** sha256 of the Authorization / API key header value, base64url, 16 characters. */
  credential?: string;
  /** The same of the session cookie's value (a cookie named like *sess*, *sid*, *auth*). */
  session?: string;
}

export type ExchangeObserver = (batch: readonly ObservedExchange[]) => void;

const CREDENTIAL_HEADERS = ['authorization', 'x-api-key', 'api-key', 'apikey'];
const SESSION_COOKIE = /(?:^|;\s*)([^=;\s]*(?:sess|sid|auth)[^=;\s]*)=([^;]{8,})/i;

function fp(secret: string): string {
  return createHash('sha256').update(secret).digest('base64url').slice(0, 16);
}

export function observed(record: Exchange, raw: RawExchange): ObservedExchange {
  const o: ObservedExchange = { exchange: record };
  const h = raw.requestHeaders;
  for (const name of CREDENTIAL_HEADERS) {
    const v = h[name];
    const s = Array.isArray(v) ? v[0] : v;
    if (s) {
      o.credential = fp(s);
      break;
    }
  }
  const cookie = h.cookie;
  if (cookie) {
    const m = SESSION_COOKIE.exec(cookie);
    if (m) o.session = fp(m[2]!);
  }
  return o;
}

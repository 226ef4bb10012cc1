// What detectors read: one exchange, decoded once into the figures every detector needs (actor,
// endpoint template, login outcome, identifiers looked up, WAF classes, user agent).
import type { AlertActor, Exchange } from '../../core/index.js';
import type { Templater } from '../inventory/templater.js';

/**
 * An exchange as Watch receives it. Shield records exchanges redacted; before redaction it also
 * hands over short fingerprints of the credential and session so that actors can be told apart
 * without any secret reaching Watch.
 */
export interface ObservedExchange {
  exchange: Exchange;
  /** Fingerprint of the bearer token / API key presented (sha256, truncated), when there was one. */
  credential?: string;
  /** Fingerprint of the session cookie, when there was one. */
  session?: string;
}

export interface LoginSettings {
  /** Paths (exact, query ignored) of login operations; POST only. Matched besides `pathPattern`. */
  paths: readonly string[];
  /** Paths matching this (case-insensitive) are login operations when the method is POST. */
  pathPattern: RegExp;
  /** Body fields holding the account name (from the body sample; never the password). */
  usernameFields: readonly string[];
  failureStatuses: readonly number[];
}

export interface WatchEvent {
  x: Exchange;
  /** The exchange's own clock (epoch ms): simulated traffic gives simulated time. */
  t: number;
  ip: string;
  /** The /16 (IPv4) or /32 (IPv6) network of the client: a cheap stand-in for "another ISP/ASN". */
  net: string;
  /** The most specific identity: API key > principal > token > session > IP. */
  actor: AlertActor;
  /** Credential and session fingerprints (ObservedExchange), when known. */
  credential?: string;
  session?: string;
  method: string;
  path: string;
  query: URLSearchParams;
  /** Template of the path, e.g. /users/{userId}. */
  template: string;
  /** `${method} ${template}`. */
  endpoint: string;
  params: ReadonlyArray<{ name: string; cls: string; value: string }>;
  status: number;
  ua: string;
  /** Attack classes the WAF stage reported (its rule tags or codes), deduplicated. */
  wafClasses: string[];
  login?: { account?: string; failed: boolean };
}

const MAX_QUERY = 2048;

export function networkOf(ip: string): string {
  const v4 = /^(?:::ffff:)?(\d{1,3})\.(\d{1,3})\.\d{1,3}\.\d{1,3}$/i.exec(ip);
  if (v4) return `${v4[1]}.${v4[2]}.0.0/16`;
  // IPv6: providers hand out /48 to /64; the first 32 bits are the provider's allocation.
  const parts = ip.toLowerCase().split(':');
  return `${parts[0] ?? ''}:${parts[1] ?? ''}::/32`;
}

export function actorOf(o: ObservedExchange): AlertActor {
  const p = o.exchange.principal;
  if (p) return { kind: p.method === 'apiKey' ? 'apiKey' : 'principal', id: p.id };
  if (o.credential) return { kind: 'token', id: o.credential };
  if (o.session) return { kind: 'session', id: o.session };
  return { kind: 'ip', id: o.exchange.clientIp };
}

/** The account named in a (redacted) JSON or form body sample. */
export function accountFromBody(sample: string | undefined, fields: readonly string[]): string | undefined {
  if (!sample) return undefined;
  const s = sample.trimStart();
  if (s.startsWith('{')) {
    try {
      const v: unknown = JSON.parse(s);
      if (v && typeof v === 'object') {
        for (const f of fields) {
          const x = (v as Record<string, unknown>)[f];
          if (typeof x === 'string' && x.length > 0 && x.length <= 256) return x.trim().toLowerCase();
        }
      }
    } catch {
      // A truncated sample is not JSON; the account is simply unknown.
    }
    return undefined;
  }
  const params = new URLSearchParams(s.slice(0, MAX_QUERY));
  for (const f of fields) {
    const x = params.get(f);
    if (x) return x.trim().toLowerCase().slice(0, 256);
  }
  return undefined;
}

/** The attack classes in the WAF stage's outcomes: a verdict from stage 'waf' is read generically. */
export function wafClassesOf(x: Exchange): string[] {
  const out = new Set<string>();
  for (const v of x.verdicts) {
    if (v.stage !== 'waf') continue;
    // The WAF stage says which attack classes its matched rules belong to (CRS attack-* tags),
    // whether or not they interrupted the exchange: a probe under the threshold is still a probe.
    if (v.waf && v.waf.attacks.length > 0) {
      for (const a of v.waf.attacks) out.add(a.toLowerCase().slice(0, 64));
      continue;
    }
    if (v.outcome === 'continue') continue;
    // The class is the first tag-like part of the rule or code ('attack-sqli', '942100 sqli'...).
    const label = v.code ?? v.rule ?? v.reason ?? 'waf';
    out.add(label.toLowerCase().slice(0, 64));
  }
  return [...out];
}

export class EventDecoder {
  constructor(
    private readonly templater: Templater,
    private readonly login: LoginSettings,
  ) {}

  decode(o: ObservedExchange): WatchEvent {
    const x = o.exchange;
    const q = x.url.indexOf('?');
    const path = q >= 0 ? x.url.slice(0, q) : x.url;
    const query = new URLSearchParams(q >= 0 ? x.url.slice(q + 1, q + 1 + MAX_QUERY) : '');
    const method = x.method.toUpperCase();
    const tr = this.templater.template(path);
    const e: WatchEvent = {
      x,
      t: x.startedAt,
      ip: x.clientIp,
      net: networkOf(x.clientIp),
      actor: actorOf(o),
      method,
      path,
      query,
      template: tr.template,
      endpoint: `${method} ${tr.template}`,
      params: tr.params,
      status: x.status,
      ua: x.requestHeaders['user-agent'] ?? '',
      wafClasses: wafClassesOf(x),
    };
    if (o.credential) e.credential = o.credential;
    if (o.session) e.session = o.session;
    if (method === 'POST' && (this.login.paths.includes(path) || this.login.pathPattern.test(path))) {
      const account = accountFromBody(x.requestBodySample, this.login.usernameFields);
      e.login = { failed: this.login.failureStatuses.includes(x.status), ...(account !== undefined ? { account } : {}) };
    }
    return e;
  }
}

// The two shared models (Exchange, Finding) and the vocabulary around them.
// Every module speaks these types; nothing here imports another module of ours.

export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'info';
export const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'info'];

export type Confidence = 'confirmed' | 'firm' | 'tentative';

/** OWASP API Security Top 10, 2023 edition. */
export type OwaspApiCategory =
  | 'API1:2023' | 'API2:2023' | 'API3:2023' | 'API4:2023' | 'API5:2023'
  | 'API6:2023' | 'API7:2023' | 'API8:2023' | 'API9:2023' | 'API10:2023';

export const OWASP_API_TOP10: Readonly<Record<OwaspApiCategory, string>> = {
  'API1:2023': 'Broken Object Level Authorization',
  'API2:2023': 'Broken Authentication',
  'API3:2023': 'Broken Object Property Level Authorization',
  'API4:2023': 'Unrestricted Resource Consumption',
  'API5:2023': 'Broken Function Level Authorization',
  'API6:2023': 'Unrestricted Access to Sensitive Business Flows',
  'API7:2023': 'Server Side Request Forgery',
  'API8:2023': 'Security Misconfiguration',
  'API9:2023': 'Improper Inventory Management',
  'API10:2023': 'Unsafe Consumption of APIs',
};

/** Who made a request, once a Shield authentication stage has decided. */
export interface Principal {
  id: string;
  /** How the principal was authenticated: 'apiKey', 'jwt', 'introspection', 'mtls', ... */
  method: string;
  roles: readonly string[];
  scopes: readonly string[];
  tenant?: string;
  claims?: Readonly<Record<string, unknown>>;
}

/**
 * The outcome of one Shield stage. Expected outcomes are verdicts, never exceptions.
 * `deny` becomes an RFC 9457 problem response whose `type` is derived from `code`.
 */
export type Verdict =
  | { readonly kind: 'continue' }
  | {
      readonly kind: 'deny';
      /** Stable reason code, e.g. 'ip-denied', 'body-too-large'. Part of the public problem type URI. */
      readonly code: string;
      readonly status: number;
      /** Safe, user-facing explanation; never internal detail. */
      readonly detail?: string;
      /** Extra response headers (Retry-After, WWW-Authenticate, Allow...). */
      readonly headers?: Readonly<Record<string, string>>;
      /** RFC 9457 extension members, e.g. the list of contract violations. Safe to show. */
      readonly extensions?: Readonly<Record<string, unknown>>;
      /** Which rule denied, kept in the exchange record (never sent to the client). */
      readonly rule?: string;
    }
  | {
      readonly kind: 'respond';
      readonly status: number;
      /** Lists for headers that repeat (Set-Cookie of a rewritten upstream response). */
      readonly headers: Readonly<Record<string, string | string[]>>;
      readonly body: string | Buffer;
      /** Which rule produced the answer, kept in the exchange record. */
      readonly rule?: string;
    };

export const CONTINUE: Verdict = Object.freeze({ kind: 'continue' });

export function deny(code: string, status: number, detail?: string, headers?: Record<string, string>): Verdict {
  return { kind: 'deny', code, status, ...(detail !== undefined ? { detail } : {}), ...(headers ? { headers } : {}) };
}

/** What one stage decided about one exchange, kept in the exchange record. */
export interface StageOutcome {
  stage: string;
  outcome: 'continue' | 'deny' | 'respond' | 'modify' | 'report';
  code?: string;
  /** Which rule allowed or denied (rule id, list entry...). */
  rule?: string;
  /** Why, for the operator (e.g. why a credential was refused); never sent to the client. */
  reason?: string;
  /**
   * What a `report` outcome found without acting on it, e.g. response contract violations as
   * JSON pointers and schema messages (never the offending values).
   */
  violations?: ReadonlyArray<{ pointer: string; message: string }>;
  /** The WAF stage's findings (stage 'waf'): what Watch's injection and scanner detectors read. */
  waf?: WafOutcome;
}

/** What the WAF saw in one exchange, compact and already redacted (no request values beyond a short matched excerpt). */
export interface WafOutcome {
  readonly mode: 'blocking' | 'detection-only';
  /** CRS blocking anomaly scores at the end of the exchange. */
  readonly inboundScore: number;
  readonly outboundScore: number;
  /** The rule that interrupted the exchange (0: a body limit), absent when nothing did. */
  readonly interruptedBy?: number;
  /** Attack classes of the matched rules, from their `attack-*` tags (attack-sqli, attack-xss...). */
  readonly attacks: readonly string[];
  /** Rules that matched and log (at most 20, in order), with what they matched: truncated, and redacted for secret fields. */
  readonly matched: ReadonlyArray<{
    readonly id: number;
    readonly phase: number;
    readonly msg: string;
    readonly severity?: string;
    readonly tags: readonly string[];
    /** The variable, e.g. ARGS:q. */
    readonly variable: string;
    readonly data: string;
  }>;
}

/** Timings in milliseconds, relative to the moment the request head was received. */
export interface ExchangeTimings {
  /** Total time until the response was fully sent. */
  total: number;
  /** Time spent waiting for the upstream's response head, when forwarded. */
  upstream?: number;
}

/**
 * One HTTP exchange as Palisade saw it. Shield produces it, Watch consumes it, Probe records the ones it sends.
 * Headers and bodies here are already redacted: an Exchange may be stored and shown.
 */
export interface Exchange {
  id: string;
  /** Epoch milliseconds when the request head arrived. */
  startedAt: number;
  api?: string;
  route?: string;
  operationId?: string;
  method: string;
  /** Origin-form URL as requested (path and query), with configured query secrets redacted. */
  url: string;
  host?: string;
  clientIp: string;
  principal?: Pick<Principal, 'id' | 'method' | 'roles' | 'tenant'>;
  requestHeaders: Record<string, string>;
  requestBodySample?: string;
  requestBytes: number;
  status: number;
  responseHeaders: Record<string, string>;
  responseBodySample?: string;
  responseBytes: number;
  timings: ExchangeTimings;
  verdicts: StageOutcome[];
  /** The first denial's code when Shield refused the request; absent when the request was forwarded. */
  blockedBy?: string;
  /** Problems on the way (upstream timeout, client aborted...). */
  error?: string;
}

/** Evidence attached to a Finding. */
export interface Evidence {
  request?: { method: string; url: string; headers?: Record<string, string>; body?: string };
  response?: { status: number; headers?: Record<string, string>; bodyExcerpt?: string };
  /** What matched: a pattern, a field, a difference between two responses. */
  matched?: string;
  exchangeIds?: string[];
}

/** One finding, from Probe, the spec audit or Watch. */
export interface Finding {
  /** Stable content fingerprint for triage across runs. */
  fingerprint: string;
  /** Permanent check id, e.g. 'PAL-BOLA-001'. */
  checkId: string;
  title: string;
  category: OwaspApiCategory;
  cwe?: number;
  severity: Severity;
  confidence: Confidence;
  source: 'probe' | 'audit' | 'watch';
  api?: string;
  operation?: { method: string; path: string; operationId?: string };
  description?: string;
  evidence: Evidence[];
  remediation: { summary: string; details?: string; shieldPolicy?: string };
  createdAt: number;
}

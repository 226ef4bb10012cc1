/**
 * The WAF audit log: one JSON line per exchange that was interrupted or matched a rule marked
 * `auditlog` (SecAuditEngine RelevantOnly, the default), or every exchange (On). Values of
 * configured headers and arguments are redacted wherever they would appear: request headers,
 * the query string, and the matched values and log data of rules that matched them.
 */
import type { Transaction } from './transaction.js';

export interface AuditLoggerOptions {
  /** Receives one JSON document per line (without the newline). */
  readonly write: (line: string) => void;
  /** Header names whose values are replaced (case-insensitive). Default: authorization, cookie, set-cookie, proxy-authorization. */
  readonly redactHeaders?: readonly string[];
  /** Argument / cookie / JSON field names whose values are replaced (case-insensitive). Default: password, passwd, pwd, secret, token, api_key, apikey. */
  readonly redactFields?: readonly string[];
}

export interface AuditRecord {
  readonly id: string;
  readonly time: string;
  readonly clientIp: string;
  readonly request: { readonly method: string; readonly uri: string; readonly protocol: string; readonly headers: Record<string, string> };
  readonly response: { readonly status: number | undefined };
  readonly interruption: { readonly ruleId: number; readonly action: string; readonly status: number; readonly phase: number } | null;
  readonly anomalyScore: { readonly inbound: number; readonly outbound: number };
  readonly matched: readonly {
    readonly id: number;
    readonly phase: number;
    readonly msg: string;
    readonly data: string;
    readonly severity: string | undefined;
    readonly tags: readonly string[];
    readonly variable: string;
  }[];
}

const REDACTED = '[redacted]';
const DEFAULT_HEADERS = ['authorization', 'cookie', 'set-cookie', 'proxy-authorization'];
const DEFAULT_FIELDS = ['password', 'passwd', 'pwd', 'secret', 'token', 'api_key', 'apikey'];

/** Builds the audit record of a finished transaction, with redaction. */
export function auditRecord(tx: Transaction, options: Omit<AuditLoggerOptions, 'write'> = {}): AuditRecord {
  const hdrs = new Set((options.redactHeaders ?? DEFAULT_HEADERS).map((h) => h.toLowerCase()));
  const fields = new Set((options.redactFields ?? DEFAULT_FIELDS).map((f) => f.toLowerCase()));
  const s = tx.summary();
  const headers: Record<string, string> = {};
  for (const [k, v] of s.requestHeaders) {
    const val = hdrs.has(k.toLowerCase()) ? REDACTED : v;
    headers[k] = headers[k] === undefined ? val : `${headers[k]}, ${val}`;
  }
  const i = tx.interruption;
  return {
    id: tx.id,
    time: new Date(tx.startedAt).toISOString(),
    clientIp: s.clientIp,
    request: { method: s.method, uri: redactQuery(s.uri, fields), protocol: s.protocol, headers },
    response: { status: s.status },
    interruption: i ? { ruleId: i.ruleId, action: i.action, status: i.status, phase: i.phase } : null,
    anomalyScore: { inbound: tx.txNumber('blocking_inbound_anomaly_score'), outbound: tx.txNumber('blocking_outbound_anomaly_score') },
    matched: tx.matchedRules
      .filter((r) => r.auditlog || r.disruptive)
      .map((r) => {
        const secret = isSecretVar(r.matchedVar, hdrs, fields);
        return {
          id: r.id,
          phase: r.phase,
          msg: r.msg,
          data: secret ? scrub(r.data, [r.matchedValue, r.matchedData]) : r.data,
          severity: r.severity,
          tags: r.tags,
          variable: r.matchedVar,
        };
      }),
  };
}

/** Writes audit lines for the transactions the audit engine says are relevant. */
export function createAuditLogger(options: AuditLoggerOptions): { log(tx: Transaction): void } {
  return {
    log(tx) {
      if (!tx.auditRelevant) return;
      options.write(JSON.stringify(auditRecord(tx, options)));
    },
  };
}

function isSecretVar(name: string, hdrs: Set<string>, fields: Set<string>): boolean {
  const colon = name.indexOf(':');
  if (colon < 0) return false;
  const coll = name.slice(0, colon);
  const key = name.slice(colon + 1).toLowerCase();
  if (coll.startsWith('REQUEST_HEADERS') || coll.startsWith('RESPONSE_HEADERS')) return hdrs.has(key);
  const leaf = key.slice(key.lastIndexOf('.') + 1);
  return fields.has(key) || fields.has(leaf);
}

function scrub(text: string, secrets: string[]): string {
  let out = text;
  for (const s of secrets) if (s.length >= 1) out = out.split(s).join(REDACTED);
  return out;
}

function redactQuery(uri: string, fields: Set<string>): string {
  const q = uri.indexOf('?');
  if (q < 0) return uri;
  const parts = uri
    .slice(q + 1)
    .split('&')
    .map((p) => {
      const eq = p.indexOf('=');
      if (eq < 0) return p;
      let name = p.slice(0, eq);
      try {
        name = decodeURIComponent(name.replace(/\+/g, ' '));
      } catch {
        // Badly encoded names are compared as written.
      }
      return fields.has(name.toLowerCase()) ? `${p.slice(0, eq)}=${REDACTED}` : p;
    });
  return `${uri.slice(0, q)}?${parts.join('&')}`;
}

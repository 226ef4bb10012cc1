// Error scrubbing: upstream 5xx bodies that give away internals (stack traces, SQL errors, debug
// pages, server paths) are replaced with a generic problem response (OWASP API8:2023, CWE-209).
// The original goes to the log with the request id, which the client is told to quote.
// SOAP faults are replaced with a generic SOAP Fault of the same version instead: a SOAP client
// cannot read a problem+json body, and the replacement keeps the original's kind. SOAP 1.2 answers
// the faults a request caused with 400, so leaky SOAP faults are looked for in 4xx answers too.
import { brotliDecompressSync, gunzipSync, inflateRawSync, inflateSync } from 'node:zlib';
import type { Verdict } from '../../core/index.js';
import { deny } from '../../core/index.js';
import type { RequestContext, ResponseHead, StageFactory } from '../stage.js';
import type { SoapVersion } from '../soap.js';
import { genericFault, soapVersionOfType, summarizeEnvelope } from '../soap.js';

export const SCRUBBED_DETAIL = 'The upstream service failed. Quote the request id when you report it.';
const EXCERPT_BYTES = 2048;

interface LeakSignature {
  /** Logged with the original body so an operator sees why it was replaced. */
  readonly reason: string;
  readonly literal?: string;
  readonly pattern?: RegExp;
}

// Each pattern is either a literal or anchored on a literal with bounded repetitions around it,
// and none nests quantifiers, so each costs time linear in the (already bounded) body.
const SIGNATURES: readonly LeakSignature[] = [
  // Stack traces.
  {
    reason: 'stack-trace:node',
    pattern: /\bat (?:(?:async |new )?[\w$.<>[\]]{1,150}(?: \[as [\w$]{1,100}\])? \()?(?:file:\/\/|node:|\/|[A-Za-z]:\\)[^\s():"']{1,300}:\d{1,7}:\d{1,7}/,
  },
  {
    reason: 'stack-trace:java',
    pattern: /\bat [\w$]{1,100}(?:\.[\w$<>]{1,100}){1,30}\((?:[\w$]{1,100}\.(?:java|kt|scala|groovy):\d{1,7}|Native Method|Unknown Source)\)/,
  },
  { reason: 'stack-trace:java', literal: 'Exception in thread "' },
  { reason: 'exception:java', pattern: /\b(?:java|javax|jakarta)\.[\w$.]{1,200}(?:Exception|Error)\b/ },
  { reason: 'stack-trace:python', literal: 'Traceback (most recent call last)' },
  { reason: 'stack-trace:python', pattern: /File \\?"[^"\n]{1,300}", line \d{1,7}/ },
  { reason: 'stack-trace:dotnet', pattern: / at [\w.`<>[\],]{1,300}\([^)\n]{0,300}\) in [^\n]{1,300}?:line \d{1,7}/ },
  { reason: 'exception:dotnet', pattern: /\bSystem\.[\w.]{1,200}Exception\b/ },
  { reason: 'stack-trace:php', pattern: /(?:Fatal|Parse) error(?:<\/b>)?: {0,2}[^\n]{0,1000}? on line (?:<b>)?\d/ },
  { reason: 'stack-trace:php', pattern: /\.php(?::\d{1,7}\b| on line \d)/ },
  { reason: 'stack-trace', literal: 'Stack trace:' },
  { reason: 'stack-trace:ruby', pattern: /\.rb:\d{1,7}:in [`']/ },
  { reason: 'stack-trace:go', pattern: /goroutine \d{1,9} \[[a-z ,]{1,60}\]:/ },
  // SQL and database driver errors.
  { reason: 'sql:mysql', literal: 'You have an error in your SQL syntax' },
  { reason: 'sql:postgres', literal: 'syntax error at or near' },
  { reason: 'sql:sqlite', literal: 'SQLITE_ERROR' },
  { reason: 'sql:sqlite', pattern: /near "[^"\n]{0,200}": syntax error/ },
  { reason: 'sql:mssql', literal: 'Unclosed quotation mark' },
  { reason: 'sql:oracle', pattern: /\bORA-\d{5}\b/ },
  {
    reason: 'sql:driver',
    pattern:
      /java\.sql\.SQL\w{0,40}Exception|org\.postgresql\.util\.PSQLException|com\.mysql\.(?:cj\.)?jdbc|SQLServerException|\[Microsoft\]\[ODBC|\[ODBC [\w ]{1,60}Driver\]|Microsoft OLE DB Provider for|SQLSTATE\[\w{1,10}\]|pg_query\(\): Query failed|PG::\w{1,60}Error|psycopg2\.(?:errors|Programming|Operational)|sqlite3\.OperationalError|ER_PARSE_ERROR|SequelizeDatabaseError|QueryFailedError/,
  },
  // Framework debug pages.
  { reason: 'debug-page:django', literal: 'DEBUG = True' },
  { reason: 'debug-page:rails', literal: 'Action Controller: Exception caught' },
  { reason: 'debug-page:laravel', pattern: /Whoops(?:, looks like something went wrong|! There was an error)|Illuminate\\{1,2}(?:Database|Foundation|Http|Routing|Container)\\/ },
  { reason: 'debug-page:spring', literal: 'Whitelabel Error Page' },
  { reason: 'debug-page:aspnet', pattern: /Server Error in '[^'\n]{0,200}' Application/ },
  { reason: 'debug-page:werkzeug', pattern: /Werkzeug Debugger|The debugger caught an exception in your WSGI application/ },
  // Absolute paths inside the server. The look-behind keeps URL paths ('https://x/home/') out.
  { reason: 'internal-path', pattern: /(?<![\w.~%/-])(?:\/home\/[\w.-]|\/var\/www\/|\/usr\/src\/app\b)/ },
  { reason: 'internal-path', pattern: /\b[A-Za-z]:\\{1,2}inetpub\b/i },
];

/** Why `text` looks like leaked internals, or undefined when it does not. */
export function findLeak(text: string): string | undefined {
  for (const s of SIGNATURES) {
    if (s.literal !== undefined ? text.includes(s.literal) : s.pattern!.test(text)) return s.reason;
  }
  return undefined;
}

/**
 * Undoes Content-Encoding (gzip, deflate, br, in reverse order of application) with the output
 * capped at `cap` bytes. Null when an encoding is unknown, the data is corrupt or the cap is hit:
 * a body that cannot be read cannot be cleared.
 */
export function decodeBody(body: Buffer, encoding: string | string[] | undefined, cap: number): Buffer | null {
  if (encoding === undefined) return body;
  const codings = (typeof encoding === 'string' ? encoding : encoding.join(','))
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== '' && c !== 'identity');
  let out = body;
  try {
    for (let i = codings.length - 1; i >= 0; i--) {
      const c = codings[i];
      if (c === 'gzip' || c === 'x-gzip') out = gunzipSync(out, { maxOutputLength: cap });
      else if (c === 'br') out = brotliDecompressSync(out, { maxOutputLength: cap });
      else if (c === 'deflate') {
        // 'deflate' is meant to be zlib-wrapped, but some servers send raw deflate.
        try {
          out = inflateSync(out, { maxOutputLength: cap });
        } catch (err) {
          if (err instanceof RangeError) throw err;
          out = inflateRawSync(out, { maxOutputLength: cap });
        }
      } else return null;
    }
  } catch {
    return null;
  }
  return out;
}

function headerValue(v: string | string[] | undefined): string | undefined {
  return typeof v === 'string' ? v : v?.[0];
}

/**
 * The SOAP version of an answer with a SOAP content type, so that its replacement is a Fault the
 * client can read; undefined when it is not SOAP (text/xml is also plain XML). A body that cannot
 * be read is taken to answer the request in kind.
 */
function soapVersionOf(ctx: RequestContext, typed: SoapVersion, text: string | undefined): SoapVersion | undefined {
  if (text !== undefined) return summarizeEnvelope(text)?.version ?? (typed === '1.2' ? '1.2' : undefined);
  if (typed === '1.2') return '1.2';
  const req = ctx.req.headers;
  const asked = soapVersionOfType(req['content-type']);
  return asked === '1.2' || (asked === '1.1' && req.soapaction !== undefined) ? asked : undefined;
}

export const createErrorScrubbingStage: StageFactory<'errorScrubbing'> = (settings, env) => {
  if (!settings.enabled) return null;
  const replaceAll = settings.mode === 'all';
  const cap = settings.maxInspectBytes;

  const replace = (ctx: RequestContext, head: ResponseHead, reason: string, excerpt: Buffer, soap: SoapVersion | undefined): Verdict => {
    env.log('error', 'scrubbed upstream error', {
      requestId: ctx.requestId,
      route: ctx.routeName,
      status: head.status,
      reason,
      bodyExcerpt: excerpt.subarray(0, EXCERPT_BYTES).toString('utf8'),
      ...(soap ? { soap } : {}),
    });
    // Retry-After on a 503 is guidance for the client, not a leak; keep it.
    const retryAfter = headerValue(head.headers['retry-after']);
    const keep = retryAfter !== undefined ? { 'Retry-After': retryAfter } : undefined;
    if (soap) {
      const fault = genericFault(soap, head.status, ctx.requestId);
      return { kind: 'respond', status: head.status, headers: { 'Content-Type': fault.contentType, ...keep }, body: fault.body, rule: 'upstream-error' };
    }
    return deny('upstream-error', head.status, SCRUBBED_DETAIL, keep);
  };

  return {
    name: 'errorScrubbing',
    maxBufferBytes: cap,

    responseHead(_ctx: RequestContext, head: ResponseHead): 'buffer' | undefined {
      if (head.status >= 500) return 'buffer';
      return head.status >= 400 && soapVersionOfType(headerValue(head.headers['content-type'])) ? 'buffer' : undefined;
    },

    responseBody(ctx: RequestContext, head: ResponseHead, body: Buffer, truncated: boolean): Verdict | undefined {
      const typed = soapVersionOfType(headerValue(head.headers['content-type']));
      if (head.status < 500) {
        // Client errors are the API's to explain: only a SOAP Fault that leaks is replaced.
        if (!typed || truncated || body.length === 0) return undefined;
        const decoded = decodeBody(body, head.headers['content-encoding'], cap);
        const text = decoded?.toString('utf8');
        const envelope = text !== undefined ? summarizeEnvelope(text) : undefined;
        if (!envelope?.fault) return undefined;
        const reason = findLeak(text!);
        return reason === undefined ? undefined : replace(ctx, head, reason, decoded!, envelope.version);
      }
      const readable = !truncated && body.length > 0 && (!replaceAll || typed !== undefined);
      const decoded = readable ? decodeBody(body, head.headers['content-encoding'], cap) : null;
      const text = decoded?.toString('utf8');
      const soap = typed ? soapVersionOf(ctx, typed, text) : undefined;
      if (replaceAll) return replace(ctx, head, 'mode-all', body, soap);
      if (truncated) return replace(ctx, head, 'too-large-to-inspect', body, soap);
      if (body.length === 0) return undefined;
      if (decoded === null) return replace(ctx, head, 'undecodable', body, soap);
      const reason = findLeak(text!);
      return reason === undefined ? undefined : replace(ctx, head, reason, decoded, soap);
    },
  };
};

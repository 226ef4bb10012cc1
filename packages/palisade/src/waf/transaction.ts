/**
 * One HTTP exchange through the rule set: the connector feeds request and response parts, each
 * `process*` call runs one phase, and the result is the matched rules and, perhaps, an interruption.
 *
 * The hot path avoids allocation per rule per value: values are gathered into reusable parallel
 * arrays, variable names (`ARGS:id`) are built only for matches, and transformation chains are
 * cached per transaction (same original value + same chain prefix → computed once).
 */
import { randomBytes } from 'node:crypto';
import type { OperatorResult, OperatorTx, Transformation } from './types.js';
import { NO_MATCH } from './operators/common.js';
import type { BodyProcessorName, Ctl, EngineMode, IdRange } from './actions/actions.js';
import { SEVERITY_NAMES, inRanges } from './actions/actions.js';
import type { MacroScope } from './actions/macro.js';
import { Macro, expandText } from './actions/macro.js';
import type { Entry } from './variables/collection.js';
import { Collection, NamesView } from './variables/collection.js';
import type { Target } from './variables/targets.js';
import { SOURCE_SCALAR, SOURCE_XML, excludes } from './variables/targets.js';
import type { PhaseEntry, Rule, RuleSet } from './seclang/rule.js';
import { SEGMENT_MAX_LAST_VALUE, SEGMENT_MEMO_ENTRIES } from './seclang/segments.js';
import type { Segment } from './seclang/segments.js';
import { parseUrlEncoded } from './body/urlencoded.js';
import { parseJsonBody } from './body/json.js';
import type { XmlDoc } from './body/xml.js';
import { parseXmlBody } from './body/xml.js';
import { parseMultipart } from './body/multipart.js';
import type { MultipartFlags } from './body/multipart.js';

/** What stopped the exchange. */
export interface Interruption {
  readonly ruleId: number;
  readonly action: 'deny' | 'drop' | 'redirect';
  readonly status: number;
  readonly url?: string;
  readonly phase: number;
}

/** A rule whose chain matched completely. */
export interface MatchedRule {
  readonly id: number;
  readonly phase: number;
  readonly file: string;
  readonly line: number;
  readonly msg: string;
  /** The expanded logdata. */
  readonly data: string;
  readonly severity: string | undefined;
  readonly tags: readonly string[];
  readonly ver: string | undefined;
  /** The last variable that matched, e.g. `ARGS:id`, and its value (after transformations). */
  readonly matchedVar: string;
  readonly matchedValue: string;
  /** What the operator matched (`@rx`'s match, `@pm`'s phrase), for logs. */
  readonly matchedData: string;
  /** Whether the rule is `log` (shown in logs) or `nolog`. */
  readonly log: boolean;
  readonly auditlog: boolean;
  /** Whether this rule interrupted the exchange (never in DetectionOnly). */
  readonly disruptive: boolean;
  /** The disruptive action it carries after `block` resolution. */
  readonly action: string;
}

export interface RequestLine {
  readonly method: string;
  /** The request target as sent (path and query, or an absolute URI). */
  readonly uri: string;
  /** `HTTP/1.1`. */
  readonly protocol: string;
  /** Header pairs in order; names keep their case. Values are byte strings (latin1). */
  readonly headers: readonly (readonly [string, string])[];
}

export interface ResponseHead {
  readonly status: number;
  readonly protocol?: string;
  readonly headers: readonly (readonly [string, string])[];
}

export interface ConnectionInfo {
  readonly clientIp: string;
  readonly clientPort?: number;
  readonly serverIp?: string;
  readonly serverPort?: number;
  /** UNIQUE_ID; a random one when absent. */
  readonly id?: string;
}

/** Per-transaction switches that `ctl:` may change. */
interface TxSettings {
  ruleEngine: EngineMode;
  requestBodyAccess: boolean;
  responseBodyAccess: boolean;
  requestBodyLimit: number;
  forceRequestBodyVariable: boolean;
  bodyProcessor: BodyProcessorName | undefined;
  auditEngine: 'On' | 'Off' | 'RelevantOnly';
  auditLogParts: string;
}

const MAX_CACHE_CHARS = 64 * 1024 * 1024;

/**
 * Transformation results shared by every transaction of an engine, for short inputs only: header
 * values and small arguments repeat from request to request (User-Agent, Accept…), and a
 * transformation is a pure function, so its result can be reused. Bounded: inputs up to
 * SHARED_MAX_INPUT chars, outputs up to SHARED_MAX_OUTPUT, and SHARED_BUDGET chars in all, after
 * which it is emptied (an attacker sending endless distinct values only gets the uncached cost).
 */
export class SharedTransformMemo {
  maps: (Map<string, string> | undefined)[] = [];
  /**
   * Per input (after a rule's transformations): a bit set, by Rule.memoSlot, of the pure
   * operators that did not match it. Benign values repeat (headers, common arguments), and a
   * non-match has no side effect to replay, so a set bit returns NO_MATCH without running the
   * regex, automaton or detector. One entry per distinct value (not per rule and value) keeps the
   * cost of values seen once low. Matches are never remembered: they set captures and are rare.
   * Shares the character budget.
   */
  noMatch = new Map<string, number[]>();
  /**
   * Operator parameters with macros (`@ge %{tx.inbound_anomaly_score_threshold}`), compiled once
   * for all transactions: the texts come from the rules, so the map stays small (expandText caps it).
   */
  readonly macros = new Map<string, Macro>();
  chars = 0;
  clear(): void {
    this.maps = [];
    this.noMatch = new Map();
    this.chars = 0;
  }
}
const SHARED_MAX_INPUT = 256;
const SHARED_MAX_OUTPUT = 1024;
const SHARED_BUDGET = 4 * 1024 * 1024;
const MAX_MULTIPART_PARTS = 1000;

export class Transaction implements OperatorTx, MacroScope {
  readonly id: string;
  readonly settings: TxSettings;
  readonly matchedRules: MatchedRule[] = [];
  interruption: Interruption | undefined;
  /** When set (benchmarks), the milliseconds each rule (with its chain) took are added here. */
  profile: Map<number, number> | undefined;
  readonly startedAt = Date.now();

  // Keyed collections.
  private readonly args = new Collection();
  private readonly argsGet = new Collection();
  private readonly argsPost = new Collection();
  private readonly cookies = new Collection();
  private readonly requestHeaders = new Collection();
  private readonly responseHeaders = new Collection();
  private readonly files = new Collection();
  private readonly filesNames = new Collection();
  private readonly filesSizes = new Collection();
  private readonly filesTmpContent = new Collection();
  private readonly partHeaders = new Collection();
  readonly tx = new Collection();
  private readonly env = new Collection();
  /** The collections of SOURCE_COLLECTIONS, in its order (Rule.targetSources indexes). */
  private readonly sources: readonly Collection[] = [
    this.args, this.argsGet, this.argsPost, this.cookies, this.requestHeaders, this.responseHeaders, this.files,
    this.filesNames, this.filesSizes, this.filesTmpContent, this.partHeaders,
  ];
  private readonly persistent = new Map<string, Collection>();
  private readonly matchedVars = new Collection();
  private readonly matchedVarsNames = new Collection();
  // Matches of the current rule, recorded cheaply; MATCHED_VARS(_NAMES) and MATCHED_VAR_NAME are
  // built from them only when a rule or macro asks (most matches are CRS's paranoia-level skips).
  private mvColl: string[] = [];
  private mvKey: string[] = [];
  private mvValue: string[] = [];
  private mvCount = 0;
  private mvBuilt = true;
  private lastName = '';
  private lastKey = '';
  private lastValue: string | undefined;
  private readonly argsNames = new NamesView([this.args]);
  private readonly argsGetNames = new NamesView([this.argsGet]);
  private readonly argsPostNames = new NamesView([this.argsPost]);
  private readonly cookiesNames = new NamesView([this.cookies]);
  private readonly requestHeadersNames = new NamesView([this.requestHeaders]);
  private readonly responseHeadersNames = new NamesView([this.responseHeaders]);
  private xml: XmlDoc | undefined;
  private readonly scalars = new Map<string, Entry>();
  private requestBodyChunks: Buffer[] = [];
  private requestBodySize = 0;
  private requestBodyTruncated = false;
  private responseBodyChunks: Buffer[] = [];
  private responseBodySize = 0;
  private responseBodyInspect = false;
  private requestLineText = '';

  // Rule evaluation state.
  private readonly cache: (Map<string, string> | undefined)[];
  /** Per transformation: input → output, shared by every chain that applies it to the same text. */
  private readonly memo: (Map<string, string> | undefined)[];
  private cacheChars = 0;
  private currentRule: Rule | undefined;
  capturing = false;
  private removedIds: IdRange[] = [];
  private removedTags: string[] = [];
  private removedMsgs: string[] = [];
  /** The ctl:ruleRemoveTargetBy* actions run so far, themselves (compiled once: Rule.exclMemo compares them by identity). */
  private removedTargets: RemoveTargetCtl[] = [];
  private allowAll = false;
  private allowRequest = false;
  private phaseDone = 0;
  /** Rules still to skip (`skip:N`) in the phase being walked. */
  private skipLeft = 0;
  private lastMatchedData = '';
  // Reusable buffers of the values a rule inspects.
  private vNames: string[] = [];
  private vKeys: string[] = [];
  private vValues: string[] = [];
  private vEntries: (Entry | undefined)[] = [];
  private vCount = 0;

  constructor(
    readonly rules: RuleSet,
    conn: ConnectionInfo,
    private readonly shared: SharedTransformMemo = new SharedTransformMemo(),
  ) {
    const c = rules.config;
    this.settings = {
      ruleEngine: c.ruleEngine,
      requestBodyAccess: c.requestBodyAccess,
      responseBodyAccess: c.responseBodyAccess,
      requestBodyLimit: c.requestBodyLimit,
      forceRequestBodyVariable: false,
      bodyProcessor: undefined,
      auditEngine: c.auditEngine,
      auditLogParts: c.auditLogParts,
    };
    this.cache = new Array<Map<string, string> | undefined>(rules.transformSlotCount);
    this.memo = new Array<Map<string, string> | undefined>(rules.transformCount);
    this.id = conn.id ?? `${idPrefix}${(idCounter++).toString(36).padStart(8, '0')}`;
    this.setScalar('UNIQUE_ID', this.id);
    this.setScalar('REMOTE_ADDR', conn.clientIp);
    this.setScalar('REMOTE_HOST', conn.clientIp);
    this.setScalar('REMOTE_PORT', String(conn.clientPort ?? 0));
    this.setScalar('SERVER_ADDR', conn.serverIp ?? '');
    this.setScalar('SERVER_PORT', String(conn.serverPort ?? 0));
    this.setScalar('REQBODY_ERROR', '0');
    this.setScalar('REQBODY_PROCESSOR_ERROR', '0');
    this.setScalar('INBOUND_DATA_ERROR', '0');
    this.setScalar('OUTBOUND_DATA_ERROR', '0');
    this.setScalar('URLENCODED_ERROR', '0');
    this.setScalar('HIGHEST_SEVERITY', '255');
    // Present and empty until a processor is chosen: CRS 901340 tests it with a negated @rx.
    this.setScalar('REQBODY_PROCESSOR', '');
  }

  // ───────────────────────── feeding the exchange ─────────────────────────

  /** Sets the request line and headers and runs phase 1. Returns the interruption, if any. */
  processRequestHeaders(req: RequestLine): Interruption | undefined {
    const { method, uri, protocol } = req;
    this.requestLineText = `${method} ${uri} ${protocol}`;
    this.setScalar('REQUEST_LINE', this.requestLineText);
    this.setScalar('REQUEST_METHOD', method);
    this.setScalar('REQUEST_PROTOCOL', protocol);
    this.setScalar('REQUEST_URI_RAW', uri);
    let rel = uri;
    const abs = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(uri);
    if (abs) rel = uri.slice(abs[0].length) || '/';
    this.setScalar('REQUEST_URI', rel);
    const q = rel.indexOf('?');
    const path = q < 0 ? rel : rel.slice(0, q);
    const query = q < 0 ? '' : rel.slice(q + 1);
    // The path is percent-decoded (not `+`), as in ModSecurity v3 and Coraza; REQUEST_URI stays raw.
    const decoded = percentDecode(path);
    this.setScalar('REQUEST_FILENAME', decoded);
    this.setScalar('PATH_INFO', decoded);
    this.setScalar('REQUEST_BASENAME', decoded.slice(decoded.lastIndexOf('/') + 1));
    this.setScalar('QUERY_STRING', query);
    if (q >= 0) {
      const bad = parseUrlEncoded(query, this.rules.config.argumentSeparator, (n, v) => this.addArg(this.argsGet, n, v));
      if (bad) this.setScalar('URLENCODED_ERROR', '1');
    }
    for (const [name, value] of req.headers) {
      this.requestHeaders.add(name, value);
      const l = name.toLowerCase();
      if (l === 'cookie') this.parseCookies(value);
      else if (l === 'host') this.setScalar('SERVER_NAME', value.replace(/:\d+$/, ''));
    }
    const ct = this.requestHeaders.first('content-type');
    if (ct !== undefined) {
      const mime = ct.split(';')[0]!.trim().toLowerCase();
      const p = this.rules.config.defaultBodyProcessors[mime];
      if (p) this.setBodyProcessor(p);
    }
    this.runPhase(1);
    return this.interruption;
  }

  /** Buffers request body bytes up to the body limit. Returns false once the limit is passed. */
  appendRequestBody(chunk: Buffer | string): boolean {
    const b = typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk;
    const limit = this.settings.requestBodyLimit;
    if (this.requestBodySize + b.length > limit) {
      const room = limit - this.requestBodySize;
      if (room > 0) this.requestBodyChunks.push(b.subarray(0, room));
      this.requestBodySize = limit;
      this.requestBodyTruncated = true;
      return false;
    }
    this.requestBodyChunks.push(b);
    this.requestBodySize += b.length;
    return true;
  }

  /** Parses the buffered body with the selected processor and runs phase 2. */
  processRequestBody(): Interruption | undefined {
    if (this.interruption || this.phaseDone >= 2) return this.interruption;
    const cfg = this.rules.config;
    const body = Buffer.concat(this.requestBodyChunks).toString('latin1');
    this.requestBodyChunks = [];
    if (this.requestBodyTruncated && cfg.requestBodyLimitAction === 'Reject' && this.settings.ruleEngine === 'On') {
      this.interruption = { ruleId: 0, action: 'deny', status: 413, phase: 2 };
      return this.interruption;
    }
    if (this.settings.requestBodyAccess) {
      const proc = this.settings.bodyProcessor;
      // As Coraza (and ModSecurity v2 for URLENCODED): REQUEST_BODY holds the raw body for the
      // URLENCODED and JSON processors, or when forced (CRS forces it when no processor applies);
      // XML and multipart bodies are inspected through XML:/*, FILES and ARGS instead, so that
      // element names in an XML body are not mistaken for attacks (CRS 944100 tests 11–16).
      if (proc === 'URLENCODED' || proc === 'JSON' || this.settings.forceRequestBodyVariable) this.setScalar('REQUEST_BODY', body);
      this.setScalar('REQUEST_BODY_LENGTH', String(body.length));
      if (proc !== 'MULTIPART' && body.length > cfg.requestBodyNoFilesLimit) {
        if (cfg.requestBodyLimitAction === 'Reject' && this.settings.ruleEngine === 'On') {
          this.interruption = { ruleId: 0, action: 'deny', status: 413, phase: 2 };
          return this.interruption;
        }
      }
      // No body, no parsing (as ModSecurity): an empty JSON or XML body is not an error.
      if (body.length > 0) this.runBodyProcessor(proc, body);
    } else if (this.settings.forceRequestBodyVariable) {
      this.setScalar('REQUEST_BODY', body);
      this.setScalar('REQUEST_BODY_LENGTH', String(body.length));
    }
    this.runPhase(2);
    return this.interruption;
  }

  /** Sets the response status and headers and runs phase 3. */
  processResponseHeaders(res: ResponseHead): Interruption | undefined {
    if (this.phaseDone < 2) this.processRequestBody();
    const protocol = res.protocol ?? 'HTTP/1.1';
    this.setScalar('RESPONSE_STATUS', String(res.status));
    this.setScalar('RESPONSE_PROTOCOL', protocol);
    this.setScalar('STATUS_LINE', `${protocol} ${res.status}`);
    for (const [n, v] of res.headers) {
      this.responseHeaders.add(n, v);
      const l = n.toLowerCase();
      if (l === 'content-type') this.setScalar('RESPONSE_CONTENT_TYPE', v);
      else if (l === 'content-length') this.setScalar('RESPONSE_CONTENT_LENGTH', v);
    }
    const ct = (this.responseHeaders.first('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    this.responseBodyInspect = this.settings.responseBodyAccess && this.rules.config.responseBodyMimeTypes.includes(ct);
    this.runPhase(3);
    return this.interruption;
  }

  /** Whether the response body will be inspected (so the connector knows to buffer it). */
  get inspectsResponseBody(): boolean {
    return this.responseBodyInspect;
  }

  appendResponseBody(chunk: Buffer | string): boolean {
    if (!this.responseBodyInspect) return true;
    const b = typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk;
    const limit = this.rules.config.responseBodyLimit;
    if (this.responseBodySize + b.length > limit) {
      const room = limit - this.responseBodySize;
      if (room > 0) this.responseBodyChunks.push(b.subarray(0, room));
      this.responseBodySize = limit;
      return false;
    }
    this.responseBodyChunks.push(b);
    this.responseBodySize += b.length;
    return true;
  }

  /** Runs phase 4 over the buffered response body. */
  processResponseBody(): Interruption | undefined {
    if (this.responseBodyInspect) {
      const body = Buffer.concat(this.responseBodyChunks).toString('latin1');
      this.responseBodyChunks = [];
      this.setScalar('RESPONSE_BODY', body);
      this.setScalar('RESPONSE_CONTENT_LENGTH', String(body.length));
    }
    this.runPhase(4);
    return this.interruption;
  }

  /** Runs phase 5 (always, even after an interruption). */
  processLogging(): void {
    if (this.phaseDone >= 5) return;
    const saved = this.interruption;
    this.interruption = undefined;
    this.runPhase(5);
    this.interruption = saved;
  }

  /** Whether the audit log should record this exchange (SecAuditEngine / ctl:auditEngine). */
  get auditRelevant(): boolean {
    if (this.settings.auditEngine === 'Off') return false;
    if (this.settings.auditEngine === 'On') return true;
    return this.interruption !== undefined || this.matchedRules.some((r) => r.auditlog);
  }

  /** What the audit log records about the exchange itself. */
  summary(): { method: string; uri: string; protocol: string; clientIp: string; status: number | undefined; requestHeaders: [string, string][]; responseHeaders: [string, string][] } {
    const sc = (n: string): string => this.scalars.get(n)?.value ?? '';
    const st = this.scalars.get('RESPONSE_STATUS')?.value;
    return {
      method: sc('REQUEST_METHOD'),
      uri: sc('REQUEST_URI_RAW'),
      protocol: sc('REQUEST_PROTOCOL'),
      clientIp: sc('REMOTE_ADDR'),
      status: st === undefined ? undefined : Number(st),
      requestHeaders: this.requestHeaders.items.map((e) => [e.key, e.value]),
      responseHeaders: this.responseHeaders.items.map((e) => [e.key, e.value]),
    };
  }

  /** The numeric value of a TX variable (anomaly scores), or 0. */
  txNumber(name: string): number {
    const v = this.tx.first(name.toLowerCase());
    const n = v === undefined ? 0 : parseInt(v, 10);
    return Number.isFinite(n) ? n : 0;
  }

  // ───────────────────────── body processing ─────────────────────────

  private setBodyProcessor(p: BodyProcessorName): void {
    this.settings.bodyProcessor = p;
    this.setScalar('REQBODY_PROCESSOR', p);
  }

  private bodyError(msg: string): void {
    this.setScalar('REQBODY_ERROR', '1');
    this.setScalar('REQBODY_ERROR_MSG', msg);
    this.setScalar('REQBODY_PROCESSOR_ERROR', '1');
    this.setScalar('REQBODY_PROCESSOR_ERROR_MSG', msg);
  }

  private runBodyProcessor(proc: BodyProcessorName | undefined, body: string): void {
    const cfg = this.rules.config;
    const add = (n: string, v: string): boolean => this.addArg(this.argsPost, n, v);
    try {
      switch (proc) {
        case 'URLENCODED':
          if (parseUrlEncoded(body, cfg.argumentSeparator, add)) this.setScalar('URLENCODED_ERROR', '1');
          break;
        case 'JSON':
          parseJsonBody(body, { maxDepth: cfg.jsonDepthLimit }, add);
          break;
        case 'XML':
          this.xml = parseXmlBody(body, { maxDepth: cfg.jsonDepthLimit, maxAttributes: cfg.argumentsLimit * 10 });
          break;
        case 'MULTIPART':
          this.multipart(body);
          break;
        default:
          break;
      }
    } catch (e) {
      this.bodyError(`${proc} parsing error: ${(e as Error).message}`);
    }
  }

  private multipart(body: string): void {
    const ct = this.requestHeaders.first('content-type') ?? '';
    const r = parseMultipart(body, ct, { maxParts: MAX_MULTIPART_PARTS, maxHeaderLines: 100 });
    let combined = 0;
    let noFiles = 0;
    for (const p of r.parts) {
      for (const h of p.headers) this.partHeaders.add(p.name, h);
      this.setScalar('MULTIPART_NAME', p.name);
      if (p.filename !== undefined) {
        this.files.add(p.name, p.filename);
        this.filesNames.add(p.name, p.name);
        this.filesSizes.add(p.name, String(p.value.length));
        this.filesTmpContent.add(p.name, p.value);
        this.setScalar('MULTIPART_FILENAME', p.filename);
        combined += p.value.length;
      } else {
        noFiles += p.value.length;
        this.addArg(this.argsPost, p.name, p.value);
      }
    }
    this.setScalar('FILES_COMBINED_SIZE', String(combined));
    const f: MultipartFlags = r.flags;
    const flag = (n: string, v: boolean): void => this.setScalar(n, v ? '1' : '0');
    flag('MULTIPART_BOUNDARY_QUOTED', f.boundaryQuoted);
    flag('MULTIPART_BOUNDARY_WHITESPACE', f.boundaryWhitespace);
    flag('MULTIPART_DATA_BEFORE', f.dataBefore);
    flag('MULTIPART_DATA_AFTER', f.dataAfter);
    flag('MULTIPART_HEADER_FOLDING', f.headerFolding);
    flag('MULTIPART_LF_LINE', f.lfLine);
    flag('MULTIPART_CRLF_LF_LINES', f.crlfLfLines);
    flag('MULTIPART_MISSING_SEMICOLON', f.missingSemicolon);
    flag('MULTIPART_SEMICOLON_MISSING', f.missingSemicolon);
    flag('MULTIPART_INVALID_QUOTING', f.invalidQuoting);
    flag('MULTIPART_INVALID_PART', f.invalidPart);
    flag('MULTIPART_INVALID_HEADER_FOLDING', f.invalidHeaderFolding);
    flag('MULTIPART_FILE_LIMIT_EXCEEDED', f.fileLimitExceeded);
    flag('MULTIPART_UNMATCHED_BOUNDARY', f.unmatchedBoundary);
    if (r.error) this.bodyError(r.error);
    const strict =
      r.error !== undefined || f.boundaryQuoted || f.boundaryWhitespace || f.dataBefore || f.dataAfter || f.headerFolding ||
      f.lfLine || f.missingSemicolon || f.invalidQuoting || f.invalidPart || f.invalidHeaderFolding || f.fileLimitExceeded;
    flag('MULTIPART_STRICT_ERROR', strict);
    if (noFiles > this.rules.config.requestBodyNoFilesLimit && this.rules.config.requestBodyLimitAction === 'Reject' && this.settings.ruleEngine === 'On') {
      this.interruption = { ruleId: 0, action: 'deny', status: 413, phase: 2 };
    }
  }

  private addArg(coll: Collection, name: string, value: string): boolean {
    if (this.args.size >= this.rules.config.argumentsLimit) {
      if (coll === this.argsPost) this.bodyError(`more than ${this.rules.config.argumentsLimit} arguments`);
      return false;
    }
    coll.add(name, value);
    this.args.add(name, value);
    return true;
  }

  private parseCookies(header: string): void {
    for (const part of header.split(';')) {
      const p = part.replace(/^[ \t]+/, '');
      if (p === '') continue;
      const eq = p.indexOf('=');
      if (eq < 0) this.cookies.add(p, '');
      else this.cookies.add(p.slice(0, eq), p.slice(eq + 1));
    }
  }

  // ───────────────────────── variables ─────────────────────────

  private setScalar(name: string, value: string): void {
    const e = this.scalars.get(name);
    if (e) e.value = value;
    else this.scalars.set(name, { key: '', lower: '', value, tc: undefined, tcFor: undefined, nb: undefined, nbFor: undefined });
  }

  private collection(name: string): Collection | undefined {
    // TX first: setvar, macros and CRS's paranoia-level gates ask for it more than for all others together.
    if (name === 'TX') return this.tx;
    switch (name) {
      case 'ARGS': return this.args;
      case 'ARGS_GET': return this.argsGet;
      case 'ARGS_POST': return this.argsPost;
      case 'ARGS_NAMES': return this.argsNames.get();
      case 'ARGS_GET_NAMES': return this.argsGetNames.get();
      case 'ARGS_POST_NAMES': return this.argsPostNames.get();
      case 'REQUEST_COOKIES': return this.cookies;
      case 'REQUEST_COOKIES_NAMES': return this.cookiesNames.get();
      case 'REQUEST_HEADERS': return this.requestHeaders;
      case 'REQUEST_HEADERS_NAMES': return this.requestHeadersNames.get();
      case 'RESPONSE_HEADERS': return this.responseHeaders;
      case 'RESPONSE_HEADERS_NAMES': return this.responseHeadersNames.get();
      case 'FILES': return this.files;
      case 'FILES_NAMES': return this.filesNames;
      case 'FILES_SIZES': return this.filesSizes;
      case 'FILES_TMP_CONTENT': return this.filesTmpContent;
      case 'FILES_TMPNAMES': return undefined;
      case 'MULTIPART_PART_HEADERS': return this.partHeaders;
      case 'ENV': return this.env;
      case 'MATCHED_VARS': return this.buildMatchedVars().matchedVars;
      case 'MATCHED_VARS_NAMES': return this.buildMatchedVars().matchedVarsNames;
      case 'IP': case 'GLOBAL': case 'SESSION': case 'USER': case 'RESOURCE': case 'GEO': {
        let c = this.persistent.get(name);
        if (!c) this.persistent.set(name, (c = new Collection()));
        return c;
      }
      default: return undefined;
    }
  }

  private scalar(name: string): string | undefined {
    const e = this.scalars.get(name);
    if (e) return e.value;
    switch (name) {
      case 'MATCHED_VAR':
        return this.lastValue;
      case 'MATCHED_VAR_NAME':
        return this.lastValue === undefined ? undefined : this.matchedVarName();
      case 'ARGS_COMBINED_SIZE': {
        let n = 0;
        for (const a of this.args.items) n += a.key.length + a.value.length;
        return String(n);
      }
      case 'FULL_REQUEST': {
        let s = this.requestLineText + '\n';
        for (const h of this.requestHeaders.items) s += `${h.key}: ${h.value}\n`;
        return s + '\n' + (this.scalars.get('REQUEST_BODY')?.value ?? '');
      }
      case 'FULL_REQUEST_LENGTH':
        return String(this.scalar('FULL_REQUEST')!.length);
      case 'DURATION':
        return String((Date.now() - this.startedAt) * 1000);
      case 'TIME_EPOCH':
        return String(Math.floor(Date.now() / 1000));
      case 'TIME': {
        const d = new Date();
        return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
      }
      case 'TIME_DAY': return String(new Date().getDate());
      case 'TIME_HOUR': return String(new Date().getHours());
      case 'TIME_MIN': return String(new Date().getMinutes());
      case 'TIME_MON': return String(new Date().getMonth());
      case 'TIME_SEC': return String(new Date().getSeconds());
      case 'TIME_WDAY': return String(new Date().getDay());
      case 'TIME_YEAR': return String(new Date().getFullYear());
      case 'RESPONSE_HEADERS_COUNT': return String(this.responseHeaders.size);
      case 'WEBSERVER_ERROR_LOG': return undefined;
      default: return undefined;
    }
  }

  /** Gathers the values of one target into the buffers, minus exclusions. */
  private collect(t: Target, exclusions: readonly Target[] | undefined): void {
    const name = t.name;
    if (name === 'XML') {
      const x = this.xml;
      if (!x) {
        if (t.count) this.push(name, '', '0');
        return;
      }
      const key = t.key === '//@*' ? '//@*' : '/*';
      if (exclusions !== undefined && excluded(exclusions, name, key)) return;
      if (t.count) return this.push(name, key, String(key === '/*' ? 1 : x.attributes.length));
      if (key === '/*') this.push(name, key, x.text);
      else for (const a of x.attributes) this.push(name, key, a);
      return;
    }
    const coll = t.scalar ? undefined : this.collection(name);
    if (coll === undefined) {
      // `!REQUEST_FILENAME` (or ctl:ruleRemoveTargetByTag=…;REQUEST_FILENAME) removes a scalar.
      if (exclusions !== undefined && excluded(exclusions, name, '')) return;
      const e = this.scalars.get(name);
      const v = e ? e.value : this.scalar(name);
      if (t.count) this.push(name, '', v === undefined ? '0' : '1');
      else if (v !== undefined) this.push(name, '', v, e);
      return;
    }
    let n = 0;
    if (t.key !== undefined) {
      const list = coll.get(t.key);
      if (list) {
        for (const e of list) {
          if (exclusions !== undefined && excluded(exclusions, name, e.lower)) continue;
          if (t.count) n++;
          else this.push(name, e.key, e.value, e);
        }
      }
    } else {
      const re = t.keyRegex;
      const prefix = t.keyPrefix;
      for (const e of coll.items) {
        if (re && (prefix !== undefined ? !e.lower.startsWith(prefix) : !re.test(e.lower))) continue;
        if (exclusions !== undefined && excluded(exclusions, name, e.lower)) continue;
        if (t.count) n++;
        else this.push(name, e.key, e.value, e);
      }
    }
    if (t.count) this.push(name, t.rawKey ?? '', String(n));
  }

  private matchedVarName(): string {
    return this.lastKey === '' ? this.lastName : `${this.lastName}:${this.lastKey}`;
  }

  private buildMatchedVars(): this {
    if (!this.mvBuilt) {
      this.matchedVars.clear();
      this.matchedVarsNames.clear();
      for (let i = 0; i < this.mvCount; i++) {
        const k = this.mvKey[i]!;
        const full = k === '' ? this.mvColl[i]! : `${this.mvColl[i]!}:${k}`;
        this.matchedVars.add(full, this.mvValue[i]!);
        this.matchedVarsNames.add(full, full);
      }
      this.mvBuilt = true;
    }
    return this;
  }

  private push(name: string, key: string, value: string, entry?: Entry): void {
    const i = this.vCount++;
    this.vNames[i] = name;
    this.vKeys[i] = key;
    this.vValues[i] = value;
    this.vEntries[i] = entry;
  }

  /** MacroScope: `%{tx.score}`, `%{MATCHED_VAR}`, `%{REQUEST_HEADERS.host}`, `%{rule.id}`. */
  macroValue(name: string, key: string | undefined): string {
    if (name === 'RULE') return this.ruleMacro(key ?? '');
    if (name === 'XML') return this.xml?.text ?? '';
    const coll = this.collection(name);
    if (coll) return key === undefined ? (coll.items[0]?.value ?? '') : (coll.first(key) ?? '');
    return this.scalar(name) ?? '';
  }

  private ruleMacro(key: string): string {
    const r = this.currentRule?.starter;
    if (!r) return '';
    switch (key) {
      case 'id': return String(r.id);
      case 'msg': return r.actions.msg?.expand(this) ?? '';
      case 'severity': return r.actions.severity === undefined ? '' : String(r.actions.severity);
      case 'logdata': return r.actions.logdata?.expand(this) ?? '';
      case 'ver': return r.actions.ver ?? '';
      case 'rev': return r.actions.rev ?? '';
      case 'phase': return String(r.phase);
      default: return '';
    }
  }

  // ───────────────────────── OperatorTx ─────────────────────────

  expand(text: string): string {
    return expandText(text, this, this.shared.macros);
  }

  setCapture(index: number, value: string): void {
    if (index >= 0 && index <= 9) this.tx.set(String(index), value);
  }

  // ───────────────────────── rule evaluation ─────────────────────────

  private runPhase(phase: number): void {
    if (phase <= this.phaseDone) return;
    this.phaseDone = phase;
    if (this.settings.ruleEngine === 'Off') return;
    if (this.interruption) return;
    if (this.allowAll && phase < 5) return;
    if (this.allowRequest && phase <= 2) return;
    const list = this.rules.phases[phase]!;
    const segments = this.profile === undefined ? this.rules.segments[phase] : undefined;
    this.skipLeft = 0;
    let i = 0;
    while (i < list.length) {
      // A run of TX-only rules is replayed from its memo when it has seen these TX values before.
      const sg = segments?.[i];
      i = sg !== undefined && this.skipLeft === 0 && this.replayable(sg) ? this.runSegment(phase, list, sg) : this.step(phase, list, i);
      if (i < 0) return;
    }
  }

  /** Runs the entry at index i of the phase's list; the next index, or -1 when the phase stops. */
  private step(phase: number, list: readonly PhaseEntry[], i: number): number {
    const e = list[i++]!;
    if (e.kind === 'marker') return i;
    if (this.skipLeft > 0) {
      this.skipLeft--;
      return i;
    }
    const r = e.rule;
    if (this.isRemoved(r)) return i;
    // A rule none of whose variables holds a value cannot match (its operator never runs): most
    // rules on a request without arguments, cookies or body read only those.
    if (r.mayGatherNothing && this.gathersNothing(r)) return i;
    // ctl:ruleEngine=Off in an earlier rule stops the rest.
    if (this.settings.ruleEngine === 'Off') return -1;
    this.mvCount = 0;
    this.mvBuilt = false;
    let hit: boolean;
    if (this.profile) {
      const t0 = performance.now();
      hit = this.evaluate(r);
      this.profile.set(r.id, (this.profile.get(r.id) ?? 0) + performance.now() - t0);
    } else hit = this.evaluate(r);
    if (!hit) return i;
    this.onMatch(r, phase);
    if (this.interruption) return -1;
    if (r.disruptive === 'allow' && this.settings.ruleEngine === 'On') {
      if (r.allowScope === 'all') this.allowAll = true;
      else if (r.allowScope === 'request') this.allowRequest = true;
      return -1;
    }
    // Where skipAfter lands is found at load (Rule.skipAfterIndex).
    if (r.skipAfterIndex >= 0) return r.skipAfterIndex + 1;
    if (r.actions.skip > 0) this.skipLeft = r.actions.skip;
    return i;
  }

  /** Whether the segment may be replayed now: no runtime removal touches its rules. */
  private replayable(sg: Segment): boolean {
    if (this.settings.ruleEngine === 'Off') return false;
    const ids = this.removedIds;
    if (ids.length && touched(sg, ids, () => sg.rules.some((r) => inRanges(r.id, ids)))) return false;
    const tags = this.removedTags;
    if (tags.length && touched(sg, tags, () => sg.rules.some((r) => tags.some((x) => r.tagSet.has(x))))) return false;
    const msgs = this.removedMsgs;
    if (msgs.length && touched(sg, msgs, () => sg.rules.some((r) => msgs.includes(r.msgText)))) return false;
    for (const rt of this.removedTargets) {
      const hit = touched(sg, rt, () =>
        sg.rules.some((r) => (rt.kind === 'ruleRemoveTargetById' ? inRanges(r.id, rt.ranges) : rt.kind === 'ruleRemoveTargetByTag' ? r.tagSet.has(rt.tag.toLowerCase()) : r.msgText === rt.msg)),
      );
      if (hit) return false;
    }
    return true;
  }

  /**
   * Runs a TX-only segment (seclang/segments.ts): replays what an earlier run did for the same
   * values of the TX keys it touches, or runs it and remembers what it did. The next index, or -1.
   */
  private runSegment(phase: number, list: readonly PhaseEntry[], sg: Segment): number {
    const tx = this.tx;
    // The last match before the segment is an input too: a SecAction's record names it.
    const lastName = this.lastName;
    const lastKey = this.lastKey;
    const lastValue = this.lastValue;
    const memoize = lastValue === undefined || lastValue.length <= SEGMENT_MAX_LAST_VALUE;
    const keys = sg.keys;
    const cur = sg.scratch;
    if (memoize) {
      for (let k = 0; k < keys.length; k++) cur[k] = tx.first(keys[k]!);
      search: for (const m of sg.memo) {
        if (m.lastName !== lastName || m.lastKey !== lastKey || m.lastValue !== lastValue) continue;
        const inputs = m.inputs;
        for (let k = 0; k < inputs.length; k++) if (inputs[k] !== cur[k]) continue search;
        for (const [k, v] of m.writes) tx.set(k, v);
        for (const rec of m.records) this.matchedRules.push(rec as MatchedRule);
        this.restoreMatchState(m.last as MatchState);
        return m.exit;
      }
    }
    const records0 = this.matchedRules.length;
    const items0 = tx.items.length;
    const before = tx.items.map((e) => e.value);
    let i = sg.start;
    while (i >= sg.start && i < sg.end) {
      i = this.step(phase, list, i);
      if (i < 0) return -1;
    }
    // A skip that reaches past the segment carries state the memo does not hold.
    if (this.skipLeft > 0 || !memoize) return i;
    const writes: [string, string][] = [];
    for (let k = 0; k < items0; k++) if (tx.items[k]!.value !== before[k]) writes.push([tx.items[k]!.key, tx.items[k]!.value]);
    for (let k = items0; k < tx.items.length; k++) writes.push([tx.items[k]!.key, tx.items[k]!.value]);
    if (sg.memo.length >= SEGMENT_MEMO_ENTRIES) sg.memo.pop();
    // Records are shared by the transactions that replay them: frozen, so none can change another's.
    const records = this.matchedRules.slice(records0).map((r) => Object.freeze(r));
    sg.memo.unshift({ lastName, lastKey, lastValue, inputs: cur.slice(), writes, records, exit: i, last: this.matchState() });
    return i;
  }

  private matchState(): MatchState {
    return {
      mvColl: this.mvColl.slice(0, this.mvCount),
      mvKey: this.mvKey.slice(0, this.mvCount),
      mvValue: this.mvValue.slice(0, this.mvCount),
      lastName: this.lastName,
      lastKey: this.lastKey,
      lastValue: this.lastValue,
      lastMatchedData: this.lastMatchedData,
      currentRule: this.currentRule,
      capturing: this.capturing,
    };
  }

  private restoreMatchState(m: MatchState): void {
    for (let k = 0; k < m.mvColl.length; k++) {
      this.mvColl[k] = m.mvColl[k]!;
      this.mvKey[k] = m.mvKey[k]!;
      this.mvValue[k] = m.mvValue[k]!;
    }
    this.mvCount = m.mvColl.length;
    this.mvBuilt = false;
    this.lastName = m.lastName;
    this.lastKey = m.lastKey;
    this.lastValue = m.lastValue;
    this.lastMatchedData = m.lastMatchedData;
    this.currentRule = m.currentRule;
    this.capturing = m.capturing;
  }

  /** Whether every target of the rule would gather no value now (all have a source: Rule.mayGatherNothing). */
  private gathersNothing(r: Rule): boolean {
    const targets = r.targets;
    const src = r.targetSources;
    for (let k = 0; k < targets.length; k++) {
      const s = src[k]!;
      const t = targets[k]!;
      if (s === SOURCE_XML) {
        if (this.xml !== undefined) return false;
      } else if (s === SOURCE_SCALAR) {
        if (this.scalars.has(t.name)) return false;
      } else {
        const c = this.sources[s]!;
        if (t.key !== undefined ? c.get(t.key) !== undefined : c.items.length !== 0) return false;
      }
    }
    return true;
  }

  private isRemoved(r: Rule): boolean {
    if (this.removedIds.length && inRanges(r.id, this.removedIds)) return true;
    if (this.removedTags.length && this.removedTags.some((t) => r.tagSet.has(t))) return true;
    if (this.removedMsgs.length && this.removedMsgs.includes(r.msgText)) return true;
    return false;
  }

  /**
   * Runtime exclusions (ctl:ruleRemoveTargetBy*) that apply to the rule, plus its own `!` targets;
   * undefined when none applies (then the rule's own, sorted at load, are used). Allocates only
   * for rules a ctl names (CRS 941010 names the 941 rules on most requests).
   */
  private exclusionsFor(rule: Rule): readonly Target[] | undefined {
    const rts = this.removedTargets;
    const memo = rule.exclMemo;
    if (memo !== undefined && sameItems(memo.ctls, rts)) return memo.out;
    const starter = rule.starter;
    let out: Target[] | undefined;
    for (const rt of rts) {
      const hit =
        rt.kind === 'ruleRemoveTargetById' ? inRanges(starter.id, rt.ranges) : rt.kind === 'ruleRemoveTargetByTag' ? starter.tagSet.has(rt.tag.toLowerCase()) : starter.msgText === rt.msg;
      if (hit) (out ??= [...rule.exclusions]).push(...rt.targets);
    }
    rule.exclMemo = { ctls: rts.slice(), out };
    return out;
  }

  /** Evaluates one rule and, when it matches, the rest of its chain. */
  private evaluate(rule: Rule): boolean {
    this.currentRule = rule;
    this.capturing = rule.actions.capture;
    const op = rule.operator;
    if (rule.targets.length === 0) {
      const res = op.execute(this, '');
      if (res.matched === rule.negated) return false;
      this.lastMatchedData = res.data ?? '';
      this.perMatchActions(rule);
      return rule.chained ? this.evaluate(rule.chained) : true;
    }
    this.vCount = 0;
    const targets = rule.targets;
    const excl = this.removedTargets.length === 0 ? undefined : this.exclusionsFor(rule);
    if (excl === undefined) {
      // The usual case: only the rule's own `!` exclusions, sorted by variable at load.
      const te = rule.targetExclusions;
      for (let k = 0; k < targets.length; k++) this.collect(targets[k]!, te[k]);
    } else for (let k = 0; k < targets.length; k++) this.collect(targets[k]!, excl);
    const count = this.vCount;
    // The buffers are reused, not copied: nothing refills them before this loop ends (the chained
    // rule runs after it; operators and setvar never gather targets).
    const names = this.vNames;
    const keys = this.vKeys;
    const values = this.vValues;
    const entries = this.vEntries;
    let matched = false;
    const ts = rule.transforms;
    for (let i = 0; i < count; i++) {
      const raw = values[i]!;
      if (rule.actions.multiMatch && ts.length > 0) {
        let prev: string | undefined;
        for (let step = -1; step < ts.length; step++) {
          const v = step < 0 ? raw : this.transformAt(rule, raw, step, entries[i]);
          if (v === prev) continue;
          prev = v;
          const res = this.runOperator(rule, v, entries[i], raw, step < 0 ? 0 : rule.transformSlots[step]! + 1);
          if (res.matched !== rule.negated) {
            matched = true;
            this.recordMatch(rule, names[i]!, keys[i]!, v, res.data);
          }
        }
        continue;
      }
      const v = ts.length === 0 ? raw : this.transformAt(rule, raw, ts.length - 1, entries[i]);
      const res = this.runOperator(rule, v, entries[i], raw, ts.length === 0 ? 0 : rule.transformSlots[ts.length - 1]! + 1);
      if (res.matched !== rule.negated) {
        matched = true;
        this.recordMatch(rule, names[i]!, keys[i]!, v, res.data);
      }
    }
    if (!matched) return false;
    return rule.chained ? this.evaluate(rule.chained) : true;
  }

  /** The rule's operator on one value, through the shared memo of non-matches when the operator is pure. */
  private runOperator(rule: Rule, v: string, entry: Entry | undefined, raw: string, pos: number): OperatorResult {
    const slot = rule.memoSlot;
    if (slot < 0 || v.length > SHARED_MAX_INPUT) return rule.operator.execute(this, v);
    const sh = this.shared;
    // 30 bits a word: small integers, never heap numbers.
    const word = (slot / 30) | 0;
    const bit = 1 << slot % 30;
    // The bit set is found through the value's entry when an earlier rule with the same chain
    // prefix looked it up (v is then the same string): an array read instead of hashing v.
    let nb: (number[] | undefined)[] | undefined;
    let bits: number[] | undefined;
    if (entry !== undefined) {
      nb = entry.nb;
      if (nb === undefined || entry.nbFor !== raw) {
        entry.nb = nb = [];
        entry.nbFor = raw;
      }
      bits = nb[pos];
    }
    if (bits === undefined) {
      bits = sh.noMatch.get(v);
      if (bits !== undefined && nb !== undefined) nb[pos] = bits;
    }
    if (bits !== undefined && (bits[word]! & bit) !== 0) return NO_MATCH;
    const res = rule.operator.execute(this, v);
    if (!res.matched) {
      if (bits === undefined) {
        if (sh.chars > SHARED_BUDGET) sh.clear();
        const n = Math.ceil(this.rules.memoSlotCount / 30);
        bits = new Array<number>(n).fill(0);
        sh.noMatch.set(v, bits);
        sh.chars += v.length + n * 8;
        if (nb !== undefined) nb[pos] = bits;
      }
      bits[word]! |= bit;
    }
    return res;
  }

  /**
   * The value after transformations 0..step of the rule. Two caches: the chain-prefix cache (same
   * raw value + same prefix → the answer in one lookup) and, underneath, a memo per transformation
   * (same transformation + same input → computed once), which also serves chains that differ only
   * in steps that leave the text unchanged, as most steps do on benign input.
   */
  private transformAt(rule: Rule, raw: string, step: number, entry: Entry | undefined): string {
    const slots = rule.transformSlots;
    if (entry === undefined) return this.transformSlow(rule, raw, step, slots[step]!);
    // Fastest path: results kept on the value's own entry, by prefix slot (array indexes, no
    // hashing); dropped when the entry's value changes (setvar on TX…).
    let tc = entry.tc;
    if (tc === undefined || entry.tcFor !== raw) {
      entry.tc = tc = [];
      entry.tcFor = raw;
    }
    const hit = tc[slots[step]!];
    if (hit !== undefined) return hit;
    // Resume from the longest prefix already computed for this value.
    let j = step - 1;
    let v = raw;
    for (; j >= 0; j--) {
      const x = tc[slots[j]!];
      if (x !== undefined) {
        v = x;
        break;
      }
    }
    const ts = rule.transforms;
    const ids = rule.transformIds;
    for (let k = j + 1; k <= step; k++) {
      v = this.applyMemo(ts[k]!, ids[k]!, v);
      tc[slots[k]!] = v;
    }
    return v;
  }

  /** One transformation, memoised on its input: across transactions for short inputs, else per transaction. */
  private applyMemo(t: Transformation, id: number, input: string): string {
    if (input.length <= SHARED_MAX_INPUT) {
      const sh = this.shared;
      let m = sh.maps[id];
      const hit = m?.get(input);
      if (hit !== undefined) return hit;
      const r = t.fn(input);
      if (r.length <= SHARED_MAX_OUTPUT) {
        if (sh.chars > SHARED_BUDGET) sh.clear();
        m = sh.maps[id];
        if (!m) sh.maps[id] = m = new Map();
        m.set(input, r);
        sh.chars += input.length + r.length;
      }
      return r;
    }
    let m = this.memo[id];
    const out = m?.get(input);
    if (out !== undefined) return out;
    const r = t.fn(input);
    if (this.cacheChars < MAX_CACHE_CHARS) {
      if (!m) this.memo[id] = m = new Map();
      m.set(input, r);
      this.cacheChars += r.length;
    }
    return r;
  }

  /** For values that have no entry (XML, counts): a (prefix slot, value) map. */
  private transformSlow(rule: Rule, raw: string, step: number, slot: number): string {
    const cache = this.cache;
    const hit = cache[slot]?.get(raw);
    if (hit !== undefined) return hit;
    let v = raw;
    for (let k = 0; k <= step; k++) v = this.applyMemo(rule.transforms[k]!, rule.transformIds[k]!, v);
    if (this.cacheChars < MAX_CACHE_CHARS) {
      let m = cache[slot];
      if (!m) cache[slot] = m = new Map();
      m.set(raw, v);
    }
    return v;
  }

  private recordMatch(rule: Rule, name: string, key: string, value: string, data: string | undefined): void {
    const i = this.mvCount++;
    this.mvColl[i] = name;
    this.mvKey[i] = key;
    this.mvValue[i] = value;
    this.mvBuilt = false;
    this.lastName = name;
    this.lastKey = key;
    this.lastValue = value;
    this.lastMatchedData = data ?? value;
    this.perMatchActions(rule);
  }

  /** setvar, setenv and ctl run for every match, as in ModSecurity and Coraza. */
  private perMatchActions(rule: Rule): void {
    const a = rule.actions;
    for (const sv of a.setvars) {
      const coll = this.collection(sv.collection)!;
      const key = sv.key.expand(this);
      if (sv.op === '!') {
        coll.remove(key.toLowerCase());
        continue;
      }
      const value = sv.value.expand(this);
      if (sv.op === '=') coll.set(key, value);
      else {
        const cur = parseInt(coll.first(key.toLowerCase()) ?? '0', 10) || 0;
        const d = parseInt(value, 10) || 0;
        coll.set(key, String(sv.op === '+' ? cur + d : cur - d));
      }
    }
    for (const se of a.setenvs) {
      const n = se.name.expand(this);
      if (se.remove) this.env.remove(n.toLowerCase());
      else this.env.set(n, se.value.expand(this));
    }
    for (const c of a.ctls) this.ctl(c);
  }

  private ctl(c: Ctl): void {
    switch (c.kind) {
      case 'ruleEngine': this.settings.ruleEngine = c.mode; break;
      case 'ruleRemoveById': this.removedIds = [...this.removedIds, ...c.ranges]; break;
      case 'ruleRemoveByTag': this.removedTags = [...this.removedTags, c.tag.toLowerCase()]; break;
      case 'ruleRemoveByMsg': this.removedMsgs = [...this.removedMsgs, c.msg]; break;
      case 'ruleRemoveTargetById':
      case 'ruleRemoveTargetByTag':
      case 'ruleRemoveTargetByMsg': this.removedTargets.push(c); break;
      case 'requestBodyProcessor': this.setBodyProcessor(c.processor); break;
      case 'forceRequestBodyVariable': this.settings.forceRequestBodyVariable = c.on; break;
      case 'requestBodyAccess': this.settings.requestBodyAccess = c.on; break;
      case 'responseBodyAccess': this.settings.responseBodyAccess = c.on; break;
      case 'requestBodyLimit': this.settings.requestBodyLimit = Math.min(c.bytes, this.rules.config.requestBodyLimit); break;
      case 'auditEngine': this.settings.auditEngine = c.mode; break;
      case 'auditLogParts': this.settings.auditLogParts = c.parts; break;
      case 'noop': break;
    }
  }

  /** After a full chain match: log it, then apply the disruptive action if the engine is On. */
  private onMatch(r: Rule, phase: number): void {
    const a = r.actions;
    this.currentRule = r;
    const sev = a.severity;
    if (sev !== undefined && sev < Number(this.scalars.get('HIGHEST_SEVERITY')!.value)) this.setScalar('HIGHEST_SEVERITY', String(sev));
    const disrupt =
      this.settings.ruleEngine === 'On' && (r.disruptive === 'deny' || r.disruptive === 'drop' || r.disruptive === 'redirect');
    this.matchedRules.push({
      id: r.id,
      phase,
      file: r.file,
      line: r.line,
      msg: a.msg?.expand(this) ?? '',
      data: a.logdata?.expand(this) ?? '',
      severity: sev === undefined ? undefined : SEVERITY_NAMES[sev],
      tags: a.tags,
      ver: a.ver,
      matchedVar: this.matchedVarName(),
      matchedValue: this.lastValue ?? '',
      matchedData: this.lastMatchedData,
      log: r.log,
      auditlog: r.auditlog,
      disruptive: disrupt,
      action: r.disruptive,
    });
    if (!disrupt) return;
    if (r.disruptive === 'redirect') {
      const s = r.status;
      this.interruption = { ruleId: r.id, action: 'redirect', status: s === 301 || s === 303 || s === 307 ? s : 302, url: a.redirect!.expand(this), phase };
    } else this.interruption = { ruleId: r.id, action: r.disruptive as 'deny' | 'drop', status: r.status ?? 403, phase };
  }
}

/** What the rules after a segment may see of its last match (MATCHED_VAR, MATCHED_VARS, RULE). */
interface MatchState {
  readonly mvColl: string[];
  readonly mvKey: string[];
  readonly mvValue: string[];
  readonly lastName: string;
  readonly lastKey: string;
  readonly lastValue: string | undefined;
  readonly lastMatchedData: string;
  readonly currentRule: Rule | undefined;
  readonly capturing: boolean;
}

type RemoveTargetCtl = Extract<Ctl, { kind: 'ruleRemoveTargetById' | 'ruleRemoveTargetByTag' | 'ruleRemoveTargetByMsg' }>;

function sameItems(a: readonly object[], b: readonly object[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function excluded(exclusions: readonly Target[], name: string, lower: string): boolean {
  for (const ex of exclusions) if (excludes(ex, name, lower)) return true;
  return false;
}

/** Whether a runtime removal (its list or ctl object) touches a rule of the segment; computed once per key. */
function touched(sg: Segment, key: object, compute: () => boolean): boolean {
  let v = sg.touched.get(key);
  if (v === undefined) sg.touched.set(key, (v = compute()));
  return v;
}

let idCounter = 0;
const idPrefix = randomBytes(6).toString('hex');

function percentDecode(s: string): string {
  if (s.indexOf('%') < 0) return s;
  return s.replace(/%([0-9a-fA-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
}

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** Re-exported for the engine: a macro compiled once, for callers that expand text per transaction. */
export { Macro };

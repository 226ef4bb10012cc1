// The inventory: every endpoint (method + path template) learnt from exchanges, with its
// parameters, inferred schemas, callers, authentication, latency, errors, sensitive data and a
// change feed. Fed one Exchange at a time (live from the store, or parsed from files offline);
// memory stays bounded by caps on endpoints, parameters, statuses, schemas and events.
import type { Exchange } from '../../core/index.js';
import { authMethodsOf, NetworkClassifier, type AuthMethod } from './callers.js';
import { DEFAULT_INFER_LIMITS, SchemaNode, mergeNodes, observe, scalarFromText, type InferLimits } from './schema-infer.js';
import { SensitiveClassifier, type CustomClassSpec, type SensitiveClass } from './sensitive.js';
import { BoundedSet, LatencySketch } from './sketch.js';
import { authUnknown } from './sources.js';
import { Templater, type ParamClass, type TemplateOverride, type TemplaterLimits } from './templater.js';

const UNKNOWN_AUTH: readonly AuthMethod[] = ['unknown'];

export interface InventoryOptions {
  templater?: Partial<TemplaterLimits>;
  infer?: Partial<InferLimits>;
  /** Endpoints tracked; exchanges for further ones are only counted. */
  maxEndpoints?: number;
  /** Query parameters, headers and statuses tracked per endpoint. */
  maxParams?: number;
  maxStatuses?: number;
  /** Change-feed events kept (the oldest go first). */
  maxEvents?: number;
  /** Field locations remembered per sensitive class and endpoint. */
  maxSensitiveLocations?: number;
  customClasses?: readonly CustomClassSpec[];
  /** CIDR ranges counted as internal callers, besides private and loopback ranges. */
  internalNetworks?: readonly string[];
  /** Body samples larger than this are not parsed. */
  maxBodyChars?: number;
}

export type ParamLocation = 'path' | 'query' | 'header';

export interface ChangeEvent {
  at: number;
  kind: 'new-endpoint' | 'new-parameter' | 'new-sensitive-field' | 'new-status';
  api?: string;
  method: string;
  template: string;
  /** The parameter (query.limit), field (response.200.body.email) or status concerned. */
  detail?: string;
  sensitiveClass?: SensitiveClass;
}

/** Where a sensitive value was seen: request.query.email, response.200.body.items[].phone... */
export type SensitiveLocations = Map<SensitiveClass, BoundedSet<string>>;

export interface ResponseStats {
  count: number;
  contentTypes: BoundedSet<string>;
  bodies: Map<string, SchemaNode>;
}

export interface OracleEvidence {
  /** Inputs that carried an identifier (query.email, path.userId, body.username). */
  inputs: BoundedSet<string>;
  /** Outcomes of requests carrying one: 'found' (2xx with content), 'empty' (2xx with nothing: [], {}, only a message), 'not-found' (404/410), 'denied' (401/403), 'conflict' (409), 'flag:true'/'flag:false'. */
  outcomes: Map<string, number>;
  /** Whether requests carrying an identifier also carried a password (a login form). */
  withPassword: number;
  /** Exchange ids, a few per outcome, for the finding's evidence. */
  examples: Map<string, string>;
}

export class EndpointStats {
  firstSeen = Infinity;
  lastSeen = -Infinity;
  count = 0;
  /** Bodies that could not be read (truncated samples, invalid JSON). */
  unreadableBodies = 0;
  statuses = new Map<number, number>();
  latency = new LatencySketch();
  auth = new Map<AuthMethod, number>();
  /** Authentication seen on requests that succeeded (2xx/3xx): what the endpoint really needs. */
  authOnSuccess = new Map<AuthMethod, number>();
  callers = { internal: 0, public: 0 };
  pathParams = new Map<string, Set<ParamClass>>();
  query = new Map<string, SchemaNode>();
  headers = new Map<string, SchemaNode>();
  requestBodies = new Map<string, SchemaNode>();
  responses = new Map<number, ResponseStats>();
  sensitiveRequest: SensitiveLocations = new Map();
  sensitiveResponse: SensitiveLocations = new Map();
  oracle: OracleEvidence | undefined;
  /** One concrete path seen (for matching against a contract). */
  examplePath = '';
  exampleIds: string[] = [];
  constructor(
    readonly api: string | undefined,
    readonly method: string,
    public template: string,
  ) {}

  get key(): string {
    return endpointKey(this.api, this.method, this.template);
  }

  errorRate(): number {
    let e = 0;
    for (const [s, n] of this.statuses) if (s >= 500) e += n;
    return this.count > 0 ? e / this.count : 0;
  }
}

export function endpointKey(api: string | undefined, method: string, template: string): string {
  return `${api ?? ''}\u0000${method}\u0000${template}`;
}

const IGNORED_HEADERS = new Set([
  'host', 'user-agent', 'accept', 'accept-encoding', 'accept-language', 'accept-charset', 'content-type', 'content-length',
  'connection', 'keep-alive', 'cache-control', 'pragma', 'origin', 'referer', 'cookie', 'authorization', 'proxy-authorization',
  'forwarded', 'via', 'te', 'upgrade', 'dnt', 'priority', 'expect', 'range', 'x-forwarded-for', 'x-forwarded-proto',
  'x-forwarded-host', 'x-forwarded-port', 'x-real-ip', 'x-request-id', 'x-correlation-id', 'traceparent', 'tracestate',
  'transfer-encoding', 'content-encoding', 'upgrade-insecure-requests', 'x-requested-with', 'x-api-key', 'api-key', 'apikey',
]);

const IDENTIFIER_KEY = /^(e-?mail(address)?|phone(number)?|mobile|msisdn|user(name|_name)?|login|account(name)?|handle|nick(name)?)$/i;
const PASSWORD_FIELD = /^pass(word|wd|phrase)?$/i;
const EXISTS_FLAG = /^(exists?|found|available|registered|taken|is_?registered|in_?use)$/i;

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

function mediaOf(ct: string | undefined): string {
  if (!ct) return '';
  const semi = ct.indexOf(';');
  return (semi >= 0 ? ct.slice(0, semi) : ct).trim().toLowerCase();
}

function isJsonMedia(m: string): boolean {
  return m === 'application/json' || m.endsWith('+json');
}

function safeDecode(s: string): string {
  if (!s.includes('%') && !s.includes('+')) return s;
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

/** Origin-form path and query of a URL that may be absolute. */
export function pathAndQuery(url: string): { path: string; query: string } {
  let u = url;
  if (!u.startsWith('/')) {
    const m = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(u);
    if (m) u = u.slice(m[0].length) || '/';
  }
  const hash = u.indexOf('#');
  if (hash >= 0) u = u.slice(0, hash);
  const q = u.indexOf('?');
  return q >= 0 ? { path: u.slice(0, q), query: u.slice(q + 1) } : { path: u, query: '' };
}

export class Inventory {
  private readonly templaters = new Map<string, Templater>();
  private readonly endpoints = new Map<string, EndpointStats>();
  private readonly events: ChangeEvent[] = [];
  private eventStart = 0;
  readonly classifier: SensitiveClassifier;
  readonly networks: NetworkClassifier;
  private readonly infer: InferLimits;
  private readonly maxEndpoints: number;
  private readonly maxParams: number;
  private readonly maxStatuses: number;
  private readonly maxEvents: number;
  private readonly maxLocations: number;
  private readonly maxBodyChars: number;
  private readonly overrides: TemplateOverride[] = [];
  /** Exchanges ingested, and those not tracked because the endpoint cap was reached. */
  ingested = 0;
  untracked = 0;
  firstSeen = Infinity;
  lastSeen = -Infinity;

  constructor(private readonly opts: InventoryOptions = {}) {
    this.classifier = new SensitiveClassifier(opts.customClasses ?? []);
    this.networks = new NetworkClassifier(opts.internalNetworks ?? []);
    this.infer = { ...DEFAULT_INFER_LIMITS, ...opts.infer };
    this.maxEndpoints = opts.maxEndpoints ?? 5000;
    this.maxParams = opts.maxParams ?? 64;
    this.maxStatuses = opts.maxStatuses ?? 24;
    this.maxEvents = opts.maxEvents ?? 2000;
    this.maxLocations = opts.maxSensitiveLocations ?? 16;
    this.maxBodyChars = opts.maxBodyChars ?? 256 * 1024;
  }

  private templater(api: string | undefined): Templater {
    const k = api ?? '';
    let t = this.templaters.get(k);
    if (!t) {
      this.templaters.set(k, (t = new Templater(this.opts.templater)));
      for (const o of this.overrides) if (overrideApi(o) === k) t.applyOverride(stripApi(o));
    }
    return t;
  }

  /** Endpoints, in no particular order. */
  list(): EndpointStats[] {
    return [...this.endpoints.values()];
  }

  get size(): number {
    return this.endpoints.size;
  }

  get(api: string | undefined, method: string, template: string): EndpointStats | undefined {
    return this.endpoints.get(endpointKey(api, method, template));
  }

  /** Change-feed events, oldest first; `since` (epoch ms) keeps the later ones. */
  changes(since = -Infinity): ChangeEvent[] {
    const out: ChangeEvent[] = [];
    const n = this.events.length;
    for (let i = 0; i < n; i++) {
      const e = this.events[(this.eventStart + i) % n]!;
      if (e.at >= since) out.push(e);
    }
    return out;
  }

  private emit(e: ChangeEvent): void {
    if (this.events.length < this.maxEvents) this.events.push(e);
    else {
      this.events[this.eventStart] = e;
      this.eventStart = (this.eventStart + 1) % this.maxEvents;
    }
  }

  /** Template of a concrete path, as the inventory currently sees it (learns from it, too). */
  templateOf(api: string | undefined, path: string): string {
    return this.templater(api).template(path).template;
  }

  paramClasses(api: string | undefined, template: string): Map<string, Set<ParamClass>> {
    return this.templater(api).paramClasses(template);
  }

  /**
   * Applies a user's split or merge. Templates are re-keyed at once for a merge; a split takes
   * effect for exchanges from now on (re-run an offline discovery to re-learn history).
   * An override for one API names it as "api:/path/{param}".
   */
  applyOverride(o: TemplateOverride): void {
    const api = overrideApi(o) || undefined;
    const existed = this.templaters.has(api ?? '');
    this.overrides.push(o);
    // A templater created now replays every remembered override, this one included.
    const t = this.templater(api);
    if (existed) t.applyOverride(stripApi(o));
    this.rekey(api);
  }

  listOverrides(): readonly TemplateOverride[] {
    return this.overrides;
  }

  ingest(x: Exchange): void {
    this.ingested++;
    const at = x.startedAt;
    if (at < this.firstSeen) this.firstSeen = at;
    if (at > this.lastSeen) this.lastSeen = at;
    const method = x.method.toUpperCase();
    const { path, query } = pathAndQuery(x.url);
    const templater = this.templater(x.api);
    const t = templater.template(path);
    if (t.merged) this.rekey(x.api);
    const key = endpointKey(x.api, method, t.template);
    let ep = this.endpoints.get(key);
    if (!ep) {
      if (this.endpoints.size >= this.maxEndpoints) {
        this.untracked++;
        return;
      }
      ep = new EndpointStats(x.api, method, t.template);
      ep.examplePath = path;
      this.endpoints.set(key, ep);
      this.emit({ at, kind: 'new-endpoint', ...(x.api ? { api: x.api } : {}), method, template: t.template });
    }
    const fresh = ep.count === 0;
    ep.count++;
    if (at < ep.firstSeen) ep.firstSeen = at;
    if (at > ep.lastSeen) ep.lastSeen = at;
    if (ep.exampleIds.length < 5) ep.exampleIds.push(x.id);
    const prevStatus = ep.statuses.get(x.status);
    if (prevStatus !== undefined || ep.statuses.size < this.maxStatuses) ep.statuses.set(x.status, (prevStatus ?? 0) + 1);
    if (prevStatus === undefined && !fresh) this.emit({ at, kind: 'new-status', ...(x.api ? { api: x.api } : {}), method, template: ep.template, detail: String(x.status) });
    ep.latency.add(x.timings.total);
    const methods = authUnknown(x) ? UNKNOWN_AUTH : authMethodsOf(x);
    const ok = x.status < 400;
    for (const m of methods) {
      ep.auth.set(m, (ep.auth.get(m) ?? 0) + 1);
      if (ok) ep.authOnSuccess.set(m, (ep.authOnSuccess.get(m) ?? 0) + 1);
    }
    if (this.networks.isInternal(x.clientIp)) ep.callers.internal++;
    else ep.callers.public++;

    const ctx: ExchangeContext = { ep, at, method, fresh, identifier: [], password: false };
    for (const p of t.params) {
      let cls = ep.pathParams.get(p.name);
      if (!cls) ep.pathParams.set(p.name, (cls = new Set()));
      cls.add(p.cls);
      const sc = this.classifier.classify(p.name, p.value);
      if (sc) this.sensitive(ctx, 'request', sc, `path.${p.name}`);
      if (p.cls === 'email' || IDENTIFIER_KEY.test(p.name) || sc === 'email' || sc === 'phone') ctx.identifier.push(`path.${p.name}`);
    }
    if (query) this.observeQuery(ctx, query);
    this.observeHeaders(ctx, x.requestHeaders);
    if (x.requestBodySample) this.observeRequestBody(ctx, x);
    this.observeResponse(ctx, x);
  }

  private observeQuery(ctx: ExchangeContext, query: string): void {
    const { ep } = ctx;
    let n = 0;
    for (const part of query.split('&')) {
      if (part === '' || ++n > this.maxParams) continue;
      const eq = part.indexOf('=');
      const name = safeDecode(eq >= 0 ? part.slice(0, eq) : part).slice(0, 64);
      const value = eq >= 0 ? safeDecode(part.slice(eq + 1)) : '';
      let node = ep.query.get(name);
      if (!node) {
        if (ep.query.size >= this.maxParams) continue;
        ep.query.set(name, (node = new SchemaNode()));
        if (!ctx.fresh) this.emit({ at: ctx.at, kind: 'new-parameter', ...(ep.api ? { api: ep.api } : {}), method: ctx.method, template: ep.template, detail: `query.${name}` });
      }
      let sc: SensitiveClass | undefined;
      observe(node, scalarFromText(value), this.infer, (_p, _k, v) => {
        sc = this.classifier.classify(name, v);
        return sc !== undefined;
      });
      if (sc) this.sensitive(ctx, 'request', sc, `query.${name}`);
      if (IDENTIFIER_KEY.test(name) || sc === 'email' || sc === 'phone') ctx.identifier.push(`query.${name}`);
      if (PASSWORD_FIELD.test(name)) ctx.password = true;
    }
  }

  private observeHeaders(ctx: ExchangeContext, headers: Record<string, string>): void {
    const { ep } = ctx;
    for (const name in headers) {
      if (IGNORED_HEADERS.has(name) || name.startsWith('sec-') || name.startsWith('x-palisade') || name.startsWith('if-')) continue;
      let node = ep.headers.get(name);
      if (!node) {
        if (ep.headers.size >= this.maxParams) continue;
        ep.headers.set(name, (node = new SchemaNode()));
        if (!ctx.fresh) this.emit({ at: ctx.at, kind: 'new-parameter', ...(ep.api ? { api: ep.api } : {}), method: ctx.method, template: ep.template, detail: `header.${name}` });
      }
      const v = headers[name]!;
      let sc: SensitiveClass | undefined;
      observe(node, v, this.infer, (_p, _k, val) => {
        sc = this.classifier.classify(name, val);
        return sc !== undefined;
      });
      if (sc) this.sensitive(ctx, 'request', sc, `header.${name}`);
    }
  }

  private readBody(text: string, contentType: string | undefined): { media: string; value: unknown } | undefined {
    if (text.length === 0 || text.length > this.maxBodyChars) return undefined;
    const media = mediaOf(contentType);
    if (isJsonMedia(media) || (media === '' && (text[0] === '{' || text[0] === '['))) {
      const r = parseJson(text);
      return r.ok ? { media: media || 'application/json', value: r.value } : undefined;
    }
    if (media === 'application/x-www-form-urlencoded') {
      const obj: Record<string, unknown> = {};
      let n = 0;
      for (const [k, v] of new URLSearchParams(text)) {
        if (++n > this.maxParams) break;
        obj[k] = scalarFromText(v);
      }
      return { media, value: obj };
    }
    return undefined;
  }

  private observeRequestBody(ctx: ExchangeContext, x: Exchange): void {
    const { ep } = ctx;
    const body = this.readBody(x.requestBodySample!, x.requestHeaders['content-type']);
    if (!body) {
      ep.unreadableBodies++;
      return;
    }
    let node = ep.requestBodies.get(body.media);
    if (!node) {
      if (ep.requestBodies.size >= 4) return;
      ep.requestBodies.set(body.media, (node = new SchemaNode()));
    }
    const before = node.properties ? new Set(node.properties.keys()) : undefined;
    observe(node, body.value, this.infer, (path, key, v) => {
      const sc = this.classifier.classify(key, v);
      if (sc) this.sensitive(ctx, 'request', sc, `body.${path}`);
      if (typeof v === 'string' && !path.includes('.') && !path.includes('[')) {
        if (IDENTIFIER_KEY.test(key) || sc === 'email' || sc === 'phone') ctx.identifier.push(`body.${path}`);
      }
      if (PASSWORD_FIELD.test(key)) ctx.password = true;
      return sc !== undefined;
    });
    if (before && !ctx.fresh && node.properties) {
      for (const k of node.properties.keys()) {
        if (!before.has(k)) this.emit({ at: ctx.at, kind: 'new-parameter', ...(ep.api ? { api: ep.api } : {}), method: ctx.method, template: ep.template, detail: `body.${k}` });
      }
    }
  }

  private observeResponse(ctx: ExchangeContext, x: Exchange): void {
    const { ep } = ctx;
    let r = ep.responses.get(x.status);
    if (!r) {
      if (ep.responses.size >= this.maxStatuses) return;
      ep.responses.set(x.status, (r = { count: 0, contentTypes: new BoundedSet(4), bodies: new Map() }));
    }
    r.count++;
    const ct = x.responseHeaders['content-type'];
    if (ct) r.contentTypes.add(mediaOf(ct));
    let flag: boolean | undefined;
    let empty = false;
    if (x.responseBodySample) {
      const body = this.readBody(x.responseBodySample, ct);
      if (!body) {
        if (isJsonMedia(mediaOf(ct))) ep.unreadableBodies++;
      } else {
        let node = r.bodies.get(body.media);
        if (!node) {
          if (r.bodies.size < 3) r.bodies.set(body.media, (node = new SchemaNode()));
        }
        if (node) {
          observe(node, body.value, this.infer, (path, key, v) => {
            const sc = this.classifier.classify(key, v);
            if (sc) this.sensitive(ctx, 'response', sc, `${x.status}.${path}`);
            return sc !== undefined;
          });
        }
        if (body.value && typeof body.value === 'object' && !Array.isArray(body.value)) {
          for (const [k, v] of Object.entries(body.value)) if (typeof v === 'boolean' && EXISTS_FLAG.test(k)) flag = v;
        }
        if (ctx.identifier.length > 0) empty = isEmptyAnswer(body.value);
      }
    }
    if (ctx.identifier.length > 0) this.recordOracle(ctx, x, flag, empty);
  }

  private recordOracle(ctx: ExchangeContext, x: Exchange, flag: boolean | undefined, empty: boolean): void {
    const ep = ctx.ep;
    ep.oracle ??= { inputs: new BoundedSet(8), outcomes: new Map(), withPassword: 0, examples: new Map() };
    const o = ep.oracle;
    for (const i of ctx.identifier) o.inputs.add(i);
    if (ctx.password) o.withPassword++;
    const s = x.status;
    const outcome =
      flag !== undefined ? `flag:${flag}` : s >= 200 && s < 300 ? (empty ? 'empty' : 'found') : s === 404 || s === 410 ? 'not-found' : s === 401 || s === 403 ? 'denied' : s === 409 ? 'conflict' : undefined;
    // Without a password in the request, 401/403 only says "log in first", whoever is looked up.
    if (!outcome || (outcome === 'denied' && !ctx.password)) return;
    o.outcomes.set(outcome, (o.outcomes.get(outcome) ?? 0) + 1);
    if (!o.examples.has(outcome)) o.examples.set(outcome, x.id);
  }

  private sensitive(ctx: ExchangeContext, side: 'request' | 'response', cls: SensitiveClass, location: string): void {
    const { ep } = ctx;
    const map = side === 'request' ? ep.sensitiveRequest : ep.sensitiveResponse;
    let set = map.get(cls);
    if (!set) map.set(cls, (set = new BoundedSet(this.maxLocations)));
    if (set.add(location)) {
      this.emit({ at: ctx.at, kind: 'new-sensitive-field', ...(ep.api ? { api: ep.api } : {}), method: ctx.method, template: ep.template, detail: `${side}.${location}`, sensitiveClass: cls });
    }
  }

  /** After a merge in the trie: endpoints whose templates changed move (and combine) under the new ones. */
  private rekey(api: string | undefined): void {
    const templater = this.templater(api);
    for (const ep of [...this.endpoints.values()]) {
      if (ep.api !== api) continue;
      const t = templater.canonical(ep.template);
      if (t === ep.template) continue;
      this.endpoints.delete(ep.key);
      ep.template = t;
      // Names may have changed with the template: take the trie's.
      ep.pathParams = new Map();
      for (const [name, cls] of templater.paramClasses(t)) ep.pathParams.set(name, new Set(cls));
      const into = this.endpoints.get(ep.key);
      if (into) mergeEndpoint(into, ep, this.infer);
      else this.endpoints.set(ep.key, ep);
    }
  }
}

interface ExchangeContext {
  ep: EndpointStats;
  at: number;
  method: string;
  fresh: boolean;
  identifier: string[];
  password: boolean;
}

/** A success that carries nothing: null, [], {}, or only message-like fields ({"error": "..."}). */
function isEmptyAnswer(v: unknown): boolean {
  if (v === null) return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v !== 'object') return false;
  const keys = Object.keys(v as object);
  if (keys.length === 0) return true;
  for (const k of keys) if (!/^(error|errors|message|msg|detail|status|code|title|type|ok|success)$/i.test(k)) return false;
  return true;
}

function overrideApi(o: TemplateOverride): string {
  const i = o.template.indexOf(':/');
  return i > 0 ? o.template.slice(0, i) : '';
}

function stripApi(o: TemplateOverride): TemplateOverride {
  const i = o.template.indexOf(':/');
  return i > 0 ? { ...o, template: o.template.slice(i + 1) } : o;
}

function mergeCounts<K>(a: Map<K, number>, b: Map<K, number>): void {
  for (const [k, n] of b) a.set(k, (a.get(k) ?? 0) + n);
}

function mergeSchemas(a: Map<string, SchemaNode>, b: Map<string, SchemaNode>, limits: InferLimits): void {
  for (const [k, n] of b) {
    const m = a.get(k);
    if (m) mergeNodes(m, n, limits);
    else a.set(k, n);
  }
}

function mergeLocations(a: SensitiveLocations, b: SensitiveLocations): void {
  for (const [cls, set] of b) {
    let mine = a.get(cls);
    if (!mine) a.set(cls, (mine = new BoundedSet(set.cap)));
    for (const v of set.values) mine.add(v);
  }
}

/** Folds `b` into `a` (two templates that turned out to be one). */
export function mergeEndpoint(a: EndpointStats, b: EndpointStats, limits: InferLimits = DEFAULT_INFER_LIMITS): void {
  a.firstSeen = Math.min(a.firstSeen, b.firstSeen);
  a.lastSeen = Math.max(a.lastSeen, b.lastSeen);
  a.count += b.count;
  a.unreadableBodies += b.unreadableBodies;
  mergeCounts(a.statuses, b.statuses);
  a.latency.merge(b.latency);
  mergeCounts(a.auth, b.auth);
  mergeCounts(a.authOnSuccess, b.authOnSuccess);
  a.callers.internal += b.callers.internal;
  a.callers.public += b.callers.public;
  for (const [k, v] of b.pathParams) {
    const m = a.pathParams.get(k);
    if (m) for (const c of v) m.add(c);
    else a.pathParams.set(k, v);
  }
  mergeSchemas(a.query, b.query, limits);
  mergeSchemas(a.headers, b.headers, limits);
  mergeSchemas(a.requestBodies, b.requestBodies, limits);
  for (const [s, r] of b.responses) {
    const m = a.responses.get(s);
    if (!m) a.responses.set(s, r);
    else {
      m.count += r.count;
      for (const c of r.contentTypes.values) m.contentTypes.add(c);
      mergeSchemas(m.bodies, r.bodies, limits);
    }
  }
  mergeLocations(a.sensitiveRequest, b.sensitiveRequest);
  mergeLocations(a.sensitiveResponse, b.sensitiveResponse);
  if (b.oracle) {
    if (!a.oracle) a.oracle = b.oracle;
    else {
      for (const i of b.oracle.inputs.values) a.oracle.inputs.add(i);
      mergeCounts(a.oracle.outcomes, b.oracle.outcomes);
      a.oracle.withPassword += b.oracle.withPassword;
      for (const [k, v] of b.oracle.examples) if (!a.oracle.examples.has(k)) a.oracle.examples.set(k, v);
    }
  }
  for (const id of b.exampleIds) if (a.exampleIds.length < 5) a.exampleIds.push(id);
}

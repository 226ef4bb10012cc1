// Authorization (DESIGN.md: after authenticate and rate limits, before validation). Decides, per
// operation, whether the principal may call it — function level (admin operations, roles, scopes,
// x-palisade-roles), object level (owner conditions, owner lookups in the API's own data),
// property level (writable request properties, readable response properties) — and counts
// sensitive business flows. Each decision is recorded in ctx.outcomes with the rule that made it.
//
// A route stage: it needs the API's compiled contract (operations, tags, path parameters) and the
// upstream (owner lookups) besides its settings.
import { createHash } from 'node:crypto';
import type { Dispatcher } from 'undici';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { AuthorizeFlow, AuthorizeRule, Contract, ContractOperation, Expr, ExprScope, Principal, StageSettings, Verdict } from '../../core/index.js';
import { CONTINUE, PalisadeError, evaluate, parseExpression } from '../../core/index.js';
import type { BodyInspector, HeaderMap, RequestContext, ResponseHead, Stage, StageEnv } from '../stage.js';
import type { UpstreamPath } from './contract.js';
import { decodeBody } from './error-scrubbing.js';
import { PropertySet } from './authorize-props.js';
import { parseOwnerQuery } from '../owner-db.js';
import { MemoryWindowCounters } from '../../store/index.js';
import type { CounterWindow } from '../../store/index.js';
import type { OwnerQuery } from '../owner-db.js';

type Settings = StageSettings['authorize'];

export interface AuthorizeDeps {
  /** The API's compiled OpenAPI contract, when it has a document. */
  readonly contract?: Contract;
  /** Request path → the path the upstream (and its document) sees. */
  readonly upstreamPath: UpstreamPath;
  /** Where owner lookups go: the API's connection pool and base path. */
  readonly upstream?: { readonly dispatcher: Dispatcher; readonly basePath: string };
  /** The route's authentication methods, for the challenge of 401 answers. */
  readonly authenticate?: Pick<StageSettings['authenticate'], 'methods' | 'realm'>;
}

export interface AuthorizeStage extends Stage {
  /** Owner-lookup answers currently cached (for tests and metrics). */
  readonly cachedOwners: number;
}

/** Headers and query parameter through which frameworks let a request claim another method. */
export const METHOD_OVERRIDE_HEADERS = ['x-http-method-override', 'x-http-method', 'x-method-override'] as const;
const METHOD_OVERRIDE_QUERY = '_method';
const MAX_OVERRIDES = 4;
const FAILURE_LOG_INTERVAL_MS = 10_000;
const MAX_LISTED = 20;

// ---------------------------------------------------------------------------------------------
// Operation selectors

type Segment = string | { readonly param: string };
type Selector =
  | { readonly kind: 'any' }
  | { readonly kind: 'id'; readonly id: string }
  | { readonly kind: 'template'; readonly method: string | undefined; readonly shape: string; readonly segments: readonly Segment[] }
  | { readonly kind: 'tag'; readonly tag: string }
  | { readonly kind: 'prefix'; readonly prefix: string };

/** What a request addresses, once per method checked. */
interface Target {
  readonly method: string;
  /** Upstream path, percent-encoded. */
  readonly path: string;
  readonly op: ContractOperation | undefined;
  /** Path parameters from the contract's match (decoded). */
  readonly params: Readonly<Record<string, string>>;
}

function templateSegments(template: string): Segment[] {
  return template
    .split('/')
    .slice(1)
    .map((seg) => {
      const m = /^\{([^}]+)\}$/.exec(seg);
      return m ? { param: m[1]! } : seg;
    });
}

/** A template's shape without parameter names: /orders/{id} and /orders/{orderId} are the same operation. */
function shapeOf(template: string): string {
  return template.replace(/\{[^}]*\}/g, '{}');
}

export function compileSelector(src: string): Selector {
  if (src === '*') return { kind: 'any' };
  if (src.startsWith('tag:')) return { kind: 'tag', tag: src.slice(4) };
  if (src.startsWith('prefix:')) {
    const p = src.slice(7).replace(/\/+$/, '');
    return { kind: 'prefix', prefix: p };
  }
  const space = src.indexOf(' ');
  if (space > 0) {
    const method = src.slice(0, space);
    const template = src.slice(space + 1);
    return { kind: 'template', method: method === '*' ? undefined : method, shape: shapeOf(template), segments: templateSegments(template) };
  }
  return { kind: 'id', id: src };
}

function matchSegments(segments: readonly Segment[], path: string): Record<string, string> | undefined {
  const parts = path.split('/').slice(1);
  if (parts.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < parts.length; i++) {
    const want = segments[i]!;
    const got = parts[i]!;
    if (typeof want === 'string') {
      if (want !== got) return undefined;
    } else {
      if (got === '') return undefined;
      try {
        params[want.param] = decodeURIComponent(got);
      } catch {
        return undefined;
      }
    }
  }
  return params;
}

/** Whether `sel` selects the target: false, or the path parameters it provides. */
function selects(sel: Selector, t: Target): false | Readonly<Record<string, string>> {
  switch (sel.kind) {
    case 'any':
      return t.params;
    case 'id':
      return t.op?.operationId === sel.id ? t.params : false;
    case 'tag':
      return t.op?.tags?.includes(sel.tag) ? t.params : false;
    case 'prefix':
      return sel.prefix === '' || t.path === sel.prefix || t.path.startsWith(sel.prefix + '/') ? t.params : false;
    case 'template': {
      // HEAD is served by GET (as the contract matches it).
      if (sel.method !== undefined && sel.method !== t.method && !(t.method === 'HEAD' && sel.method === 'GET')) return false;
      if (t.op && shapeOf(t.op.template) === sel.shape) return t.params;
      // Not (or not so) documented: the template is matched against the upstream path itself.
      const params = matchSegments(sel.segments, t.path);
      return params ? { ...t.params, ...params } : false;
    }
  }
}

function selectsAny(sels: readonly Selector[], t: Target): false | Readonly<Record<string, string>> {
  for (const s of sels) {
    const r = selects(s, t);
    if (r) return r;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Compiled rules and flows

interface OwnerLookup {
  /** The upstream path to ask, or undefined when the owner comes from a database query. */
  readonly path: string | undefined;
  /** The database query, when ownership is read from the API's database. */
  readonly sql: OwnerQuery | undefined;
  /** Where the cache key comes from: the path, or the query's text. */
  readonly key: string;
  readonly placeholders: readonly string[];
  readonly headers: Readonly<Record<string, string>>;
  readonly cacheMs: number;
  readonly timeoutMs: number;
  readonly maxBytes: number;
  readonly onFailure: 'unavailable' | 'not-owner';
}

interface Rule {
  readonly index: number;
  readonly label: string;
  readonly selectors: readonly Selector[];
  readonly anonymous: boolean;
  readonly roles: readonly string[];
  readonly scopes: readonly string[];
  readonly owner: Expr | undefined;
  readonly ownerReadsBody: boolean;
  readonly lookup: OwnerLookup | undefined;
  readonly writable: Readonly<Record<string, readonly string[]>> | undefined;
  readonly readable: Readonly<Record<string, readonly string[]>> | undefined;
}

interface Flow {
  readonly label: string;
  readonly name: string;
  readonly selectors: readonly Selector[];
  readonly when: Expr | undefined;
  readonly whenReadsBody: boolean;
  readonly per: 'principal' | 'tenant' | 'ip';
  readonly refund: boolean;
  readonly quota: number;
  readonly periodSeconds: number;
  readonly limiter: FlowCounter;
}

function parsed(src: string, where: string): { expr: Expr; readsBody: boolean } {
  const r = parseExpression(src);
  // The schema refuses malformed conditions with their line; this guards programmatic settings.
  if (!r.ok) throw new PalisadeError('PALISADE_ERR_CONFIG_INVALID', `authorize.${where}: ${r.error}`);
  return { expr: r.expr, readsBody: r.roots.has('body') };
}

function compileRule(r: AuthorizeRule, index: number, env: StageEnv): Rule {
  const owner = r.owner !== undefined ? parsed(r.owner, `rules[${index}].owner`) : undefined;
  const l = r.ownerLookup;
  let sql: OwnerQuery | undefined;
  let sqlPlaceholders: string[] = [];
  if (l?.sql) {
    const where = `authorize.rules[${index}].ownerLookup.sql`;
    const url = l.sql.database ?? process.env[l.sql.databaseEnv!];
    if (!url) throw new PalisadeError('PALISADE_ERR_CONFIG_INVALID', `${where}.databaseEnv: the environment variable ${l.sql.databaseEnv} is not set`);
    if (!env.ownerDatabases) throw new PalisadeError('PALISADE_ERR_CONFIG_INVALID', `${where}: database owner lookups are not available in this host`);
    sql = env.ownerDatabases.prepare(url, l.sql.query, l.timeoutMs, where);
    sqlPlaceholders = parseOwnerQuery(l.sql.query).names;
  }
  return {
    index,
    label: r.name ?? `rules[${index}]`,
    selectors: r.operations.map(compileSelector),
    anonymous: r.anonymous,
    roles: r.roles,
    scopes: r.scopes,
    owner: owner?.expr,
    ownerReadsBody: owner?.readsBody === true,
    lookup: l
      ? {
          path: l.path,
          sql,
          key: l.path ?? l.sql!.query,
          placeholders: l.path !== undefined ? [...l.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!) : [...new Set(sqlPlaceholders)],
          headers: l.headers,
          cacheMs: l.cacheSeconds * 1000,
          timeoutMs: l.timeoutMs,
          maxBytes: l.maxBytes,
          onFailure: l.onFailure,
        }
      : undefined,
    writable: r.writable,
    readable: r.readable,
  };
}

/**
 * Flow counters are shared per StageEnv (one per gateway, kept across routes and reloads), so a
 * reload does not hand every caller a fresh quota. Keyed by everything that changes a count's meaning.
 */
/** What a flow needs of its counter: rate-limiter-flexible's Redis limiter, or FlowWindows in memory. */
interface FlowCounter {
  consume(key: string): Promise<RateLimiterRes>;
  reward(key: string, points: number): Promise<RateLimiterRes>;
}

/** One set of counters per gateway (StageEnv): routes and reloads with the same flow share its counts. */
const memoryCounters = new WeakMap<StageEnv, MemoryWindowCounters>();

function flowLimiter(f: AuthorizeFlow, env: StageEnv): FlowCounter {
  const id = `${f.name}:${f.quota}:${f.periodSeconds}`;
  const opts = { points: f.quota, duration: f.periodSeconds };
  if (env.redis) {
    return new RateLimiterRedis({ ...opts, storeClient: env.redis.client, keyPrefix: `${env.redis.keyPrefix}flow:${id}`, rejectIfRedisNotReady: true });
  }
  let counters = memoryCounters.get(env);
  if (!counters) memoryCounters.set(env, (counters = new MemoryWindowCounters()));
  return new MemoryFlowCounter(counters, id, f.quota, f.periodSeconds);
}

/**
 * Flow quotas counted in this process, on the store's window counters (the rate-limit stage's):
 * windows expire by time, not by timer. rate-limiter-flexible's memory limiter expired keys with
 * setTimeout, which fires at once for periods past 2^31 ms (24.8 days): a yearly quota never held.
 */
class MemoryFlowCounter implements FlowCounter {
  private readonly window: CounterWindow;

  constructor(
    private readonly counters: MemoryWindowCounters,
    id: string,
    private readonly points: number,
    periodSeconds: number,
  ) {
    this.window = { id: `flow:${id}`, limit: points, durationSeconds: periodSeconds, blockSeconds: 0 };
  }

  private add(key: string, delta: number): RateLimiterRes {
    const [used, msLeft] = this.counters.add([this.window], [key], delta) as [number, number];
    return new RateLimiterRes(Math.max(0, this.points - used), msLeft, used, used === delta);
  }

  consume(key: string): Promise<RateLimiterRes> {
    const res = this.add(key, 1);
    return res.consumedPoints > this.points ? Promise.reject(res) : Promise.resolve(res);
  }

  reward(key: string, points: number): Promise<RateLimiterRes> {
    return Promise.resolve(this.add(key, -points));
  }
}

function compileFlow(f: AuthorizeFlow, index: number, env: StageEnv): Flow {
  const when = f.when !== undefined ? parsed(f.when, `flows[${index}].when`) : undefined;
  return {
    label: `flow:${f.name}`,
    name: f.name,
    selectors: f.operations.map(compileSelector),
    when: when?.expr,
    whenReadsBody: when?.readsBody === true,
    per: f.per,
    refund: f.refundRejected,
    quota: f.quota,
    periodSeconds: f.periodSeconds,
    limiter: flowLimiter(f, env),
  };
}

// ---------------------------------------------------------------------------------------------
// Per-request state

/** An access decision that let the request through (so far). */
interface Grant {
  readonly label: string;
  readonly rule: Rule | undefined;
  readonly params: Readonly<Record<string, string>>;
  lookup?: unknown;
}

interface Pending {
  readonly grants: readonly Grant[];
  readonly flows: readonly Flow[];
  readonly query: URLSearchParams;
  /** Property sets that filter this response, one per grant with readable lists. */
  readable?: ReadonlyArray<{ readonly label: string; readonly set: PropertySet }>;
}

interface Consumed {
  readonly flow: Flow;
  readonly key: string;
}

type LookupResult = { readonly kind: 'found'; readonly value: unknown } | { readonly kind: 'absent' } | { readonly kind: 'failed'; readonly reason: string };

function isJson(type: string): boolean {
  return /^application\/(?:[\w.+-]+\+)?json\b/.test(type);
}

function hashed(value: string): string {
  return createHash('sha256').update(value).digest('base64url').slice(0, 22);
}

function hasAnyRole(p: Principal, roles: readonly string[]): boolean {
  for (const r of roles) if (p.roles.includes(r)) return true;
  return false;
}

function hasAllScopes(p: Principal, scopes: readonly string[]): boolean {
  for (const s of scopes) if (!p.scopes.includes(s)) return false;
  return true;
}

function challengeOf(a: AuthorizeDeps['authenticate']): string {
  const realm = `realm="${a?.realm ?? 'palisade'}"`;
  const methods = a?.methods ?? [];
  const out: string[] = [];
  if (methods.length === 0 || methods.includes('jwt') || methods.includes('introspection')) out.push(`Bearer ${realm}`);
  if (methods.includes('apiKey')) out.push(`ApiKey ${realm}`);
  if (methods.includes('mtls')) out.push(`ClientCertificate ${realm}`);
  return out.join(', ');
}

/** Response headers that describe the upstream's exact bytes, wrong once the body is rewritten. */
const REPRESENTATION_HEADERS = ['content-length', 'content-encoding', 'etag', 'content-md5', 'digest', 'content-digest', 'repr-digest', 'content-range', 'accept-ranges'];

export function createAuthorizeStage(settings: Settings, env: StageEnv, deps: AuthorizeDeps): AuthorizeStage | null {
  if (!settings.enabled) return null;
  const contract = deps.contract;
  const rules = settings.rules.map((r, i) => compileRule(r, i, env));
  const flows = settings.flows.map((f, i) => compileFlow(f, i, env));
  const adminSelectors = settings.adminOperations.map(compileSelector);
  if (!contract) {
    const needsDocument = (sels: readonly Selector[]) => sels.some((s) => s.kind === 'id' || s.kind === 'tag');
    const where = [
      ...rules.filter((r) => needsDocument(r.selectors)).map((r) => `rules[${r.index}]`),
      ...settings.flows.filter((_f, i) => needsDocument(flows[i]!.selectors)).map((f) => `flow ${f.name}`),
    ];
    if (where.length > 0) {
      throw new PalisadeError(
        'PALISADE_ERR_CONFIG_INVALID',
        `authorize: ${where.join(', ')} select operations by operationId or tag, but the API has no openapi document; use 'METHOD /path/{param}' or 'prefix:/path' selectors, or set apis[].openapi`,
      );
    }
    if (needsDocument(adminSelectors)) env.log('warn', 'authorize.adminOperations selects by tag or operationId, but the API has no openapi document: those entries select nothing');
  }
  if (rules.some((r) => r.lookup?.path !== undefined) && !deps.upstream) {
    throw new PalisadeError('PALISADE_ERR_CONFIG_INVALID', 'authorize: ownerLookup needs the route\'s upstream');
  }
  const challenge = challengeOf(deps.authenticate);
  const pending = new WeakMap<RequestContext, Pending>();
  const consumedFlows = new WeakMap<RequestContext, Consumed[]>();
  const cache = new Map<string, { readonly expires: number; readonly value: LookupResult }>();
  const inflight = new Map<string, Promise<LookupResult>>();
  let lastFailureLog = 0;

  const logFailure = (msg: string, fields: Record<string, unknown>): void => {
    const now = Date.now();
    if (now - lastFailureLog < FAILURE_LOG_INTERVAL_MS) return;
    lastFailureLog = now;
    env.log('error', msg, fields);
  };

  // --- verdicts -------------------------------------------------------------------------------

  const unauthenticated = (rule: string): Verdict => ({
    kind: 'deny',
    code: 'authentication-required',
    status: 401,
    detail: 'This operation requires authentication.',
    headers: { 'WWW-Authenticate': challenge },
    rule,
  });
  const forbidden = (rule: string): Verdict => ({ kind: 'deny', code: 'forbidden', status: 403, detail: 'You are not allowed to perform this operation.', rule });
  const notOwner = (rule: string): Verdict =>
    settings.notOwnerStatus === 404
      ? // Says nothing an absent object would not: the same answer whether it exists or not.
        { kind: 'deny', code: 'not-found', status: 404, detail: 'No such resource.', rule }
      : { kind: 'deny', code: 'not-owner', status: 403, detail: 'You may not access this resource.', rule };

  // --- function level ------------------------------------------------------------------------

  const targetFor = (method: string, path: string): Target => {
    if (contract) {
      const m = contract.match(method, path);
      if (m.kind === 'match') return { method, path, op: m.match.operation, params: m.match.pathParams };
    }
    return { method, path, op: undefined, params: {} };
  };

  /** The access decision for one method: a grant, or the refusal. */
  const decide = (t: Target, p: Principal | undefined): Grant | Verdict => {
    let fallback: string | undefined;
    if (selectsAny(adminSelectors, t)) {
      if (!p) return unauthenticated('adminOperations');
      if (!hasAnyRole(p, settings.adminRoles)) return forbidden('adminOperations');
      fallback = 'adminOperations';
    }
    const documented = settings.openapiRoles ? t.op?.roles : undefined;
    if (documented && documented.length > 0) {
      if (!p) return unauthenticated('x-palisade-roles');
      if (!hasAnyRole(p, documented)) return forbidden('x-palisade-roles');
      fallback ??= 'x-palisade-roles';
    }
    for (const rule of rules) {
      const params = selectsAny(rule.selectors, t);
      if (!params) continue;
      if (!p) {
        if (rule.anonymous) return { label: rule.label, rule, params };
        return unauthenticated(rule.label);
      }
      if (rule.roles.length > 0 && !hasAnyRole(p, rule.roles)) return forbidden(rule.label);
      if (!hasAllScopes(p, rule.scopes)) return forbidden(rule.label);
      return { label: rule.label, rule, params };
    }
    // No rule: an admin or x-palisade-roles operation the caller passed needs nothing more.
    if (fallback !== undefined) return { label: fallback, rule: undefined, params: t.params };
    switch (settings.defaultPolicy) {
      case 'allow':
        return { label: 'defaultPolicy', rule: undefined, params: t.params };
      case 'authenticated':
        return p ? { label: 'defaultPolicy', rule: undefined, params: t.params } : unauthenticated('defaultPolicy');
      default:
        return forbidden('defaultPolicy');
    }
  };

  /** Methods the request claims besides its own; a Verdict when a claim is malformed. */
  const overridesOf = (ctx: RequestContext, query: URLSearchParams): string[] | Verdict => {
    const claimed: string[] = [];
    for (const h of METHOD_OVERRIDE_HEADERS) {
      const v = ctx.req.headers[h];
      if (v === undefined) continue;
      for (const item of Array.isArray(v) ? v : [v]) claimed.push(...item.split(','));
    }
    claimed.push(...query.getAll(METHOD_OVERRIDE_QUERY));
    if (claimed.length === 0) return [];
    const refused: Verdict = { kind: 'deny', code: 'method-override-refused', status: 400, detail: 'Method override headers and parameters are not accepted here.', rule: 'methodOverride' };
    if (settings.methodOverride === 'refuse' || claimed.length > MAX_OVERRIDES) return refused;
    const out = new Set<string>();
    for (const c of claimed) {
      const m = c.trim().toUpperCase();
      // Frameworks upper-case the value; anything that is not a method token is refused rather than guessed at.
      if (!/^[A-Z]{1,16}$/.test(m)) return refused;
      if (m !== ctx.method.toUpperCase()) out.add(m);
    }
    return [...out];
  };

  // --- object level: owner lookups -------------------------------------------------------------

  const fetchOwner = async (l: OwnerLookup, path: string, requestId: string): Promise<LookupResult> => {
    const up = deps.upstream!;
    let res: Dispatcher.ResponseData;
    try {
      res = await up.dispatcher.request({
        method: 'GET',
        path: up.basePath + path,
        headers: { accept: 'application/json', 'x-request-id': requestId, ...l.headers },
        headersTimeout: l.timeoutMs,
        bodyTimeout: l.timeoutMs,
        signal: AbortSignal.timeout(l.timeoutMs),
      });
    } catch (err) {
      return { kind: 'failed', reason: `unreachable: ${(err as Error).message}` };
    }
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > l.maxBytes) {
          res.body.destroy();
          return { kind: 'failed', reason: `answer larger than ${l.maxBytes} bytes` };
        }
        chunks.push(chunk);
      }
    } catch (err) {
      return { kind: 'failed', reason: `answer interrupted: ${(err as Error).message}` };
    }
    if (res.statusCode === 404) return { kind: 'absent' };
    if (res.statusCode < 200 || res.statusCode > 299) return { kind: 'failed', reason: `answered ${res.statusCode}` };
    let value: unknown;
    try {
      value = JSON.parse(Buffer.concat(chunks, size).toString('utf8'));
    } catch {
      return { kind: 'failed', reason: 'answer is not JSON' };
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return { kind: 'failed', reason: 'answer is not a JSON object' };
    return { kind: 'found', value };
  };

  const queryOwner = async (q: OwnerQuery, params: Readonly<Record<string, string>>): Promise<LookupResult> => {
    try {
      const row = await q.run(params);
      return row === undefined ? { kind: 'absent' } : { kind: 'found', value: row };
    } catch (err) {
      return { kind: 'failed', reason: `query failed: ${(err as Error).message}` };
    }
  };

  const lookupOwner = (rule: Rule, params: Readonly<Record<string, string>>, requestId: string): LookupResult | Promise<LookupResult> => {
    const l = rule.lookup!;
    let path = l.key;
    for (const name of l.placeholders) {
      const v = params[name];
      // '.' and '..' would be resolved away by the upstream's router: another object, not this one.
      if (v === undefined || v === '' || v === '.' || v === '..') return { kind: 'absent' };
      if (l.path !== undefined) path = path.replaceAll(`{${name}}`, encodeURIComponent(v));
    }
    // A query's answers are cached per values: the placeholders' values, in order, after the text.
    const key = `${rule.index}\n${l.path !== undefined ? path : `${path}\n${l.placeholders.map((n) => params[n]!).join('\n')}`}`;
    const now = Date.now();
    const hit = cache.get(key);
    if (hit) {
      cache.delete(key);
      if (hit.expires > now) {
        cache.set(key, hit);
        return hit.value;
      }
    }
    const running = inflight.get(key);
    if (running) return running;
    const p = (l.sql ? queryOwner(l.sql, params) : fetchOwner(l, path, requestId)).then((r) => {
      inflight.delete(key);
      // Only answers are cached: a failure is retried by the next request, not remembered for cacheSeconds.
      if (r.kind === 'found' && l.cacheMs > 0 && settings.ownerCacheEntries > 0) {
        cache.set(key, { expires: Date.now() + l.cacheMs, value: r });
        while (cache.size > settings.ownerCacheEntries) cache.delete(cache.keys().next().value!);
      }
      return r;
    });
    inflight.set(key, p);
    return p;
  };

  const lookupFailed = (ctx: RequestContext, rule: Rule, reason: string): Verdict => {
    logFailure('authorize owner lookup failed', { requestId: ctx.requestId, rule: rule.label, reason });
    if (rule.lookup!.onFailure === 'not-owner') return notOwner(rule.label);
    return { kind: 'deny', code: 'owner-lookup-failed', status: 503, detail: 'Authorization could not be decided; retry later.', headers: { 'Retry-After': '1' }, rule: rule.label };
  };

  // --- object and property level: conditions and writable properties --------------------------

  const scopeOf = (ctx: RequestContext, st: Pending, g: Grant, body: unknown): ExprScope => ({
    path: g.params,
    query: st.query,
    body,
    ...(ctx.principal ? { principal: ctx.principal } : {}),
    lookup: g.lookup,
  });

  const writableFor = (rule: Rule, p: Principal | undefined): PropertySet => {
    const lists = rule.writable!;
    const patterns: string[] = [...(lists['*'] ?? [])];
    if (p) for (const role of p.roles) if (role !== '*' && Object.hasOwn(lists, role)) patterns.push(...lists[role]!);
    return new PropertySet(patterns);
  };

  const readableFor = (rule: Rule, p: Principal | undefined): PropertySet => {
    const lists = rule.readable!;
    const patterns: string[] = [...(lists['*'] ?? [])];
    if (p) for (const role of p.roles) if (role !== '*' && Object.hasOwn(lists, role)) patterns.push(...lists[role]!);
    return new PropertySet(patterns);
  };

  /**
   * Owner conditions (those that can be decided now) and writable properties. `body` is undefined
   * when the request has none; `withBody` says whether this is the body phase.
   */
  const checkGrants = (ctx: RequestContext, st: Pending, body: unknown, withBody: boolean): Verdict | undefined => {
    for (const g of st.grants) {
      const rule = g.rule;
      if (!rule) continue;
      if (rule.owner && (withBody || !rule.ownerReadsBody || !hasBodyOf(ctx))) {
        if (!evaluate(rule.owner, scopeOf(ctx, st, g, body))) return notOwner(rule.label);
      }
      if (rule.writable && withBody) {
        const bad = writableFor(rule, ctx.principal).violations(body);
        if (bad.length > 0) {
          return {
            kind: 'deny',
            code: 'property-not-writable',
            status: 403,
            detail: `You may not write ${bad[0]}${bad.length > 1 ? ` (and ${bad.length - 1} more)` : ''}.`,
            extensions: { properties: bad.slice(0, MAX_LISTED) },
            rule: rule.label,
          };
        }
      }
    }
    return undefined;
  };

  // --- business flows ------------------------------------------------------------------------

  const flowKey = (ctx: RequestContext, f: Flow): string => {
    const p = ctx.principal;
    if (f.per === 'ip' || !p) return `ip=${ctx.clientIp}`;
    if (f.per === 'tenant' && p.tenant !== undefined) return `tenant=${hashed(p.tenant)}`;
    return `principal=${hashed(p.id)}`;
  };

  /** Counts the flows the request takes part in; refuses when any quota is spent (and then spends none). */
  const countFlows = async (ctx: RequestContext, st: Pending, body: unknown): Promise<Verdict | undefined> => {
    const taking = st.flows.filter((f) => !f.when || st.grants.some((g) => evaluate(f.when!, scopeOf(ctx, st, g, body))));
    if (taking.length === 0) return undefined;
    const keys = taking.map((f) => flowKey(ctx, f));
    const settled = await Promise.allSettled(taking.map((f, i) => f.limiter.consume(keys[i]!)));
    const consumed: Consumed[] = [];
    let refused: { flow: Flow; res: RateLimiterRes } | undefined;
    let storeFailed = false;
    settled.forEach((s, i) => {
      const flow = taking[i]!;
      if (s.status === 'fulfilled') consumed.push({ flow, key: keys[i]! });
      else if (s.reason instanceof RateLimiterRes) refused ??= { flow, res: s.reason };
      else {
        storeFailed = true;
        logFailure(`authorize flow counter store failed; failing ${settings.flowFailMode}`, { flow: flow.name, err: s.reason instanceof Error ? s.reason.message : String(s.reason) });
      }
    });
    const undo = () => Promise.allSettled(consumed.map((c) => c.flow.limiter.reward(c.key, 1)));
    if (refused) {
      await undo();
      const retry = Math.max(1, Math.ceil(refused.res.msBeforeNext / 1000));
      return {
        kind: 'deny',
        code: 'flow-quota-exceeded',
        status: 429,
        detail: `The quota of the ${refused.flow.name} flow is used up (${refused.flow.quota} per ${refused.flow.periodSeconds} s); retry later.`,
        headers: { 'Retry-After': String(retry) },
        extensions: { flow: refused.flow.name },
        rule: refused.flow.label,
      };
    }
    if (storeFailed && settings.flowFailMode === 'closed') {
      await undo();
      return { kind: 'deny', code: 'flow-quota-unavailable', status: 503, detail: 'This operation is temporarily unavailable; retry later.', headers: { 'Retry-After': '1' }, rule: 'flowFailMode' };
    }
    if (consumed.length > 0) consumedFlows.set(ctx, consumed);
    return undefined;
  };

  // --- phases ----------------------------------------------------------------------------------

  const hasBodyOf = (ctx: RequestContext): boolean => {
    const h = ctx.req.headers;
    return h['transfer-encoding'] !== undefined || (h['content-length'] !== undefined && h['content-length'] !== '0');
  };

  const needsBody = (st: Pending): boolean =>
    st.grants.some((g) => g.rule !== undefined && (g.rule.ownerReadsBody || g.rule.writable !== undefined)) || st.flows.some((f) => f.whenReadsBody);

  const allowed = (ctx: RequestContext, st: Pending): void => {
    for (const g of st.grants) ctx.outcomes.push({ stage: 'authorize', outcome: 'continue', rule: g.label });
    for (const c of consumedFlows.get(ctx) ?? []) ctx.outcomes.push({ stage: 'authorize', outcome: 'continue', rule: c.flow.label });
    const readable = st.grants.filter((g) => g.rule?.readable !== undefined).map((g) => ({ label: g.rule!.label, set: readableFor(g.rule!, ctx.principal) }));
    if (readable.length > 0) st.readable = readable;
  };

  /** After the lookups: decide what can be decided on the head; the rest waits for the body. */
  const onHead = (ctx: RequestContext, st: Pending): Verdict | Promise<Verdict> => {
    const withBody = hasBodyOf(ctx) && needsBody(st);
    if (withBody) {
      const h = ctx.req.headers;
      const type = String(h['content-type'] ?? '').toLowerCase();
      const enc = String(h['content-encoding'] ?? 'identity').toLowerCase();
      if (!isJson(type) || (enc !== 'identity' && enc !== '')) {
        return {
          kind: 'deny',
          code: 'body-not-checkable',
          status: 415,
          detail: 'This operation accepts only uncompressed JSON request bodies, which its authorization rules can read.',
          rule: st.grants.find((g) => g.rule && (g.rule.ownerReadsBody || g.rule.writable))?.label ?? st.flows.find((f) => f.whenReadsBody)?.label ?? 'authorize',
        };
      }
    }
    const v = checkGrants(ctx, st, undefined, false);
    if (v) return v;
    if (withBody) {
      // Decided when the body has arrived (requestBody); the upstream never receives all of it before.
      pending.set(ctx, st);
      return CONTINUE;
    }
    pending.set(ctx, st);
    if (st.flows.length === 0) {
      allowed(ctx, st);
      return CONTINUE;
    }
    return countFlows(ctx, st, undefined).then((fv) => {
      if (fv) return fv;
      allowed(ctx, st);
      return CONTINUE;
    });
  };

  const withLookups = async (ctx: RequestContext, st: Pending): Promise<Verdict> => {
    for (const g of st.grants) {
      if (!g.rule?.lookup) continue;
      const r = await lookupOwner(g.rule, g.params, ctx.requestId);
      if (r.kind === 'failed') return lookupFailed(ctx, g.rule, r.reason);
      g.lookup = r.kind === 'found' ? r.value : undefined;
    }
    return onHead(ctx, st);
  };

  const bodyDenied = (ctx: RequestContext, v: Verdict): Verdict => {
    // Body-phase refusals do not pass through the pipeline's note(): record them here.
    if (v.kind === 'deny') ctx.outcomes.push({ stage: 'authorize', outcome: 'deny', code: v.code, ...(v.rule !== undefined ? { rule: v.rule } : {}) });
    return v;
  };

  // --- response: readable properties and flow refunds --------------------------------------------

  const notFiltered = (ctx: RequestContext, rule: string, code: string): void => {
    ctx.outcomes.push({ stage: 'authorize', outcome: 'report', code, rule });
  };
  const unfilterable = (rule: string): Verdict => ({
    kind: 'deny',
    code: 'response-not-filterable',
    status: 502,
    detail: 'The response could not be checked against the properties you may read.',
    rule,
  });
  const headSeen = new WeakSet<RequestContext>();

  return {
    name: 'authorize',
    maxBufferBytes: settings.maxResponseBytes,
    get cachedOwners() {
      return cache.size;
    },

    request(ctx) {
      const q = ctx.url.indexOf('?');
      const query = new URLSearchParams(q < 0 ? '' : ctx.url.slice(q + 1));
      const overrides = overridesOf(ctx, query);
      if (!Array.isArray(overrides)) return overrides;
      const path = deps.upstreamPath(ctx.path);
      const grants: Grant[] = [];
      const selected = new Set<Flow>();
      // The request's own method and every method it claims: the stricter outcome wins.
      for (const method of [ctx.method.toUpperCase(), ...overrides]) {
        const t = targetFor(method, path);
        const g = decide(t, ctx.principal);
        if (!('label' in g)) return g;
        grants.push(g);
        for (const f of flows) if (selectsAny(f.selectors, t)) selected.add(f);
      }
      const st: Pending = { grants, flows: [...selected], query };
      if (grants.some((g) => g.rule?.lookup)) return withLookups(ctx, st);
      return onHead(ctx, st);
    },

    requestBody(ctx): BodyInspector | undefined {
      const st = pending.get(ctx);
      if (!st || !needsBody(st)) return undefined;
      const chunks: Buffer[] = [];
      let size = 0;
      let tooLarge = false;
      const refuseSize = (): Verdict =>
        bodyDenied(ctx, { kind: 'deny', code: 'body-too-large', status: 413, detail: `JSON bodies are checked for authorization up to ${settings.maxBodyBytes} bytes.`, rule: 'maxBodyBytes' });
      const notJson = (): Verdict => bodyDenied(ctx, { kind: 'deny', code: 'bad-request', status: 400, detail: 'The request body is not valid JSON.', rule: 'authorize' });
      const decideBody = (body: unknown): Verdict | undefined | Promise<Verdict | undefined> => {
        const v = checkGrants(ctx, st, body, true);
        if (v) return bodyDenied(ctx, v);
        if (st.flows.length === 0) {
          allowed(ctx, st);
          return undefined;
        }
        return countFlows(ctx, st, body).then((fv) => {
          if (fv) return bodyDenied(ctx, fv);
          allowed(ctx, st);
          return undefined;
        });
      };
      return {
        push(chunk) {
          if (tooLarge) return undefined;
          size += chunk.length;
          if (size > settings.maxBodyBytes) {
            tooLarge = true;
            return refuseSize();
          }
          chunks.push(chunk);
          return undefined;
        },
        end() {
          let body: unknown;
          const text = Buffer.concat(chunks, size).toString('utf8');
          if (text.trim() !== '') {
            try {
              body = JSON.parse(text);
            } catch {
              return notJson();
            }
          }
          return decideBody(body);
        },
        // Held whole: the body another stage may already have parsed (the contract's) is reused.
        whole(bytes, json) {
          if (bytes.length > settings.maxBodyBytes) return refuseSize();
          const parsed = json();
          if (parsed.ok) return decideBody(parsed.value);
          return bytes.toString('utf8').trim() === '' ? decideBody(undefined) : notJson();
        },
      };
    },

    responseHead(ctx: RequestContext, head: ResponseHead): 'buffer' | undefined {
      const consumed = consumedFlows.get(ctx);
      if (consumed && head.status >= 400 && head.status < 500) {
        // The API (or a later stage) refused the request: nothing happened, so it costs no quota.
        consumedFlows.delete(ctx);
        for (const c of consumed) if (c.flow.refund) void c.flow.limiter.reward(c.key, 1).catch(() => undefined);
      }
      const readable = pending.get(ctx)?.readable;
      if (!readable || head.status < 200 || head.status > 299 || head.status === 204) return undefined;
      if (readable.every((r) => r.set.all)) return undefined;
      const label = readable.map((r) => r.label).join(',');
      const first = !headSeen.has(ctx);
      headSeen.add(ctx);
      if (ctx.method === 'HEAD') {
        // The unfiltered length would tell how much is hidden.
        delete head.headers['content-length'];
        return undefined;
      }
      const type = head.headers['content-type'];
      if (!isJson(String(typeof type === 'string' ? type : (type?.[0] ?? '')).toLowerCase())) {
        if (first) notFiltered(ctx, label, 'response-not-json');
        return undefined;
      }
      const cl = head.headers['content-length'];
      const length = typeof cl === 'string' ? Number(cl) : NaN;
      if (settings.oversizeResponse === 'pass' && length > settings.maxResponseBytes) {
        if (first) notFiltered(ctx, label, 'response-too-large');
        return undefined;
      }
      return 'buffer';
    },

    responseBody(ctx: RequestContext, head: ResponseHead, body: Buffer, truncated: boolean): Verdict | undefined {
      const readable = pending.get(ctx)?.readable;
      if (!readable || head.status < 200 || head.status > 299) return undefined;
      const label = readable.map((r) => r.label).join(',');
      // A cut body cannot be passed on either: what the client would get is broken JSON.
      if (truncated || body.length > settings.maxResponseBytes) return unfilterable(label);
      if (body.length === 0) return undefined;
      const decoded = decodeBody(body, head.headers['content-encoding'], settings.maxResponseBytes);
      if (decoded === null) return unfilterable(label);
      let value: unknown;
      try {
        value = JSON.parse(decoded.toString('utf8'));
      } catch {
        return unfilterable(label);
      }
      let removed = 0;
      for (const r of readable) {
        const f = r.set.filter(value);
        if (!f) return unfilterable(label);
        value = f.value;
        removed += f.removed;
      }
      if (removed === 0) return undefined;
      const headers: Record<string, string | string[]> = {};
      for (const [k, v] of Object.entries(head.headers as HeaderMap)) {
        if (v !== undefined && !REPRESENTATION_HEADERS.includes(k)) headers[k] = v;
      }
      return { kind: 'respond', status: head.status, headers, body: JSON.stringify(value), rule: label };
    },
  };
}

// Rate limits (DESIGN.md: "rate limit & quotas", after authentication so `principal` keys work).
// Several fixed windows per route, counted in this process or, with store.redis, in Redis so that
// every gateway process shares one count (store/counters: the same semantics either way).
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { StageSettings, Verdict } from '../../core/index.js';
import { CONTINUE, deny, PalisadeError } from '../../core/index.js';
import { MemoryWindowCounters, RedisWindowCounters } from '../../store/index.js';
import type { CounterWindow, WindowCounters, WindowCounts } from '../../store/index.js';
import type { RequestContext, Stage, StageEnv, StageFactory } from '../stage.js';
import type { RateOverride } from '../rate-overrides.js';

type Settings = StageSettings['rateLimit'];
type LimitSettings = Settings['limits'][number];

/** The header the `apiKey` key part reads. */
export const API_KEY_HEADER = 'x-api-key';
/** At most one "store failed" log line per stage in this period: a Redis outage must not flood the log. */
const FAILURE_LOG_INTERVAL_MS = 10_000;

export interface RateLimitStage extends Stage {
  /** Requests that met a failing counter store (and were let through or refused per failMode). */
  readonly storeFailures: number;
}

interface Window extends CounterWindow {
  readonly parts: readonly string[];
  /** Index of an earlier window of the same set with the same key parts, whose key it reuses; -1: none. */
  readonly sameKeyAs: number;
  /** "limit=<n>, remaining=" of the RateLimit header. */
  readonly headerStart: string;
}

/**
 * In-process counters are shared per StageEnv (one per Gateway, kept across routes and reloads) so
 * that a window without `route` in its key really is one count for all routes, and a reload does
 * not reset the counts. Redis counters are shared by every process through Redis itself.
 */
const memoryCounters = new WeakMap<StageEnv, MemoryWindowCounters>();

function countersFor(env: StageEnv): WindowCounters {
  // No fallback to memory when Redis fails: failMode decides, so a cluster never silently falls
  // back to per-process counts that admit N times the limit.
  if (env.redis) return new RedisWindowCounters(env.redis.client, env.redis.keyPrefix);
  let counters = memoryCounters.get(env);
  if (!counters) memoryCounters.set(env, (counters = new MemoryWindowCounters()));
  return counters;
}

/** Header values and API keys are hashed so that secrets never become counter keys in Redis. */
function hashed(value: string): string {
  return createHash('sha256').update(value).digest('base64url').slice(0, 22);
}

function headerValue(ctx: RequestContext, name: string): string | undefined {
  const v = ctx.req.headers[name];
  const s = Array.isArray(v) ? v[0] : v;
  return s === undefined || s === '' ? undefined : s;
}

/**
 * The caller's plan from `plan: claim:<name>` or `plan: scope:<prefix>`; undefined when the caller
 * is anonymous or names none. Plans only come from an authenticated principal: a client-chosen
 * header would let anyone pick the most generous tier.
 */
export function planOf(ctx: RequestContext, source: string | undefined): string | undefined {
  const p = ctx.principal;
  if (!source || !p) return undefined;
  if (source.startsWith('claim:')) {
    const v = p.claims?.[source.slice('claim:'.length)];
    return typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined;
  }
  const prefix = source.slice('scope:'.length);
  for (const scope of p.scopes) if (scope.startsWith(prefix) && scope.length > prefix.length) return scope.slice(prefix.length);
  return undefined;
}

function keyPart(ctx: RequestContext, part: string, plan: string | undefined): string {
  switch (part) {
    case 'operation':
      // Without a contract the route stands in: still one bucket per method, never one per object id.
      return `op=${ctx.resolveOperation?.(ctx.method, ctx.path) ?? `${ctx.method} ${ctx.routeName}`}`;
    case 'plan':
      return `plan=${plan ?? '-'}`;
    case 'ip':
      return `ip=${ctx.clientIp}`;
    case 'route':
      return `route=${ctx.routeName}`;
    case 'principal':
      // Unauthenticated callers are counted by address, so they cannot share one anonymous bucket.
      return ctx.principal?.id !== undefined ? `principal=${ctx.principal.id}` : `ip=${ctx.clientIp}`;
    case 'apiKey': {
      const v = headerValue(ctx, API_KEY_HEADER);
      return v !== undefined ? `apiKey=${hashed(v)}` : `ip=${ctx.clientIp}`;
    }
    default: {
      const name = part.slice('header:'.length).toLowerCase();
      const v = headerValue(ctx, name);
      return v !== undefined ? `${name}=${hashed(v)}` : `ip=${ctx.clientIp}`;
    }
  }
}

/** The counter key of each window; windows with the same key parts share one string. */
function keysOf(ctx: RequestContext, ws: readonly Window[], plan: string | undefined): string[] {
  const keys = new Array<string>(ws.length);
  for (let i = 0; i < ws.length; i++) {
    const w = ws[i]!;
    if (w.sameKeyAs >= 0) keys[i] = keys[w.sameKeyAs]!;
    else if (w.parts.length === 1) keys[i] = keyPart(ctx, w.parts[0]!, plan);
    else {
      let key = keyPart(ctx, w.parts[0]!, plan);
      for (let j = 1; j < w.parts.length; j++) key += `|${keyPart(ctx, w.parts[j]!, plan)}`;
      keys[i] = key;
    }
  }
  return keys;
}

function secondsUntil(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

interface WindowSet {
  readonly windows: readonly Window[];
  /** RateLimit-Policy header value. */
  readonly policy: string;
}

/**
 * The counts of one request: per window of its set, the count after this request and the
 * milliseconds until it resets (as WindowCounts); undefined when the store failed.
 */
type Counts = WindowCounts | undefined;

function isPromise<T>(v: T | Promise<T>): v is Promise<T> {
  return typeof (v as { then?: unknown } | undefined)?.then === 'function';
}

export const createRateLimitStage: StageFactory<'rateLimit'> = (settings, env): RateLimitStage | null => {
  const planNames = Object.keys(settings.plans);
  const configured = settings.enabled && (settings.limits.length > 0 || planNames.length > 0);
  // Overrides apply whether or not the route configures limits: tightening an abusive actor is a
  // response to what Watch saw, not part of the route's policy.
  const overrides = settings.dynamicOverrides ? env.rateOverrides : undefined;
  if (!configured && !overrides) return null;
  if (configured && planNames.length > 0 && !settings.plan) {
    throw new PalisadeError('PALISADE_ERR_CONFIG_INVALID', `rateLimit.plans (${planNames.join(', ')}) needs rateLimit.plan to say where a caller's plan is read from`);
  }
  const counters = countersFor(env);
  const windowSet = (limits: readonly LimitSettings[], plan: string): WindowSet => {
    const windows: Window[] = [];
    for (const l of limits) {
      // Each plan counts in its own windows, so a caller changing plan starts afresh on the new one.
      const name = plan === '' ? l.name : `${l.name}@${plan}`;
      const parts = Array.isArray(l.key) ? [...l.key] : [l.key];
      const limit = l.points + l.burst;
      const block = l.blockDurationSeconds ?? 0;
      const joined = parts.join('+');
      windows.push({
        // Everything that changes a count's meaning; as rate-limiter-flexible's key prefix was.
        id: `rl:${name}:${joined}:${limit}:${l.durationSeconds}:${block}`,
        limit,
        durationSeconds: l.durationSeconds,
        blockSeconds: block,
        parts,
        sameKeyAs: windows.findIndex((w) => w.parts.join('+') === joined),
        headerStart: `limit=${limit}, remaining=`,
      });
    }
    return { windows, policy: windows.map((w) => `${w.limit};w=${w.durationSeconds}`).join(', ') };
  };
  const base = windowSet(settings.limits, '');
  const perPlan = new Map(planNames.map((name) => [name, windowSet(settings.plans[name]!, name)]));
  const unavailable = Object.freeze(deny('rate-limit-unavailable', 503, 'Rate limiting is temporarily unavailable; retry later.', Object.freeze({ 'Retry-After': '1' })));
  const closed = settings.failMode === 'closed';
  let storeFailures = 0;
  let lastFailureLog = 0;
  let failuresSinceLog = 0;

  const failed = (err: unknown): undefined => {
    storeFailures++;
    failuresSinceLog++;
    const now = Date.now();
    if (now - lastFailureLog < FAILURE_LOG_INTERVAL_MS) return undefined;
    lastFailureLog = now;
    env.log('error', `rate-limit counter store failed; failing ${settings.failMode}`, {
      err: err instanceof Error ? err.message : String(err),
      failures: failuresSinceLog,
    });
    failuresSinceLog = 0;
    return undefined;
  };

  /** Counts `delta` on the windows; a store failure becomes undefined (counted and logged). */
  const add = (ws: readonly Window[], keys: readonly string[], delta: number): Counts | Promise<Counts> => {
    let r: WindowCounts | Promise<WindowCounts>;
    try {
      r = counters.add(ws, keys, delta);
    } catch (err) {
      return failed(err);
    }
    return isPromise(r) ? r.then((c): Counts => c, failed) : r;
  };

  /** Milliseconds until every refused window frees, or -1 when none refused. */
  const refusedFor = (ws: readonly Window[], counts: WindowCounts): number => {
    let wait = -1;
    for (let i = 0; i < ws.length; i++) if (counts[2 * i]! > ws[i]!.limit && counts[2 * i + 1]! > wait) wait = counts[2 * i + 1]!;
    return wait;
  };

  /** The verdict once counted: 429 when any window is over its limit, else RateLimit headers on the way. */
  const decide = (ctx: RequestContext, set: WindowSet, counts: WindowCounts): Verdict => {
    const ws = set.windows;
    // The RateLimit header describes the window closest to refusing (the first of equals).
    let worst = 0;
    let worstRemaining = Infinity;
    let retryMs = -1;
    for (let i = 0; i < ws.length; i++) {
      const limit = ws[i]!.limit;
      const count = counts[2 * i]!;
      const remaining = count >= limit ? 0 : limit - count;
      if (remaining < worstRemaining) {
        worst = i;
        worstRemaining = remaining;
      }
      if (count > limit && counts[2 * i + 1]! > retryMs) retryMs = counts[2 * i + 1]!;
    }
    const rateLimit = `${ws[worst]!.headerStart}${worstRemaining}, reset=${secondsUntil(counts[2 * worst + 1]!)}`;
    if (retryMs >= 0) {
      return deny('rate-limited', 429, 'Too many requests; retry later.', { 'Retry-After': String(secondsUntil(retryMs)), 'RateLimit-Policy': set.policy, RateLimit: rateLimit });
    }
    if (settings.headers) {
      const extra = ctx.extraResponseHeaders;
      if (extra) {
        extra['ratelimit-policy'] = set.policy;
        extra.ratelimit = rateLimit;
      } else ctx.extraResponseHeaders = { 'ratelimit-policy': set.policy, ratelimit: rateLimit };
    }
    return CONTINUE;
  };

  /**
   * With delayMs, when every refused window frees soon enough: give the refused requests back,
   * wait, and count once more on those windows only.
   */
  const throttle = async (ctx: RequestContext, set: WindowSet, keys: readonly string[], counts: WindowCounts, wait: number): Promise<Verdict> => {
    const again: Window[] = [];
    const againKeys: string[] = [];
    const at: number[] = [];
    for (let i = 0; i < set.windows.length; i++) {
      if (counts[2 * i]! <= set.windows[i]!.limit) continue;
      again.push(set.windows[i]!);
      againKeys.push(keys[i]!);
      at.push(i);
    }
    // The refused attempt must not count; a failure here only costs the caller one request.
    await add(again, againKeys, -1);
    await sleep(wait);
    const retried = await add(again, againKeys, 1);
    if (!retried) return closed ? unavailable : CONTINUE;
    const merged = [...counts];
    for (let j = 0; j < at.length; j++) {
      merged[2 * at[j]!] = retried[2 * j]!;
      merged[2 * at[j]! + 1] = retried[2 * j + 1]!;
    }
    return decide(ctx, set, merged);
  };

  const counted = (ctx: RequestContext, set: WindowSet, keys: readonly string[], counts: Counts): Verdict | Promise<Verdict> => {
    if (!counts) return closed ? unavailable : CONTINUE;
    if (settings.delayMs !== undefined) {
      const wait = refusedFor(set.windows, counts);
      if (wait >= 0 && wait <= settings.delayMs) return throttle(ctx, set, keys, counts, wait);
    }
    return decide(ctx, set, counts);
  };

  /**
   * An actor's override: one more window, keyed by the override's target (so it spans routes and,
   * with store.redis, processes), checked before the configured ones.
   */
  const overridden = (ctx: RequestContext, o: RateOverride): Verdict | Promise<Verdict> => {
    const w: Window = { id: `rl:override:${o.limit}:${o.windowSeconds}`, limit: o.limit, durationSeconds: o.windowSeconds, blockSeconds: 0, parts: [], sameKeyAs: -1, headerStart: `limit=${o.limit}, remaining=` };
    const set: WindowSet = { windows: [w], policy: `${o.limit};w=${o.windowSeconds}` };
    const keys = [`override=${o.target}`];
    const next = (counts: Counts): Verdict | Promise<Verdict> => {
      if (!counts) return closed ? unavailable : configuredRun(ctx);
      if (counts[0]! > o.limit) return decide(ctx, set, counts);
      return configuredRun(ctx);
    };
    const counts = add(set.windows, keys, 1);
    return isPromise(counts) ? counts.then(next) : next(counts);
  };

  // Synchronous when the counts are in this process and nothing waits: the pipeline then stays on
  // its synchronous path, with no promise per request.
  const run = (ctx: RequestContext): Verdict | Promise<Verdict> => {
    if (overrides !== undefined && overrides.size > 0) {
      const o = overrides.find(ctx.clientIp, ctx.principal?.id);
      if (o) return overridden(ctx, o);
    }
    return configuredRun(ctx);
  };

  const configuredRun = (ctx: RequestContext): Verdict | Promise<Verdict> => {
    if (!configured) return CONTINUE;
    const plan = planOf(ctx, settings.plan);
    const set = (plan !== undefined ? perPlan.get(plan) : undefined) ?? base;
    if (set.windows.length === 0) return CONTINUE;
    const keys = keysOf(ctx, set.windows, plan);
    const counts = add(set.windows, keys, 1);
    if (isPromise(counts)) return counts.then((c) => counted(ctx, set, keys, c));
    return counted(ctx, set, keys, counts);
  };

  return {
    name: 'rateLimit',
    get storeFailures() {
      return storeFailures;
    },
    request: run,
  };
};

// Rate limits (DESIGN.md: "rate limit & quotas", after authentication so `principal` keys work).
// Several fixed windows per route, counted by rate-limiter-flexible in memory or, with
// store.redis, in Redis so that every gateway process shares one count.
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import type { StageSettings, Verdict } from '../../core/index.js';
import { CONTINUE, deny, PalisadeError } from '../../core/index.js';
import type { RequestContext, Stage, StageEnv, StageFactory } from '../stage.js';

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

interface Window {
  readonly name: string;
  readonly limit: number;
  readonly durationSeconds: number;
  readonly parts: readonly string[];
  readonly limiter: RateLimiterAbstract;
}

interface Checked {
  readonly window: Window;
  readonly key: string;
  /** Undefined when the store failed. */
  readonly res?: RateLimiterRes;
  readonly refused: boolean;
}

/**
 * Limiters are shared per StageEnv (one per Gateway, kept across routes and reloads) so that a
 * window without `route` in its key really is one count for all routes, and a reload does not
 * reset the counts. Keyed by everything that changes a count's meaning.
 */
const memoryLimiters = new WeakMap<StageEnv, Map<string, RateLimiterAbstract>>();

function limiterFor(limit: LimitSettings, env: StageEnv): RateLimiterAbstract {
  const points = limit.points + limit.burst;
  const block = limit.blockDurationSeconds ?? 0;
  const parts = Array.isArray(limit.key) ? limit.key.join('+') : limit.key;
  const id = `${limit.name}:${parts}:${points}:${limit.durationSeconds}:${block}`;
  const opts = { points, duration: limit.durationSeconds, blockDuration: block };
  if (env.redis) {
    // No insuranceLimiter on purpose: when Redis fails, failMode decides, so a cluster never
    // silently falls back to per-process counts that admit N times the limit.
    return new RateLimiterRedis({
      ...opts,
      storeClient: env.redis.client,
      keyPrefix: `${env.redis.keyPrefix}rl:${id}`,
      rejectIfRedisNotReady: true,
    });
  }
  let cache = memoryLimiters.get(env);
  if (!cache) memoryLimiters.set(env, (cache = new Map()));
  let limiter = cache.get(id);
  if (!limiter) cache.set(id, (limiter = new RateLimiterMemory({ ...opts, keyPrefix: id })));
  return limiter;
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

function keyOf(ctx: RequestContext, w: Window, plan: string | undefined): string {
  return w.parts.map((p) => keyPart(ctx, p, plan)).join('|');
}

function secondsUntil(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

interface WindowSet {
  readonly windows: readonly Window[];
  /** RateLimit-Policy header value. */
  readonly policy: string;
}

export const createRateLimitStage: StageFactory<'rateLimit'> = (settings, env): RateLimitStage | null => {
  const planNames = Object.keys(settings.plans);
  if (!settings.enabled || (settings.limits.length === 0 && planNames.length === 0)) return null;
  if (planNames.length > 0 && !settings.plan) {
    throw new PalisadeError('PALISADE_ERR_CONFIG_INVALID', `rateLimit.plans (${planNames.join(', ')}) needs rateLimit.plan to say where a caller's plan is read from`);
  }
  const windowSet = (limits: readonly LimitSettings[], plan: string): WindowSet => {
    const windows = limits.map((l) => ({
      name: l.name,
      limit: l.points + l.burst,
      durationSeconds: l.durationSeconds,
      parts: Array.isArray(l.key) ? [...l.key] : [l.key],
      // Each plan counts in its own windows, so a caller changing plan starts afresh on the new one.
      limiter: limiterFor(plan === '' ? l : { ...l, name: `${l.name}@${plan}` }, env),
    }));
    return { windows, policy: windows.map((w) => `${w.limit};w=${w.durationSeconds}`).join(', ') };
  };
  const base = windowSet(settings.limits, '');
  const perPlan = new Map(planNames.map((name) => [name, windowSet(settings.plans[name]!, name)]));
  const unavailable = Object.freeze(deny('rate-limit-unavailable', 503, 'Rate limiting is temporarily unavailable; retry later.', Object.freeze({ 'Retry-After': '1' })));
  let storeFailures = 0;
  let lastFailureLog = 0;
  let failuresSinceLog = 0;

  const failed = (err: unknown): void => {
    storeFailures++;
    failuresSinceLog++;
    const now = Date.now();
    if (now - lastFailureLog < FAILURE_LOG_INTERVAL_MS) return;
    lastFailureLog = now;
    env.log('error', `rate-limit counter store failed; failing ${settings.failMode}`, {
      err: err instanceof Error ? err.message : String(err),
      failures: failuresSinceLog,
    });
    failuresSinceLog = 0;
  };

  const check = async (ctx: RequestContext, ws: readonly Window[], plan: string | undefined): Promise<Checked[]> => {
    const keys = ws.map((w) => keyOf(ctx, w, plan));
    const settled = await Promise.allSettled(ws.map((w, i) => w.limiter.consume(keys[i]!)));
    return settled.map((s, i) => {
      const window = ws[i]!;
      const key = keys[i]!;
      if (s.status === 'fulfilled') return { window, key, res: s.value, refused: false };
      // rate-limiter-flexible rejects with a RateLimiterRes when the window is exhausted, and with
      // an Error when the store itself failed.
      if (s.reason instanceof RateLimiterRes) return { window, key, res: s.reason, refused: true };
      failed(s.reason);
      return { window, key, refused: false };
    });
  };

  /** The RateLimit header describes the window closest to refusing. */
  const headersFor = (checked: readonly Checked[], policy: string): Record<string, string> | undefined => {
    let worst: Checked | undefined;
    for (const c of checked) {
      if (!c.res) continue;
      if (!worst || c.res.remainingPoints < worst.res!.remainingPoints) worst = c;
    }
    if (!worst) return undefined;
    return {
      'RateLimit-Policy': policy,
      RateLimit: `limit=${worst.window.limit}, remaining=${worst.res!.remainingPoints}, reset=${secondsUntil(worst.res!.msBeforeNext)}`,
    };
  };

  const run = async (ctx: RequestContext): Promise<Verdict> => {
    const plan = planOf(ctx, settings.plan);
    const set = (plan !== undefined ? perPlan.get(plan) : undefined) ?? base;
    if (set.windows.length === 0) return CONTINUE;
    let checked = await check(ctx, set.windows, plan);
    if (settings.failMode === 'closed' && checked.some((c) => !c.res)) return unavailable;
    let refused = checked.filter((c) => c.refused);
    if (refused.length > 0 && settings.delayMs !== undefined) {
      const wait = Math.max(...refused.map((c) => c.res!.msBeforeNext));
      if (wait <= settings.delayMs) {
        // The refused attempt must not count: give its point back before trying once more.
        await Promise.allSettled(refused.map((c) => c.window.limiter.reward(c.key, 1)));
        await sleep(wait);
        const again = await check(ctx, refused.map((c) => c.window), plan);
        if (settings.failMode === 'closed' && again.some((c) => !c.res)) return unavailable;
        const retried = new Set(again.map((c) => c.window));
        checked = [...checked.filter((c) => !retried.has(c.window)), ...again];
        refused = again.filter((c) => c.refused);
      }
    }
    const headers = headersFor(checked, set.policy);
    if (refused.length > 0) {
      const retryAfter = Math.max(...refused.map((c) => secondsUntil(c.res!.msBeforeNext)));
      return deny('rate-limited', 429, 'Too many requests; retry later.', { 'Retry-After': String(retryAfter), ...headers });
    }
    if (settings.headers && headers) ctx.extraResponseHeaders = { ...ctx.extraResponseHeaders, ...headers };
    return CONTINUE;
  };

  return {
    name: 'rateLimit',
    get storeFailures() {
      return storeFailures;
    },
    request: run,
  };
};

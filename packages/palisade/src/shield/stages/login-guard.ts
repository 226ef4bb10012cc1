// Login brute-force protection (OWASP API2/API4): failures are learnt from the login route's own
// responses, so it works with any API without knowing its user store. Three counters, because
// each stops a different attack: per account from one address (password guessing), per account
// (distributed guessing) and per address (credential stuffing and password spraying). Lockouts
// grow with each repeat. Counts live in rate-limiter-flexible (memory, or Redis for a cluster).
import { createHash } from 'node:crypto';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import type { StageSettings, Verdict } from '../../core/index.js';
import { CONTINUE, deny } from '../../core/index.js';
import type { BodyInspector, RequestContext, ResponseHead, Stage, StageEnv, StageFactory } from '../stage.js';

type Settings = StageSettings['loginGuard'];
type Endpoint = Settings['endpoints'][number];

/** Enough for any login form; a larger body is forwarded but its account is not read. */
const MAX_LOGIN_BODY = 64 * 1024;
const FAILURE_LOG_INTERVAL_MS = 10_000;

type Kind = 'ip' | 'account' | 'accountIp';

interface Counter {
  readonly kind: Kind;
  readonly maxFailures: number;
  readonly limiter: RateLimiterAbstract;
}

interface Attempt {
  readonly endpoint: Endpoint;
  /** Counter keys, filled in as they become known (the account only after the body). */
  readonly keys: Partial<Record<Kind, string>>;
  /** Refused by this stage: the response is ours, not a verdict on the password. */
  refused?: boolean;
}

export interface LoginGuardStage extends Stage {
  /** Resolves when the failures counted so far have been written (tests and shutdown). */
  settled(): Promise<void>;
}

// Memory counters are shared per StageEnv (one per gateway) so that a reload keeps the counts.
const memory = new WeakMap<StageEnv, Map<string, RateLimiterAbstract>>();

function limiter(env: StageEnv, id: string, points: number, duration: number): RateLimiterAbstract {
  if (env.redis) {
    return new RateLimiterRedis({ storeClient: env.redis.client, keyPrefix: `${env.redis.keyPrefix}lg:${id}`, points, duration, rejectIfRedisNotReady: true });
  }
  let cache = memory.get(env);
  if (!cache) memory.set(env, (cache = new Map()));
  const key = `${id}:${points}:${duration}`;
  let l = cache.get(key);
  if (!l) cache.set(key, (l = new RateLimiterMemory({ keyPrefix: `lg:${id}`, points, duration })));
  return l;
}

/** Account names are personal data: counters see a digest, never the name. */
function digest(value: string): string {
  return createHash('sha256').update(value).digest('base64url').slice(0, 22);
}

function pathOf(url: string): string {
  const q = url.indexOf('?');
  const p = q < 0 ? url : url.slice(0, q);
  return p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p;
}

/** The account named in a JSON or form body; undefined when absent or not a string. */
export function accountFrom(body: Buffer, contentType: string, field: string): string | undefined {
  let value: unknown;
  if (/^application\/(?:[\w.+-]+\+)?json\b/.test(contentType)) {
    try {
      value = JSON.parse(body.toString('utf8'));
    } catch {
      return undefined;
    }
    for (const part of field.split('.')) {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
      value = Object.hasOwn(value, part) ? (value as Record<string, unknown>)[part] : undefined;
    }
  } else if (contentType.startsWith('application/x-www-form-urlencoded')) {
    value = new URLSearchParams(body.toString('latin1')).get(field) ?? undefined;
  }
  if (typeof value !== 'string') return undefined;
  // Case and surrounding spaces must not buy an attacker a fresh counter.
  const name = value.normalize('NFKC').trim().toLowerCase();
  return name === '' ? undefined : name;
}

export const createLoginGuardStage: StageFactory<'loginGuard'> = (settings, env): LoginGuardStage | null => {
  if (!settings.enabled || settings.endpoints.length === 0) return null;
  const endpoints = new Map(settings.endpoints.map((e) => [`${e.method} ${pathOf(e.path)}`, e]));
  const counters: Record<Kind, Counter> = {
    ip: { kind: 'ip', maxFailures: settings.perIp.maxFailures, limiter: limiter(env, 'ip', settings.perIp.maxFailures, settings.perIp.windowSeconds) },
    account: { kind: 'account', maxFailures: settings.perAccount.maxFailures, limiter: limiter(env, 'acct', settings.perAccount.maxFailures, settings.perAccount.windowSeconds) },
    accountIp: {
      kind: 'accountIp',
      maxFailures: settings.perAccountIp.maxFailures,
      limiter: limiter(env, 'acctip', settings.perAccountIp.maxFailures, settings.perAccountIp.windowSeconds),
    },
  };
  // How many lockouts each key has had lately: the next one lasts twice as long.
  const lockouts = limiter(env, 'lockouts', 1_000_000_000, settings.lockoutMemorySeconds);
  const failureStatuses = new Set(settings.failureStatuses);
  const attempts = new WeakMap<RequestContext, Attempt>();
  /** Failed logins whose response is being replaced by the uniform one. */
  const uniform = new WeakSet<RequestContext>();
  const pending = new Set<Promise<void>>();
  let lastStoreLog = 0;

  const storeFailed = (err: unknown): void => {
    const now = Date.now();
    if (now - lastStoreLog < FAILURE_LOG_INTERVAL_MS) return;
    lastStoreLog = now;
    // Failing open: a counter outage must not lock every user out of the API.
    env.log('error', 'login guard counter store failed; failing open', { err: err instanceof Error ? err.message : String(err) });
  };


  /** The longest lockout among these keys, in ms; 0 when none is locked. */
  const lockedFor = async (keys: ReadonlyArray<[Counter, string]>): Promise<number> => {
    const got = await Promise.allSettled(keys.map(([c, k]) => c.limiter.get(k)));
    let ms = 0;
    got.forEach((g, i) => {
      if (g.status === 'rejected') return storeFailed(g.reason);
      const res = g.value;
      // block() and a failure beyond the limit both leave more points consumed than allowed.
      if (res && res.consumedPoints > keys[i]![0].maxFailures) ms = Math.max(ms, res.msBeforeNext);
    });
    return ms;
  };

  // One message whichever counter locked: the response must not tell an attacker which it was.
  const refuse = (ms: number): Verdict =>
    deny('login-locked', 429, 'Too many failed sign-in attempts; retry later.', { 'Retry-After': String(Math.max(1, Math.ceil(ms / 1000))) });

  const lockOut = async (c: Counter, key: string, ctx: RequestContext): Promise<void> => {
    const n = (await lockouts.consume(`${c.kind}:${key}`)).consumedPoints;
    const seconds = Math.min(settings.maxLockoutSeconds, settings.lockoutSeconds * 2 ** Math.min(n - 1, 30));
    await c.limiter.block(key, seconds);
    env.log('warn', 'login lockout', { counter: c.kind, key, clientIp: ctx.clientIp, requestId: ctx.requestId, lockout: n, seconds });
  };

  const countFailure = async (c: Counter, key: string, ctx: RequestContext): Promise<void> => {
    let consumed: number;
    try {
      consumed = (await c.limiter.consume(key)).consumedPoints;
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) throw err;
      consumed = err.consumedPoints;
    }
    // Lock on reaching the limit so the next attempt is refused; later racers are already over it.
    if (consumed === c.maxFailures) await lockOut(c, key, ctx);
  };

  const track = (p: Promise<unknown>): void => {
    const done: Promise<void> = p.then(
      () => undefined,
      (err: unknown) => storeFailed(err),
    );
    pending.add(done);
    void done.finally(() => pending.delete(done));
  };

  return {
    name: 'loginGuard',
    request(ctx) {
      const endpoint = endpoints.get(`${ctx.method} ${pathOf(ctx.path)}`);
      if (!endpoint) return CONTINUE;
      const attempt: Attempt = { endpoint, keys: { ip: ctx.clientIp } };
      attempts.set(ctx, attempt);
      return lockedFor([[counters.ip, ctx.clientIp]]).then((ms) => {
        if (ms === 0) return CONTINUE;
        attempt.refused = true;
        return refuse(ms);
      });
    },
    requestBody(ctx): BodyInspector | undefined {
      const attempt = attempts.get(ctx);
      if (!attempt) return undefined;
      const type = String(ctx.req.headers['content-type'] ?? '').toLowerCase();
      const chunks: Buffer[] = [];
      let size = 0;
      return {
        push(chunk) {
          size += chunk.length;
          if (size <= MAX_LOGIN_BODY) chunks.push(chunk);
          return undefined;
        },
        async end() {
          if (size > MAX_LOGIN_BODY) return undefined;
          const name = accountFrom(Buffer.concat(chunks), type, attempt.endpoint.usernameField);
          if (name === undefined) return undefined;
          const account = digest(name);
          attempt.keys.account = account;
          attempt.keys.accountIp = `${account}|${ctx.clientIp}`;
          const ms = await lockedFor([
            [counters.account, account],
            [counters.accountIp, attempt.keys.accountIp],
          ]);
          if (ms === 0) return undefined;
          attempt.refused = true;
          return refuse(ms);
        },
      };
    },
    responseHead(ctx, head: ResponseHead) {
      const attempt = attempts.get(ctx);
      if (!attempt) return;
      attempts.delete(ctx);
      if (attempt.refused) return;
      if (failureStatuses.has(head.status)) {
        for (const kind of ['ip', 'account', 'accountIp'] as const) {
          const key = attempt.keys[kind];
          if (key !== undefined) track(countFailure(counters[kind], key, ctx));
        }
        if (settings.uniformFailures) {
          uniform.add(ctx);
          return 'buffer';
        }
      } else if (head.status >= 200 && head.status < 300 && attempt.keys.accountIp !== undefined) {
        // Only the consecutive counter resets: a success must not wash away spraying from an address.
        track(counters.accountIp.limiter.delete(attempt.keys.accountIp));
      }
    },
    // Only the verdict matters, not the body: one byte is enough to be called.
    maxBufferBytes: 1,
    responseBody(ctx) {
      if (!uniform.delete(ctx)) return undefined;
      return deny('login-failed', 401, 'The credentials are not valid.', { 'WWW-Authenticate': 'Bearer' });
    },
    async settled() {
      while (pending.size > 0) await Promise.all([...pending]);
    },
  };
};

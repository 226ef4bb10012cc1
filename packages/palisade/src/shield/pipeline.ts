// The ONLY place that orders Shield's stages. Stage order is a security property (DESIGN.md):
// per-route configuration may switch a stage off or tune it, never reorder it.
import type { StageSettings, Verdict } from '../core/index.js';
import { CONTINUE } from '../core/index.js';
import type { BodyInspector, RequestContext, ResponseHead, Stage, StageEnv, StageName } from './stage.js';
import { stageFactories } from './stages/index.js';

/**
 * Stages that need the API's own configuration besides stage settings: API versions, and the
 * OpenAPI contract (compiled from the API's document), the SOAP allow-list (from a WSDL).
 */
export type RouteStageName = 'versions' | 'contract' | 'authorize' | 'soap' | 'waf';

/**
 * Request side, in order: connection (IP lists, dynamic blocks) → limits → route (methods, API
 * version) → CORS → authenticate (before rate limits, so that `principal` rate-limit keys see who
 * is calling; after CORS, so that preflights, which carry no credentials, are answered) → rate
 * limit → authorize (after the login guard, so that refused callers spend their quota; before
 * validation, so that an unauthorized caller learns nothing from contract errors) → validate
 * (OpenAPI contract, XML, SOAP — after XML, whose generic refusals come first —, SSRF guard) → WAF
 * last (its generic signatures only see what every specific check let through, and its phase 2 —
 * the body — is decided by the body inspectors before the upstream gets the body's last chunk).
 * Rate limiting comes after CORS so that preflights are answered without spending the caller's quota;
 * the login guard right after it, so that a locked-out login costs nothing further.
 */
export const REQUEST_ORDER = ['ipFilter', 'limits', 'methods', 'versions', 'cors', 'authenticate', 'rateLimit', 'loginGuard', 'authorize', 'contract', 'xml', 'soap', 'ssrfGuard', 'waf'] as const satisfies readonly (StageName | RouteStageName)[];

/**
 * Response side, in order: the login guard reads the upstream's status before anything can
 * replace the response → WAF (phases 3/4: the response rules judge the upstream's answer as it
 * came, nearest the upstream as on the way in) → contract (response validation judges the upstream's answer as it came,
 * before anything trims or replaces it) → authorize (readable properties: removes what the caller may not read, and
 * refunds business-flow quotas of refused requests) → error scrubbing (may replace the response) → CORS headers → security
 * headers last, so that whatever is finally sent — upstream answer or Shield's own — carries them.
 */
export const RESPONSE_ORDER = ['loginGuard', 'waf', 'contract', 'authorize', 'errorScrubbing', 'cors', 'securityHeaders'] as const satisfies readonly StageName[];

type Factory = (settings: never, env: StageEnv) => Stage | null;

export interface RoutePipeline {
  readonly request: readonly Stage[];
  readonly body: readonly Stage[];
  /** Response-head hooks in RESPONSE_ORDER. */
  readonly response: readonly Stage[];
  /** Stages with a `done` hook (after the response, before the record). */
  readonly done: readonly Stage[];
  /** Names of the stages that are on, for the admin API and logs. */
  readonly names: readonly string[];
}

export function compilePipeline(
  settings: StageSettings,
  env: StageEnv,
  routeStages: Partial<Record<RouteStageName, Stage | null>> = {},
): RoutePipeline {
  const built = new Map<StageName | RouteStageName, Stage>();
  const build = (name: StageName | RouteStageName): Stage | null => {
    if (built.has(name)) return built.get(name) ?? null;
    if (name === 'versions' || name === 'contract' || name === 'authorize' || name === 'soap' || name === 'waf') {
      const stage = routeStages[name] ?? null;
      if (stage) built.set(name, stage);
      return stage;
    }
    const factory = stageFactories[name as keyof typeof stageFactories] as Factory | undefined;
    if (!factory) return null;
    const stage = factory(settings[name] as never, env);
    if (stage) built.set(name, stage);
    return stage;
  };
  const request: Stage[] = [];
  const body: Stage[] = [];
  for (const name of REQUEST_ORDER) {
    const s = build(name);
    if (!s) continue;
    if (s.request) request.push(s);
    if (s.requestBody) body.push(s);
  }
  const response: Stage[] = [];
  for (const name of RESPONSE_ORDER) {
    const s = build(name);
    if (s?.responseHead) response.push(s);
  }
  const done = [...built.values()].filter((s) => s.done !== undefined);
  return { request, body, response, done, names: [...built.keys()] };
}

function isPromise(v: Verdict | Promise<Verdict>): v is Promise<Verdict> {
  return typeof (v as Promise<Verdict>).then === 'function';
}

function note(ctx: RequestContext, stage: Stage, v: Verdict): void {
  if (v.kind === 'continue') return;
  ctx.outcomes.push({ stage: stage.name, outcome: v.kind, ...(v.kind === 'deny' ? { code: v.code } : {}), ...(v.rule !== undefined ? { rule: v.rule } : {}) });
}

/**
 * Runs the request stages in order and stops at the first verdict that is not `continue`.
 * Stays synchronous while every stage is, so the common path allocates no promise.
 */
export function runRequestStages(p: RoutePipeline, ctx: RequestContext): Verdict | Promise<Verdict> {
  const stages = p.request;
  for (let i = 0; i < stages.length; i++) {
    const stage = stages[i]!;
    const v = stage.request!(ctx);
    if (isPromise(v)) return continueAsync(stages, i, v, ctx);
    if (v.kind !== 'continue') {
      note(ctx, stage, v);
      return v;
    }
  }
  return CONTINUE;
}

async function continueAsync(
  stages: readonly Stage[],
  index: number,
  pending: Promise<Verdict>,
  ctx: RequestContext,
): Promise<Verdict> {
  let v = await pending;
  for (let i = index; ; ) {
    if (v.kind !== 'continue') {
      note(ctx, stages[i]!, v);
      return v;
    }
    i++;
    if (i >= stages.length) return CONTINUE;
    v = await stages[i]!.request!(ctx);
  }
}

/** Body inspectors of the stages that want to see this request's body. */
export function bodyInspectors(p: RoutePipeline, ctx: RequestContext): BodyInspector[] | undefined {
  let out: BodyInspector[] | undefined;
  for (const s of p.body) {
    const ins = s.requestBody!(ctx);
    if (ins) (out ??= []).push(ins);
  }
  return out;
}

/**
 * Runs the response-head hooks. Returns the stages that asked to see the body (only for upstream
 * responses: Shield's own responses are never re-inspected).
 */
export function runResponseHead(
  p: RoutePipeline,
  ctx: RequestContext,
  head: ResponseHead,
  fromUpstream: boolean,
): Stage[] | undefined {
  let buffer: Stage[] | undefined;
  for (const s of p.response) {
    const r = s.responseHead!(ctx, head, fromUpstream);
    if (r === 'buffer' && fromUpstream && s.responseBody) (buffer ??= []).push(s);
  }
  return buffer;
}

/** With a buffered upstream body: the first stage that returns a verdict replaces the response. */
export function runResponseBody(
  stages: readonly Stage[],
  ctx: RequestContext,
  head: ResponseHead,
  body: Buffer,
  truncated: boolean,
): Verdict | undefined {
  for (const s of stages) {
    const v = s.responseBody!(ctx, head, body, truncated);
    if (v && v.kind !== 'continue') {
      ctx.outcomes.push({ stage: s.name, outcome: 'modify', ...(v.kind === 'deny' ? { code: v.code } : {}), ...(v.rule !== undefined ? { rule: v.rule } : {}) });
      return v;
    }
  }
  return undefined;
}

/** The exchange is over: the stages' `done` hooks, each guarded so one failure does not skip the others. */
export function runDone(p: RoutePipeline, ctx: RequestContext, onError: (stage: string, err: unknown) => void): void {
  for (const s of p.done) {
    try {
      s.done!(ctx);
    } catch (err) {
      onError(s.name, err);
    }
  }
}

/** The most any buffering stage wants to see. */
export function maxBuffer(stages: readonly Stage[]): number {
  let m = 0;
  for (const s of stages) m = Math.max(m, s.maxBufferBytes ?? 64 * 1024);
  return m;
}

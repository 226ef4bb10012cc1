// Admin API endpoints for per-actor rate-limit overrides, mounted by admin.ts:
//   GET    /rate-overrides               overrides in force, newest first
//   POST   /rate-overrides               {target, limit, windowSeconds, ttlSeconds, reason?} — 201
//   DELETE /rate-overrides/{target}      lifts one (target: an address or principal:<id>, percent-encoded)
// Watch's automatic rate-limit responses are ordinary entries here (createdBy watch:<detector>).
import type { Logger } from 'pino';
import { z } from 'zod';
import type { RateOverride } from './rate-overrides.js';
import { canonicalTarget } from './rate-overrides.js';

/** What the admin API may do to the overrides: the host's control (store, this process, other gateways). */
export interface RateOverrideAdmin {
  list(): Promise<RateOverride[]>;
  tighten(o: { target: string; limit: number; windowSeconds: number; ttlMs: number; reason: string; createdBy: string }): Promise<RateOverride>;
  remove(target: string): Promise<boolean>;
}

export type RateOverrideAnswer = { status: number; body: unknown } | { status: number; problem: 'bad-request' | 'not-found' | 'method-not-allowed'; detail: string };

const Body = z.strictObject({
  target: z.string().max(300),
  limit: z.int().min(1).max(1_000_000),
  windowSeconds: z.int().min(1).max(86_400),
  ttlSeconds: z.int().min(1).max(7 * 86_400),
  reason: z.string().max(500).optional(),
});

export async function rateOverridesAdminRoute(
  method: string,
  path: string,
  readJson: () => Promise<Record<string, unknown> | string>,
  ctl: RateOverrideAdmin,
  log: Logger,
): Promise<RateOverrideAnswer | undefined> {
  if (path === '/rate-overrides') {
    if (method === 'GET') return { status: 200, body: { overrides: await ctl.list() } };
    if (method !== 'POST') return { status: 405, problem: 'method-not-allowed', detail: 'Use GET or POST on /rate-overrides.' };
    const raw = await readJson();
    if (typeof raw === 'string') return { status: 400, problem: 'bad-request', detail: raw };
    const p = Body.safeParse(raw);
    if (!p.success) return { status: 400, problem: 'bad-request', detail: p.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ') };
    const target = canonicalTarget(p.data.target);
    if (!target) return { status: 400, problem: 'bad-request', detail: 'target must be an IPv4/IPv6 address or principal:<id>' };
    const o = await ctl.tighten({ target, limit: p.data.limit, windowSeconds: p.data.windowSeconds, ttlMs: p.data.ttlSeconds * 1000, reason: p.data.reason ?? 'tightened through the admin API', createdBy: 'admin-api' });
    log.info({ target, limit: o.limit, windowSeconds: o.windowSeconds }, 'rate limit tightened');
    return { status: 201, body: o };
  }
  if (!path.startsWith('/rate-overrides/')) return undefined;
  if (method !== 'DELETE') return { status: 405, problem: 'method-not-allowed', detail: 'Use DELETE on /rate-overrides/{target}.' };
  let target: string | undefined;
  try {
    target = canonicalTarget(decodeURIComponent(path.slice('/rate-overrides/'.length)));
  } catch {
    return { status: 400, problem: 'bad-request', detail: 'the target is not valid percent-encoding' };
  }
  if (!target) return { status: 400, problem: 'bad-request', detail: 'target must be an IPv4/IPv6 address or principal:<id>' };
  const removed = await ctl.remove(target);
  if (removed) log.info({ target }, 'rate-limit override lifted');
  return removed ? { status: 200, body: { target } } : { status: 404, problem: 'not-found', detail: 'No override in force for this target.' };
}

// The overview page's figures: traffic, refusals by reason, open findings, alerts over time, the
// most attacked endpoints and the most active actors, over a window of recent hours. Exchanges are
// read newest first from the store up to a bound, so a busy gateway's overview covers the most
// recent part of the window (window.truncated says so) instead of reading millions of rows.
import type { AlertRecord, Exchange, Severity, Store } from '../core/index.js';

/** Exchanges read for one overview at most. */
export const OVERVIEW_MAX_EXCHANGES = 20_000;
const PAGE = 1000;
const TOP = 10;

export interface Overview {
  window: { from: number; to: number; bucketMs: number; truncated: boolean };
  traffic: Array<{ t: number; total: number; blocked: number; errors: number }>;
  blockedByReason: Array<{ reason: string; count: number }>;
  findingsBySeverity: Record<Severity, number>;
  alertsOverTime: Array<{ t: number; count: number }>;
  topEndpoints: Array<{ endpoint: string; attacks: number; requests: number }>;
  topActors: Array<{ kind: string; id: string; alerts: number; blocked: number; lastSeen: number }>;
  totals: { requests: number; blocked: number; openFindings: number; openAlerts: number; endpoints: number };
}

/** Buckets of whole minutes, about 48 over the window. */
export function bucketFor(hours: number): number {
  return Math.max(60_000, Math.ceil((hours * 3_600_000) / 48 / 60_000) * 60_000);
}

/** Why Shield refused an exchange: the deny verdict's code, else the stage. */
export function refusalReason(x: Exchange): string | undefined {
  if (!x.blockedBy) return undefined;
  const deny = x.verdicts.find((v) => v.outcome === 'deny' && v.code);
  return deny?.code ?? x.blockedBy;
}

/** The endpoint an exchange belongs to: Shield's route template, else method and path. */
export function endpointOf(x: Exchange): string {
  if (x.route) return x.route;
  const q = x.url.indexOf('?');
  return `${x.method} ${q >= 0 ? x.url.slice(0, q) : x.url}`.slice(0, 300);
}

/** Reads exchanges that started in [from, to), newest first, at most `max`. */
export async function exchangesSince(store: Store, from: number, to: number, max: number, filter: { clientIp?: string } = {}): Promise<{ exchanges: Exchange[]; truncated: boolean }> {
  const out: Exchange[] = [];
  let before = to;
  let beforeId: string | undefined;
  for (;;) {
    const page = await store.recentExchanges({ limit: PAGE, before, ...(beforeId !== undefined ? { beforeId } : {}), ...filter });
    for (const x of page) {
      if (x.startedAt < from) return { exchanges: out, truncated: false };
      out.push(x);
      if (out.length >= max) return { exchanges: out, truncated: true };
    }
    const last = page.at(-1);
    if (page.length < PAGE || !last) return { exchanges: out, truncated: false };
    before = last.startedAt;
    beforeId = last.id;
  }
}

export async function computeOverview(store: Store, hours: number, now: number, endpointCount?: number): Promise<Overview> {
  const bucketMs = bucketFor(hours);
  const to = Math.ceil((now + 1) / bucketMs) * bucketMs;
  const from = to - Math.ceil((hours * 3_600_000) / bucketMs) * bucketMs;
  const n = Math.round((to - from) / bucketMs);
  const traffic = Array.from({ length: n }, (_, i) => ({ t: from + i * bucketMs, total: 0, blocked: 0, errors: 0 }));
  const alertsOverTime = Array.from({ length: n }, (_, i) => ({ t: from + i * bucketMs, count: 0 }));
  const slot = (t: number) => Math.min(n - 1, Math.max(0, Math.floor((t - from) / bucketMs)));

  const { exchanges, truncated } = await exchangesSince(store, from, now + 1, OVERVIEW_MAX_EXCHANGES);
  const reasons = new Map<string, number>();
  const endpoints = new Map<string, { attacks: number; requests: number }>();
  const blockedByIp = new Map<string, { blocked: number; lastSeen: number }>();
  let blocked = 0;
  for (const x of exchanges) {
    const b = traffic[slot(x.startedAt)]!;
    b.total++;
    if (x.status >= 500) b.errors++;
    const ep = endpointOf(x);
    const e = endpoints.get(ep) ?? { attacks: 0, requests: 0 };
    e.requests++;
    const reason = refusalReason(x);
    if (reason) {
      b.blocked++;
      blocked++;
      e.attacks++;
      reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
      const a = blockedByIp.get(x.clientIp) ?? { blocked: 0, lastSeen: 0 };
      a.blocked++;
      a.lastSeen = Math.max(a.lastSeen, x.startedAt);
      blockedByIp.set(x.clientIp, a);
    }
    endpoints.set(ep, e);
  }

  const alerts: AlertRecord[] = await store.alerts.list({ since: from, limit: 1000 });
  const actors = new Map<string, { kind: string; id: string; alerts: number; blocked: number; lastSeen: number }>();
  for (const a of alerts) {
    alertsOverTime[slot(Math.max(a.firstSeenAt, from))]!.count++;
    if (a.endpoint) {
      const e = endpoints.get(a.endpoint) ?? { attacks: 0, requests: 0 };
      e.attacks += 1;
      endpoints.set(a.endpoint, e);
    }
    const k = `${a.actor.kind}\0${a.actor.id}`;
    const act = actors.get(k) ?? { kind: a.actor.kind, id: a.actor.id, alerts: 0, blocked: 0, lastSeen: 0 };
    act.alerts++;
    act.lastSeen = Math.max(act.lastSeen, a.lastSeenAt);
    actors.set(k, act);
  }
  for (const [ip, b] of blockedByIp) {
    const k = `ip\0${ip}`;
    const act = actors.get(k) ?? { kind: 'ip', id: ip, alerts: 0, blocked: 0, lastSeen: 0 };
    act.blocked += b.blocked;
    act.lastSeen = Math.max(act.lastSeen, b.lastSeen);
    actors.set(k, act);
  }

  const findingsBySeverity = await store.findings.countOpen();
  return {
    window: { from, to, bucketMs, truncated },
    traffic,
    blockedByReason: [...reasons].map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason)),
    findingsBySeverity,
    alertsOverTime,
    topEndpoints: [...endpoints]
      .filter(([, e]) => e.attacks > 0)
      .map(([endpoint, e]) => ({ endpoint, ...e }))
      .sort((a, b) => b.attacks - a.attacks || b.requests - a.requests || a.endpoint.localeCompare(b.endpoint))
      .slice(0, TOP),
    topActors: [...actors.values()].sort((a, b) => b.alerts + b.blocked - (a.alerts + a.blocked) || b.lastSeen - a.lastSeen).slice(0, TOP),
    totals: {
      requests: exchanges.length,
      blocked,
      openFindings: Object.values(findingsBySeverity).reduce((s, v) => s + v, 0),
      openAlerts: alerts.length,
      endpoints: endpointCount ?? endpoints.size,
    },
  };
}

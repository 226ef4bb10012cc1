// Threats: Watch's alerts grouped by actor (an address, a principal, a credential fingerprint...),
// with the actor's block, and a timeline of what the actor did: its exchanges, alerts and blocks.
import type { AlertRecord, BlockEntry, Exchange, Severity, Store } from '../core/index.js';
import { endpointOf, exchangesSince, refusalReason } from './overview.js';

const RANK: Record<Severity, number> = { critical: 0, high: 1, medium: 2, low: 3, info: 4 };
const MAX_ACTORS = 500;
const MAX_ALERTS_PER_ACTOR = 50;
const MAX_EVENTS = 300;

export interface ThreatActor {
  kind: string;
  id: string;
  severity: Severity;
  alerts: AlertRecord[];
  firstSeen: number;
  lastSeen: number;
  blocked: boolean;
  blockEntry?: BlockEntry;
}

export async function listThreats(store: Store, since: number, now: number): Promise<ThreatActor[]> {
  const alerts = await store.alerts.list({ since, limit: 1000 });
  const blocks = new Map((await store.listBlocks(now)).map((b) => [b.entry, b] as const));
  const byActor = new Map<string, ThreatActor>();
  for (const a of alerts) {
    const k = `${a.actor.kind}\0${a.actor.id}`;
    let t = byActor.get(k);
    if (!t) {
      if (byActor.size >= MAX_ACTORS) continue;
      const block = a.actor.kind === 'ip' ? blocks.get(a.actor.id) : undefined;
      t = { kind: a.actor.kind, id: a.actor.id, severity: a.severity, alerts: [], firstSeen: a.firstSeenAt, lastSeen: a.lastSeenAt, blocked: block !== undefined, ...(block ? { blockEntry: block } : {}) };
      byActor.set(k, t);
    }
    if (t.alerts.length < MAX_ALERTS_PER_ACTOR) t.alerts.push(a);
    if (RANK[a.severity] < RANK[t.severity]) t.severity = a.severity;
    t.firstSeen = Math.min(t.firstSeen, a.firstSeenAt);
    t.lastSeen = Math.max(t.lastSeen, a.lastSeenAt);
  }
  return [...byActor.values()].sort((a, b) => RANK[a.severity] - RANK[b.severity] || b.lastSeen - a.lastSeen);
}

export interface TimelineEvent {
  t: number;
  type: 'exchange' | 'alert' | 'block';
  summary: string;
  exchangeId?: string;
  alertId?: string;
}

function exchangeEvent(x: Exchange): TimelineEvent {
  const reason = refusalReason(x);
  return { t: x.startedAt, type: 'exchange', summary: `${endpointOf(x)} → ${x.status}${reason ? ` (refused: ${reason})` : ''}`, exchangeId: x.id };
}

/** What one actor did, newest first: exchanges (by client address for ip actors, else the alerts' samples), alerts and blocks. */
export async function actorTimeline(store: Store, kind: string, id: string, now: number): Promise<TimelineEvent[]> {
  const alerts = (await store.alerts.list({ actorId: id, limit: 200 })).filter((a) => a.actor.kind === kind);
  const events: TimelineEvent[] = [];
  for (const a of alerts) {
    events.push({ t: a.firstSeenAt, type: 'alert', summary: `${a.title} (${a.detector}, ${a.severity}${a.count > 1 ? `, ×${a.count}` : ''}${a.endpoint ? ` on ${a.endpoint}` : ''})`, alertId: a.id });
    if (a.response?.action === 'block') events.push({ t: a.lastSeenAt, type: 'block', summary: `Watch blocked ${a.response.targets.join(', ')} until ${new Date(a.response.until).toISOString()}`, alertId: a.id });
  }
  const seen = new Set<string>();
  if (kind === 'ip') {
    const { exchanges } = await exchangesSince(store, 0, now + 1, 200, { clientIp: id });
    for (const x of exchanges) {
      seen.add(x.id);
      events.push(exchangeEvent(x));
    }
    const block = (await store.listBlocks(now)).find((b) => b.entry === id);
    if (block) events.push({ t: block.createdAt, type: 'block', summary: `Blocked by ${block.createdBy}: ${block.reason}${block.expiresAt ? ` (until ${new Date(block.expiresAt).toISOString()})` : ''}` });
  } else if (kind === 'principal') {
    const { exchanges } = await exchangesSince(store, 0, now + 1, 2000);
    for (const x of exchanges) {
      if (x.principal?.id !== id || seen.size >= 200) continue;
      seen.add(x.id);
      events.push(exchangeEvent(x));
    }
  }
  // Credentials, sessions and accounts are not columns of the exchange table: the alerts' samples stand for them.
  const samples = [...new Set(alerts.flatMap((a) => a.sampleExchangeIds))].filter((x) => !seen.has(x)).slice(0, 50);
  for (const xid of samples) {
    const x = await store.getExchange(xid);
    if (x) events.push(exchangeEvent(x));
  }
  return events.sort((a, b) => b.t - a.t).slice(0, MAX_EVENTS);
}

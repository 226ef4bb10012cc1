// From detections to alerts: deduplication and cooldown per (detector, actor, endpoint), storage,
// delivery to sinks and the automatic response. The cooldown runs on the exchanges' clock, so
// replayed or simulated traffic behaves as live traffic would.
import type { AlertRecord, AlertResponse, AlertStore, Severity, WatchDetectSettings } from '../../core/index.js';
import { SEVERITIES, uuidv7 } from '../../core/index.js';
import type { Detection, DetectorKey } from '../detect/registry.js';
import { LruMap } from '../detect/sketch.js';

/** Where alerts go besides the store: webhooks, Slack, syslog, stdout. Sending never blocks detection. */
export interface AlertSink {
  readonly name: string;
  /** Queues the alert; delivery happens later. */
  send(alert: AlertRecord): void;
  /** Waits for queued deliveries (bounded by the sink's own timeouts), then releases resources. */
  close(): Promise<void>;
  readonly stats: { sent: number; failed: number; dropped: number };
}

/** What Watch may do to Shield (all gateways): block addresses, or hold an actor to a stricter rate limit. */
export interface Responder {
  block(b: { entry: string; reason: string; createdBy: string; ttlMs: number }): Promise<void>;
  /** target: an IP address or 'principal:<id>'. Absent when the host offers no rate-limit control. */
  rateLimit?(o: { target: string; limit: number; windowSeconds: number; ttlMs: number; reason: string; createdBy: string }): Promise<void>;
}

export interface AlertManagerOptions {
  detect: WatchDetectSettings;
  store?: AlertStore;
  sinks?: readonly AlertSink[];
  /** Alerts below this severity are stored but not sent. */
  minSeverity?: Severity;
  responder?: Responder;
  /** Wall clock, for block expiry (blocks live in real time even when traffic is replayed). */
  now?: () => number;
  onError?: (what: string, err: unknown) => void;
}

interface Open {
  alert: AlertRecord;
  until: number;
  persistedAt: number;
}

const MAX_SAMPLES = 10;
/** A repeating incident's record is rewritten at most this often (exchange clock). */
const PERSIST_EVERY_MS = 30_000;
const MAX_OPEN = 20_000;

export function dedupKey(d: Pick<Detection, 'detector' | 'actor' | 'endpoint'>): string {
  return `${d.detector.id}|${d.actor.kind}:${d.actor.id}|${d.endpoint ?? ''}`;
}

/** IPv4 or IPv6 literal (what the block list takes); other actor ids are never blocked. */
export function isIpLiteral(s: string): boolean {
  return /^(\d{1,3}\.){3}\d{1,3}$/.test(s) || (/^[0-9a-f:.]+$/i.test(s) && s.includes(':'));
}

export class AlertManager {
  private readonly open = new LruMap<string, Open>(MAX_OPEN);
  private readonly cooldownMs: number;
  private readonly now: () => number;
  private readonly minRank: number;
  created = 0;
  folded = 0;
  blocks = 0;
  rateLimits = 0;

  constructor(private readonly o: AlertManagerOptions) {
    this.cooldownMs = o.detect.cooldownMinutes * 60_000;
    this.now = o.now ?? Date.now;
    this.minRank = SEVERITIES.indexOf(o.minSeverity ?? 'low');
  }

  /** Handles one detection; resolves to the alert when it is new (not folded into an open one). */
  async handle(d: Detection): Promise<AlertRecord | undefined> {
    const key = dedupKey(d);
    const open = this.open.get(key);
    if (open && d.at < open.until && d.at >= open.alert.firstSeenAt) {
      this.folded++;
      const a = open.alert;
      a.count++;
      a.lastSeenAt = Math.max(a.lastSeenAt, d.at);
      a.figures = d.figures;
      a.sampleExchangeIds = [...new Set([...a.sampleExchangeIds, ...d.samples])].slice(-MAX_SAMPLES);
      if (d.at - open.persistedAt >= PERSIST_EVERY_MS) {
        open.persistedAt = d.at;
        await this.persist(a);
      }
      return undefined;
    }
    const alert: AlertRecord = {
      id: uuidv7(this.now()),
      detector: d.detector.id,
      title: d.detail ? `${d.detector.title} (${d.detail})` : d.detector.title,
      severity: d.severity ?? d.detector.severity,
      category: d.detector.category,
      actor: d.actor,
      ...(d.endpoint !== undefined ? { endpoint: d.endpoint } : {}),
      figures: d.figures,
      sampleExchangeIds: d.samples.slice(-MAX_SAMPLES),
      remediation: d.detector.remediation,
      firstSeenAt: d.at,
      lastSeenAt: d.at,
      count: 1,
    };
    // Replaces an incident whose cooldown has passed: the new alert is the open one from now on.
    this.open.set(key, { alert, until: d.at + this.cooldownMs, persistedAt: d.at });
    this.created++;
    const response = await this.respond(d.key, d, alert.id);
    if (response) alert.response = response;
    await this.persist(alert);
    if (SEVERITIES.indexOf(alert.severity) <= this.minRank) {
      for (const s of this.o.sinks ?? []) {
        try {
          s.send(alert);
        } catch (err) {
          this.o.onError?.(`sink ${s.name}`, err);
        }
      }
    }
    return alert;
  }

  private async persist(a: AlertRecord): Promise<void> {
    if (!this.o.store) return;
    try {
      await this.o.store.upsert(a);
    } catch (err) {
      this.o.onError?.('storing an alert', err);
    }
  }

  private async respond(key: DetectorKey, d: Detection, alertId: string): Promise<AlertResponse | undefined> {
    const r = this.o.detect.detectors[key].response;
    const responder = this.o.responder;
    if (r.action === 'none' || !responder) return undefined;
    const addresses = d.actor.kind === 'ip' ? [d.actor.id] : (d.addresses ?? []);
    const ips = [...new Set(addresses.filter(isIpLiteral))];
    const ttlMs = r.minutes * 60_000;
    const reason = `${d.detector.id}: ${d.detector.title} (alert ${alertId})`;
    const createdBy = `watch:${d.detector.id}`;
    const placed: string[] = [];
    if (r.action === 'block') {
      for (const entry of ips.slice(0, r.maxTargets)) {
        try {
          await responder.block({ entry, reason, createdBy, ttlMs });
          placed.push(entry);
          this.blocks++;
        } catch (err) {
          this.o.onError?.(`blocking ${entry}`, err);
        }
      }
      return placed.length ? { action: 'block', targets: placed, until: this.now() + ttlMs } : undefined;
    }
    if (!responder.rateLimit) return undefined;
    // A principal is held wherever it calls from; other actors (tokens, sessions, accounts) through
    // the addresses they were seen from.
    const targets = d.actor.kind === 'principal' || d.actor.kind === 'apiKey' ? [`principal:${d.actor.id}`] : ips.slice(0, r.maxTargets);
    for (const target of targets) {
      try {
        await responder.rateLimit({ target, limit: r.limit, windowSeconds: r.windowSeconds, ttlMs, reason, createdBy });
        placed.push(target);
        this.rateLimits++;
      } catch (err) {
        this.o.onError?.(`tightening the rate limit of ${target}`, err);
      }
    }
    return placed.length ? { action: 'rate-limit', targets: placed, until: this.now() + ttlMs } : undefined;
  }

  /** Open incidents (in cooldown) held in memory. */
  get openCount(): number {
    return this.open.size;
  }
}

// The Watch runtime: takes exchanges from Shield's recorder hook, queues them (bounded: under
// overload they are dropped and counted, never slowing the gateway), runs the detectors in batches
// off the request path, and turns detections into alerts. Also answers the admin API's /alerts.
import type { AlertQuery, AlertStore, WatchAlertSettings, WatchDetectSettings } from '../core/index.js';
import { Templater } from './inventory/templater.js';
import type { ObservedExchange } from './detect/event.js';
import { DetectionEngine } from './detect/registry.js';
import { AlertManager } from './alerts/manager.js';
import type { AlertSink, Responder } from './alerts/manager.js';
import { buildSinks } from './alerts/sinks.js';

const PRUNE_EVERY_MS = 3600_000;

export interface WatchRuntimeOptions {
  detect: WatchDetectSettings;
  alerts: WatchAlertSettings;
  store?: AlertStore;
  sinks?: readonly AlertSink[];
  responder?: Responder;
  /** Shares the inventory's templater when one runs; otherwise Watch keeps its own. */
  templater?: Templater;
  onError?: (what: string, err: unknown) => void;
}

export interface WatchStats {
  queued: number;
  processed: number;
  dropped: number;
  alerts: number;
  folded: number;
  blocks: number;
  rateLimits: number;
  trackedKeys: number;
  sinks: Record<string, { sent: number; failed: number; dropped: number }>;
}

/** The answer of an admin endpoint, in the shape Shield's admin API takes from extensions. */
export type AdminAnswer = { status: number; body: unknown } | { status: number; problem: 'bad-request' | 'not-found' | 'method-not-allowed'; detail: string };

export class WatchRuntime {
  readonly engine: DetectionEngine;
  readonly alerts: AlertManager;
  private queue: ObservedExchange[] = [];
  private scheduled = false;
  private running: Promise<void> | undefined;
  private closed = false;
  processed = 0;
  dropped = 0;

  constructor(private readonly o: WatchRuntimeOptions) {
    this.engine = new DetectionEngine(o.detect, o.templater ?? new Templater());
    this.alerts = new AlertManager({
      detect: o.detect,
      minSeverity: o.alerts.minSeverity,
      ...(o.store ? { store: o.store } : {}),
      ...(o.sinks ? { sinks: o.sinks } : {}),
      ...(o.responder ? { responder: o.responder } : {}),
      ...(o.onError ? { onError: o.onError } : {}),
    });
  }

  /** Called from the recorder with each batch it writes; returns at once. */
  feed(batch: readonly ObservedExchange[]): void {
    if (this.closed) return;
    const room = this.o.detect.queueSize - this.queue.length;
    if (room < batch.length) this.dropped += batch.length - Math.max(0, room);
    for (let i = 0; i < Math.min(room, batch.length); i++) this.queue.push(batch[i]!);
    if (!this.scheduled && this.queue.length > 0) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        this.running ??= this.drain().finally(() => (this.running = undefined));
      });
    }
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.o.detect.batchSize);
      for (const o of batch) {
        let detections;
        try {
          detections = this.engine.observe(o);
        } catch (err) {
          this.o.onError?.('a detector failed', err);
          continue;
        }
        this.processed++;
        for (const d of detections) await this.alerts.handle(d);
      }
      // Let requests run between batches.
      await new Promise((r) => setImmediate(r));
    }
    await this.pruneNowAndThen();
  }

  private lastPrune = 0;

  /** Alerts last seen more than retentionDays ago are deleted, at most once an hour. */
  private async pruneNowAndThen(): Promise<void> {
    const now = Date.now();
    if (!this.o.store || now - this.lastPrune < PRUNE_EVERY_MS) return;
    this.lastPrune = now;
    try {
      await this.o.store.prune(now - this.o.alerts.retentionDays * 86_400_000);
    } catch (err) {
      this.o.onError?.('pruning old alerts', err);
    }
  }

  /** Resolves when everything fed so far has been processed (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.queue.length > 0 || this.running || this.scheduled) {
      if (this.running) await this.running;
      else await new Promise((r) => setImmediate(r));
    }
  }

  stats(): WatchStats {
    return {
      queued: this.queue.length,
      processed: this.processed,
      dropped: this.dropped,
      alerts: this.alerts.created,
      folded: this.alerts.folded,
      blocks: this.alerts.blocks,
      rateLimits: this.alerts.rateLimits,
      trackedKeys: this.engine.tracked(),
      sinks: Object.fromEntries((this.o.sinks ?? []).map((s) => [s.name, { ...s.stats }])),
    };
  }

  /**
   * Admin endpoints, mounted into Shield's admin API by the host wiring (decision 0026):
   *   GET /alerts?detector=&actor=&since=&limit=   newest first
   *   GET /alerts/{id}
   *   GET /watch/status                            queue, drops, alerts, tracked keys, sinks
   * Automatic blocks are ordinary block list entries: GET /blocks lists them, DELETE /blocks/{entry} lifts one;
   * automatic rate-limit tightening likewise: GET /rate-overrides, DELETE /rate-overrides/{target}.
   */
  async adminRoute(req: { method: string; path: string; query: URLSearchParams }): Promise<AdminAnswer | undefined> {
    const { method, path, query } = req;
    if (path === '/watch/status') {
      if (method !== 'GET') return { status: 405, problem: 'method-not-allowed', detail: 'Use GET on /watch/status.' };
      return { status: 200, body: this.stats() };
    }
    if (path !== '/alerts' && !path.startsWith('/alerts/')) return undefined;
    if (method !== 'GET') return { status: 405, problem: 'method-not-allowed', detail: 'Alerts are read-only: use GET.' };
    if (!this.o.store) return { status: 404, problem: 'not-found', detail: 'Alerts are not stored by this process.' };
    if (path === '/alerts') {
      const q = parseAlertQuery(query);
      if (typeof q === 'string') return { status: 400, problem: 'bad-request', detail: q };
      return { status: 200, body: { alerts: await this.o.store.list(q) } };
    }
    let id: string;
    try {
      id = decodeURIComponent(path.slice('/alerts/'.length));
    } catch {
      return { status: 400, problem: 'bad-request', detail: 'the alert id is not valid percent-encoding' };
    }
    const a = await this.o.store.get(id);
    return a ? { status: 200, body: a } : { status: 404, problem: 'not-found', detail: 'No such alert.' };
  }

  /** Stops taking exchanges, processes what is queued and flushes the sinks. */
  async close(): Promise<void> {
    this.closed = true;
    await this.idle();
    for (const s of this.o.sinks ?? []) await s.close().catch((err: unknown) => this.o.onError?.(`closing sink ${s.name}`, err));
  }
}

export function parseAlertQuery(p: URLSearchParams): AlertQuery | string {
  const q: AlertQuery = {};
  const limit = p.get('limit');
  if (limit !== null) {
    const n = Number(limit);
    if (!Number.isInteger(n) || n < 1 || n > 1000) return 'limit must be an integer between 1 and 1000';
    q.limit = n;
  }
  const since = p.get('since');
  if (since !== null) {
    const n = Number(since);
    if (!Number.isSafeInteger(n) || n < 0) return 'since must be epoch milliseconds';
    q.since = n;
  }
  const detector = p.get('detector');
  if (detector !== null) {
    if (!/^PAL-WATCH-[A-Z0-9-]{1,40}$/.test(detector)) return 'detector must be a detector id such as PAL-WATCH-SCANNER';
    q.detector = detector;
  }
  const actor = p.get('actor');
  if (actor !== null) q.actorId = actor.slice(0, 256);
  return q;
}

export interface WatchHostDeps {
  store: { alerts: AlertStore };
  /** Shield's block control (RunningShield.blocks). */
  blocks?: { add(b: { entry: string; reason: string; createdBy: string; ttlMs?: number }): Promise<void> };
  /** Shield's rate-limit override control (RunningShield.rateLimits). */
  rateLimits?: { tighten(o: { target: string; limit: number; windowSeconds: number; ttlMs: number; reason: string; createdBy: string }): Promise<unknown> };
  env?: NodeJS.ProcessEnv;
  /** Sinks built beforehand (buildSinks), so a configuration error stops the start before Shield listens. */
  sinks?: readonly AlertSink[];
  onError?: (what: string, err: unknown) => void;
}

/** The runtime `palisade start` runs: settings from the configuration, sinks from the environment. */
export function createWatchRuntime(cfg: { watch: { detect: WatchDetectSettings; alerts: WatchAlertSettings } }, deps: WatchHostDeps): WatchRuntime {
  const blocks = deps.blocks;
  const rateLimits = deps.rateLimits;
  return new WatchRuntime({
    detect: cfg.watch.detect,
    alerts: cfg.watch.alerts,
    store: deps.store.alerts,
    sinks: deps.sinks ?? buildSinks(cfg.watch.alerts, deps.env ?? process.env, deps.onError),
    ...(blocks
      ? {
          responder: {
            block: (b) => blocks.add(b),
            ...(rateLimits
              ? {
                  rateLimit: async (o) => {
                    await rateLimits.tighten(o);
                  },
                }
              : {}),
          },
        }
      : {}),
    ...(deps.onError ? { onError: deps.onError } : {}),
  });
}

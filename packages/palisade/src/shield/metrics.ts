// Prometheus metrics (prom-client). Label children are cached per route so the per-request cost
// is a map lookup and an increment, not label hashing.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export type Outcome = 'forwarded' | 'denied' | 'responded' | 'error';

export class GatewayMetrics {
  readonly registry: Registry;
  private readonly requests: Counter<'route' | 'status' | 'verdict'>;
  private readonly denials: Counter<'route' | 'code'>;
  private readonly duration: Histogram<'route'>;
  private readonly upstream: Histogram<'route'>;
  readonly recorderDropped: Counter;
  readonly recorderWritten: Counter;
  readonly recorderFailed: Counter;
  readonly recorderQueue: Gauge;
  readonly reloads: Counter<'result'>;
  readonly inflight: Gauge;
  private readonly requestChildren = new Map<string, Counter.Internal>();
  private readonly durationChildren = new Map<string, Histogram.Internal<'route'>>();
  private readonly upstreamChildren = new Map<string, Histogram.Internal<'route'>>();

  constructor(opts: { defaultMetrics?: boolean; labels?: Record<string, string> } = {}) {
    this.registry = new Registry();
    if (opts.labels) this.registry.setDefaultLabels(opts.labels);
    if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: 'palisade_process_' });
    const registers = [this.registry];
    this.requests = new Counter({
      name: 'palisade_requests_total',
      help: 'Requests handled by the gateway, by route, response status and verdict.',
      labelNames: ['route', 'status', 'verdict'],
      registers,
    });
    this.denials = new Counter({
      name: 'palisade_denials_total',
      help: 'Requests refused or replaced by a Shield stage, by route and reason code.',
      labelNames: ['route', 'code'],
      registers,
    });
    this.duration = new Histogram({
      name: 'palisade_request_duration_seconds',
      help: 'Time from request head to the end of the response, by route.',
      labelNames: ['route'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.upstream = new Histogram({
      name: 'palisade_upstream_duration_seconds',
      help: 'Time from forwarding to the upstream response head, by route.',
      labelNames: ['route'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.recorderDropped = new Counter({
      name: 'palisade_recorder_dropped_total',
      help: 'Exchange records dropped because the recording queue was full or the store failed.',
      registers,
    });
    this.recorderWritten = new Counter({
      name: 'palisade_recorder_written_total',
      help: 'Exchange records written to the store.',
      registers,
    });
    this.recorderFailed = new Counter({
      name: 'palisade_recorder_write_failures_total',
      help: 'Store write batches that failed.',
      registers,
    });
    this.recorderQueue = new Gauge({
      name: 'palisade_recorder_queue_length',
      help: 'Exchange records waiting to be written.',
      registers,
    });
    this.reloads = new Counter({
      name: 'palisade_config_reloads_total',
      help: 'Configuration reloads, by result (applied or rejected).',
      labelNames: ['result'],
      registers,
    });
    this.inflight = new Gauge({
      name: 'palisade_inflight_requests',
      help: 'Requests being handled right now.',
      registers,
    });
  }

  observe(route: string, status: number, verdict: Outcome, seconds: number, upstreamSeconds?: number): void {
    const key = route + '\0' + status + '\0' + verdict;
    let c = this.requestChildren.get(key);
    if (!c) {
      c = this.requests.labels(route, String(status), verdict);
      this.requestChildren.set(key, c);
    }
    c.inc();
    let h = this.durationChildren.get(route);
    if (!h) {
      h = this.duration.labels(route);
      this.durationChildren.set(route, h);
    }
    h.observe(seconds);
    if (upstreamSeconds !== undefined) {
      let u = this.upstreamChildren.get(route);
      if (!u) {
        u = this.upstream.labels(route);
        this.upstreamChildren.set(route, u);
      }
      u.observe(upstreamSeconds);
    }
  }

  denied(route: string, code: string): void {
    this.denials.labels(route, code).inc();
  }
}

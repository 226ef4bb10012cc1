// Asynchronous exchange recording: a bounded queue drained in batches. A request only pushes a
// reference to what it already has; redaction and the store write happen later, in batches, so
// recording never blocks a request. When the queue is full the record is dropped and counted.
import type { IncomingHttpHeaders } from 'node:http';
import type { Exchange, StageOutcome, Principal } from '../core/index.js';
import type { HeaderMap } from './stage.js';
import type { Redactor } from './redact.js';

export interface RawExchange {
  id: string;
  startedAt: number;
  api?: string;
  route?: string;
  method: string;
  url: string;
  host: string;
  clientIp: string;
  principal?: Principal;
  requestHeaders: IncomingHttpHeaders;
  requestBytes: number;
  requestBodySample?: Buffer;
  status: number;
  responseHeaders: HeaderMap;
  responseBytes: number;
  responseBodySample?: Buffer;
  totalMs: number;
  upstreamMs?: number;
  outcomes: StageOutcome[];
  blockedBy?: string;
  error?: string;
}

export interface ExchangeSink {
  recordExchanges(batch: readonly Exchange[]): Promise<void>;
}

export interface RecorderOptions {
  queueSize: number;
  batchSize: number;
  flushIntervalMs: number;
  redactor: Redactor;
  onDrop?: (n: number) => void;
  onWritten?: (n: number) => void;
  onWriteError?: (err: unknown, n: number) => void;
  onQueueLength?: (n: number) => void;
  /**
   * Sees every batch as it is written (Watch's detectors): the redacted records and, index for
   * index, the raw ones they came from. Runs off the request path; must return quickly.
   */
  observe?: (records: readonly Exchange[], raw: readonly RawExchange[]) => void;
}

export class Recorder {
  private queue: RawExchange[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private closed = false;
  dropped = 0;
  written = 0;

  private redactor: Redactor;

  constructor(
    private readonly sink: ExchangeSink,
    private readonly opts: RecorderOptions,
  ) {
    this.redactor = opts.redactor;
  }

  /** A reloaded configuration's redaction applies to every record written from now on, queued ones included. */
  setRedactor(r: Redactor): void {
    this.redactor = r;
  }

  get length(): number {
    return this.queue.length;
  }

  push(x: RawExchange): void {
    if (this.closed || this.queue.length >= this.opts.queueSize) {
      this.dropped++;
      this.opts.onDrop?.(1);
      return;
    }
    this.queue.push(x);
    if (this.queue.length >= this.opts.batchSize) this.schedule(0);
    else if (!this.timer) this.schedule(this.opts.flushIntervalMs);
  }

  private schedule(ms: number): void {
    if (this.timer) {
      if (ms > 0) return;
      clearTimeout(this.timer);
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, ms);
    this.timer.unref();
  }

  /** Writes everything queued so far; one write in flight at a time. */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.queue.length === 0) return;
    const batch = this.queue.splice(0, this.opts.batchSize);
    this.opts.onQueueLength?.(this.queue.length);
    this.flushing = this.write(batch).finally(() => {
      this.flushing = undefined;
    });
    await this.flushing;
    if (this.queue.length >= this.opts.batchSize) this.schedule(0);
    else if (this.queue.length > 0) this.schedule(this.opts.flushIntervalMs);
  }

  private async write(batch: RawExchange[]): Promise<void> {
    const r = this.redactor;
    const records = batch.map((x) => toExchange(x, r));
    try {
      this.opts.observe?.(records, batch);
    } catch {
      // An observer's failure must not cost the records their write.
    }
    try {
      await this.sink.recordExchanges(records);
      this.written += records.length;
      this.opts.onWritten?.(records.length);
    } catch (err) {
      this.dropped += records.length;
      this.opts.onDrop?.(records.length);
      this.opts.onWriteError?.(err, records.length);
    }
  }

  /** Stops accepting records and writes what is queued. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    while (this.queue.length > 0 || this.flushing) await this.flush();
  }
}

export function toExchange(x: RawExchange, r: Redactor): Exchange {
  const reqType = x.requestHeaders['content-type'];
  const resType = x.responseHeaders['content-type'];
  const e: Exchange = {
    id: x.id,
    startedAt: x.startedAt,
    method: x.method,
    url: r.url(x.url),
    host: x.host,
    clientIp: x.clientIp,
    requestHeaders: r.headers(x.requestHeaders),
    requestBytes: x.requestBytes,
    status: x.status,
    responseHeaders: r.headers(x.responseHeaders),
    responseBytes: x.responseBytes,
    timings: { total: round(x.totalMs), ...(x.upstreamMs !== undefined ? { upstream: round(x.upstreamMs) } : {}) },
    verdicts: x.outcomes,
  };
  if (x.api !== undefined) e.api = x.api;
  if (x.route !== undefined) e.route = x.route;
  if (x.principal) {
    e.principal = { id: x.principal.id, method: x.principal.method, roles: x.principal.roles };
    if (x.principal.tenant !== undefined) e.principal.tenant = x.principal.tenant;
  }
  if (x.requestBodySample) e.requestBodySample = r.body(x.requestBodySample.toString('utf8'), reqType);
  if (x.responseBodySample) e.responseBodySample = r.body(x.responseBodySample.toString('utf8'), typeof resType === 'string' ? resType : undefined);
  if (x.blockedBy !== undefined) e.blockedBy = x.blockedBy;
  if (x.error !== undefined) e.error = x.error;
  return e;
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

// Runs the scans started from the console, in this process, one at a time: a short queue, the
// progress written to the store about once a second, cancellation through an AbortSignal, the
// HTML report rendered by probe's reporter and kept with the scan, and the findings handed on.
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { MAX_SCAN_REPORT_CHARS, SEVERITIES, isPalisadeError } from '../core/index.js';
import type { ScanProgress, ScanRecord, ScanSummary, Severity, Store } from '../core/index.js';
import { ScanCancelled, renderReport, runScan } from '../probe/index.js';
import type { ProbeReport, ScanConfig, ScanStats } from '../probe/index.js';

/** What one scan runs: everything already resolved and authorised by the caller. */
export interface ScanJob {
  target: string;
  /** File path or URL handed to the scanner. */
  spec: string;
  /** What the record shows as the description ('inline' for a posted document). */
  specSource: string;
  config: ScanConfig;
  api?: string;
  startedBy: string;
  /** Called once the scan ended, whatever the outcome (removes a temporary spec file). */
  cleanup?: () => Promise<void>;
}

/** Stores a finished scan's findings in store.findings (console/findings.ts ingestReport). */
export type IngestReport = (report: ProbeReport, ctx: { scanId: string; api?: string; at: number }) => Promise<{ created: number; updated: number; fixed: number }>;

export interface ScanManagerOptions {
  store: Store;
  logger: Logger;
  /** Hands a finished scan's findings to store.findings. Absent: findings are only summarised. */
  ingest?: IngestReport;
  /** Queued scans waiting behind the running one (default 5). */
  maxQueued?: number;
  /** How often progress is written while a scan runs (default 1000 ms). */
  progressEveryMs?: number;
  /** Scans kept in the store, oldest pruned (default 200). */
  keep?: number;
  version?: string;
  now?: () => number;
}

export class QueueFull extends Error {
  constructor(readonly max: number) {
    super(`${max} scans are already waiting: wait for one to finish or cancel one`);
  }
}

const MAX_NOTES = 50;
const MAX_FINGERPRINTS = 500;

interface Pending {
  id: string;
  job: ScanJob;
}

interface Running extends Pending {
  controller: AbortController;
  done: Promise<void>;
}

export class ScanManager {
  private readonly queue: Pending[] = [];
  private running: Running | undefined;
  private reserved = 0;
  private closed = false;
  private readonly now: () => number;

  constructor(private readonly opts: ScanManagerOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** Call once at start: scans left queued or running by a previous process are marked failed. */
  async recover(): Promise<void> {
    const n = await this.opts.store.scans.failUnfinished('Palisade stopped while this scan was queued or running', this.now());
    if (n > 0) this.opts.logger.warn({ scans: n }, 'scans left unfinished by a previous run marked failed');
  }

  /** The scan running now, if any. */
  runningId(): string | undefined {
    return this.running?.id;
  }

  /** Queues a scan and starts it when nothing else runs; throws QueueFull when the queue is full. */
  async enqueue(job: ScanJob): Promise<ScanRecord> {
    if (this.closed) throw new Error('the scan manager is closed');
    const max = this.opts.maxQueued ?? 5;
    // Places are taken before the store is written, so requests arriving together cannot overfill the queue.
    if (this.queue.length + this.reserved >= max) throw new QueueFull(max);
    this.reserved++;
    const id = randomUUID();
    let record: ScanRecord;
    try {
      record = await this.opts.store.scans.create({ id, target: job.target, specSource: job.specSource, ...(job.api ? { api: job.api } : {}), startedBy: job.startedBy, createdAt: this.now() });
      await this.opts.store.scans.update(id, { progress: { phase: 'queued', operations: 0, requests: 0, findings: 0, updatedAt: this.now() } });
    } finally {
      this.reserved--;
    }
    this.queue.push({ id, job });
    this.pump();
    return (await this.opts.store.scans.get(id)) ?? record;
  }

  /**
   * Cancels a queued scan at once, or asks the running one to stop (it ends as cancelled within a
   * moment). Returns false when the scan is neither queued nor running here.
   */
  async cancel(id: string, by: string): Promise<boolean> {
    const i = this.queue.findIndex((p) => p.id === id);
    if (i >= 0) {
      const [p] = this.queue.splice(i, 1);
      await this.opts.store.scans.update(id, { status: 'cancelled', finishedAt: this.now(), error: `cancelled by ${by} before it started` });
      await p!.job.cleanup?.().catch(() => undefined);
      return true;
    }
    if (this.running?.id === id) {
      this.cancelledBy.set(id, by);
      this.running.controller.abort();
      return true;
    }
    return false;
  }

  private readonly cancelledBy = new Map<string, string>();

  /** Cancels everything: queued scans are marked cancelled, the running one is stopped and awaited. */
  async close(): Promise<void> {
    this.closed = true;
    for (const p of this.queue.splice(0)) {
      await this.opts.store.scans.update(p.id, { status: 'cancelled', finishedAt: this.now(), error: 'Palisade stopped before this scan started' }).catch(() => undefined);
      await p.job.cleanup?.().catch(() => undefined);
    }
    if (this.running) {
      this.cancelledBy.set(this.running.id, 'shutdown');
      this.running.controller.abort();
      await this.running.done;
    }
  }

  private pump(): void {
    if (this.running || this.closed) return;
    const next = this.queue.shift();
    if (!next) return;
    const controller = new AbortController();
    const run: Running = { ...next, controller, done: Promise.resolve() };
    this.running = run;
    run.done = this.execute(run)
      .catch((err: unknown) => this.opts.logger.error({ err, scanId: run.id }, 'scan bookkeeping failed'))
      .finally(() => {
        this.running = undefined;
        this.cancelledBy.delete(run.id);
        this.pump();
      });
  }

  private async execute(run: Running): Promise<void> {
    const { store, logger } = this.opts;
    const { id, job, controller } = run;
    const startedAt = this.now();
    let latest: ScanStats = { phase: 'auth', operations: 0, requests: 0, findings: 0 };
    let written = '';
    // Progress goes to the store on a timer, not from the scanner's callback: one write per
    // second whatever the request rate, and never two writes in flight for one scan.
    let writing: Promise<unknown> = Promise.resolve();
    const writeProgress = (): void => {
      const snapshot = JSON.stringify(latest);
      if (snapshot === written) return;
      written = snapshot;
      const progress: ScanProgress = { phase: latest.phase === 'auth' ? 'running' : latest.phase, operations: latest.operations, requests: latest.requests, findings: latest.findings, updatedAt: this.now() };
      writing = writing.then(() => store.scans.update(id, { progress })).catch((err: unknown) => logger.warn({ err, scanId: id }, 'could not write scan progress'));
    };
    await store.scans.update(id, { status: 'running', startedAt, progress: { phase: 'running', operations: 0, requests: 0, findings: 0, updatedAt: startedAt } });
    const timer = setInterval(writeProgress, this.opts.progressEveryMs ?? 1000);
    timer.unref();
    logger.info({ scanId: id, target: job.target, api: job.api, by: job.startedBy }, 'console scan started');
    try {
      const result = await runScan({
        config: job.config,
        spec: job.spec,
        target: job.target,
        version: this.opts.version ?? '0.0.0',
        signal: controller.signal,
        onStats: (s) => {
          latest = s;
        },
      });
      clearInterval(timer);
      await writing;
      const report = result.report;
      if (job.specSource === 'inline') report.spec = 'inline';
      const at = this.now();
      let stored: ScanSummary['stored'];
      if (this.opts.ingest) {
        try {
          const r = await this.opts.ingest(report, { scanId: id, ...(job.api ? { api: job.api } : {}), at });
          stored = { created: r.created, updated: r.updated, fixed: r.fixed };
        } catch (err) {
          logger.error({ err, scanId: id }, 'storing the scan findings failed');
          result.notes.push(`the findings could not be stored: ${(err as Error).message}`);
        }
      }
      const summary = summarise(report, result.notes, stored);
      const html = renderReport('html', report);
      await store.scans.setReport(id, html.length <= MAX_SCAN_REPORT_CHARS ? html : tooLarge(html.length));
      const stats = report.stats;
      await store.scans.update(id, {
        status: 'finished',
        finishedAt: this.now(),
        summary,
        progress: { phase: 'done', operations: stats?.operations ?? latest.operations, requests: stats?.requests ?? latest.requests, findings: report.findings.length, updatedAt: this.now() },
      });
      logger.info({ scanId: id, findings: summary.findings, requests: summary.requests, durationMs: summary.durationMs }, 'console scan finished');
    } catch (err) {
      clearInterval(timer);
      await writing;
      const cancelled = controller.signal.aborted || err instanceof ScanCancelled;
      const progress: ScanProgress = { phase: cancelled ? 'cancelled' : 'failed', operations: latest.operations, requests: latest.requests, findings: latest.findings, updatedAt: this.now() };
      const error = cancelled ? `cancelled by ${this.cancelledBy.get(id) ?? 'an operator'}` : describeError(err);
      await store.scans.update(id, { status: cancelled ? 'cancelled' : 'failed', finishedAt: this.now(), error, progress });
      if (cancelled) logger.info({ scanId: id }, 'console scan cancelled');
      else logger.warn({ scanId: id, error }, 'console scan failed');
    } finally {
      await job.cleanup?.().catch(() => undefined);
      await store.scans.prune(this.opts.keep ?? 200).catch(() => undefined);
    }
  }
}

/** A PalisadeError's message and details (config problems, sign-in failures) are written to be shown. */
function describeError(err: unknown): string {
  if (isPalisadeError(err)) return [err.message, ...err.details.slice(0, 20)].join('\n');
  return `the scan stopped: ${(err as Error)?.message ?? String(err)}`;
}

function summarise(report: ProbeReport, notes: readonly string[], stored: ScanSummary['stored']): ScanSummary {
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const f of report.findings) bySeverity[f.severity]++;
  return {
    findings: report.findings.length,
    bySeverity,
    requests: report.stats?.requests ?? 0,
    operations: report.stats?.operations ?? 0,
    checks: report.stats?.checks ?? 0,
    durationMs: report.stats?.durationMs ?? report.finishedAt - report.startedAt,
    notes: notes.slice(0, MAX_NOTES).map((n) => n.slice(0, 500)),
    fingerprints: report.findings.slice(0, MAX_FINGERPRINTS).map((f) => f.fingerprint),
    ...(stored ? { stored } : {}),
  };
}

function tooLarge(chars: number): string {
  return `<!doctype html><meta charset="utf-8"><title>Scan report too large</title><p>This scan's HTML report is ${chars} characters, more than the ${MAX_SCAN_REPORT_CHARS} the console keeps. Its findings are in the Findings view; run <code>palisade scan --format html --out DIR</code> for the full report.</p>`;
}

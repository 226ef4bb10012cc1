// Alert delivery over HTTP: a bounded queue drained by one sender, with retries and exponential
// backoff. Used by the signed JSON webhook and the Slack webhook. A URL or key that is a secret is
// never logged: errors name the sink and the HTTP status, not the address.
import { createHmac } from 'node:crypto';
import type { AlertRecord } from '../../core/index.js';
import type { AlertSink } from './manager.js';

export interface HttpSinkOptions {
  name: string;
  url: string;
  timeoutMs: number;
  retries: number;
  queueSize: number;
  /** First retry delay; doubled per attempt, with jitter. */
  backoffMs?: number;
  render(alert: AlertRecord): { body: string; headers: Record<string, string> };
  onError?: (what: string, err: unknown) => void;
}

const MAX_BACKOFF_MS = 60_000;

export class HttpSink implements AlertSink {
  readonly name: string;
  readonly stats = { sent: 0, failed: 0, dropped: 0 };
  private readonly queue: AlertRecord[] = [];
  private running: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly o: HttpSinkOptions) {
    this.name = o.name;
  }

  send(alert: AlertRecord): void {
    if (this.closed) return;
    if (this.queue.length >= this.o.queueSize) {
      // The oldest goes: the newest alert is the most useful one to an operator.
      this.queue.shift();
      this.stats.dropped++;
    }
    this.queue.push(alert);
    this.running ??= this.drain().finally(() => (this.running = undefined));
  }

  private async drain(): Promise<void> {
    for (let a = this.queue.shift(); a !== undefined; a = this.queue.shift()) {
      if (await this.deliver(a)) this.stats.sent++;
      else this.stats.failed++;
    }
  }

  private async deliver(alert: AlertRecord): Promise<boolean> {
    const base = this.o.backoffMs ?? 500;
    for (let attempt = 0; attempt <= this.o.retries; attempt++) {
      if (attempt > 0) {
        const delay = Math.min(MAX_BACKOFF_MS, base * 2 ** (attempt - 1));
        await new Promise((r) => setTimeout(r, delay / 2 + Math.random() * (delay / 2)).unref());
      }
      // Rendered per attempt: a webhook signature carries the time it was made.
      const { body, headers } = this.o.render(alert);
      try {
        const res = await fetch(this.o.url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers }, signal: AbortSignal.timeout(this.o.timeoutMs) });
        await res.body?.cancel().catch(() => undefined);
        if (res.ok) return true;
        // A 4xx other than 408/429 will not get better by retrying.
        if (res.status < 500 && res.status !== 408 && res.status !== 429) {
          this.o.onError?.(`${this.name}: the receiver answered ${res.status}`, undefined);
          return false;
        }
        if (attempt === this.o.retries) this.o.onError?.(`${this.name}: the receiver answered ${res.status} after ${attempt + 1} attempts`, undefined);
      } catch (err) {
        if (attempt === this.o.retries) this.o.onError?.(`${this.name}: delivery failed after ${attempt + 1} attempts (${(err as Error).name})`, undefined);
      }
    }
    return false;
  }

  /** Waits until the queue is empty (or stops retrying), then refuses further alerts. */
  async close(): Promise<void> {
    this.closed = true;
    await this.running;
  }
}

export const SIGNATURE_HEADER = 'palisade-signature';

/**
 * `t=<unix seconds>,v1=<hex HMAC-SHA256(key, "<t>.<body>")>`: the receiver recomputes the HMAC over
 * the timestamp and the raw body, compares in constant time, and refuses stale timestamps (replay).
 */
export function signatureHeader(secret: string, body: string, nowMs = Date.now()): string {
  const t = Math.floor(nowMs / 1000);
  const v1 = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
  return `t=${t},v1=${v1}`;
}

/** The receiver's side of signatureHeader (docs/detectors.md shows the same recipe). */
export function verifySignature(secret: string, body: string, header: string, toleranceSeconds = 300, nowMs = Date.now()): boolean {
  const parts = Object.fromEntries(header.split(',').map((p) => p.split('=', 2) as [string, string]));
  const t = Number(parts['t']);
  const v1 = parts['v1'];
  if (!Number.isInteger(t) || !v1 || !/^[0-9a-f]{64}$/.test(v1)) return false;
  if (Math.abs(nowMs / 1000 - t) > toleranceSeconds) return false;
  const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest();
  const given = Buffer.from(v1, 'hex');
  return given.length === expected.length && timingSafe(expected, given);
}

function timingSafe(a: Buffer, b: Buffer): boolean {
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}

/** The JSON body of a webhook: the alert as stored, wrapped with a type for the receiver. */
export function webhookBody(alert: AlertRecord): string {
  return JSON.stringify({ type: 'palisade.alert', alert });
}

export function webhookSink(o: { url: string; secret?: string; timeoutMs: number; retries: number; queueSize: number; backoffMs?: number; onError?: (what: string, err: unknown) => void }): HttpSink {
  return new HttpSink({
    name: 'webhook',
    url: o.url,
    timeoutMs: o.timeoutMs,
    retries: o.retries,
    queueSize: o.queueSize,
    ...(o.backoffMs !== undefined ? { backoffMs: o.backoffMs } : {}),
    ...(o.onError ? { onError: o.onError } : {}),
    render: (a) => {
      const body = webhookBody(a);
      const headers: Record<string, string> = {};
      if (o.secret) headers[SIGNATURE_HEADER] = signatureHeader(o.secret, body);
      return { body, headers };
    },
  });
}

const SEVERITY_EMOJI: Record<string, string> = { critical: ':rotating_light:', high: ':red_circle:', medium: ':large_orange_circle:', low: ':large_yellow_circle:', info: ':information_source:' };

/** Slack's incoming-webhook payload: `text` (notifications, fallbacks) and Block Kit `blocks`. */
export function slackPayload(a: AlertRecord): { text: string; blocks: unknown[] } {
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const actor = `${a.actor.kind} ${a.actor.id}`;
  const text = `[${a.severity}] ${a.title} — ${actor}${a.endpoint ? ` on ${a.endpoint}` : ''}`;
  const figures = Object.entries(a.figures)
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ');
  return {
    text: esc(text),
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: `${a.title}`.slice(0, 150) } },
      {
        type: 'section',
        fields: [
          { type: 'mrkdwn', text: `*Severity*\n${SEVERITY_EMOJI[a.severity] ?? ''} ${a.severity}` },
          { type: 'mrkdwn', text: `*Detector*\n\`${a.detector}\` (${a.category})` },
          { type: 'mrkdwn', text: `*Actor*\n\`${esc(actor)}\`` },
          { type: 'mrkdwn', text: `*Endpoint*\n${a.endpoint ? `\`${esc(a.endpoint)}\`` : '—'}` },
        ],
      },
      { type: 'section', text: { type: 'mrkdwn', text: `*Figures*: ${esc(figures).slice(0, 2900)}` } },
      { type: 'section', text: { type: 'mrkdwn', text: `*Remediation*: ${esc(a.remediation)}` } },
      {
        type: 'context',
        elements: [{ type: 'mrkdwn', text: `alert ${a.id}${a.response ? ` · ${a.response.action}: ${a.response.targets.join(', ')}` : ''}` }],
      },
    ],
  };
}

export function slackSink(o: { url: string; timeoutMs: number; retries: number; queueSize: number; backoffMs?: number; onError?: (what: string, err: unknown) => void }): HttpSink {
  return new HttpSink({
    name: 'slack',
    url: o.url,
    timeoutMs: o.timeoutMs,
    retries: o.retries,
    queueSize: o.queueSize,
    ...(o.backoffMs !== undefined ? { backoffMs: o.backoffMs } : {}),
    ...(o.onError ? { onError: o.onError } : {}),
    render: (a) => ({ body: JSON.stringify(slackPayload(a)), headers: {} }),
  });
}

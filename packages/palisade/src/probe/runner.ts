// Sends the scanner's requests: undici, global and per-check budgets (requests and time),
// concurrency and request-rate limits, bounded response bodies, and every exchange recorded so a
// finding can carry its evidence. Nothing else in the scanner opens a connection to the target.
import { randomUUID } from 'node:crypto';
import { Agent, request } from 'undici';
import type { Evidence, Exchange } from '../core/index.js';

export interface ScanRequest {
  method: string;
  /** Absolute URL, or a path (with query) joined to the target. */
  url: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Which check sends it (budgets are per check); 'explore' and 'auth' for the scanner's own. */
  check?: string;
  timeoutMs?: number;
}

export interface ScanResponse {
  id: string;
  status: number;
  headers: Record<string, string>;
  /** The body as text, cut at the runner's body limit. */
  body: string;
  /** Bytes received (all of them, even past the limit). */
  bytes: number;
  truncated: boolean;
  durationMs: number;
  request: { method: string; url: string; headers: Record<string, string>; body?: string };
  /** Network failure (refused, timeout); status is 0 then. */
  error?: string;
}

export class BudgetExhausted extends Error {
  constructor(readonly scope: string) {
    super(`budget exhausted: ${scope}`);
  }
}

/** The scan was cancelled (ScanOptions.signal): nothing more is sent. */
export class ScanCancelled extends Error {
  constructor() {
    super('scan cancelled');
  }
}

export interface RunnerOptions {
  target: string;
  maxRequests: number;
  maxDurationMs: number;
  perCheckRequests: number;
  perCheckMs: number;
  concurrency: number;
  requestsPerSecond: number;
  timeoutMs: number;
  maxBodyBytes: number;
  /** Exchanges kept for evidence (oldest dropped). */
  keepExchanges?: number;
  onProgress?: () => void;
  /** Aborting it refuses every later request and interrupts those in flight. */
  signal?: AbortSignal;
}

const EVIDENCE_BODY_CHARS = 2000;
const SECRET_HEADERS = /^(authorization|cookie|set-cookie|proxy-authorization|x-api-key)$/i;

/** Keeps the start and the shape of a credential, never the whole of it. */
export function redactCredential(v: string): string {
  return v.replace(/([A-Za-z0-9_-]{6})[A-Za-z0-9._~+/=-]{10,}/g, '$1…');
}

export class Runner {
  readonly target: string;
  private readonly agent: Agent;
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  private nextSlot = 0;
  private readonly started = Date.now();
  private readonly perCheck = new Map<string, { count: number; startedAt: number }>();
  private readonly exchanges = new Map<string, Exchange>();
  requests = 0;

  constructor(private readonly opts: RunnerOptions) {
    this.target = opts.target.replace(/\/+$/, '');
    this.agent = new Agent({ connections: opts.concurrency * 2, keepAliveTimeout: 4000 });
  }

  elapsedMs(): number {
    return Date.now() - this.started;
  }

  remaining(check: string): number {
    const c = this.perCheck.get(check);
    return Math.min(this.opts.maxRequests - this.requests, this.opts.perCheckRequests - (c?.count ?? 0));
  }

  urlOf(u: string): string {
    return /^https?:\/\//i.test(u) ? u : `${this.target}${u.startsWith('/') ? '' : '/'}${u}`;
  }

  private charge(check: string): void {
    if (this.opts.signal?.aborted) throw new ScanCancelled();
    if (this.requests >= this.opts.maxRequests) throw new BudgetExhausted(`scan request budget (${this.opts.maxRequests})`);
    if (this.elapsedMs() > this.opts.maxDurationMs) throw new BudgetExhausted(`scan time budget (${this.opts.maxDurationMs / 1000} s)`);
    let c = this.perCheck.get(check);
    if (!c) this.perCheck.set(check, (c = { count: 0, startedAt: Date.now() }));
    if (check !== 'explore' && check !== 'auth') {
      if (c.count >= this.opts.perCheckRequests) throw new BudgetExhausted(`${check} request budget (${this.opts.perCheckRequests})`);
      if (Date.now() - c.startedAt > this.opts.perCheckMs) throw new BudgetExhausted(`${check} time budget (${this.opts.perCheckMs / 1000} s)`);
    }
    c.count++;
    this.requests++;
  }

  private async slot(): Promise<void> {
    if (this.active >= this.opts.concurrency) await new Promise<void>((r) => this.waiting.push(r));
    this.active++;
    const gap = 1000 / this.opts.requestsPerSecond;
    const now = Date.now();
    const at = Math.max(now, this.nextSlot);
    this.nextSlot = at + gap;
    if (at > now) await new Promise((r) => setTimeout(r, at - now));
  }

  private release(): void {
    this.active--;
    this.waiting.shift()?.();
  }

  async send(req: ScanRequest): Promise<ScanResponse> {
    const check = req.check ?? 'explore';
    this.charge(check);
    await this.slot();
    const url = this.urlOf(req.url);
    const headers: Record<string, string> = { 'user-agent': 'palisade-scan', ...req.headers };
    const started = Date.now();
    const bodyText = req.body === undefined ? undefined : typeof req.body === 'string' ? req.body : `<${req.body.length} bytes>`;
    const base = { id: randomUUID(), request: { method: req.method, url, headers, ...(bodyText !== undefined ? { body: bodyText.length > 64 * 1024 ? `${bodyText.slice(0, 200)}…<${bodyText.length} chars>` : bodyText } : {}) } };
    let out: ScanResponse;
    try {
      const timeout = req.timeoutMs ?? this.opts.timeoutMs;
      const res = await request(url, { method: req.method as 'GET', headers, body: req.body ?? null, dispatcher: this.agent, headersTimeout: timeout, bodyTimeout: timeout, ...(this.opts.signal ? { signal: this.opts.signal } : {}) });
      const chunks: Buffer[] = [];
      let bytes = 0;
      let kept = 0;
      for await (const chunk of res.body) {
        const b = chunk as Buffer;
        bytes += b.length;
        if (kept < this.opts.maxBodyBytes) {
          const part = b.subarray(0, this.opts.maxBodyBytes - kept);
          chunks.push(part);
          kept += part.length;
        }
      }
      const hs: Record<string, string> = {};
      for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) hs[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : String(v);
      out = { ...base, status: res.statusCode, headers: hs, body: Buffer.concat(chunks).toString('utf8'), bytes, truncated: bytes > kept, durationMs: Date.now() - started };
    } catch (err) {
      out = { ...base, status: 0, headers: {}, body: '', bytes: 0, truncated: false, durationMs: Date.now() - started, error: (err as Error).message };
    } finally {
      this.release();
    }
    if (this.opts.signal?.aborted) throw new ScanCancelled();
    this.record(out);
    this.opts.onProgress?.();
    return out;
  }

  private record(r: ScanResponse): void {
    const u = new URL(r.request.url);
    this.exchanges.set(r.id, {
      id: r.id,
      startedAt: Date.now() - r.durationMs,
      method: r.request.method,
      url: u.pathname + u.search,
      host: u.host,
      clientIp: '127.0.0.1',
      requestHeaders: redactHeaders(r.request.headers),
      ...(r.request.body !== undefined ? { requestBodySample: r.request.body.slice(0, EVIDENCE_BODY_CHARS) } : {}),
      requestBytes: r.request.body?.length ?? 0,
      status: r.status,
      responseHeaders: r.headers,
      responseBodySample: r.body.slice(0, EVIDENCE_BODY_CHARS),
      responseBytes: r.bytes,
      timings: { total: r.durationMs },
      verdicts: [],
      ...(r.error ? { error: r.error } : {}),
    });
    const keep = this.opts.keepExchanges ?? 20_000;
    if (this.exchanges.size > keep) this.exchanges.delete(this.exchanges.keys().next().value!);
  }

  exchange(id: string): Exchange | undefined {
    return this.exchanges.get(id);
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

/** Tokens and password values in a body: shape kept, secret cut. */
export function redactBody(s: string): string {
  return s.replace(/\b(eyJ[\w-]{4})[\w-]*\.[\w-]+\.[\w-]*/g, '$1…').replace(/("(?:password|passwd|client_secret|secret)"\s*:\s*")[^"]*"/gi, '$1…"');
}

export function redactHeaders(h: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) out[k] = SECRET_HEADERS.test(k) ? redactCredential(v) : v;
  return out;
}

/**
 * The problem type code when `r` is a Palisade gateway's own refusal (RFC 9457 problem+json with a
 * urn:palisade:problem: type, docs/decisions/0004), not the API's answer.
 */
export function shieldProblem(r: ScanResponse): string | undefined {
  if (r.status < 400 || !/^application\/problem\+json/i.test(r.headers['content-type'] ?? '')) return undefined;
  try {
    const type = (JSON.parse(r.body) as { type?: unknown }).type;
    return typeof type === 'string' && type.startsWith('urn:palisade:problem:') ? type.slice('urn:palisade:problem:'.length) : undefined;
  } catch {
    return undefined;
  }
}

/** Evidence for a finding: the request, a bounded excerpt of the response and what matched. */
export function evidenceOf(r: ScanResponse, matched: string, excerptAround?: string): Evidence {
  let excerpt = r.body;
  if (excerptAround) {
    const at = r.body.indexOf(excerptAround);
    if (at > 200) excerpt = `…${r.body.slice(at - 200)}`;
  }
  return {
    request: { method: r.request.method, url: r.request.url, headers: redactHeaders(r.request.headers), ...(r.request.body !== undefined ? { body: redactBody(r.request.body).slice(0, EVIDENCE_BODY_CHARS) } : {}) },
    response: { status: r.status, headers: redactHeaders(r.headers), bodyExcerpt: redactBody(excerpt).slice(0, EVIDENCE_BODY_CHARS) + (excerpt.length > EVIDENCE_BODY_CHARS || r.truncated ? '…' : '') },
    matched,
    exchangeIds: [r.id],
  };
}

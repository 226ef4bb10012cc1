// The request body on its way upstream: counted, sampled and shown to the stages' inspectors
// chunk by chunk, so limits hold while streaming and nothing is buffered whole (BodyGuard); or,
// when it is small, of known length, and stages must see all of it before the upstream gets any
// of it anyway, held whole and forwarded in one write with the request head (HeldBody).
import { Transform } from 'node:stream';
import type { TransformCallback } from 'node:stream';
import type { Verdict } from '../core/index.js';
import type { BodyInspector } from './stage.js';

/** A verdict that stops a body: a refusal or a direct answer. */
export type BodyRefusal = Extract<Verdict, { kind: 'deny' | 'respond' }>;

/** Raised into the upstream request when an inspector refuses the body mid-stream. */
export class BodyDenied extends Error {
  constructor(readonly verdict: BodyRefusal) {
    super(verdict.kind === 'deny' ? verdict.code : 'body-refused');
    this.name = 'BodyDenied';
  }
}

/**
 * A request body parsed as JSON, shared by the stages that read it: a value to read, never to
 * change (the next stage sees the same object). `message` is JSON.parse's, for a refusal's detail.
 */
export type JsonBody = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly message: string };

export function parseJson(bytes: Buffer): JsonBody {
  try {
    return { ok: true, value: JSON.parse(bytes.toString('utf8')) as unknown };
  } catch (err) {
    return { ok: false, message: (err as Error).message };
  }
}

/** What the record reads of a request body, however it went upstream. */
export interface BodyTally {
  readonly bytes: number;
  readonly sample: Buffer | undefined;
}

/**
 * Bodies with a Content-Length up to this are held whole when a stage inspects them: they are
 * forwarded as one buffer, so undici writes head and body together (one `writev`), where a
 * streamed body costs a Transform, a write per chunk, and the last chunk held apart.
 */
export const HOLD_WHOLE_BYTES = 64 * 1024;

/**
 * A request body read whole before anything is forwarded. Inspectors with `whole` see it at once
 * (no copy, no list of chunks); the others chunk by chunk, as when streaming. The upstream gets the
 * body only once every inspector has agreed, as with BodyGuard's held last chunk.
 */
export class HeldBody implements BodyTally {
  bytes = 0;
  sample: Buffer | undefined;
  private readonly chunks: Buffer[] = [];
  private sampleLeft: number;
  private parsed: JsonBody | undefined;
  private whole: Buffer | undefined;

  constructor(
    private readonly inspectors: readonly BodyInspector[],
    sampleBytes: number,
  ) {
    this.sampleLeft = sampleBytes;
  }

  /** Adds a chunk; a verdict other than `continue` refuses the body (stop reading, answer it). */
  push(chunk: Buffer): BodyRefusal | undefined {
    this.bytes += chunk.length;
    this.chunks.push(chunk);
    if (this.sampleLeft > 0) {
      const part = Buffer.from(chunk.subarray(0, this.sampleLeft));
      this.sample = this.sample ? Buffer.concat([this.sample, part]) : part;
      this.sampleLeft -= part.length;
    }
    // Inspectors without `whole` see chunks as they come, so their limits hold mid-body.
    for (const ins of this.inspectors) {
      if (ins.whole) continue;
      const v = ins.push(chunk);
      if (v && v.kind !== 'continue') return v;
    }
    return undefined;
  }

  /** The body as one buffer: the chunk itself when it came in one (the usual case for small bodies). */
  body(): Buffer {
    if (this.whole) return this.whole;
    const c = this.chunks;
    return (this.whole = c.length === 1 ? c[0]! : Buffer.concat(c, this.bytes));
  }

  /** The body parsed as JSON, once, for every inspector that asks (contract, authorize, SSRF guard). */
  private readonly json = (): JsonBody => (this.parsed ??= parseJson(this.body()));

  /**
   * Every inspector's verdict on the whole body: the first refusal in stage order, once all have
   * answered (as BodyGuard decides: every inspector runs, so none misses its side effects).
   */
  end(): BodyRefusal | undefined | Promise<BodyRefusal | undefined> {
    const body = this.body();
    const results = this.inspectors.map((ins) => (ins.whole ? ins.whole(body, this.json) : ins.end()));
    if (results.some((r) => r instanceof Promise)) return Promise.all(results).then(firstRefusal);
    return firstRefusal(results as Array<Verdict | undefined>);
  }
}

function firstRefusal(vs: ReadonlyArray<Verdict | undefined>): BodyRefusal | undefined {
  for (const v of vs) if (v && v.kind !== 'continue') return v;
  return undefined;
}

export class BodyGuard extends Transform implements BodyTally {
  bytes = 0;
  sample: Buffer | undefined;
  private sampleLeft: number;
  /**
   * The latest chunk, held back until the next one arrives or every inspector's end() has agreed:
   * an upstream that had the whole body could act on it before an asynchronous end() refuses it.
   */
  private held: Buffer | undefined;

  constructor(
    private readonly inspectors: readonly BodyInspector[],
    sampleBytes: number,
  ) {
    super();
    this.sampleLeft = sampleBytes;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.sampleLeft > 0) {
      const part = Buffer.from(chunk.subarray(0, this.sampleLeft));
      this.sample = this.sample ? Buffer.concat([this.sample, part]) : part;
      this.sampleLeft -= part.length;
    }
    for (const ins of this.inspectors) {
      const v = ins.push(chunk);
      if (v && v.kind !== 'continue') return cb(new BodyDenied(v));
    }
    if (this.inspectors.length === 0) return cb(null, chunk);
    const previous = this.held;
    this.held = chunk;
    cb(null, previous);
  }

  override _flush(cb: TransformCallback): void {
    const results = this.inspectors.map((ins) => ins.end());
    const decide = (vs: ReadonlyArray<Verdict | undefined>) => {
      for (const v of vs) if (v && v.kind !== 'continue') return cb(new BodyDenied(v));
      if (this.held) this.push(this.held);
      this.held = undefined;
      cb();
    };
    if (results.some((r) => r instanceof Promise)) Promise.all(results).then(decide, (err: unknown) => cb(err as Error));
    else decide(results as Array<Verdict | undefined>);
  }
}

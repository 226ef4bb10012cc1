// The request body on its way upstream: counted, sampled and shown to the stages' inspectors
// chunk by chunk, so limits hold while streaming and nothing is buffered whole.
import { Transform } from 'node:stream';
import type { TransformCallback } from 'node:stream';
import type { Verdict } from '../core/index.js';
import type { BodyInspector } from './stage.js';

/** Raised into the upstream request when an inspector refuses the body mid-stream. */
export class BodyDenied extends Error {
  constructor(readonly verdict: Extract<Verdict, { kind: 'deny' | 'respond' }>) {
    super(verdict.kind === 'deny' ? verdict.code : 'body-refused');
    this.name = 'BodyDenied';
  }
}

export class BodyGuard extends Transform {
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

// An incremental JSON structure scanner: one pass over the bytes, chunk by chunk, tracking only
// nesting depth and the number of object keys. It builds no values and keeps no part of the body,
// so a hostile document is refused as soon as it crosses a limit, in O(n) time and O(depth) memory.
//
// It does not validate JSON: the upstream's parser rejects malformed input anyway. What matters is
// that every valid document is measured exactly; bytes of invalid documents never make it throw.

export type JsonScanResult = 'ok' | 'too-deep' | 'too-many-keys';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;

const IN_OBJECT = 1;
const IN_ARRAY = 2;

export class JsonScanner {
  private depth = 0;
  private keys = 0;
  private inString = false;
  private escaped = false;
  /** The next string is an object key (after '{' or a ',' inside an object). */
  private expectKey = false;
  /** Container kind per level; bounded because scanning stops beyond maxDepth. */
  private readonly stack: Uint8Array;
  private result: JsonScanResult = 'ok';

  constructor(
    private readonly maxDepth: number,
    private readonly maxKeys: number,
  ) {
    this.stack = new Uint8Array(maxDepth + 1);
  }

  /** Scans the next chunk; once a limit is crossed the result sticks and further input is ignored. */
  push(chunk: Uint8Array): JsonScanResult {
    if (this.result !== 'ok') return this.result;
    const len = chunk.length;
    let i = 0;
    while (i < len) {
      if (this.inString) {
        // Inside a string only '"' and '\' matter; skim the rest.
        if (this.escaped) {
          this.escaped = false;
          i++;
          continue;
        }
        const c = chunk[i]!;
        if (c === BACKSLASH) this.escaped = true;
        else if (c === QUOTE) this.inString = false;
        i++;
        continue;
      }
      const c = chunk[i++]!;
      switch (c) {
        case QUOTE:
          this.inString = true;
          if (this.expectKey) {
            this.expectKey = false;
            if (++this.keys > this.maxKeys) return (this.result = 'too-many-keys');
          }
          break;
        case OPEN_OBJECT:
        case OPEN_ARRAY:
          if (++this.depth > this.maxDepth) return (this.result = 'too-deep');
          this.stack[this.depth] = c === OPEN_OBJECT ? IN_OBJECT : IN_ARRAY;
          this.expectKey = c === OPEN_OBJECT;
          break;
        case CLOSE_OBJECT:
        case CLOSE_ARRAY:
          // Unbalanced closers belong to invalid JSON; clamp so they cannot hide later nesting.
          if (this.depth > 0) this.depth--;
          this.expectKey = false;
          break;
        case COMMA:
          this.expectKey = this.depth > 0 && this.stack[this.depth] === IN_OBJECT;
          break;
        default:
          // Whitespace, ':', numbers and literals carry no structure we count.
          break;
      }
    }
    return 'ok';
  }

  /** The limit crossed, or 'ok' while none is. */
  get state(): JsonScanResult {
    return this.result;
  }

  /** Object keys seen so far. */
  get keyCount(): number {
    return this.keys;
  }
}

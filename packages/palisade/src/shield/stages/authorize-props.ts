// Property-level authorization (OWASP API3): which JSON properties a caller may write in a request
// body and read in a response. Patterns are dot paths — `name`, `address.street`, `items[].email`,
// `[].id`, `*` for any name — and a pattern that reaches a property allows everything under it.
// Arrays are transparent to names (`items.email` reads as `items[].email`), so a list of objects
// is described like one object.

type Step = { readonly k: 'key'; readonly name: string } | { readonly k: 'any' } | { readonly k: 'items' };
type Pattern = readonly Step[];
/** Where matching stands: each pattern with the number of its steps already matched. */
type State = ReadonlyArray<{ readonly p: Pattern; readonly i: number }>;

/** Deeper JSON than this is not walked (the limits stage caps request bodies far lower). */
export const MAX_PROPERTY_DEPTH = 128;
/** Violations listed in one refusal. */
const MAX_VIOLATIONS = 20;

export function compilePattern(src: string): Pattern {
  const steps: Step[] = [];
  for (const seg of src.split('.')) {
    const items = seg.endsWith('[]');
    const name = items ? seg.slice(0, -2) : seg;
    if (name === '*') steps.push({ k: 'any' });
    else if (name !== '') steps.push({ k: 'key', name });
    if (items) steps.push({ k: 'items' });
  }
  return steps;
}

function isFull(state: State): boolean {
  for (const s of state) if (s.i === s.p.length) return true;
  return false;
}

function intoKey(state: State, key: string): State {
  const out: Array<{ p: Pattern; i: number }> = [];
  for (const s of state) {
    const step = s.p[s.i]!;
    if ((step.k === 'key' && step.name === key) || step.k === 'any') out.push({ p: s.p, i: s.i + 1 });
  }
  return out;
}

function intoItems(state: State): State {
  const out: Array<{ p: Pattern; i: number }> = [];
  for (const s of state) {
    const step = s.p[s.i]!;
    if (step.k === 'items' || step.k === 'any') out.push({ p: s.p, i: s.i + 1 });
    else out.push(s);
  }
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** RFC 6901 escaping of one reference token. */
function token(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

const REMOVE = Symbol('remove');
const TOO_DEEP = Symbol('too-deep');

export interface FilterResult {
  readonly value: unknown;
  /** Properties and array items removed. */
  readonly removed: number;
}

export class PropertySet {
  private readonly start: State;

  constructor(patterns: readonly string[]) {
    this.start = patterns.map((src) => ({ p: compilePattern(src), i: 0 }));
  }

  /** True when every property is allowed (`*`). */
  get all(): boolean {
    return isFull(this.start) || this.start.some((s) => s.p.length === 1 && s.p[0]!.k === 'any');
  }

  /**
   * JSON pointers of the properties `value` carries that the patterns do not allow (at most 20).
   * A top-level scalar has no properties and passes.
   */
  violations(value: unknown): string[] {
    const out: string[] = [];
    if (!isObject(value) && !Array.isArray(value)) return out;
    this.check(value, this.start, '', out, 0);
    return out;
  }

  private check(v: unknown, state: State, ptr: string, out: string[], depth: number): void {
    if (out.length >= MAX_VIOLATIONS || isFull(state)) return;
    if (depth > MAX_PROPERTY_DEPTH) {
      out.push(ptr === '' ? '/' : ptr);
      return;
    }
    if (Array.isArray(v)) {
      const next = intoItems(state);
      for (let i = 0; i < v.length && out.length < MAX_VIOLATIONS; i++) {
        if (next.length === 0) out.push(`${ptr}/${i}`);
        else this.check(v[i], next, `${ptr}/${i}`, out, depth + 1);
      }
    } else if (isObject(v)) {
      for (const key of Object.keys(v)) {
        if (out.length >= MAX_VIOLATIONS) return;
        const next = intoKey(state, key);
        if (next.length === 0) out.push(`${ptr}/${token(key)}`);
        else this.check(v[key], next, `${ptr}/${token(key)}`, out, depth + 1);
      }
    } else {
      // A scalar where the patterns only allow something inside it: address: "..." against address.street.
      out.push(ptr);
    }
  }

  /**
   * A copy of `value` keeping only the allowed properties; null when the document nests deeper
   * than MAX_PROPERTY_DEPTH (it cannot be filtered). A top-level scalar is returned as it is.
   */
  filter(value: unknown): FilterResult | null {
    if (!isObject(value) && !Array.isArray(value)) return { value, removed: 0 };
    const counter = { removed: 0 };
    const v = this.keep(value, this.start, counter, 0);
    if (v === TOO_DEEP) return null;
    // The root is a container and the start state is never empty of meaning: an unmatched root is empty.
    if (v === REMOVE) return { value: Array.isArray(value) ? [] : {}, removed: counter.removed };
    return { value: v, removed: counter.removed };
  }

  private keep(v: unknown, state: State, counter: { removed: number }, depth: number): unknown {
    if (isFull(state)) return v;
    if (depth > MAX_PROPERTY_DEPTH) return TOO_DEEP;
    if (Array.isArray(v)) {
      const next = intoItems(state);
      const out: unknown[] = [];
      for (const item of v) {
        if (next.length === 0) {
          counter.removed++;
          continue;
        }
        const r = this.keep(item, next, counter, depth + 1);
        if (r === TOO_DEEP) return TOO_DEEP;
        if (r === REMOVE) counter.removed++;
        else out.push(r);
      }
      return out;
    }
    if (isObject(v)) {
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(v)) {
        const next = intoKey(state, key);
        if (next.length === 0) {
          counter.removed++;
          continue;
        }
        const r = this.keep(v[key], next, counter, depth + 1);
        if (r === TOO_DEEP) return TOO_DEEP;
        if (r === REMOVE) {
          counter.removed++;
          continue;
        }
        // defineProperty: a "__proto__" key from JSON.parse must stay a plain property of the copy.
        Object.defineProperty(out, key, { value: r, enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
    // A scalar where only something inside it is allowed.
    return depth === 0 ? v : REMOVE;
  }
}

// Reads the zod schema as data, so that error messages describe options (their type, range and
// neighbours) from the same source that validates them.
import { z } from 'zod';

export type PathSegment = string | number;
export type OptionPath = readonly PathSegment[];

/** What wraps an option's core type: its default, whether it may be absent, its description. */
export interface Unwrapped {
  readonly core: z.ZodType;
  readonly hasDefault: boolean;
  readonly defaultValue: unknown;
  readonly optional: boolean;
  readonly description: string | undefined;
}

/** Strips default/prefault/optional/nullable/readonly wrappers, keeping what they said. */
export function unwrap(schema: z.ZodType): Unwrapped {
  let s: z.ZodType = schema;
  let hasDefault = false;
  let defaultValue: unknown;
  let optional = false;
  let description = s.description;
  for (;;) {
    if (s instanceof z.ZodDefault || s instanceof z.ZodPrefault) {
      if (!hasDefault) {
        hasDefault = true;
        defaultValue = s._zod.def.defaultValue;
      }
      s = s._zod.def.innerType as z.ZodType;
    } else if (s instanceof z.ZodOptional || s instanceof z.ZodNullable || s instanceof z.ZodReadonly) {
      optional = true;
      s = s._zod.def.innerType as z.ZodType;
    } else {
      break;
    }
    description ??= s.description;
  }
  return { core: s, hasDefault, defaultValue, optional, description };
}

/** The schema of the option at `path` (array indices step into elements), or undefined. */
export function schemaAt(root: z.ZodType, path: OptionPath): z.ZodType | undefined {
  let s: z.ZodType | undefined = root;
  for (const seg of path) {
    if (!s) return undefined;
    const { core } = unwrap(s);
    if (core instanceof z.ZodObject && typeof seg === 'string') {
      s = (core.shape as Record<string, z.ZodType>)[seg];
    } else if (core instanceof z.ZodArray && typeof seg === 'number') {
      s = core.element as z.ZodType;
    } else {
      return undefined;
    }
  }
  return s;
}

/** Option names the object schema at `path` accepts. */
export function knownKeys(root: z.ZodType, path: OptionPath): string[] {
  const s = schemaAt(root, path);
  if (!s) return [];
  const { core } = unwrap(s);
  return core instanceof z.ZodObject ? Object.keys(core.shape as Record<string, z.ZodType>) : [];
}

/** `routes[0].stages.limits`; keys that are not identifiers are quoted. */
export function formatPath(path: OptionPath): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out || '(top level)';
}

interface Bound {
  readonly value: number;
  readonly inclusive: boolean;
}

// zod keeps bounds as checks; the classic getters lose whether a bound is inclusive.
interface LooseCheckDef {
  readonly check?: string;
  readonly value?: unknown;
  readonly inclusive?: boolean;
  readonly format?: string;
  readonly prefix?: string;
  readonly minimum?: number;
  readonly maximum?: number;
}

function checksOf(s: z.ZodType): LooseCheckDef[] {
  const checks = (s._zod.def as { checks?: readonly { _zod: { def: unknown } }[] }).checks ?? [];
  return checks.map((c) => c._zod.def as LooseCheckDef);
}

function numberBounds(s: z.ZodNumber): { int: boolean; min?: Bound; max?: Bound } {
  let min: Bound | undefined;
  let max: Bound | undefined;
  for (const c of checksOf(s)) {
    if (typeof c.value !== 'number') continue;
    const b = { value: c.value, inclusive: c.inclusive ?? true };
    if (c.check === 'greater_than' && (!min || b.value > min.value)) min = b;
    if (c.check === 'less_than' && (!max || b.value < max.value)) max = b;
  }
  // z.int() implies ±MAX_SAFE_INTEGER; those bounds say nothing worth printing.
  if (min && Math.abs(min.value) >= Number.MAX_SAFE_INTEGER) min = undefined;
  if (max && Math.abs(max.value) >= Number.MAX_SAFE_INTEGER) max = undefined;
  return { int: s.isInt, ...(min ? { min } : {}), ...(max ? { max } : {}) };
}

function boundsText(min: Bound | undefined, max: Bound | undefined): string {
  if (min && max && min.inclusive && max.inclusive) {
    return `from ${min.value} to ${max.value}`;
  }
  const parts: string[] = [];
  if (min) parts.push(`${min.inclusive ? '≥' : '>'} ${min.value}`);
  if (max) parts.push(`${max.inclusive ? '≤' : '<'} ${max.value}`);
  return parts.join(' and ');
}

function stringFormat(s: z.ZodType): { format?: string; protocol?: RegExp; prefix?: string; minLength?: number } {
  const def = s._zod.def as { format?: string; protocol?: RegExp };
  const out: { format?: string; protocol?: RegExp; prefix?: string; minLength?: number } = {};
  if (def.format) out.format = def.format;
  if (def.protocol) out.protocol = def.protocol;
  for (const c of checksOf(s)) {
    if (c.check === 'string_format' && c.format === 'starts_with' && c.prefix !== undefined) out.prefix = c.prefix;
    if (c.check === 'min_length' && typeof c.minimum === 'number') out.minLength = c.minimum;
  }
  return out;
}

function protocols(re: RegExp | undefined): string {
  if (!re) return '';
  if (re.source === '^https?$') return 'http or https ';
  return '';
}

/** Prose for error messages: "an integer from 0 to 65535", "\"auto\" or an integer from 1 to 256". */
export function describeExpected(schema: z.ZodType): string {
  const { core } = unwrap(schema);
  if (core instanceof z.ZodNumber) {
    const { int, min, max } = numberBounds(core);
    const b = boundsText(min, max);
    return `${int ? 'an integer' : 'a number'}${b ? ` ${b}` : ''}`;
  }
  if (core instanceof z.ZodBoolean) return 'true or false';
  if (core instanceof z.ZodLiteral) return [...core.values].map((v) => JSON.stringify(v)).join(' or ');
  if (core instanceof z.ZodEnum) return `one of ${core.options.map((v) => JSON.stringify(v)).join(', ')}`;
  if (core instanceof z.ZodArray) {
    const el = unwrap(core.element as z.ZodType).core;
    if (el instanceof z.ZodObject) return 'a list of mappings';
    return `a list of ${plural(describeExpected(core.element as z.ZodType))}`;
  }
  if (core instanceof z.ZodObject) return 'a mapping';
  if (core instanceof z.ZodUnion) {
    return (core.options as readonly z.ZodType[]).map((o) => describeExpected(o)).join(' or ');
  }
  if (core._zod.def.type === 'string') {
    const f = stringFormat(core);
    if (f.format === 'url') return `an ${protocols(f.protocol)}URL`;
    if (f.format === 'date') return 'a date (YYYY-MM-DD)';
    if (f.format === 'datetime') return 'a date-time with offset (RFC 3339)';
    if (f.prefix !== undefined) return `a string starting with ${f.prefix}`;
    if (f.minLength !== undefined) return `a string of at least ${f.minLength} characters`;
    return 'a string';
  }
  return core._zod.def.type;
}

function plural(phrase: string): string {
  const m = /^an? (\w+)(.*)$/.exec(phrase);
  if (m) return `${m[1]}s${m[2]}`;
  return phrase;
}

/**
 * Edit distance counting a swap of two neighbouring letters as one edit (optimal string
 * alignment), since "prot" for "port" is a typing slip, not two.
 */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array<number>(rows * cols).fill(0);
  const at = (i: number, j: number) => d[i * cols + j]!;
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, at(i - 2, j - 2) + 1);
      d[i * cols + j] = v;
    }
  }
  return at(a.length, b.length);
}

/** The known name closest to `word`, when it is close enough to be a likely typo. */
export function closest(word: string, known: readonly string[]): string | undefined {
  const lower = word.toLowerCase();
  let best: string | undefined;
  let bestScore = Infinity;
  for (const k of known) {
    // Case slips ("pathprefix") and separators ("max_body_bytes") are the commonest typos.
    const norm = (s: string) => s.toLowerCase().replace(/[-_]/g, '');
    const score = norm(k) === norm(word) ? 0 : editDistance(lower, k.toLowerCase());
    if (score < bestScore) {
      bestScore = score;
      best = k;
    }
  }
  if (best === undefined) return undefined;
  const limit = Math.max(1, Math.floor(Math.max(word.length, best.length) / 3));
  return bestScore <= limit ? best : undefined;
}

// Schema inference from samples: types, string formats, required vs optional (seen in every
// sample of the parent or not), small enums, nested objects and arrays, and a few example values
// (masked when sensitive). Bounded: caps on properties, depth, enum values and examples, so one
// endpoint's schema never grows with traffic.

export interface InferLimits {
  maxProperties: number;
  maxDepth: number;
  /** Distinct values tracked for an enum; more and the field is not an enum. */
  maxEnum: number;
  /** Samples needed before a small value set is called an enum. */
  minSamplesForEnum: number;
  maxExamples: number;
  /** Example strings are cut to this length. */
  maxExampleChars: number;
}

export const DEFAULT_INFER_LIMITS: InferLimits = {
  maxProperties: 200,
  maxDepth: 8,
  maxEnum: 8,
  minSamplesForEnum: 20,
  maxExamples: 3,
  maxExampleChars: 64,
};

export type JsonType = 'string' | 'integer' | 'number' | 'boolean' | 'null' | 'object' | 'array';

const FORMATS: ReadonlyArray<[string, RegExp]> = [
  ['date-time', /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:[Zz]|[+-]\d{2}:\d{2})$/],
  ['date', /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/],
  ['email', /^[^\s@]{1,64}@[^\s@]{1,190}\.[A-Za-z]{2,24}$/],
  ['uuid', /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i],
  ['uri', /^[a-z][a-z0-9+.-]{1,20}:\/\/[^\s]{1,2000}$/i],
  ['ipv4', /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/],
  ['ipv6', /^(?=.*:)[0-9a-f:]{2,39}(?:%\w+)?$/i],
];

export function formatOf(s: string): string | undefined {
  if (s.length > 2048 || s.length < 2) return undefined;
  for (const [name, re] of FORMATS) if (re.test(s)) return name;
  return undefined;
}

/** A value from a query string or form: the JSON type it most likely stands for. */
export function scalarFromText(s: string): unknown {
  if (s.length > 0 && s.length < 16 && /^-?\d+$/.test(s)) return Number(s);
  if (s.length > 0 && s.length < 32 && /^-?\d+\.\d+$/.test(s)) return Number(s);
  if (s === 'true' || s === 'false') return s === 'true';
  return s;
}

export class SchemaNode {
  /** Samples of this node (present, any type). */
  count = 0;
  types = new Map<JsonType, number>();
  /** Format counts among strings; a format holds when every string had it. */
  formats = new Map<string, number>();
  strings = 0;
  /** Distinct scalar values while few; undefined once there were too many. */
  enumValues: Map<string, number> | undefined = new Map();
  properties: Map<string, SchemaNode> | undefined;
  /** Objects seen: a property seen in each of them is required. */
  objects = 0;
  /** Properties left untracked because of maxProperties. */
  droppedProperties = 0;
  items: SchemaNode | undefined;
  examples: unknown[] = [];
  /** Set by the caller when values here are sensitive: examples are masked. */
  sensitive = false;
  minLength = Infinity;
  maxLength = 0;
  minimum = Infinity;
  maximum = -Infinity;
}

function typeOf(v: unknown): JsonType {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  switch (typeof v) {
    case 'string':
      return 'string';
    case 'boolean':
      return 'boolean';
    case 'number':
      return Number.isInteger(v) ? 'integer' : 'number';
    default:
      return 'object';
  }
}

export function mask(v: unknown): unknown {
  if (typeof v !== 'string') return '***';
  if (v.length <= 4) return '***';
  return `${v.slice(0, 2)}***${v.slice(-2)}`;
}

/** Adds one sample. `onValue` sees every scalar with its JSON path (dotted, [] for array items) and may mark it sensitive. */
export function observe(
  node: SchemaNode,
  value: unknown,
  limits: InferLimits = DEFAULT_INFER_LIMITS,
  onValue?: (path: string, key: string, v: unknown) => boolean,
  path = '',
  key = '',
  depth = 0,
): void {
  node.count++;
  const t = typeOf(value);
  node.types.set(t, (node.types.get(t) ?? 0) + 1);
  if (t === 'object') {
    if (depth >= limits.maxDepth) return;
    node.objects++;
    node.properties ??= new Map();
    for (const k of Object.keys(value as object)) {
      let child = node.properties.get(k);
      if (!child) {
        if (node.properties.size >= limits.maxProperties) {
          node.droppedProperties++;
          continue;
        }
        node.properties.set(k, (child = new SchemaNode()));
      }
      observe(child, (value as Record<string, unknown>)[k], limits, onValue, path ? `${path}.${k}` : k, k, depth + 1);
    }
    return;
  }
  if (t === 'array') {
    if (depth >= limits.maxDepth) return;
    node.items ??= new SchemaNode();
    const arr = value as unknown[];
    // Items beyond the first few say little more about the shape and cost time on big pages.
    const n = Math.min(arr.length, 20);
    for (let i = 0; i < n; i++) observe(node.items, arr[i], limits, onValue, `${path}[]`, key, depth + 1);
    return;
  }
  if (onValue && onValue(path, key, value)) node.sensitive = true;
  if (t === 'string') {
    const s = value as string;
    node.strings++;
    node.minLength = Math.min(node.minLength, s.length);
    node.maxLength = Math.max(node.maxLength, s.length);
    const f = formatOf(s);
    if (f) node.formats.set(f, (node.formats.get(f) ?? 0) + 1);
  } else if (t === 'integer' || t === 'number') {
    const n = value as number;
    node.minimum = Math.min(node.minimum, n);
    node.maximum = Math.max(node.maximum, n);
  }
  if (node.enumValues && t !== 'null') {
    const k = typeof value === 'string' ? (value.length <= 64 ? value : undefined) : JSON.stringify(value);
    if (k === undefined) node.enumValues = undefined;
    else {
      node.enumValues.set(k, (node.enumValues.get(k) ?? 0) + 1);
      if (node.enumValues.size > limits.maxEnum) node.enumValues = undefined;
    }
  }
  if (node.examples.length < limits.maxExamples) {
    const ex = typeof value === 'string' && value.length > limits.maxExampleChars ? value.slice(0, limits.maxExampleChars) + '…' : value;
    if (!node.examples.some((e) => e === ex)) node.examples.push(ex);
  }
}

/** Combines two nodes' observations (used when templates merge). */
export function mergeNodes(a: SchemaNode, b: SchemaNode, limits: InferLimits = DEFAULT_INFER_LIMITS): SchemaNode {
  a.count += b.count;
  for (const [t, n] of b.types) a.types.set(t, (a.types.get(t) ?? 0) + n);
  for (const [f, n] of b.formats) a.formats.set(f, (a.formats.get(f) ?? 0) + n);
  a.strings += b.strings;
  a.objects += b.objects;
  a.droppedProperties += b.droppedProperties;
  a.sensitive ||= b.sensitive;
  a.minLength = Math.min(a.minLength, b.minLength);
  a.maxLength = Math.max(a.maxLength, b.maxLength);
  a.minimum = Math.min(a.minimum, b.minimum);
  a.maximum = Math.max(a.maximum, b.maximum);
  if (a.enumValues && b.enumValues) {
    for (const [k, n] of b.enumValues) a.enumValues.set(k, (a.enumValues.get(k) ?? 0) + n);
    if (a.enumValues.size > limits.maxEnum) a.enumValues = undefined;
  } else a.enumValues = undefined;
  for (const e of b.examples) if (a.examples.length < limits.maxExamples && !a.examples.includes(e)) a.examples.push(e);
  if (b.properties) {
    a.properties ??= new Map();
    for (const [k, child] of b.properties) {
      const mine = a.properties.get(k);
      if (mine) mergeNodes(mine, child, limits);
      else if (a.properties.size < limits.maxProperties) a.properties.set(k, child);
      else a.droppedProperties++;
    }
  }
  if (b.items) a.items = a.items ? mergeNodes(a.items, b.items, limits) : b.items;
  return a;
}

export type JsonSchema = Record<string, unknown>;

/** The inferred JSON Schema (2020-12 / OpenAPI 3.1 dialect). */
export function toJsonSchema(node: SchemaNode, limits: InferLimits = DEFAULT_INFER_LIMITS): JsonSchema {
  const types = [...node.types.keys()];
  // An integer seen alongside fractional numbers is a number.
  const merged = types.includes('number') ? types.filter((t) => t !== 'integer') : types;
  const out: JsonSchema = {};
  if (merged.length === 1) out.type = merged[0];
  else if (merged.length > 1) out.type = merged.sort();
  const has = (t: JsonType) => merged.includes(t);
  if (has('string') && node.strings > 0) {
    for (const [f, n] of node.formats) if (n === node.strings) out.format = f;
  }
  if (has('object') && node.properties) {
    const props: Record<string, JsonSchema> = {};
    const required: string[] = [];
    for (const [k, child] of node.properties) {
      props[k] = toJsonSchema(child, limits);
      if (node.objects > 0 && child.count >= node.objects) required.push(k);
    }
    out.properties = props;
    if (required.length > 0) out.required = required.sort();
  }
  if (has('array')) out.items = node.items ? toJsonSchema(node.items, limits) : {};
  const scalarOnly = merged.every((t) => t === 'string' || t === 'integer' || t === 'boolean' || t === 'null') && !has('boolean');
  if (scalarOnly && node.enumValues && node.enumValues.size > 0 && node.count >= limits.minSamplesForEnum && !node.sensitive && !out.format) {
    const values = [...node.enumValues.keys()].map((k) => (has('string') ? k : (JSON.parse(k) as unknown)));
    // An enum must be a small set repeated often, not a handful of ids seen once each.
    if (node.enumValues.size <= Math.max(2, Math.floor(node.count / 5))) out.enum = values;
  }
  if (node.examples.length > 0 && !has('object') && !has('array')) out.examples = node.sensitive ? node.examples.map(mask) : node.examples;
  if (node.sensitive) out['x-sensitive'] = true;
  return out;
}

/** Dotted paths of every property (a.b, items[].id): what drift compares with a contract. */
export function propertyPaths(node: SchemaNode, prefix = '', out: string[] = [], limit = 1000): string[] {
  if (node.properties) {
    for (const [k, child] of node.properties) {
      if (out.length >= limit) return out;
      const p = prefix ? `${prefix}.${k}` : k;
      out.push(p);
      propertyPaths(child, p, out, limit);
    }
  }
  if (node.items) propertyPaths(node.items, `${prefix}[]`, out, limit);
  return out;
}

/** A short fingerprint of a body's shape: its sorted top-level keys (or its type). */
export function shapeOf(value: unknown): string {
  const t = typeOf(value);
  if (t !== 'object') return t;
  return Object.keys(value as object).sort().slice(0, 50).join(',');
}

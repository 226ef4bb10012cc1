// Valid values from a schema: the contract's own examples first, then enums, formats and bounds.
// Exploration needs requests the API accepts; a rejected request tests nothing behind validation.
import { randomUUID } from 'node:crypto';
import type { Schema } from './import/index.js';

const MAX_DEPTH = 8;

function typeOf(s: Schema): string | undefined {
  const t = s.type;
  if (typeof t === 'string') return t;
  if (Array.isArray(t)) return t.find((x) => x !== 'null') as string | undefined;
  if (s.properties) return 'object';
  if (s.items) return 'array';
  return undefined;
}

function firstOf(s: Schema): Schema | undefined {
  for (const k of ['oneOf', 'anyOf'] as const) if (Array.isArray(s[k]) && (s[k] as unknown[]).length > 0) return (s[k] as Schema[])[0];
  return undefined;
}

function merged(s: Schema): Schema {
  if (!Array.isArray(s.allOf)) return s;
  const out: Schema = { ...s, properties: { ...((s.properties as Schema) ?? {}) }, required: [...((s.required as string[]) ?? [])] };
  delete out.allOf;
  for (const part of s.allOf as Schema[]) {
    const p = merged(part);
    Object.assign(out.properties as Schema, p.properties ?? {});
    (out.required as string[]).push(...((p.required as string[]) ?? []));
    for (const [k, v] of Object.entries(p)) if (k !== 'properties' && k !== 'required' && out[k] === undefined) out[k] = v;
  }
  return out;
}

function stringFor(s: Schema, name: string): string {
  const f = typeof s.format === 'string' ? s.format : '';
  const n = name.toLowerCase();
  if (f === 'email' || /e-?mail/.test(n)) return 'palisade.probe@example.com';
  if (f === 'uri' || f === 'url' || /(^|_)(url|uri|link|href)$/.test(n)) return 'https://example.com/palisade';
  if (f === 'date-time') return new Date().toISOString();
  if (f === 'date') return new Date().toISOString().slice(0, 10);
  if (f === 'uuid') return randomUUID();
  if (f === 'ipv4') return '192.0.2.10';
  if (/phone/.test(n)) return '+1 202-555-0199';
  const min = typeof s.minLength === 'number' ? s.minLength : 0;
  const max = typeof s.maxLength === 'number' ? s.maxLength : 64;
  const candidates = ['palisade', 'PALISADE1', 'palisade-probe', 'Palisade Probe', 'abc123', 'a'];
  if (typeof s.pattern === 'string') {
    try {
      const re = new RegExp(s.pattern);
      for (const c of candidates) if (re.test(c) && c.length >= min && c.length <= max) return c;
    } catch {
      // An invalid pattern constrains nothing we can honour.
    }
  }
  let v = 'palisade';
  while (v.length < min) v += 'x';
  return v.slice(0, Math.max(1, max));
}

/** A value the contract accepts for `schema` (`name` helps for untyped strings: email, url...). */
export function sampleValue(schema: Schema | undefined, name = '', depth = 0): unknown {
  if (!schema || depth > MAX_DEPTH) return 'palisade';
  const s = merged(schema);
  if (s.example !== undefined) return s.example;
  if (Array.isArray(s.examples) && s.examples.length > 0) return s.examples[0];
  if (s.const !== undefined) return s.const;
  if (s.default !== undefined && s.default !== null) return s.default;
  if (Array.isArray(s.enum) && s.enum.length > 0) return s.enum.find((e) => e !== null) ?? s.enum[0];
  const alt = firstOf(s);
  if (alt) return sampleValue(alt, name, depth + 1);
  switch (typeOf(s)) {
    case 'integer':
    case 'number': {
      const min = typeof s.minimum === 'number' ? s.minimum : typeof s.exclusiveMinimum === 'number' ? s.exclusiveMinimum + 1 : 1;
      const max = typeof s.maximum === 'number' ? s.maximum : Number.MAX_SAFE_INTEGER;
      return Math.min(Math.max(min, 1), max);
    }
    case 'boolean':
      return true;
    case 'array': {
      const n = typeof s.minItems === 'number' && s.minItems > 1 ? Math.min(s.minItems, 5) : 1;
      return Array.from({ length: n }, () => sampleValue(s.items as Schema | undefined, name, depth + 1));
    }
    case 'object':
      return sampleObject(s, depth);
    default:
      return stringFor(s, name);
  }
}

/** Required properties, plus optional ones that carry an example; never readOnly ones. */
export function sampleObject(schema: Schema, depth = 0): Record<string, unknown> {
  const s = merged(schema);
  const props = (s.properties ?? {}) as Record<string, Schema>;
  const required = new Set((s.required as string[] | undefined) ?? []);
  const out: Record<string, unknown> = {};
  for (const [k, p] of Object.entries(props)) {
    if (p.readOnly === true) continue;
    if (required.has(k) || p.example !== undefined) out[k] = sampleValue(p, k, depth + 1);
  }
  if (Object.keys(out).length === 0 && typeof s.minProperties === 'number' && s.minProperties > 0) {
    const first = Object.entries(props).find(([, p]) => p.readOnly !== true);
    if (first) out[first[0]] = sampleValue(first[1], first[0], depth + 1);
  }
  return out;
}

/** The property names a schema documents (one level; allOf merged). */
export function documentedProperties(schema: Schema | undefined): Set<string> | undefined {
  if (!schema) return undefined;
  const s = merged(schema);
  if (!s.properties && typeOf(s) !== 'object') return undefined;
  return new Set(Object.keys((s.properties ?? {}) as object));
}

export function propertySchema(schema: Schema | undefined, name: string): Schema | undefined {
  if (!schema) return undefined;
  const s = merged(schema);
  return ((s.properties ?? {}) as Record<string, Schema>)[name];
}

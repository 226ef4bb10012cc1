// What an audit rule is, and the helpers rules share to find what they look at.
import type { Confidence, OwaspApiCategory, Severity } from '../../core/index.js';
import type { AuditModel, Media, Obj, Operation, Param, SchemaVisit } from './model.js';
import { walkSchema } from './model.js';
import type { Loc, Located } from './source.js';
import { escapeSegment, pointerSegments } from './source.js';

export interface Occurrence {
  loc: Loc;
  /** The operation whose definition holds the node (undefined for shared components and document-level nodes). */
  operation?: Operation;
  /** Every operation affected (for the score); defaults to [operation] or none. */
  affects?: Operation[];
  /** The stable part of the evidence for the fingerprint: a parameter name, a property path, a URL. */
  key: string;
  /** What was found, for people: names the parameter, property or value. */
  message: string;
}

export interface AuditRule {
  /** Permanent: PAL-AUDIT-NNN, retired never reused. */
  id: string;
  title: string;
  severity: Severity;
  category: OwaspApiCategory;
  cwe: number;
  /** Why it matters. */
  description: string;
  /** How to fix it in the API or the document. */
  remediation: string;
  /** The palisade.yaml policy that mitigates it while the API is fixed, when one exists. */
  shieldPolicy?: string;
  /** Name-based heuristics are tentative; structural facts are firm. */
  confidence: Confidence;
  check(model: AuditModel): Occurrence[];
}

/** The operation whose own definition contains `loc`, if any. */
export function ownerOf(model: AuditModel, loc: Loc): Operation | undefined {
  if (loc.file !== model.source.root) return undefined;
  return model.operations.find((op) => {
    const p = `/paths/${escapeSegment(op.path)}/${op.method.toLowerCase()}`;
    return loc.pointer === p || loc.pointer.startsWith(p + '/');
  });
}

export function occurrence(model: AuditModel, loc: Loc, key: string, message: string, affects?: Operation[]): Occurrence {
  const operation = ownerOf(model, loc);
  return { loc, key, message, ...(operation ? { operation } : {}), ...(affects ? { affects } : operation ? { affects: [operation] } : {}) };
}

/** A key that stays put while the document is edited elsewhere: the node's pointer in its file, file name included when not the root. */
export function stableKey(model: AuditModel, loc: Loc, suffix = ''): string {
  const file = loc.file === model.source.root ? '' : model.source.displayPath(loc.file);
  return `${file}#${loc.pointer}${suffix}`;
}

export interface InputSchema {
  visit: SchemaVisit;
  /** Where the input comes from: a parameter (query/path/header/cookie/formData) or a body. */
  source: 'parameter' | 'body';
  param?: Param;
  media?: Media;
  ops: Operation[];
}

/**
 * Every schema a client controls (parameters, request bodies, form fields), once per location,
 * with the operations that accept it.
 */
export function inputSchemas(model: AuditModel): InputSchema[] {
  const byLoc = new Map<string, InputSchema>();
  const add = (root: Located<Obj>, op: Operation, base: Omit<InputSchema, 'visit' | 'ops'>, rootName?: string): void => {
    walkSchema(model.source, root, (visit) => {
      const k = `${visit.schema.loc.file}#${visit.schema.loc.pointer}`;
      const have = byLoc.get(k);
      if (have) {
        if (!have.ops.includes(op)) have.ops.push(op);
        return;
      }
      const v = visit.depth === 0 && rootName !== undefined ? { ...visit, property: rootName, path: rootName } : visit;
      byLoc.set(k, { ...base, visit: v, ops: [op] });
    });
  };
  for (const op of model.operations) {
    for (const p of [...op.parameters, ...op.formData]) if (p.schema) add(p.schema, op, { source: 'parameter', param: p }, p.name);
    for (const m of op.requestBody) if (m.schema) add(m.schema, op, { source: 'body', media: m });
  }
  return [...byLoc.values()];
}

export interface OutputSchema {
  visit: SchemaVisit;
  status: string;
  media: Media;
  ops: Operation[];
}

/** Every schema of a response body, once per location, with the operations that return it. */
export function outputSchemas(model: AuditModel, filter: (status: string) => boolean = () => true): OutputSchema[] {
  const byLoc = new Map<string, OutputSchema>();
  for (const op of model.operations) {
    for (const r of op.responses) {
      if (!filter(r.status)) continue;
      for (const m of r.content) {
        if (!m.schema) continue;
        walkSchema(model.source, m.schema, (visit) => {
          const k = `${visit.schema.loc.file}#${visit.schema.loc.pointer}`;
          const have = byLoc.get(k);
          if (have) {
            if (!have.ops.includes(op)) have.ops.push(op);
          } else byLoc.set(k, { visit, status: r.status, media: m, ops: [op] });
        });
      }
    }
  }
  return [...byLoc.values()];
}

/** Human name of an input: `query parameter "limit"`, `body property "user.email"`. */
export function inputName(i: InputSchema): string {
  if (i.source === 'parameter' && i.param) {
    const sub = i.visit.path && i.visit.path !== i.param.name ? ` (${i.visit.path})` : '';
    return `${i.param.in} parameter "${i.param.name}"${sub}`;
  }
  return i.visit.path ? `body property "${i.visit.path}"` : 'request body';
}

/** Finds every string value in a node (examples), with its location. */
export function stringsIn(value: unknown, loc: Loc, out: Array<{ value: string; loc: Loc; key?: string }> = [], key?: string, depth = 0): typeof out {
  if (depth > 32 || out.length > 10_000) return out;
  if (typeof value === 'string') out.push({ value, loc, ...(key !== undefined ? { key } : {}) });
  else if (Array.isArray(value)) value.forEach((v, i) => stringsIn(v, { file: loc.file, pointer: `${loc.pointer}/${i}` }, out, key, depth + 1));
  else if (value !== null && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) stringsIn(v, { file: loc.file, pointer: `${loc.pointer}/${escapeSegment(k)}` }, out, k, depth + 1);
  return out;
}

export function lastSegment(loc: Loc): string {
  const s = pointerSegments(loc.pointer);
  return s[s.length - 1] ?? '';
}

export function isSecured(op: Operation): boolean {
  // `[{}]` is an explicit "anonymous allowed" alternative: one empty requirement means public.
  return op.security.length > 0 && !op.security.some((r) => Object.keys(r).length === 0);
}

export function hostOf(url: string): string | undefined {
  try {
    return new URL(url).hostname.replace(/^\[|\]$/g, '').toLowerCase();
  } catch {
    return undefined;
  }
}

/** Loopback, private (RFC 1918, ULA), link-local and "localhost" names. */
export function isInternalHost(host: string): boolean {
  if (host === 'localhost' || host.endsWith('.localhost') || host === '0.0.0.0' || host === '::' || host === '::1') return true;
  if (/\.(internal|local|lan|corp|intranet|private)$/.test(host)) return true;
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(host);
  if (m) {
    const [a, b] = [Number(m[1]), Number(m[2])];
    return a === 127 || a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254) || a === 0;
  }
  return /^f[cd][0-9a-f]{2}:/.test(host) || /^fe[89ab][0-9a-f]:/.test(host);
}

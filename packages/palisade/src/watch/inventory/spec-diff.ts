// The inventory against an OpenAPI document: shadow endpoints (seen, not documented), zombies
// (documented as deprecated or retired, or an older version still called while the document
// has moved on), orphans (documented, never seen) and drift (parameters and fields seen that the
// contract lacks).
import { compileContract, loadDocument } from '../../core/index.js';
import type { Contract, ContractOperation } from '../../core/index.js';
import type { EndpointStats } from './inventory.js';
import { propertyPaths } from './schema-infer.js';
import { splitPath } from './templater.js';
import { isVersion } from './words.js';

type Json = Record<string, unknown>;

export interface Spec {
  source: string;
  contract: Contract;
  /** The dereferenced document (for schemas the compiled contract does not expose). */
  doc: Json;
}

export async function loadSpec(source: string): Promise<Spec> {
  const doc = await loadDocument(source);
  // compileContract normalises the document in place (OpenAPI 3.0 nullable...), which suits the
  // schema walks below too.
  const contract = compileContract(doc, source);
  return { source, contract, doc };
}

export interface EndpointDiff {
  documented: boolean;
  /** The documented operation this endpoint is. */
  operation?: { method: string; template: string; operationId?: string };
  shadow: boolean;
  zombie: boolean;
  zombieReason?: string;
  /** Inputs and fields seen that the contract lacks: query.x, header.x, request.body.a.b, response.200.body.c, response.500. */
  drift: string[];
}

export interface SpecDiff {
  source: string;
  title: string;
  version: string;
  byEndpoint: Map<EndpointStats, EndpointDiff>;
  orphans: Array<{ method: string; template: string; operationId?: string }>;
}

const MAX_DRIFT = 50;

function isObj(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Property paths a schema documents, in propertyPaths()'s notation; `open` when some object
 * accepts any property (no properties and additionalProperties not false), so nothing under it
 * can be called drift.
 */
export function documentedPaths(schema: unknown, prefix = '', out = { paths: new Set<string>(), open: new Set<string>() }, depth = 0): typeof out {
  if (!isObj(schema) || depth > 12) return out;
  for (const k of ['allOf', 'oneOf', 'anyOf'] as const) {
    const list = schema[k];
    if (Array.isArray(list)) for (const s of list) documentedPaths(s, prefix, out, depth + 1);
  }
  const props = schema.properties;
  if (isObj(props)) {
    for (const [k, s] of Object.entries(props)) {
      const p = prefix ? `${prefix}.${k}` : k;
      out.paths.add(p);
      documentedPaths(s, p, out, depth + 1);
    }
  }
  const type = schema.type;
  const isObjectType = type === 'object' || (Array.isArray(type) && type.includes('object'));
  if (!isObj(props) && (isObjectType || type === undefined) && schema.additionalProperties !== false && !schema.items && !schema.allOf && !schema.oneOf && !schema.anyOf) {
    out.open.add(prefix);
  } else if (isObj(schema.additionalProperties) || schema.additionalProperties === true) out.open.add(prefix);
  if (schema.items) documentedPaths(schema.items, `${prefix}[]`, out, depth + 1);
  return out;
}

function undocumented(seen: string[], doc: ReturnType<typeof documentedPaths>): string[] {
  const out: string[] = [];
  for (const p of seen) {
    if (doc.paths.has(p)) continue;
    // Under an open object (or the body itself open), anything goes.
    let open = doc.open.has('');
    for (const o of doc.open) if (o !== '' && (p === o || p.startsWith(o + '.') || p.startsWith(o + '['))) open = true;
    if (open) continue;
    // Report a missing object once, not each of its fields.
    if (out.some((q) => p.startsWith(q + '.') || p.startsWith(q + '['))) continue;
    out.push(p);
  }
  return out;
}

function docOperation(spec: Spec, op: ContractOperation): Json | undefined {
  const paths = spec.doc.paths;
  if (!isObj(paths)) return undefined;
  const item = paths[op.template];
  if (!isObj(item)) return undefined;
  const o = item[op.method.toLowerCase()];
  return isObj(o) ? o : undefined;
}

function jsonSchemaOf(content: unknown): unknown {
  if (!isObj(content)) return undefined;
  for (const [type, mt] of Object.entries(content)) {
    if (/json/i.test(type) && isObj(mt)) return mt.schema ?? {};
  }
  return undefined;
}

function responseFor(op: Json, status: number): Json | undefined {
  const rs = op.responses;
  if (!isObj(rs)) return undefined;
  const exact = rs[String(status)];
  if (isObj(exact)) return exact;
  const range = rs[`${Math.floor(status / 100)}XX`] ?? rs[`${Math.floor(status / 100)}xx`];
  if (isObj(range)) return range;
  return isObj(rs.default) ? rs.default : undefined;
}

function versionOf(seg: string): number | undefined {
  if (!isVersion(seg)) return undefined;
  const m = /\d+(?:\.\d+)?/.exec(seg);
  return m ? Number(m[0]) : undefined;
}

/** Newest version number the document uses at each (prefix, position): '/api' → 2 for /api/v2/... */
function newestVersions(contract: Contract): Map<string, number> {
  const out = new Map<string, number>();
  for (const op of contract.operations) {
    const segs = splitPath(op.template);
    for (let i = 0; i < segs.length; i++) {
      const v = versionOf(segs[i]!);
      if (v === undefined) continue;
      const prefix = segs.slice(0, i).join('/');
      out.set(prefix, Math.max(out.get(prefix) ?? -Infinity, v));
    }
  }
  return out;
}

function isRetired(op: Json | undefined, now: number): boolean {
  if (!op) return false;
  if (op['x-retired'] === true) return true;
  const sunset = op['x-sunset'];
  if (typeof sunset === 'string') {
    const t = Date.parse(sunset);
    return Number.isFinite(t) && t <= now;
  }
  return false;
}

export function diffAgainstSpec(endpoints: readonly EndpointStats[], spec: Spec, now = Date.now()): SpecDiff {
  const { contract } = spec;
  const seen = new Set<ContractOperation>();
  const byEndpoint = new Map<EndpointStats, EndpointDiff>();
  const newest = newestVersions(contract);
  for (const ep of endpoints) {
    const m = contract.match(ep.method, ep.examplePath || ep.template);
    if (m.kind !== 'match') {
      const d: EndpointDiff = { documented: false, shadow: true, zombie: false, drift: [] };
      // An older version of a versioned API the document has moved on from.
      // Versions are compared below the servers' base path (/api in /api/v1/...).
      const base = contract.basePaths.find((b) => b !== '' && (ep.template === b || ep.template.startsWith(b + '/')));
      const segs = splitPath(base ? ep.template.slice(base.length) : ep.template);
      for (let i = 0; i < segs.length; i++) {
        const v = versionOf(segs[i]!);
        if (v === undefined) continue;
        const latest = newest.get(segs.slice(0, i).join('/'));
        if (latest !== undefined && v < latest) {
          d.zombie = true;
          d.zombieReason = `${segs[i]} is older than the documented ${segs[i]!.startsWith('v') ? 'v' : ''}${latest}`;
        }
        break;
      }
      byEndpoint.set(ep, d);
      continue;
    }
    const op = m.match.operation;
    seen.add(op);
    const raw = docOperation(spec, op);
    const d: EndpointDiff = {
      documented: true,
      operation: { method: op.method, template: op.template, ...(op.operationId ? { operationId: op.operationId } : {}) },
      shadow: false,
      zombie: false,
      drift: [],
    };
    if (op.deprecated) {
      d.zombie = true;
      d.zombieReason = 'documented as deprecated';
    } else if (isRetired(raw, now)) {
      d.zombie = true;
      d.zombieReason = 'documented as retired (x-retired / x-sunset passed)';
    }
    const q = new Set(op.params.filter((p) => p.in === 'query').map((p) => p.name));
    const h = new Set(op.params.filter((p) => p.in === 'header').map((p) => p.name.toLowerCase()));
    for (const name of ep.query.keys()) if (!q.has(name)) d.drift.push(`query.${name}`);
    for (const name of ep.headers.keys()) if (!h.has(name) && name.startsWith('x-')) d.drift.push(`header.${name}`);
    if (raw) {
      const rb = isObj(raw.requestBody) ? raw.requestBody : undefined;
      const reqSchema = rb ? jsonSchemaOf(rb.content) : undefined;
      for (const [media, node] of ep.requestBodies) {
        if (!/json|form/.test(media)) continue;
        if (reqSchema === undefined) {
          if (!rb) d.drift.push('request.body');
          continue;
        }
        for (const p of undocumented(propertyPaths(node), documentedPaths(reqSchema))) d.drift.push(`request.body.${p}`);
      }
      for (const [status, r] of ep.responses) {
        const doc = responseFor(raw, status);
        if (!doc) {
          d.drift.push(`response.${status}`);
          continue;
        }
        const schema = jsonSchemaOf(doc.content);
        const node = [...r.bodies.entries()].find(([media]) => /json/.test(media))?.[1];
        if (!node || schema === undefined) continue;
        for (const p of undocumented(propertyPaths(node), documentedPaths(schema))) d.drift.push(`response.${status}.body.${p}`);
      }
    }
    if (d.drift.length > MAX_DRIFT) d.drift.length = MAX_DRIFT;
    byEndpoint.set(ep, d);
  }
  const orphans = contract.operations
    .filter((op) => !seen.has(op))
    .map((op) => ({ method: op.method, template: op.template, ...(op.operationId ? { operationId: op.operationId } : {}) }));
  return { source: spec.source, title: contract.title, version: contract.version, byEndpoint, orphans };
}

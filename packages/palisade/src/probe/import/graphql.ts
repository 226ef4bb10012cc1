// GraphQL into the scanner's ApiModel: the schema comes from an introspection query sent to the
// endpoint (`graphql:https://api.example.com/graphql`) or from a saved introspection result (JSON
// with `__schema`). Each query and mutation field becomes one POST operation on the endpoint whose
// body is a GraphQL request with one variable per argument, so exploration sends valid queries
// and the injection checks attack the variables.
import { request } from 'undici';
import type { ImportDefect } from '../report.js';
import type { ApiModel, ScanOperation } from './model.js';
import { IMPORT_LIMITS, isObj } from './model.js';

/** What the importer asks: names, kinds, arguments and field types, five levels of wrapping. */
export const INTROSPECTION_QUERY = `query PalisadeIntrospection { __schema { queryType { name } mutationType { name } types { kind name fields(includeDeprecated: true) { name args { name type { ...T } } type { ...T } } inputFields { name type { ...T } } enumValues(includeDeprecated: true) { name } } } }
fragment T on __Type { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } }`;

/** Limits: selection depth, fields selected per object, input object nesting, recursion searched. */
const GQL_LIMITS = { selectionDepth: 2, fieldsPerObject: 12, inputDepth: 4, types: 20_000, cycleLength: 4 } as const;

interface TypeRef { kind: string; name?: string | null; ofType?: TypeRef | null }
interface GqlField { name: string; args?: Array<{ name: string; type: TypeRef }>; type: TypeRef }
interface GqlType { kind: string; name: string; fields?: GqlField[] | null; inputFields?: Array<{ name: string; type: TypeRef }> | null; enumValues?: Array<{ name: string }> | null }

/** Fields that delete: never sent by exploration (the scan would destroy data it did not create). */
const DESTRUCTIVE_FIELD = /^(delete|remove|destroy|drop|purge|wipe|reset)/i;

export function looksLikeIntrospection(data: unknown): boolean {
  return isObj(data) && (isObj(data.__schema) || (isObj(data.data) && isObj(data.data.__schema)));
}

/** Sends the introspection query to `endpoint`; refused introspection is an input error naming the endpoint. */
export async function fetchIntrospection(endpoint: string): Promise<unknown> {
  let res;
  try {
    res = await request(endpoint, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify({ query: INTROSPECTION_QUERY }), headersTimeout: IMPORT_LIMITS.fetchTimeoutMs, bodyTimeout: IMPORT_LIMITS.fetchTimeoutMs });
  } catch (err) {
    throw new Error(`GraphQL endpoint ${endpoint} cannot be reached: ${(err as Error).message}`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of res.body) {
    size += (c as Buffer).length;
    if (size > IMPORT_LIMITS.maxBytes) {
      res.body.destroy();
      throw new Error(`GraphQL endpoint ${endpoint}: introspection answer larger than ${IMPORT_LIMITS.maxBytes} bytes`);
    }
    chunks.push(c as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  let data: unknown;
  try {
    data = JSON.parse(text) as unknown;
  } catch {
    throw new Error(`GraphQL endpoint ${endpoint} answered HTTP ${res.statusCode} without JSON: ${text.slice(0, 120)}`);
  }
  if (!looksLikeIntrospection(data)) throw new Error(`GraphQL endpoint ${endpoint} refused introspection (HTTP ${res.statusCode}: ${text.slice(0, 160)}); save the schema's introspection result to a file and scan that`);
  return data;
}

function unwrap(t: TypeRef): TypeRef {
  let cur = t;
  for (let i = 0; i < 8 && (cur.kind === 'NON_NULL' || cur.kind === 'LIST') && cur.ofType; i++) cur = cur.ofType;
  return cur;
}

/** The type as written in a variable definition: [String!]! */
export function typeText(t: TypeRef, depth = 0): string {
  if (depth > 8) return 'String';
  if (t.kind === 'NON_NULL' && t.ofType) return `${typeText(t.ofType, depth + 1)}!`;
  if (t.kind === 'LIST' && t.ofType) return `[${typeText(t.ofType, depth + 1)}]`;
  return t.name ?? 'String';
}

export function importGraphql(data: unknown, location: string, endpoint: string | undefined, defects: ImportDefect[]): ApiModel {
  const schema = (isObj(data) && isObj(data.__schema) ? data.__schema : isObj(data) && isObj(data.data) ? data.data.__schema : undefined) as Record<string, unknown> | undefined;
  if (!schema || !Array.isArray(schema.types)) throw new Error('not a GraphQL introspection result: no __schema.types');
  const types = new Map<string, GqlType>();
  for (const t of (schema.types as unknown[]).slice(0, GQL_LIMITS.types)) if (isObj(t) && typeof t.name === 'string' && typeof t.kind === 'string') types.set(t.name, t as unknown as GqlType);
  let path = '/graphql';
  const servers: string[] = [];
  if (endpoint) {
    const u = new URL(endpoint);
    path = u.pathname || '/';
    servers.push(u.origin);
  } else defects.push({ severity: 'warning', message: 'a saved introspection result does not say where the endpoint is; /graphql on the target is assumed' });

  const sample = (t: TypeRef, depth: number, wraps = 0): unknown => {
    // A hostile document can nest ofType without end; real types wrap a few times at most.
    if (wraps > 8) return null;
    if (t.kind === 'NON_NULL' && t.ofType) return sample(t.ofType, depth, wraps + 1);
    if (t.kind === 'LIST' && t.ofType) return [sample(t.ofType, depth, wraps + 1)];
    const named = types.get(t.name ?? '');
    switch (t.name) {
      case 'Int': return 1;
      case 'Float': return 1.5;
      case 'Boolean': return true;
      case 'ID': return '1';
      case 'String': return 'palisade';
      default: break;
    }
    if (named?.kind === 'ENUM') return named.enumValues?.[0]?.name ?? null;
    if (named?.kind === 'INPUT_OBJECT') {
      if (depth >= GQL_LIMITS.inputDepth) return null;
      const o: Record<string, unknown> = {};
      for (const f of named.inputFields ?? []) if (f.type.kind === 'NON_NULL' || unwrap(f.type).name === 'String') o[f.name] = sample(f.type, depth + 1);
      return o;
    }
    return 'palisade';
  };

  const selection = (t: TypeRef, depth: number): string => {
    const named = types.get(unwrap(t).name ?? '');
    if (!named || (named.kind !== 'OBJECT' && named.kind !== 'INTERFACE')) return '';
    const scalars = (named.fields ?? []).filter((f) => !(f.args ?? []).some((a) => a.type.kind === 'NON_NULL') && ['SCALAR', 'ENUM'].includes(types.get(unwrap(f.type).name ?? '')?.kind ?? 'SCALAR'));
    const picked = scalars.slice(0, GQL_LIMITS.fieldsPerObject).map((f) => f.name);
    if (picked.length === 0 && depth < GQL_LIMITS.selectionDepth) {
      for (const f of named.fields ?? []) {
        const sub = selection(f.type, depth + 1);
        if (sub && !(f.args ?? []).some((a) => a.type.kind === 'NON_NULL')) {
          picked.push(`${f.name} ${sub}`);
          break;
        }
      }
    }
    return picked.length > 0 ? `{ ${picked.join(' ')} }` : '{ __typename }';
  };

  // The shortest chain of object fields without required arguments that leads from a type back to
  // itself: a recursive type lets a client nest a query without end unless the server limits depth.
  const cycleFrom = (start: string): string[] | undefined => {
    const queue: Array<{ type: string; path: string[] }> = [{ type: start, path: [] }];
    const seen = new Set<string>([start]);
    while (queue.length > 0) {
      const { type, path: via } = queue.shift()!;
      if (via.length >= GQL_LIMITS.cycleLength) continue;
      for (const f of types.get(type)?.fields ?? []) {
        if ((f.args ?? []).some((a) => a.type.kind === 'NON_NULL')) continue;
        const to = unwrap(f.type).name ?? '';
        const kind = types.get(to)?.kind;
        if (kind !== 'OBJECT' && kind !== 'INTERFACE') continue;
        if (to === start) return [...via, f.name];
        if (!seen.has(to)) {
          seen.add(to);
          queue.push({ type: to, path: [...via, f.name] });
        }
      }
    }
    return undefined;
  };

  const operations: ScanOperation[] = [];
  for (const kind of ['query', 'mutation'] as const) {
    const rootName = isObj(schema[`${kind}Type`]) ? (schema[`${kind}Type`] as Record<string, unknown>).name : undefined;
    if (typeof rootName !== 'string') continue;
    const root = types.get(rootName);
    if (!root) {
      defects.push({ severity: 'warning', message: `the ${kind} type ${rootName} is not among the schema's types; its fields are not scanned` });
      continue;
    }
    for (const f of root.fields ?? []) {
      if (operations.length >= IMPORT_LIMITS.maxOperations) break;
      const args = f.args ?? [];
      const defs = args.map((a) => `$${a.name}: ${typeText(a.type)}`).join(', ');
      const call = args.map((a) => `${a.name}: $${a.name}`).join(', ');
      const query = `${kind} Palisade${defs ? `(${defs})` : ''} { ${f.name}${call ? `(${call})` : ''} ${selection(f.type, 0)} }`.replace(/\s+}/g, ' }').replace(/ {2,}/g, ' ');
      const variables = Object.fromEntries(args.map((a) => [a.name, sample(a.type, 0)]));
      const destructive = kind === 'mutation' && DESTRUCTIVE_FIELD.test(f.name);
      const cycle = kind === 'query' ? cycleFrom(unwrap(f.type).name ?? '') : undefined;
      operations.push({
        method: 'POST',
        path,
        operationId: `${kind}.${f.name}`,
        tags: ['graphql'],
        summary: `GraphQL ${kind} ${f.name}`,
        params: [],
        body: { contentType: 'application/json', required: true, example: { query, variables } },
        responses: { '200': { contentType: 'application/json' } },
        security: 'unknown',
        scopes: [],
        roles: [],
        exercisable: !destructive,
        ...(destructive ? { reason: 'a GraphQL mutation that deletes: never sent' } : {}),
        pointer: `/__schema/types/${rootName}/fields/${f.name}`,
        graphql: { kind, field: f.name, ...(cycle ? { cycle } : {}) },
      });
    }
  }
  if (operations.length === 0) defects.push({ severity: 'error', message: 'the GraphQL schema has no query or mutation fields' });
  return { source: location, format: 'graphql', servers, operations, defects };
}

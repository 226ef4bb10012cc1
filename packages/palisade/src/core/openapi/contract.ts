// An API contract compiled from an OpenAPI 3.0/3.1 or Swagger 2.0 document: operations matched
// by method and path template (behind the servers' base paths), and request validators compiled
// once with ajv. Shield enforces it, Probe reads it, Watch diffs traffic against it.
import SwaggerParser from '@apidevtools/swagger-parser';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction, ErrorObject } from 'ajv';
import * as ajvFormats from 'ajv-formats';
import { PalisadeError } from '../errors.js';

// ajv-formats is CommonJS; under NodeNext its function arrives as the namespace's `default`.
const addFormats = (ajvFormats as unknown as { default: (ajv: Ajv2020) => Ajv2020 }).default;

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/** A JSON Schema as found in a document: any JSON object. */
type Schema = Record<string, unknown>;

export interface Violation {
  /** JSON pointer into the request: /query/limit, /path/orderId, /body/items/0/qty, /headers/x-api-version. */
  pointer: string;
  message: string;
}

interface CompiledParam {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required: boolean;
  validate: ValidateFunction | undefined;
  /** array-typed query parameters may repeat. */
  array: boolean;
}

export interface ContractOperation {
  method: string;
  /** The path template as documented, e.g. /orders/{orderId}. */
  template: string;
  operationId?: string;
  deprecated: boolean;
  /** Security requirements declared (operation level, else document level); empty when public. */
  security: ReadonlyArray<Record<string, readonly string[]>>;
  params: readonly CompiledParam[];
  body?: { required: boolean; media: ReadonlyMap<string, ValidateFunction | undefined> };
}

export interface OperationMatch {
  operation: ContractOperation;
  pathParams: Record<string, string>;
}

export type MatchResult = { kind: 'match'; match: OperationMatch } | { kind: 'method-not-allowed'; allowed: string[] } | { kind: 'not-found' };

interface Route {
  segments: ReadonlyArray<string | { param: string }>;
  /** Literal segments count: more literals = more specific (/users/me before /users/{id}). */
  literals: number;
  operations: Map<string, ContractOperation>;
}

export interface Contract {
  title: string;
  version: string;
  /** Path prefixes the operations live under (from servers / basePath); [''] when none. */
  basePaths: readonly string[];
  operations: readonly ContractOperation[];
  match(method: string, path: string): MatchResult;
  validateRequest(m: OperationMatch, req: RequestParts): Violation[];
}

export interface RequestParts {
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  cookies?: Record<string, string>;
  contentType?: string;
  /** Parsed body when JSON; undefined when there is none. */
  body?: unknown;
  hasBody: boolean;
}

/** OpenAPI 3.0 schemas are not quite JSON Schema: `nullable`, boolean exclusive bounds. */
function normalise30(schema: unknown, seen = new WeakSet<object>()): unknown {
  if (schema === null || typeof schema !== 'object') return schema;
  if (seen.has(schema)) return schema;
  seen.add(schema);
  if (Array.isArray(schema)) {
    schema.forEach((s, i) => (schema[i] = normalise30(s, seen)));
    return schema;
  }
  const s = schema as Schema;
  if (s.nullable === true && typeof s.type === 'string') s.type = [s.type, 'null'];
  delete s.nullable;
  if (s.exclusiveMinimum === true && typeof s.minimum === 'number') {
    s.exclusiveMinimum = s.minimum;
    delete s.minimum;
  } else if (s.exclusiveMinimum === false) delete s.exclusiveMinimum;
  if (s.exclusiveMaximum === true && typeof s.maximum === 'number') {
    s.exclusiveMaximum = s.maximum;
    delete s.maximum;
  } else if (s.exclusiveMaximum === false) delete s.exclusiveMaximum;
  for (const k of Object.keys(s)) if (k !== 'example' && k !== 'examples') s[k] = normalise30(s[k], seen);
  return s;
}

function basePathsOf(doc: Schema): string[] {
  if (typeof doc.swagger === 'string') {
    const bp = typeof doc.basePath === 'string' ? doc.basePath.replace(/\/+$/, '') : '';
    return [bp];
  }
  const servers = Array.isArray(doc.servers) ? (doc.servers as Schema[]) : [];
  const out = new Set<string>();
  for (const s of servers) {
    let url = typeof s.url === 'string' ? s.url : '';
    const vars = (s.variables ?? {}) as Record<string, { default?: string }>;
    url = url.replace(/\{([^}]+)\}/g, (_m, name: string) => vars[name]?.default ?? '');
    let path: string;
    try {
      path = new URL(url, 'http://relative.invalid').pathname;
    } catch {
      path = '';
    }
    out.add(path.replace(/\/+$/, ''));
  }
  return out.size > 0 ? [...out] : [''];
}

function formatErrors(prefix: string, errors: ErrorObject[] | null | undefined): Violation[] {
  return (errors ?? []).map((e) => {
    let pointer = prefix + e.instancePath;
    let message = e.message ?? 'is invalid';
    if (e.keyword === 'additionalProperties') {
      const p = (e.params as { additionalProperty?: string }).additionalProperty;
      pointer += `/${p}`;
      message = 'is not a documented property';
    } else if (e.keyword === 'required') {
      pointer += `/${(e.params as { missingProperty?: string }).missingProperty}`;
      message = 'is required';
    }
    return { pointer, message };
  });
}

export interface LoadOptions {
  /** Treat undeclared object properties in request bodies as violations (strict mode). */
  rejectUnknownProperties?: boolean;
}

/** Loads and dereferences a document ($refs across files included); a document failing the OpenAPI schema is refused. */
export async function loadDocument(source: string): Promise<Record<string, unknown>> {
  try {
    return (await SwaggerParser.validate(source)) as unknown as Schema;
  } catch (err) {
    const lines = (err as Error).message.split('\n');
    throw new PalisadeError('PALISADE_ERR_OPENAPI_INVALID', `${source}: ${lines[0]}`, lines.slice(1, 20).filter(Boolean), { cause: err });
  }
}

/** Loads, dereferences and compiles a document. Errors name the source. */
export async function loadContract(source: string, opts: LoadOptions = {}): Promise<Contract> {
  return compileContract(await loadDocument(source), source, opts);
}

export function compileContract(doc: Schema, source: string, opts: LoadOptions = {}): Contract {
  const is30 = typeof doc.openapi === 'string' && doc.openapi.startsWith('3.0');
  const isSwagger = typeof doc.swagger === 'string';
  if (is30 || isSwagger) normalise30(doc);
  const ajv = new Ajv2020({ allErrors: true, strict: false, validateFormats: true });
  addFormats(ajv);
  // Parameters arrive as text: this instance coerces them to the declared types before checking.
  const ajvParams = new Ajv2020({ allErrors: true, strict: false, coerceTypes: 'array' });
  addFormats(ajvParams);
  const compile = (a: Ajv2020, schema: unknown, where: string): ValidateFunction | undefined => {
    if (!schema || typeof schema !== 'object') return undefined;
    try {
      return a.compile(schema as Schema);
    } catch (err) {
      throw new PalisadeError('PALISADE_ERR_OPENAPI_INVALID', `${source}: the schema at ${where} cannot be compiled: ${(err as Error).message}`);
    }
  };
  const withClosedObjects = (schema: unknown): unknown => {
    if (!opts.rejectUnknownProperties || !schema || typeof schema !== 'object') return schema;
    const copy = structuredClone(schema) as Schema;
    const close = (s: unknown, depth: number): void => {
      if (!s || typeof s !== 'object' || depth > 64) return;
      if (Array.isArray(s)) return s.forEach((x) => close(x, depth + 1));
      const o = s as Schema;
      if ((o.type === 'object' || o.properties) && o.additionalProperties === undefined && !o.allOf && !o.anyOf && !o.oneOf) o.additionalProperties = false;
      for (const v of Object.values(o)) close(v, depth + 1);
    };
    close(copy, 0);
    return copy;
  };

  const docSecurity = (Array.isArray(doc.security) ? doc.security : []) as Array<Record<string, string[]>>;
  const paths = (doc.paths ?? {}) as Record<string, Schema>;
  const routes: Route[] = [];
  const operations: ContractOperation[] = [];
  for (const [template, item] of Object.entries(paths)) {
    const route: Route = {
      segments: template
        .split('/')
        .slice(1)
        .map((seg) => {
          const m = /^\{([^}]+)\}$/.exec(seg);
          return m ? { param: m[1]! } : seg;
        }),
      literals: 0,
      operations: new Map(),
    };
    route.literals = route.segments.filter((s) => typeof s === 'string').length;
    const shared = (Array.isArray(item.parameters) ? item.parameters : []) as Schema[];
    for (const method of METHODS) {
      const op = item[method] as Schema | undefined;
      if (!op) continue;
      const byKey = new Map<string, Schema>();
      for (const p of [...shared, ...((Array.isArray(op.parameters) ? op.parameters : []) as Schema[])]) byKey.set(`${String(p.in)}:${String(p.name)}`, p);
      const params: CompiledParam[] = [];
      let swaggerBody: Schema | undefined;
      for (const p of byKey.values()) {
        if (p.in === 'body') {
          swaggerBody = p;
          continue;
        }
        if (p.in !== 'path' && p.in !== 'query' && p.in !== 'header' && p.in !== 'cookie') continue;
        const schema = (p.schema as Schema | undefined) ?? (isSwagger ? { type: p.type, format: p.format, items: p.items, enum: p.enum, minimum: p.minimum, maximum: p.maximum, maxLength: p.maxLength, minLength: p.minLength, pattern: p.pattern } : undefined);
        const clean = schema ? Object.fromEntries(Object.entries(schema).filter(([, v]) => v !== undefined)) : undefined;
        params.push({
          name: p.in === 'header' ? String(p.name).toLowerCase() : String(p.name),
          in: p.in,
          required: p.required === true || p.in === 'path',
          // Wrapped: ajv can coerce a value only inside a parent object.
          validate: clean ? compile(ajvParams, { type: 'object', properties: { v: clean } }, `${method.toUpperCase()} ${template} parameter ${String(p.name)}`) : undefined,
          array: clean?.type === 'array',
        });
      }
      let body: ContractOperation['body'];
      const rb = op.requestBody as Schema | undefined;
      if (rb && typeof rb.content === 'object' && rb.content) {
        const media = new Map<string, ValidateFunction | undefined>();
        for (const [type, mt] of Object.entries(rb.content as Record<string, Schema>)) {
          media.set(type.toLowerCase(), compile(ajv, withClosedObjects(mt.schema), `${method.toUpperCase()} ${template} body ${type}`));
        }
        body = { required: rb.required === true, media };
      } else if (swaggerBody) {
        const consumes = (Array.isArray(op.consumes) ? op.consumes : Array.isArray(doc.consumes) ? doc.consumes : ['application/json']) as string[];
        const v = compile(ajv, withClosedObjects(swaggerBody.schema), `${method.toUpperCase()} ${template} body`);
        body = { required: swaggerBody.required === true, media: new Map(consumes.map((c) => [c.toLowerCase(), v])) };
      }
      const security = (Array.isArray(op.security) ? op.security : docSecurity) as Array<Record<string, string[]>>;
      const compiled: ContractOperation = {
        method: method.toUpperCase(),
        template,
        ...(typeof op.operationId === 'string' ? { operationId: op.operationId } : {}),
        deprecated: op.deprecated === true,
        security,
        params,
        ...(body ? { body } : {}),
      };
      route.operations.set(compiled.method, compiled);
      operations.push(compiled);
    }
    routes.push(route);
  }
  // Literal segments beat templates (/users/me before /users/{id}), then longer paths.
  routes.sort((a, b) => b.literals - a.literals || b.segments.length - a.segments.length);
  const basePaths = basePathsOf(doc).sort((a, b) => b.length - a.length);

  const matchPath = (path: string): { route: Route; params: Record<string, string> } | undefined => {
    for (const base of basePaths) {
      if (base && !(path === base || path.startsWith(base + '/'))) continue;
      const rest = path.slice(base.length) || '/';
      const segs = rest.split('/').slice(1);
      for (const r of routes) {
        if (r.segments.length !== segs.length) continue;
        const params: Record<string, string> = {};
        let ok = true;
        for (let i = 0; i < segs.length; i++) {
          const want = r.segments[i]!;
          const got = segs[i]!;
          if (typeof want === 'string') {
            if (want !== got) {
              ok = false;
              break;
            }
          } else {
            if (got === '') {
              ok = false;
              break;
            }
            try {
              params[want.param] = decodeURIComponent(got);
            } catch {
              ok = false;
              break;
            }
          }
        }
        if (ok) return { route: r, params };
      }
    }
    return undefined;
  };

  const info = (doc.info ?? {}) as Schema;
  return {
    title: String(info.title ?? ''),
    version: String(info.version ?? ''),
    basePaths,
    operations,
    match(method, path) {
      const found = matchPath(path);
      if (!found) return { kind: 'not-found' };
      const m = method.toUpperCase();
      const op = found.route.operations.get(m) ?? (m === 'HEAD' ? found.route.operations.get('GET') : undefined);
      if (!op) return { kind: 'method-not-allowed', allowed: [...found.route.operations.keys()] };
      return { kind: 'match', match: { operation: op, pathParams: found.params } };
    },
    validateRequest(m, req) {
      const out: Violation[] = [];
      for (const p of m.operation.params) {
        let raw: string | string[] | undefined;
        if (p.in === 'path') raw = m.pathParams[p.name];
        else if (p.in === 'query') {
          const all = req.query.getAll(p.name);
          raw = all.length === 0 ? undefined : p.array ? all : all[all.length - 1];
          if (!p.array && all.length > 1) out.push({ pointer: `/query/${p.name}`, message: 'must not repeat' });
        } else if (p.in === 'header') raw = req.headers[p.name];
        else raw = req.cookies?.[p.name];
        if (raw === undefined) {
          if (p.required) out.push({ pointer: `/${p.in === 'header' ? 'headers' : p.in}/${p.name}`, message: 'is required' });
          continue;
        }
        if (p.validate && !p.validate({ v: raw })) {
          const errors = (p.validate.errors ?? []).map((e) => ({ ...e, instancePath: e.instancePath.replace(/^\/v/, '') }));
          out.push(...formatErrors(`/${p.in === 'header' ? 'headers' : p.in}/${p.name}`, errors));
        }
      }
      const body = m.operation.body;
      if (body) {
        if (!req.hasBody) {
          if (body.required) out.push({ pointer: '/body', message: 'is required' });
        } else {
          const type = (req.contentType ?? '').split(';', 1)[0]!.trim().toLowerCase();
          const entry = [...body.media.entries()].find(([t]) => t === type || (t.endsWith('/*') && type.startsWith(t.slice(0, -1))) || t === '*/*');
          if (!entry) out.push({ pointer: '/headers/content-type', message: `must be one of ${[...body.media.keys()].join(', ')}` });
          else if (entry[1] && req.body !== undefined && !entry[1](req.body)) out.push(...formatErrors('/body', entry[1].errors));
        }
      }
      return out;
    },
  };
}

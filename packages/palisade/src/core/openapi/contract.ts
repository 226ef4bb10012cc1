// An API contract compiled from an OpenAPI 3.0/3.1 or Swagger 2.0 document: operations matched
// by method and path template (behind the servers' base paths), and request (optionally also
// response) validators compiled once with ajv. Shield enforces it, Probe reads it, Watch diffs
// traffic against it.
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
  /**
   * JSON pointer into the request (/query/limit, /path/orderId, /body/items/0/qty,
   * /headers/x-api-version) or the response (/response/status, /response/body/price).
   */
  pointer: string;
  /** Built from the schema only: never quotes the value that failed. */
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
  /** The operation's OpenAPI tags (authorization selects operations by tag, e.g. admin). */
  tags?: readonly string[];
  /** Roles listed in the x-palisade-roles extension: a caller needs one of them. */
  roles?: readonly string[];
  /** Security requirements declared (operation level, else document level); empty when public. */
  security: ReadonlyArray<Record<string, readonly string[]>>;
  params: readonly CompiledParam[];
  body?: { required: boolean; media: ReadonlyMap<string, ValidateFunction | undefined> };
  /** Documented responses, compiled only when the contract was loaded with `responses`. */
  responses?: ResponseTable;
}

interface CompiledMedia {
  /** Lower case, without parameters: application/json, application/*, *\/*. */
  type: string;
  /** Present for JSON (or wildcard) media types with a schema. */
  validate: ValidateFunction | undefined;
}

interface CompiledResponse {
  /** Undefined when the response documents no content: its body must be empty. */
  media: readonly CompiledMedia[] | undefined;
}

interface ResponseTable {
  /** By exact status ('200'), range ('2XX') and 'default'. */
  byKey: ReadonlyMap<string, CompiledResponse>;
  /** The keys as documented, for messages. */
  documented: readonly string[];
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
  /**
   * Only the body's schema, for a body that arrives after the head was checked by validateRequest
   * (with `hasBody` and no `body`): [] when the content type has no schema, which validateRequest
   * has already reported if it is not documented.
   */
  validateBody(m: OperationMatch, contentType: string | undefined, body: unknown): Violation[];
  /**
   * Checks a response against the operation's documented responses: status (exact, then 2XX-style
   * range, then default), content type, and JSON body. Always [] unless loaded with `responses`.
   */
  validateResponse(m: OperationMatch, res: ResponseParts): Violation[];
  /**
   * Whether validateResponse can find anything wrong with a response of this status and content
   * type, body unseen: false when both are documented and the body is not checked (a non-JSON
   * media type, or no schema). Lets a caller skip buffering bodies it would not check.
   */
  inspectsResponse(m: OperationMatch, status: number, contentType: string | undefined): boolean;
}

export interface ResponseParts {
  status: number;
  contentType?: string;
  /** The parsed JSON body, when the caller has parsed it. */
  body?: unknown;
  /** The body as text, parsed here when it has to be checked as JSON. */
  text?: string;
  /** Whether a non-empty body came; by default, whether `text` is non-empty or `body` is given. */
  hasBody?: boolean;
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

/** Property names come from the data: a hostile one must not make a violation list huge. */
const MAX_POINTER_CHARS = 256;

/** RFC 6901: a property name as one pointer segment. */
function pointerSegment(name: string): string {
  return name.replace(/~/g, '~0').replace(/\//g, '~1');
}

function formatErrors(prefix: string, errors: ErrorObject[] | null | undefined): Violation[] {
  // ajv's messages are built from the schema (limits, patterns, formats), never from the value;
  // params, which may hold data (a property name), are used only to complete the pointer.
  return (errors ?? []).map((e) => {
    let pointer = prefix + e.instancePath;
    let message = e.message ?? 'is invalid';
    if (e.keyword === 'additionalProperties' || e.keyword === 'unevaluatedProperties') {
      const p = e.params as { additionalProperty?: string; unevaluatedProperty?: string };
      pointer += `/${pointerSegment(String(p.additionalProperty ?? p.unevaluatedProperty))}`;
      message = 'is not a documented property';
    } else if (e.keyword === 'required') {
      pointer += `/${pointerSegment(String((e.params as { missingProperty?: string }).missingProperty))}`;
      message = 'is required';
    } else if (e.keyword === 'false schema') {
      message = 'must not be present';
    }
    if (pointer.length > MAX_POINTER_CHARS) pointer = `${pointer.slice(0, MAX_POINTER_CHARS)}…`;
    return { pointer, message };
  });
}

function isObject(v: unknown): v is Schema {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A concrete JSON media type: application/json, application/problem+json... */
function isJsonType(type: string): boolean {
  return /^application\/(?:[\w.+-]+\+)?json$/.test(type);
}

/** Lower-case media type without parameters. */
function mediaTypeOf(contentType: string | undefined): string {
  return (contentType ?? '').split(';', 1)[0]!.trim().toLowerCase();
}

/** The documented media type a response's type falls under: exact first, then type/*, then *\/*. */
function findMedia(media: readonly CompiledMedia[], type: string): CompiledMedia | undefined {
  let range: CompiledMedia | undefined;
  let any: CompiledMedia | undefined;
  for (const m of media) {
    if (m.type === type) return m;
    if (m.type === '*/*') any ??= m;
    else if (m.type.endsWith('/*') && type.startsWith(m.type.slice(0, -1))) range ??= m;
  }
  return range ?? any;
}

type PrepareMode = 'top' | 'branch' | 'inert';

interface PrepareOptions {
  /** Close object schemas that leave additional properties unsaid: undeclared properties become violations. */
  close: boolean;
  /** Response schemas: writeOnly properties must not appear. */
  response: boolean;
}

/** Keywords that make a schema's evaluated properties the union of its branches'. */
const COMPOSITIONS = ['allOf', 'anyOf', 'oneOf', 'if', 'dependentSchemas'] as const;

/**
 * A copy of a dereferenced schema, ready for ajv. The document itself is never changed: after
 * dereferencing, one component object is shared by every place that used it, and one place may
 * need it closed (a property's schema) while another must not (a branch of an allOf).
 * - Cycles (recursive $refs, now object cycles) become $defs and $refs: ajv cannot compile cycles.
 * - `close`: an object schema that says neither additionalProperties nor unevaluatedProperties is
 *   closed. A composed one (allOf, anyOf, oneOf, if/then/else, dependentSchemas) gets
 *   `unevaluatedProperties: false` at its top while its branches stay open, since closing each
 *   branch of an allOf would refuse the properties the other branches declare. Nothing under
 *   not, if, contains or propertyNames is closed: there it would change what matches, not what
 *   is allowed.
 * - `response`: writeOnly properties (passwords...) become `false`, and leave `required`.
 */
function prepareSchema(root: unknown, opts: PrepareOptions): unknown {
  if (!isObject(root)) return root;
  const ids = new WeakMap<object, number>();
  let nextId = 0;
  const done = new Map<string, unknown>();
  const active = new Map<string, { name?: string }>();
  const defs: Schema = {};
  let named = 0;

  const visit = (node: unknown, mode: PrepareMode): unknown => {
    if (!isObject(node)) return node;
    let id = ids.get(node);
    if (id === undefined) ids.set(node, (id = nextId++));
    const key = `${id}:${opts.close ? mode : 'inert'}`;
    const finished = done.get(key);
    if (finished !== undefined) return finished;
    const frame = active.get(key);
    if (frame) {
      frame.name ??= `palisade-cycle-${named++}`;
      return { $ref: `#/$defs/${frame.name}` };
    }
    const own: { name?: string } = {};
    active.set(key, own);
    const out = transform(node, mode);
    active.delete(key);
    let result: unknown = out;
    if (own.name !== undefined) {
      defs[own.name] = out;
      result = { $ref: `#/$defs/${own.name}` };
    }
    done.set(key, result);
    return result;
  };

  const each = (v: unknown, mode: PrepareMode): unknown => (Array.isArray(v) ? v.map((s) => visit(s, mode)) : visit(v, mode));
  const map = (v: unknown, mode: PrepareMode): unknown => (isObject(v) ? Object.fromEntries(Object.entries(v).map(([k, s]) => [k, visit(s, mode)])) : v);

  const transform = (o: Schema, mode: PrepareMode): Schema => {
    const child: PrepareMode = mode === 'inert' ? 'inert' : 'top';
    const branch: PrepareMode = mode === 'inert' ? 'inert' : 'branch';
    const out: Schema = {};
    let writeOnly: string[] | undefined;
    for (const [k, v] of Object.entries(o)) {
      switch (k) {
        case 'properties':
          if (!isObject(v)) out[k] = v;
          else {
            const props: Schema = {};
            for (const [name, s] of Object.entries(v)) {
              if (opts.response && isObject(s) && s.writeOnly === true) {
                props[name] = false;
                (writeOnly ??= []).push(name);
              } else props[name] = visit(s, child);
            }
            out[k] = props;
          }
          break;
        case 'patternProperties':
        case '$defs':
        case 'definitions':
          out[k] = map(v, child);
          break;
        case 'dependentSchemas':
          out[k] = map(v, branch);
          break;
        case 'additionalProperties':
        case 'unevaluatedProperties':
        case 'additionalItems':
        case 'unevaluatedItems':
        case 'items':
        case 'prefixItems':
          out[k] = each(v, child);
          break;
        case 'allOf':
        case 'anyOf':
        case 'oneOf':
        case 'then':
        case 'else':
          out[k] = each(v, branch);
          break;
        case 'not':
        case 'if':
        case 'contains':
        case 'propertyNames':
          out[k] = each(v, 'inert');
          break;
        default:
          out[k] = v;
      }
    }
    if (writeOnly && Array.isArray(out.required)) out.required = (out.required as unknown[]).filter((r) => !writeOnly.includes(String(r)));
    if (opts.close && mode === 'top' && out.additionalProperties === undefined && out.unevaluatedProperties === undefined) {
      const type = out.type;
      const objectType = type === 'object' || (Array.isArray(type) && type.includes('object'));
      if (COMPOSITIONS.some((c) => out[c] !== undefined)) out.unevaluatedProperties = false;
      else if (objectType || out.properties !== undefined || out.patternProperties !== undefined) out.additionalProperties = false;
    }
    return out;
  };

  const body = visit(root, 'top');
  if (named === 0) return body;
  const top = body as Schema;
  return { ...top, $defs: { ...(isObject(top.$defs) ? top.$defs : {}), ...defs } };
}

export interface LoadOptions {
  /** Treat undeclared object properties in request bodies as violations (strict mode). */
  rejectUnknownProperties?: boolean;
  /**
   * Compile response validators: 'closed' also treats undeclared properties in response bodies
   * as violations. Absent: responses are not compiled, and validateResponse finds nothing.
   */
  responses?: 'open' | 'closed';
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
  // Bodies are first checked by a validator that stops at the first error, which is cheaper for
  // the common, valid body; only a failing one is checked again with allErrors, to list every
  // violation. Keyed by the allErrors validator, which ContractOperation exposes.
  const ajvFirstError = new Ajv2020({ allErrors: false, strict: false, validateFormats: true });
  addFormats(ajvFirstError);
  const firstErrorOf = new Map<ValidateFunction, ValidateFunction>();
  // Parameters arrive as text: this instance coerces them to the declared types before checking.
  const ajvParams = new Ajv2020({ allErrors: true, strict: false, coerceTypes: 'array' });
  addFormats(ajvParams);
  const compile = (a: Ajv2020, schema: unknown, where: string): ValidateFunction | undefined => {
    if (!schema || typeof schema !== 'object') return undefined;
    try {
      const v = a.compile(schema as Schema);
      if (a === ajv && !firstErrorOf.has(v)) firstErrorOf.set(v, ajvFirstError.compile(schema as Schema));
      return v;
    } catch (err) {
      throw new PalisadeError('PALISADE_ERR_OPENAPI_INVALID', `${source}: the schema at ${where} cannot be compiled: ${(err as Error).message}`);
    }
  };
  /** A JSON value against a body schema: every violation, or none. */
  const check = (v: ValidateFunction, value: unknown, prefix: string): Violation[] => {
    const first = firstErrorOf.get(v);
    if (first ? first(value) : v(value)) return [];
    return v(value) ? [] : formatErrors(prefix, v.errors);
  };
  /** The documented media type a request's falls under: exact, then type/*, then *\/*. */
  const requestMedia = (body: NonNullable<ContractOperation['body']>, contentType: string | undefined): [string, ValidateFunction | undefined] | undefined => {
    const type = (contentType ?? '').split(';', 1)[0]!.trim().toLowerCase();
    const exact = body.media.get(type);
    if (exact !== undefined || body.media.has(type)) return [type, exact];
    for (const entry of body.media) {
      const t = entry[0];
      if ((t.endsWith('/*') && type.startsWith(t.slice(0, -1))) || t === '*/*') return entry;
    }
    return undefined;
  };
  // One prepared copy per schema object and purpose: a component shared by many operations (an
  // Error response, say) is prepared once, and ajv, which caches by schema object, compiles it once.
  const preparedRequests = new WeakMap<object, unknown>();
  const preparedResponses = new WeakMap<object, unknown>();
  const prepared = (schema: unknown, cache: WeakMap<object, unknown>, o: PrepareOptions): unknown => {
    if (!isObject(schema)) return schema;
    let p = cache.get(schema);
    if (p === undefined) cache.set(schema, (p = prepareSchema(schema, o)));
    return p;
  };
  const forRequest = (schema: unknown): unknown => prepared(schema, preparedRequests, { close: opts.rejectUnknownProperties === true, response: false });
  const forResponse = (schema: unknown): unknown => prepared(schema, preparedResponses, { close: opts.responses === 'closed', response: true });

  const compileResponses = (op: Schema, where: string): ResponseTable | undefined => {
    if (!opts.responses) return undefined;
    const byKey = new Map<string, CompiledResponse>();
    const documented: string[] = [];
    const produces = (Array.isArray(op.produces) ? op.produces : Array.isArray(doc.produces) ? doc.produces : ['*/*']) as string[];
    for (const [code, r] of Object.entries(isObject(op.responses) ? op.responses : {})) {
      if (!isObject(r)) continue;
      const key = /^[1-5]xx$/i.test(code) ? code.toUpperCase() : code.toLowerCase();
      const at = `${where} response ${code}`;
      let media: CompiledMedia[] | undefined;
      if (isSwagger) {
        // Swagger 2.0: the schema sits on the response; no schema means no content.
        const schema = r.schema;
        if (isObject(schema)) {
          // type: file (a download) is not JSON Schema; such a body is not checked.
          const v = schema.type === 'file' ? undefined : compile(ajv, forResponse(schema), at);
          media = produces.map((t) => {
            const type = mediaTypeOf(t);
            return { type, validate: isJsonType(type) || type.endsWith('/*') ? v : undefined };
          });
        }
      } else if (isObject(r.content) && Object.keys(r.content).length > 0) {
        media = Object.entries(r.content).map(([t, mt]) => {
          const type = mediaTypeOf(t);
          const schema = isObject(mt) ? mt.schema : undefined;
          const json = isJsonType(type) || type.endsWith('/*');
          return { type, validate: json && schema !== undefined ? compile(ajv, forResponse(schema), `${at} ${type}`) : undefined };
        });
      }
      byKey.set(key, { media });
      documented.push(code);
    }
    return { byKey, documented };
  };
  const responseFor = (t: ResponseTable, status: number): CompiledResponse | undefined =>
    t.byKey.get(String(status)) ?? t.byKey.get(`${Math.floor(status / 100)}XX`) ?? t.byKey.get('default');

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
          media.set(type.toLowerCase(), compile(ajv, forRequest(mt.schema), `${method.toUpperCase()} ${template} body ${type}`));
        }
        body = { required: rb.required === true, media };
      } else if (swaggerBody) {
        const consumes = (Array.isArray(op.consumes) ? op.consumes : Array.isArray(doc.consumes) ? doc.consumes : ['application/json']) as string[];
        const v = compile(ajv, forRequest(swaggerBody.schema), `${method.toUpperCase()} ${template} body`);
        body = { required: swaggerBody.required === true, media: new Map(consumes.map((c) => [c.toLowerCase(), v])) };
      }
      const security = (Array.isArray(op.security) ? op.security : docSecurity) as Array<Record<string, string[]>>;
      const responses = compileResponses(op, `${method.toUpperCase()} ${template}`);
      const compiled: ContractOperation = {
        method: method.toUpperCase(),
        template,
        ...(typeof op.operationId === 'string' ? { operationId: op.operationId } : {}),
        deprecated: op.deprecated === true,
        ...(Array.isArray(op.tags) ? { tags: op.tags.filter((t): t is string => typeof t === 'string') } : {}),
        ...(Array.isArray(op['x-palisade-roles']) ? { roles: (op['x-palisade-roles'] as unknown[]).filter((t): t is string => typeof t === 'string') } : {}),
        security,
        params,
        ...(body ? { body } : {}),
        ...(responses ? { responses } : {}),
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
          const entry = requestMedia(body, req.contentType);
          if (!entry) out.push({ pointer: '/headers/content-type', message: `must be one of ${[...body.media.keys()].join(', ')}` });
          else if (entry[1] && req.body !== undefined) out.push(...check(entry[1], req.body, '/body'));
        }
      }
      return out;
    },
    validateBody(m, contentType, value) {
      const body = m.operation.body;
      const v = body ? requestMedia(body, contentType)?.[1] : undefined;
      return v ? check(v, value, '/body') : [];
    },
    validateResponse(m, res) {
      const t = m.operation.responses;
      if (!t) return [];
      const r = responseFor(t, res.status);
      if (!r) return [{ pointer: '/response/status', message: `is not documented for this operation (documented: ${t.documented.join(', ') || 'none'})` }];
      const hasBody = res.hasBody ?? (res.text !== undefined ? res.text.length > 0 : res.body !== undefined);
      // An empty body leaks nothing and HEAD has none: only the status is checked.
      if (!hasBody) return [];
      if (!r.media) return [{ pointer: '/response/body', message: 'must be empty: no content is documented for this status' }];
      const type = mediaTypeOf(res.contentType);
      const mt = findMedia(r.media, type);
      if (!mt) return [{ pointer: '/response/headers/content-type', message: `must be one of ${r.media.map((x) => x.type).join(', ')}` }];
      if (!mt.validate || !isJsonType(type)) return [];
      let value = res.body;
      if (value === undefined) {
        try {
          value = JSON.parse((res.text ?? '').replace(/^\uFEFF/, ''));
        } catch {
          // Not the parser's message: it quotes the text around the error.
          return [{ pointer: '/response/body', message: 'is not valid JSON' }];
        }
      }
      return check(mt.validate, value, '/response/body');
    },
    inspectsResponse(m, status, contentType) {
      const t = m.operation.responses;
      if (!t) return false;
      const r = responseFor(t, status);
      if (!r?.media) return true;
      const type = mediaTypeOf(contentType);
      const mt = findMedia(r.media, type);
      return !mt || (mt.validate !== undefined && isJsonType(type));
    },
  };
}

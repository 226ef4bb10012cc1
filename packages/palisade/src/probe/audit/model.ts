// One view of OpenAPI 3.0, 3.1 and Swagger 2.0 for the audit rules: operations with their effective
// security, parameters, request bodies and responses; security schemes; servers. Every node keeps
// its location, so a rule can say where a problem is without knowing which version it reads.
import type { Located, Loc, SpecSource } from './source.js';
import { childLoc, isObject } from './source.js';

export type Obj = Record<string, unknown>;
export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/** Walk limits: schemas can be deep, wide and recursive. */
export const MODEL_LIMITS = { maxSchemaDepth: 64, maxSchemaNodes: 20_000 } as const;

export interface Param {
  name: string;
  in: string;
  required: boolean;
  node: Located<Obj>;
  /** The schema: `schema` in 3.x, the parameter itself in 2.0 (its type, format, bounds). */
  schema?: Located<Obj>;
}

export interface Media {
  contentType: string;
  /** The media type object (3.x) or the body parameter / response (2.0). */
  node: Located<Obj>;
  schema?: Located<Obj>;
}

export interface Response {
  status: string;
  node: Located<Obj>;
  content: Media[];
  headers: Array<{ name: string; node: Located<Obj> }>;
}

export interface Operation {
  method: string;
  path: string;
  operationId?: string;
  node: Located<Obj>;
  /** The effective security requirements: the operation's own, else the document's. */
  security: Array<Record<string, string[]>>;
  /** Where the effective requirements come from. */
  securitySource: 'operation' | 'document' | 'none';
  /** Location of the operation's own `security`, when it has one. */
  securityLoc?: Loc;
  parameters: Param[];
  requestBody: Media[];
  /** Swagger 2.0 formData parameters, or none. */
  formData: Param[];
  responses: Response[];
  deprecated: boolean;
}

export interface OAuthFlow {
  kind: string;
  loc: Loc;
  scopes: Record<string, string>;
  urls: Array<{ name: string; url: string; loc: Loc }>;
}

export interface SecurityScheme {
  name: string;
  node: Located<Obj>;
  /** http, apiKey, oauth2, openIdConnect, mutualTLS (2.0's basic becomes http + basic). */
  type: string;
  httpScheme?: string;
  bearerFormat?: string;
  in?: string;
  paramName?: string;
  flows: OAuthFlow[];
  openIdConnectUrl?: string;
}

export interface Server {
  url: string;
  loc: Loc;
}

export interface AuditModel {
  source: SpecSource;
  version: '2.0' | '3.0' | '3.1' | 'unknown';
  doc: Located<Obj>;
  operations: Operation[];
  schemes: SecurityScheme[];
  servers: Server[];
  /** The document-level security, when declared. */
  globalSecurity?: Located<unknown[]>;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function requirements(v: unknown): Array<Record<string, string[]>> {
  if (!Array.isArray(v)) return [];
  return v.filter(isObject).map((r) => Object.fromEntries(Object.entries(r).map(([k, s]) => [k, Array.isArray(s) ? s.map(String) : []])));
}

function asObj(l: Located | undefined): Located<Obj> | undefined {
  return l && isObject(l.value) ? (l as Located<Obj>) : undefined;
}

export function buildModel(source: SpecSource): AuditModel {
  const rootLoc: Loc = { file: source.root, pointer: '' };
  const root = isObject(source.rootData) ? source.rootData : {};
  const doc: Located<Obj> = { value: root, loc: rootLoc };
  const version = typeof root.swagger === 'string' ? '2.0' : typeof root.openapi === 'string' ? (root.openapi.startsWith('3.1') ? '3.1' : root.openapi.startsWith('3.0') ? '3.0' : 'unknown') : 'unknown';
  const is2 = version === '2.0';
  const child = (p: Located, k: string | number): Located | undefined => source.child(p, k);

  const globalSec = Array.isArray(root.security) ? ({ value: root.security, loc: childLoc(rootLoc, 'security') } as Located<unknown[]>) : undefined;

  // Security schemes.
  const schemes: SecurityScheme[] = [];
  const schemesNode = is2 ? asObj(child(doc, 'securityDefinitions')) : asObj(child(asObj(child(doc, 'components')) ?? { value: {}, loc: rootLoc }, 'securitySchemes'));
  for (const name of Object.keys(schemesNode?.value ?? {})) {
    const n = asObj(child(schemesNode!, name));
    if (!n) continue;
    const v = n.value;
    const s: SecurityScheme = { name, node: n, type: str(v.type) ?? 'unknown', flows: [] };
    if (s.type === 'basic') {
      s.type = 'http';
      s.httpScheme = 'basic';
    }
    if (s.type === 'http') s.httpScheme = (str(v.scheme) ?? s.httpScheme ?? '').toLowerCase();
    if (str(v.bearerFormat)) s.bearerFormat = str(v.bearerFormat);
    if (str(v.in)) s.in = str(v.in);
    if (str(v.name)) s.paramName = str(v.name);
    if (str(v.openIdConnectUrl)) s.openIdConnectUrl = str(v.openIdConnectUrl);
    const urlsOf = (o: Obj, loc: Loc): OAuthFlow['urls'] =>
      ['authorizationUrl', 'tokenUrl', 'refreshUrl'].flatMap((k) => (typeof o[k] === 'string' ? [{ name: k, url: o[k] as string, loc: childLoc(loc, k) }] : []));
    const scopesOf = (o: unknown): Record<string, string> => (isObject(o) ? Object.fromEntries(Object.entries(o).map(([k, d]) => [k, String(d ?? '')])) : {});
    if (s.type === 'oauth2') {
      if (is2) {
        s.flows.push({ kind: str(v.flow) ?? 'unknown', loc: n.loc, scopes: scopesOf(v.scopes), urls: urlsOf(v, n.loc) });
      } else if (isObject(v.flows)) {
        for (const [kind, f] of Object.entries(v.flows)) {
          if (!isObject(f)) continue;
          const loc = childLoc(n.loc, 'flows', kind);
          s.flows.push({ kind, loc, scopes: scopesOf(f.scopes), urls: urlsOf(f, loc) });
        }
      }
    }
    schemes.push(s);
  }

  // Servers.
  const servers: Server[] = [];
  if (is2) {
    const host = str(root.host);
    if (host) {
      const schemesList = Array.isArray(root.schemes) ? root.schemes.map(String) : ['https'];
      const basePath = str(root.basePath) ?? '';
      schemesList.forEach((sc, i) => servers.push({ url: `${sc}://${host}${basePath}`, loc: Array.isArray(root.schemes) ? childLoc(rootLoc, 'schemes', i) : childLoc(rootLoc, 'host') }));
    }
  } else if (Array.isArray(root.servers)) {
    root.servers.forEach((s, i) => {
      if (isObject(s) && typeof s.url === 'string') {
        const vars = isObject(s.variables) ? s.variables : {};
        const url = s.url.replace(/\{([^}]+)\}/g, (m, name: string) => {
          const d = isObject(vars[name]) ? (vars[name] as Obj).default : undefined;
          return typeof d === 'string' ? d : m;
        });
        servers.push({ url, loc: childLoc(rootLoc, 'servers', i, 'url') });
      }
    });
  }

  // Operations.
  const operations: Operation[] = [];
  const globalConsumes = Array.isArray(root.consumes) ? root.consumes.map(String) : ['application/json'];
  const globalProduces = Array.isArray(root.produces) ? root.produces.map(String) : ['application/json'];
  const paths = asObj(child(doc, 'paths'));
  for (const path of Object.keys(paths?.value ?? {})) {
    const item = asObj(child(paths!, path));
    if (!item) continue;
    const itemParams = Array.isArray(item.value.parameters) ? item.value.parameters : [];
    for (const method of HTTP_METHODS) {
      const op = asObj(child(item, method));
      if (!op) continue;
      const o = op.value;
      const ownSecurity = Array.isArray(o.security);
      const security = ownSecurity ? requirements(o.security) : requirements(root.security);
      // Parameters: the operation's override the path item's with the same name and location.
      const params = new Map<string, Param>();
      const addParams = (list: unknown[], owner: Located<Obj>): void => {
        list.forEach((_p, i) => {
          const pn = asObj(child(child(owner, 'parameters') ?? { value: list, loc: childLoc(owner.loc, 'parameters') }, i));
          if (!pn) return;
          const name = str(pn.value.name);
          const where = str(pn.value.in);
          if (!name || !where) return;
          const schema = is2 || !pn.value.schema ? (is2 && where !== 'body' ? pn : undefined) : asObj(child(pn, 'schema'));
          params.set(`${where}:${name}`, { name, in: where, required: pn.value.required === true || where === 'path', node: pn, ...(schema ? { schema } : {}) });
        });
      };
      addParams(itemParams, item);
      addParams(Array.isArray(o.parameters) ? o.parameters : [], op);
      const all = [...params.values()];
      const requestBody: Media[] = [];
      const formData: Param[] = [];
      if (is2) {
        const consumes = Array.isArray(o.consumes) ? o.consumes.map(String) : globalConsumes;
        for (const p of all) {
          if (p.in === 'body') {
            const schema = asObj(child(p.node, 'schema'));
            for (const ct of consumes) requestBody.push({ contentType: ct, node: p.node, ...(schema ? { schema } : {}) });
          } else if (p.in === 'formData') formData.push(p);
        }
        if (formData.length > 0 && !all.some((p) => p.in === 'body')) for (const ct of consumes) requestBody.push({ contentType: ct, node: op });
      } else {
        const rb = asObj(child(op, 'requestBody'));
        const content = rb ? asObj(child(rb, 'content')) : undefined;
        for (const ct of Object.keys(content?.value ?? {})) {
          const m = asObj(child(content!, ct));
          if (!m) continue;
          const schema = asObj(child(m, 'schema'));
          requestBody.push({ contentType: ct, node: m, ...(schema ? { schema } : {}) });
        }
      }
      const responses: Response[] = [];
      const rs = asObj(child(op, 'responses'));
      for (const status of Object.keys(rs?.value ?? {})) {
        const r = asObj(child(rs!, status));
        if (!r) continue;
        const content: Media[] = [];
        if (is2) {
          const schema = asObj(child(r, 'schema'));
          const produces = Array.isArray(o.produces) ? o.produces.map(String) : globalProduces;
          if (schema) for (const ct of produces) content.push({ contentType: ct, node: r, schema });
        } else {
          const c = asObj(child(r, 'content'));
          for (const ct of Object.keys(c?.value ?? {})) {
            const m = asObj(child(c!, ct));
            if (!m) continue;
            const schema = asObj(child(m, 'schema'));
            content.push({ contentType: ct, node: m, ...(schema ? { schema } : {}) });
          }
        }
        const hs = asObj(child(r, 'headers'));
        const headers = Object.keys(hs?.value ?? {}).flatMap((name) => {
          const h = asObj(child(hs!, name));
          return h ? [{ name, node: h }] : [];
        });
        responses.push({ status, node: r, content, headers });
      }
      operations.push({
        method: method.toUpperCase(),
        path,
        ...(str(o.operationId) ? { operationId: str(o.operationId) } : {}),
        node: op,
        security,
        securitySource: ownSecurity ? 'operation' : globalSec ? 'document' : 'none',
        ...(ownSecurity ? { securityLoc: childLoc(op.loc, 'security') } : {}),
        parameters: all.filter((p) => p.in !== 'body' && p.in !== 'formData'),
        requestBody,
        formData,
        responses,
        deprecated: o.deprecated === true,
      });
    }
  }
  return { source, version, doc, operations, schemes, servers, ...(globalSec ? { globalSecurity: globalSec } : {}) };
}

/** What a schema walk tells a visitor about one (sub)schema. */
export interface SchemaVisit {
  schema: Located<Obj>;
  /** Property path from the root schema, e.g. `items[].name`; '' for the root. */
  path: string;
  /** The property name this schema is the value of, when it is one. */
  property?: string;
  depth: number;
}

/**
 * Visits a schema and every subschema (properties, items, additionalProperties, compositions),
 * following $refs, once per location, within MODEL_LIMITS.
 */
export function walkSchema(source: SpecSource, root: Located<Obj>, visit: (v: SchemaVisit) => void): void {
  const seen = new Set<string>();
  let count = 0;
  const go = (s: Located<Obj>, path: string, depth: number, property?: string): void => {
    const key = `${s.loc.file}#${s.loc.pointer}`;
    if (seen.has(key) || depth > MODEL_LIMITS.maxSchemaDepth || ++count > MODEL_LIMITS.maxSchemaNodes) return;
    seen.add(key);
    visit({ schema: s, path, depth, ...(property !== undefined ? { property } : {}) });
    const v = s.value;
    const sub = (k: string | number, parent: Located = s): Located<Obj> | undefined => asObj(source.child(parent, k));
    if (isObject(v.properties)) {
      const props = asObj(source.child(s, 'properties'));
      for (const name of Object.keys(v.properties)) {
        const p = props ? sub(name, props) : undefined;
        if (p) go(p, path ? `${path}.${name}` : name, depth + 1, name);
      }
    }
    for (const k of ['items', 'additionalProperties', 'not', 'unevaluatedProperties', 'contains']) {
      const c = sub(k);
      if (c) go(c, k === 'items' ? `${path}[]` : path, depth + 1, k === 'items' ? property : undefined);
    }
    for (const k of ['allOf', 'anyOf', 'oneOf', 'prefixItems']) {
      if (!Array.isArray(v[k])) continue;
      const list = source.child(s, k);
      if (!list) continue;
      (v[k] as unknown[]).forEach((_x, i) => {
        const c = sub(i, list);
        if (c) go(c, path, depth + 1, property);
      });
    }
  };
  go(root, '', 0);
}

/** The schema's types as a list (`type: [string, 'null']` in 3.1). */
export function typesOf(s: Obj): string[] {
  if (typeof s.type === 'string') return [s.type];
  if (Array.isArray(s.type)) return s.type.map(String).filter((t) => t !== 'null');
  return [];
}

export function opLabel(op: Pick<Operation, 'method' | 'path'>): string {
  return `${op.method} ${op.path}`;
}

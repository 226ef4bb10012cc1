// The learnt API as an OpenAPI 3.1 document: path templates with their parameters, inferred
// request and response schemas per status, and the security schemes seen in use. A starting
// point for documenting shadow APIs, or for diffing traffic with a hand-written description.
import type { AuthMethod } from './callers.js';
import type { EndpointStats, Inventory } from './inventory.js';
import { toJsonSchema, type JsonSchema } from './schema-infer.js';
import type { ParamClass } from './templater.js';

type Json = Record<string, unknown>;

const SCHEMES: Partial<Record<AuthMethod, [string, Json]>> = {
  jwt: ['jwtAuth', { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }],
  bearer: ['bearerAuth', { type: 'http', scheme: 'bearer' }],
  basic: ['basicAuth', { type: 'http', scheme: 'basic' }],
  digest: ['digestAuth', { type: 'http', scheme: 'digest' }],
  'api-key': ['apiKeyAuth', { type: 'apiKey', in: 'header', name: 'x-api-key' }],
  cookie: ['cookieAuth', { type: 'apiKey', in: 'cookie', name: 'session' }],
  mtls: ['mutualTLS', { type: 'mutualTLS' }],
};

export function pathParamSchema(classes: ReadonlySet<ParamClass> | undefined): JsonSchema {
  const c = [...(classes ?? [])];
  if (c.length === 1) {
    switch (c[0]) {
      case 'integer':
        return { type: 'integer' };
      case 'uuid':
        return { type: 'string', format: 'uuid' };
      case 'email':
        return { type: 'string', format: 'email' };
      case 'date':
        return { type: 'string', format: 'date' };
      case 'objectid':
        return { type: 'string', pattern: '^[0-9a-fA-F]{24}$' };
      case 'hash':
        return { type: 'string', pattern: '^[0-9a-fA-F]+$' };
      default:
        return { type: 'string' };
    }
  }
  return { type: 'string' };
}

function operationId(method: string, template: string, used: Set<string>): string {
  const words = template
    .split('/')
    .filter(Boolean)
    .map((s) => (s.startsWith('{') ? `by-${s.slice(1, -1)}` : s))
    .join('-')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean);
  let id = method.toLowerCase() + words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
  if (used.has(id)) {
    let k = 2;
    while (used.has(`${id}${k}`)) k++;
    id = `${id}${k}`;
  }
  used.add(id);
  return id;
}

function reason(status: number): string {
  if (status < 300) return 'Success';
  if (status < 400) return 'Redirect';
  if (status === 404) return 'Not found';
  if (status === 401) return 'Unauthenticated';
  if (status === 403) return 'Forbidden';
  if (status < 500) return 'Client error';
  return 'Server error';
}

function operationOf(inv: Inventory, ep: EndpointStats, used: Set<string>, schemesUsed: Map<string, Json>): Json {
  const parameters: Json[] = [];
  const classes = inv.paramClasses(ep.api, ep.template);
  for (const m of ep.template.matchAll(/\{([^}]+)\}/g)) {
    const name = m[1]!;
    parameters.push({ name, in: 'path', required: true, schema: pathParamSchema(classes.get(name) ?? ep.pathParams.get(name)) });
  }
  for (const [name, n] of ep.query) parameters.push({ name, in: 'query', required: n.count >= ep.count, schema: toJsonSchema(n) });
  for (const [name, n] of ep.headers) parameters.push({ name, in: 'header', required: n.count >= ep.count, schema: toJsonSchema(n) });
  const op: Json = { operationId: operationId(ep.method, (ep.api ? `${ep.api}/` : '') + ep.template, used), summary: `Seen ${ep.count} time${ep.count === 1 ? '' : 's'}` };
  if (parameters.length > 0) op.parameters = parameters;
  if (ep.requestBodies.size > 0) {
    op.requestBody = { content: Object.fromEntries([...ep.requestBodies].map(([m, n]) => [m, { schema: toJsonSchema(n) }])) };
  }
  const responses: Json = {};
  for (const [status, r] of [...ep.responses].sort((a, b) => a[0] - b[0])) {
    const resp: Json = { description: `${reason(status)} (seen ${r.count} time${r.count === 1 ? '' : 's'})` };
    const content: Json = {};
    for (const [m, n] of r.bodies) content[m] = { schema: toJsonSchema(n) };
    for (const ct of r.contentTypes.values) if (!(ct in content) && ct) content[ct] = {};
    if (Object.keys(content).length > 0) resp.content = content;
    responses[String(status)] = resp;
  }
  if (Object.keys(responses).length === 0) responses.default = { description: 'No response recorded' };
  op.responses = responses;
  const security: Json[] = [];
  for (const m of ep.authOnSuccess.keys()) {
    if (m === 'none') {
      security.push({});
      continue;
    }
    const s = SCHEMES[m];
    if (!s) continue;
    schemesUsed.set(s[0], s[1]);
    security.push({ [s[0]]: [] });
  }
  if (security.length > 0) op.security = security;
  return op;
}

export interface ExportOptions {
  title?: string;
  version?: string;
  /** Only these APIs (by name); all when absent. */
  api?: string;
}

/** An OpenAPI 3.1 document describing every endpoint in the inventory. */
export function exportOpenApi(inv: Inventory, opts: ExportOptions = {}): Json {
  const paths: Record<string, Json> = {};
  const used = new Set<string>();
  const schemes = new Map<string, Json>();
  const eps = inv
    .list()
    .filter((e) => opts.api === undefined || e.api === opts.api)
    .sort((a, b) => a.template.localeCompare(b.template) || a.method.localeCompare(b.method));
  for (const ep of eps) {
    const item = (paths[ep.template] ??= {});
    const m = ep.method.toLowerCase();
    // OpenAPI knows eight methods; others (PROPFIND...) cannot be described.
    if (!['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'].includes(m)) continue;
    // Two APIs with one template: the first is described, the second noted.
    if (item[m]) continue;
    item[m] = operationOf(inv, ep, used, schemes);
  }
  const doc: Json = {
    openapi: '3.1.0',
    info: {
      title: opts.title ?? 'Discovered API',
      version: opts.version ?? new Date().toISOString().slice(0, 10),
      description: 'Inferred by Palisade Watch from observed traffic.',
    },
    paths,
  };
  if (schemes.size > 0) doc.components = { securitySchemes: Object.fromEntries(schemes) };
  return doc;
}

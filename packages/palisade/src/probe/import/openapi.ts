// OpenAPI 3.0/3.1 and Swagger 2.0 into the scanner's ApiModel. Tolerant by design: a wrong or
// missing `servers`, missing security declarations and broken $refs become ImportDefects (the
// operation that needs a broken $ref is listed as not exercisable) and the import carries on.
import type { ImportDefect } from '../report.js';
import type { ApiModel, InputFormat, Schema, ScanBody, ScanOperation, ScanParam } from './model.js';
import { HTTP_METHODS, IMPORT_LIMITS, isObj } from './model.js';

class BrokenRef extends Error {
  constructor(readonly ref: string) {
    super(`$ref ${ref} cannot be resolved`);
  }
}

function esc(s: string): string {
  return s.replace(/~/g, '~0').replace(/\//g, '~1');
}

function lookup(doc: unknown, ref: string): unknown {
  if (!ref.startsWith('#')) throw new BrokenRef(ref);
  const parts = ref.slice(1).split('/').slice(1).map((p) => decodeURIComponent(p).replace(/~1/g, '/').replace(/~0/g, '~'));
  let cur: unknown = doc;
  for (const p of parts) {
    if (!isObj(cur) && !Array.isArray(cur)) throw new BrokenRef(ref);
    cur = (cur as Record<string, unknown>)[p];
    if (cur === undefined) throw new BrokenRef(ref);
  }
  return cur;
}

/** Resolves internal $refs recursively; a cycle is cut to `{}`; an unresolvable ref throws BrokenRef. */
function deref(doc: unknown, node: unknown, seen: readonly string[] = [], depth = 0): unknown {
  if (depth > IMPORT_LIMITS.maxRefDepth) return {};
  if (Array.isArray(node)) return node.map((x) => deref(doc, x, seen, depth + 1));
  if (!isObj(node)) return node;
  if (typeof node.$ref === 'string') {
    const ref = node.$ref;
    if (seen.includes(ref)) return {};
    return deref(doc, lookup(doc, ref), [...seen, ref], depth + 1);
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) out[k] = k === 'example' || k === 'examples' ? v : deref(doc, v, seen, depth + 1);
  return out;
}

function substituteVariables(url: string, vars: unknown): string {
  return url.replace(/\{([^}]+)\}/g, (_m, name: string) => {
    const v = isObj(vars) && isObj(vars[name]) ? (vars[name] as Record<string, unknown>).default : undefined;
    return typeof v === 'string' ? v : '';
  });
}

function resolveServers(doc: Record<string, unknown>, version: InputFormat, location: string, isUrl: boolean, defects: ImportDefect[]): string[] {
  const out: string[] = [];
  if (version === 'swagger-2.0') {
    const host = typeof doc.host === 'string' ? doc.host : undefined;
    const basePath = typeof doc.basePath === 'string' ? doc.basePath : '';
    const schemes = Array.isArray(doc.schemes) ? doc.schemes.filter((s): s is string => typeof s === 'string') : [];
    if (host) out.push(`${schemes.includes('https') ? 'https' : (schemes[0] ?? 'https')}://${host}${basePath}`);
    else if (isUrl) out.push(new URL(basePath || '/', location).href);
    else {
      defects.push({ severity: 'warning', message: 'no `host`: the base URL must come from --target', pointer: '/host' });
      if (basePath) out.push(basePath);
    }
    return out;
  }
  const servers = Array.isArray(doc.servers) ? doc.servers : [];
  if (servers.length === 0) defects.push({ severity: 'warning', message: 'no `servers`: the base URL must come from --target (or the spec URL)', pointer: '/servers' });
  servers.forEach((s, i) => {
    if (!isObj(s) || typeof s.url !== 'string') {
      defects.push({ severity: 'warning', message: `servers[${i}] has no url; ignored`, pointer: `/servers/${i}` });
      return;
    }
    const raw = substituteVariables(s.url, s.variables);
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) {
      try {
        out.push(new URL(raw).href.replace(/\/$/, ''));
      } catch {
        defects.push({ severity: 'warning', message: `servers[${i}].url "${s.url}" is not a valid URL; ignored`, pointer: `/servers/${i}/url` });
      }
    } else if (isUrl) out.push(new URL(raw || '/', location).href.replace(/\/$/, ''));
    else {
      defects.push({ severity: 'warning', message: `servers[${i}].url "${s.url}" is relative and the document is a file: the base URL must come from --target`, pointer: `/servers/${i}/url` });
      out.push(raw.replace(/\/$/, ''));
    }
  });
  return out;
}

function paramOf(p: Record<string, unknown>, swagger: boolean): ScanParam | undefined {
  const where = p.in;
  if (where !== 'path' && where !== 'query' && where !== 'header' && where !== 'cookie') return undefined;
  let schema: Schema | undefined;
  if (isObj(p.schema)) schema = p.schema;
  else if (swagger) {
    // Swagger 2.0 puts the schema keywords on the parameter itself.
    const s: Schema = {};
    for (const k of ['type', 'format', 'enum', 'minimum', 'maximum', 'minLength', 'maxLength', 'pattern', 'items', 'default']) if (p[k] !== undefined) s[k] = p[k];
    schema = s;
  }
  let example = p.example;
  if (example === undefined && isObj(p.examples)) {
    const first = Object.values(p.examples)[0];
    if (isObj(first)) example = first.value;
  }
  return { name: String(p.name), in: where, required: p.required === true || where === 'path', ...(schema ? { schema } : {}), ...(example !== undefined ? { example } : {}) };
}

function mediaExample(m: Record<string, unknown>): unknown {
  if (m.example !== undefined) return m.example;
  if (isObj(m.examples)) {
    const first = Object.values(m.examples)[0];
    if (isObj(first)) return first.value;
  }
  return undefined;
}

function pickMedia(content: unknown): [string, Record<string, unknown>] | undefined {
  if (!isObj(content)) return undefined;
  const entries = Object.entries(content).filter((e): e is [string, Record<string, unknown>] => isObj(e[1]));
  return entries.find(([t]) => /json/i.test(t)) ?? entries.find(([t]) => /x-www-form-urlencoded/i.test(t)) ?? entries[0];
}

function securityOf(req: unknown, securitySchemes: Record<string, unknown>): { security: ScanOperation['security']; scopes: string[] } {
  if (!Array.isArray(req)) return { security: 'unknown', scopes: [] };
  if (req.length === 0 || req.some((r) => isObj(r) && Object.keys(r).length === 0)) return { security: 'none', scopes: [] };
  const scopes = new Set<string>();
  for (const r of req) if (isObj(r)) for (const [name, v] of Object.entries(r)) if (Array.isArray(v) && securitySchemes[name] !== undefined) for (const s of v) if (typeof s === 'string') scopes.add(s);
  return { security: 'required', scopes: [...scopes] };
}

export function importOpenApi(data: unknown, location: string, isUrl: boolean, defects: ImportDefect[]): ApiModel {
  if (!isObj(data)) throw new Error('the document is not a mapping');
  const swagger = data.swagger === '2.0' || data.swagger === 2;
  const openapi = typeof data.openapi === 'string' ? data.openapi : undefined;
  if (!swagger && !openapi) throw new Error('neither `openapi: 3.x` nor `swagger: "2.0"` at the top');
  const format: InputFormat = swagger ? 'swagger-2.0' : openapi!.startsWith('3.1') ? 'openapi-3.1' : 'openapi-3.0';
  if (openapi && !/^3\.[01]/.test(openapi)) defects.push({ severity: 'warning', message: `openapi version "${openapi}" is not 3.0 or 3.1; read as ${format}`, pointer: '/openapi' });
  const securitySchemes = (swagger ? data.securityDefinitions : isObj(data.components) ? data.components.securitySchemes : undefined) ?? {};
  const schemes = isObj(securitySchemes) ? securitySchemes : {};
  const globalSecurity = data.security;
  if (globalSecurity === undefined && Object.keys(schemes).length > 0) defects.push({ severity: 'warning', message: 'security schemes are defined but no operation-wide `security` is declared: operations without their own `security` are treated as unknown', pointer: '/security' });
  const servers = resolveServers(data, format, location, isUrl, defects);
  const operations: ScanOperation[] = [];
  const paths = isObj(data.paths) ? data.paths : {};
  if (!isObj(data.paths)) defects.push({ severity: 'error', message: 'no `paths`: nothing to scan', pointer: '/paths' });
  for (const [path, rawItem] of Object.entries(paths)) {
    const itemPtr = `/paths/${esc(path)}`;
    let item: unknown;
    try {
      item = isObj(rawItem) && typeof rawItem.$ref === 'string' ? lookup(data, rawItem.$ref) : rawItem;
    } catch (err) {
      defects.push({ severity: 'error', message: `${path}: ${(err as Error).message}; the path is skipped`, pointer: itemPtr });
      continue;
    }
    if (!isObj(item)) continue;
    for (const m of HTTP_METHODS) {
      const rawOp = item[m];
      if (!isObj(rawOp)) continue;
      if (operations.length >= IMPORT_LIMITS.maxOperations) {
        defects.push({ severity: 'error', message: `more than ${IMPORT_LIMITS.maxOperations} operations; the rest are skipped` });
        break;
      }
      const pointer = `${itemPtr}/${m}`;
      const base: ScanOperation = {
        method: m.toUpperCase(),
        path,
        ...(typeof rawOp.operationId === 'string' ? { operationId: rawOp.operationId } : {}),
        tags: Array.isArray(rawOp.tags) ? rawOp.tags.filter((t): t is string => typeof t === 'string') : [],
        ...(typeof rawOp.summary === 'string' ? { summary: rawOp.summary } : {}),
        ...(typeof rawOp.description === 'string' ? { description: rawOp.description } : {}),
        params: [],
        responses: {},
        ...securityOf(rawOp.security ?? globalSecurity, schemes),
        roles: Array.isArray(rawOp['x-palisade-roles']) ? (rawOp['x-palisade-roles'] as unknown[]).filter((r): r is string => typeof r === 'string') : [],
        exercisable: true,
        pointer,
      };
      try {
        const op = deref(data, rawOp) as Record<string, unknown>;
        const pathParams = deref(data, item.parameters ?? []) as unknown[];
        const params = new Map<string, ScanParam>();
        let body: ScanBody | undefined;
        for (const p of [...(Array.isArray(pathParams) ? pathParams : []), ...(Array.isArray(op.parameters) ? op.parameters : [])]) {
          if (!isObj(p)) continue;
          if (swagger && p.in === 'body') {
            const consumes = Array.isArray(op.consumes) ? op.consumes : Array.isArray(data.consumes) ? data.consumes : [];
            body = { contentType: consumes.find((c): c is string => typeof c === 'string' && /json/.test(c)) ?? 'application/json', required: p.required === true, ...(isObj(p.schema) ? { schema: p.schema } : {}) };
            continue;
          }
          if (swagger && p.in === 'formData') {
            const s: Schema = body?.schema ?? { type: 'object', properties: {}, required: [] };
            (s.properties as Record<string, unknown>)[String(p.name)] = { type: p.type ?? 'string', ...(p.format ? { format: p.format } : {}) };
            if (p.required === true) (s.required as string[]).push(String(p.name));
            body = { contentType: 'application/x-www-form-urlencoded', required: true, schema: s };
            continue;
          }
          const sp = paramOf(p, swagger);
          if (sp) params.set(`${sp.in}:${sp.name}`, sp);
        }
        for (const name of path.match(/\{([^}]+)\}/g) ?? []) {
          const n = name.slice(1, -1);
          if (!params.has(`path:${n}`)) {
            defects.push({ severity: 'warning', message: `${base.method} ${path}: path parameter {${n}} is not declared; treated as a string`, pointer });
            params.set(`path:${n}`, { name: n, in: 'path', required: true, schema: { type: 'string' } });
          }
        }
        base.params = [...params.values()];
        if (!swagger && isObj(op.requestBody)) {
          const media = pickMedia(op.requestBody.content);
          if (media) {
            const ex = mediaExample(media[1]);
            body = { contentType: media[0], required: op.requestBody.required === true, ...(isObj(media[1].schema) ? { schema: media[1].schema } : {}), ...(ex !== undefined ? { example: ex } : {}) };
          }
        }
        if (body) base.body = body;
        if (isObj(op.responses)) {
          for (const [code, r] of Object.entries(op.responses)) {
            if (!isObj(r)) continue;
            if (swagger) base.responses[code] = isObj(r.schema) ? { schema: r.schema, contentType: 'application/json' } : {};
            else {
              const media = pickMedia(r.content);
              base.responses[code] = media && isObj(media[1].schema) ? { schema: media[1].schema, contentType: media[0] } : media ? { contentType: media[0] } : {};
            }
          }
        }
      } catch (err) {
        if (!(err instanceof BrokenRef)) throw err;
        base.exercisable = false;
        base.reason = `broken reference: ${err.message}`;
        defects.push({ severity: 'error', message: `${base.method} ${path}: ${err.message}; the operation is skipped`, pointer });
      }
      operations.push(base);
    }
  }
  const info = isObj(data.info) ? data.info : {};
  return { source: location, format, ...(typeof info.title === 'string' ? { title: info.title } : {}), servers, operations, defects };
}

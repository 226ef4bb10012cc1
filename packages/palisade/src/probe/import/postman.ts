// Postman Collection 2.1 into the scanner's ApiModel: every request of every folder becomes an
// operation; `{{variables}}` are replaced from the collection's variables, and `:name` path
// variables become path parameters.
import type { ImportDefect } from '../report.js';
import type { ApiModel, ScanOperation, ScanParam } from './model.js';
import { IMPORT_LIMITS, isObj } from './model.js';
import { templatePath } from './har.js';

export function looksLikePostman(data: unknown): boolean {
  return isObj(data) && isObj(data.info) && typeof data.info.schema === 'string' && /collection/i.test(data.info.schema) && Array.isArray(data.item);
}

function substitute(s: string, vars: Map<string, string>): string {
  return s.replace(/\{\{([^}]+)\}\}/g, (m, n: string) => vars.get(n.trim()) ?? m);
}

export function importPostman(data: unknown, location: string, defects: ImportDefect[]): ApiModel {
  const root = data as Record<string, unknown>;
  const vars = new Map<string, string>();
  if (Array.isArray(root.variable)) for (const v of root.variable) if (isObj(v) && typeof v.key === 'string') vars.set(v.key, String(v.value ?? ''));
  const ops = new Map<string, ScanOperation>();
  const origins = new Map<string, number>();
  const walk = (items: unknown[], ptr: string, depth: number): void => {
    if (depth > 32) return;
    items.forEach((it, i) => {
      const here = `${ptr}/${i}`;
      if (!isObj(it)) return;
      if (Array.isArray(it.item)) return walk(it.item, `${here}/item`, depth + 1);
      const req = it.request;
      if (!isObj(req) && typeof req !== 'string') return;
      const method = (isObj(req) && typeof req.method === 'string' ? req.method : 'GET').toUpperCase();
      const rawUrl = typeof req === 'string' ? req : typeof req.url === 'string' ? req.url : isObj(req.url) && typeof req.url.raw === 'string' ? req.url.raw : undefined;
      if (!rawUrl) {
        defects.push({ severity: 'warning', message: `request "${String(it.name ?? i)}" has no URL; skipped`, pointer: here });
        return;
      }
      let u: URL;
      try {
        u = new URL(substitute(rawUrl, vars).replace(/\/:([A-Za-z_][\w-]*)/g, '/{$1}'));
      } catch {
        defects.push({ severity: 'warning', message: `request "${String(it.name ?? i)}": URL "${rawUrl}" has unresolved variables or is not a URL; skipped`, pointer: here });
        return;
      }
      origins.set(u.origin, (origins.get(u.origin) ?? 0) + 1);
      const decoded = decodeURI(u.pathname);
      const t = templatePath(decoded);
      const params: ScanParam[] = [];
      for (const m of t.path.match(/\{([^}]+)\}/g) ?? []) {
        const name = m.slice(1, -1);
        const v = t.values[name];
        params.push({ name, in: 'path', required: true, schema: { type: v !== undefined && /^\d+$/.test(v) ? 'integer' : 'string' }, ...(v !== undefined ? { example: /^\d+$/.test(v) ? Number(v) : v } : {}) });
      }
      const query: Record<string, string> = {};
      for (const [k, v] of u.searchParams) {
        query[k] = v;
        params.push({ name: k, in: 'query', required: true, example: v, schema: { type: 'string' } });
      }
      const body = isObj(req) && isObj(req.body) && typeof req.body.raw === 'string' ? substitute(req.body.raw, vars) : undefined;
      const key = `${method} ${t.path}`;
      if (ops.has(key) || ops.size >= IMPORT_LIMITS.maxOperations) return;
      let example: unknown = body;
      try {
        if (body !== undefined) example = JSON.parse(body) as unknown;
      } catch {
        // Not JSON: kept as text.
      }
      ops.set(key, {
        method,
        path: t.path,
        tags: [],
        ...(typeof it.name === 'string' ? { summary: it.name } : {}),
        params,
        ...(body !== undefined ? { body: { contentType: typeof example === 'string' ? 'text/plain' : 'application/json', required: true, example } } : {}),
        responses: {},
        security: isObj(req) && isObj(req.auth) && req.auth.type !== 'noauth' ? 'required' : 'unknown',
        scopes: [],
        roles: [],
        exercisable: true,
        pointer: here,
        recorded: { query, ...(body !== undefined ? { body } : {}), pathValues: t.values },
      });
    });
  };
  walk(root.item as unknown[], '/item', 0);
  const servers = [...origins.entries()].sort((a, b) => b[1] - a[1]).map(([o]) => o);
  const info = root.info as Record<string, unknown>;
  return { source: location, format: 'postman-2.1', ...(typeof info.name === 'string' ? { title: info.name } : {}), servers, operations: [...ops.values()], defects };
}

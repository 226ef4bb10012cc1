// HAR 1.2 (a browser's or proxy's recording) into the scanner's ApiModel: each distinct
// method + path becomes an operation; numeric and UUID-looking path segments become parameters, so
// the recorded ids feed the exploration like values seen in responses.
import type { ImportDefect } from '../report.js';
import type { ApiModel, ScanOperation } from './model.js';
import { IMPORT_LIMITS, isObj } from './model.js';

const ID_SEGMENT = /^(?:\d+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{24})$/i;

export function looksLikeHar(data: unknown): boolean {
  return isObj(data) && isObj(data.log) && Array.isArray(data.log.entries);
}

/** Turns /orders/1001/invoice into /orders/{orderId}/invoice with the recorded value. */
export function templatePath(pathname: string): { path: string; values: Record<string, string> } {
  const segs = pathname.split('/');
  const values: Record<string, string> = {};
  const out = segs.map((s, i) => {
    if (!ID_SEGMENT.test(s)) return s;
    const prev = (segs[i - 1] ?? 'item').replace(/[^A-Za-z0-9]/g, '');
    let name = `${prev.endsWith('s') ? prev.slice(0, -1) : prev || 'item'}Id`;
    while (values[name] !== undefined) name += '_';
    values[name] = decodeURIComponent(s);
    return `{${name}}`;
  });
  return { path: out.join('/'), values };
}

export function importHar(data: unknown, location: string, defects: ImportDefect[]): ApiModel {
  const entries = (isObj(data) && isObj(data.log) && Array.isArray(data.log.entries) ? data.log.entries : []) as unknown[];
  const ops = new Map<string, ScanOperation>();
  const origins = new Map<string, number>();
  entries.forEach((e, i) => {
    if (!isObj(e) || !isObj(e.request) || typeof e.request.url !== 'string' || typeof e.request.method !== 'string') {
      defects.push({ severity: 'warning', message: `log.entries[${i}] has no request method and url; skipped`, pointer: `/log/entries/${i}` });
      return;
    }
    let u: URL;
    try {
      u = new URL(e.request.url);
    } catch {
      defects.push({ severity: 'warning', message: `log.entries[${i}].request.url is not a URL; skipped`, pointer: `/log/entries/${i}/request/url` });
      return;
    }
    origins.set(u.origin, (origins.get(u.origin) ?? 0) + 1);
    const { path, values } = templatePath(u.pathname);
    const method = e.request.method.toUpperCase();
    const key = `${method} ${path}`;
    if (ops.has(key) || ops.size >= IMPORT_LIMITS.maxOperations) return;
    const headers: Record<string, string> = {};
    let contentType: string | undefined;
    if (Array.isArray(e.request.headers)) for (const h of e.request.headers) if (isObj(h) && typeof h.name === 'string' && typeof h.value === 'string') {
      const n = h.name.toLowerCase();
      if (n === 'content-type') contentType = h.value;
      // Credentials belong to identities, not to the recorded request.
      if (!['authorization', 'cookie', 'host', 'content-length', 'connection'].includes(n) && !n.startsWith(':')) headers[n] = h.value;
    }
    const query: Record<string, string> = {};
    for (const [k, v] of u.searchParams) query[k] = v;
    const post = isObj(e.request.postData) ? e.request.postData : undefined;
    const bodyText = post && typeof post.text === 'string' ? post.text : undefined;
    const status = isObj(e.response) && typeof e.response.status === 'number' ? e.response.status : undefined;
    ops.set(key, {
      method,
      path,
      tags: [],
      params: [
        ...Object.entries(values).map(([name, v]) => ({ name, in: 'path' as const, required: true, example: /^\d+$/.test(v) ? Number(v) : v, schema: { type: /^\d+$/.test(v) ? 'integer' : 'string' } })),
        ...Object.entries(query).map(([name, v]) => ({ name, in: 'query' as const, required: true, example: v, schema: { type: 'string' } })),
      ],
      ...(bodyText !== undefined ? { body: { contentType: (post?.mimeType as string | undefined) ?? contentType ?? 'application/json', required: true, example: safeJson(bodyText) } } : {}),
      responses: status ? { [String(status)]: {} } : {},
      security: 'unknown',
      scopes: [],
      roles: [],
      exercisable: true,
      pointer: `/log/entries/${i}`,
      recorded: { query, headers, ...(bodyText !== undefined ? { body: bodyText } : {}), pathValues: values },
    });
  });
  const servers = [...origins.entries()].sort((a, b) => b[1] - a[1]).map(([o]) => o);
  if (servers.length > 1) defects.push({ severity: 'warning', message: `requests to ${servers.length} origins; the most frequent (${servers[0]}) is scanned unless --target says otherwise` });
  return { source: location, format: 'har', servers, operations: [...ops.values()], defects };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

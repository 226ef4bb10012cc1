// Stateful exploration: build valid requests from the contract (examples, schemas, enums) and from
// values seen in earlier responses (an `id` returned by POST /orders fills {orderId}), create
// resources as each user, and learn which object ids each user owns (seen only in that user's
// responses). The checks then attack across users with what was learned.
import type { ScanOperation } from './import/index.js';
import type { ScanRequest, ScanResponse } from './runner.js';
import type { Session } from './identities.js';
import { sampleObject, sampleValue } from './values.js';

/** Limits of what exploration remembers from responses. */
export const EXPLORE_LIMITS = { maxDepth: 4, maxArrayItems: 50, maxValueChars: 128, maxValuesPerKey: 200 } as const;

export interface Observation {
  op: ScanOperation;
  identity: string;
  request: ScanRequest;
  response: ScanResponse;
  json?: unknown;
  /** Path parameter values used. */
  pathValues: Record<string, string>;
}

export interface BuildOverrides {
  path?: Record<string, string>;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  /** A replacement JSON body (object) or raw text. */
  body?: unknown;
  method?: string;
}

/** orderId, order_id, OrderID → orderid. */
export function normKey(k: string): string {
  return k.toLowerCase().replace(/[^a-z0-9]/g, '');
}

function singular(s: string): string {
  if (/ies$/.test(s)) return `${s.slice(0, -3)}y`;
  if (/(ss|us)$/.test(s)) return s;
  return s.replace(/s$/, '');
}

/** The resource an operation is about: /orders/{orderId}/invoice → order; /users/me → user. */
export function resourceOf(path: string): string {
  const segs = path.split('/').filter(Boolean);
  for (let i = segs.length - 1; i >= 0; i--) {
    const s = segs[i]!;
    if (s.startsWith('{')) {
      const prev = segs[i - 1];
      if (prev && !prev.startsWith('{')) return singular(prev);
      continue;
    }
    if (['me', 'self', 'current', 'search', 'lookup'].includes(s) || /^v\d+$/.test(s)) continue;
    if (i === segs.length - 1 && segs.length > 1 && !/^[a-z_-]+$/i.test(s)) continue;
    if (i < segs.length - 1 && !segs[i + 1]!.startsWith('{') && segs.length - i > 2) continue;
    return singular(s);
  }
  return 'item';
}

export function isAdminOp(op: ScanOperation): boolean {
  return op.roles.some((r) => /admin|root|super|staff|manage/i.test(r)) || op.tags.some((t) => /^admin/i.test(t)) || /\/(admin|internal|manage(ment)?|staff|backoffice)(\/|$)/i.test(op.path) || op.scopes.some((s) => /admin/i.test(s));
}

export function isLoginOp(op: ScanOperation, loginPaths: readonly string[]): boolean {
  if (op.method !== 'POST') return false;
  if (loginPaths.includes(op.path)) return true;
  const props = (op.body?.schema?.properties ?? {}) as Record<string, unknown>;
  return /(login|sign-?in|session|token)$/i.test(op.path) && Object.keys(props).some((k) => /^pass(word|wd)?$/i.test(k));
}

function isUrlField(name: string, schema: unknown): boolean {
  const f = schema && typeof schema === 'object' ? (schema as Record<string, unknown>).format : undefined;
  return f === 'uri' || f === 'url' || /(^|_)(url|uri|link|href|callback|webhook|endpoint|image|avatar|feed)$/i.test(name);
}

export class Exploration {
  readonly observations: Observation[] = [];
  /** normalised key → value → identities that saw it. */
  private readonly pool = new Map<string, Map<string, Set<string>>>();
  /** Objects created by the scanner (for cleanup), by identity. */
  readonly created: Array<{ identity: string; op: ScanOperation; location?: string; id?: string }> = [];
  /**
   * Values that are an identity's own whoever else sees them: its user name from its login, the
   * names it gave the objects it created. A public list of user names does not make them anyone's.
   */
  private readonly own = new Map<string, Map<string, string[]>>();

  constructor(
    readonly operations: readonly ScanOperation[],
    /** Replaces URL-valued fields so the target never fetches third-party URLs during exploration. */
    public safeUrl: string,
  ) {}

  learn(identity: string, op: ScanOperation, json: unknown): void {
    if (isAdminOp(op)) return;
    const resource = resourceOf(op.path);
    const visit = (v: unknown, owner: string, depth: number): void => {
      if (depth > EXPLORE_LIMITS.maxDepth || v === null || typeof v !== 'object') return;
      if (Array.isArray(v)) {
        for (const x of v.slice(0, EXPLORE_LIMITS.maxArrayItems)) visit(x, owner, depth + 1);
        return;
      }
      for (const [k, x] of Object.entries(v)) {
        if ((typeof x === 'number' || typeof x === 'string') && String(x).length <= EXPLORE_LIMITS.maxValueChars) {
          if (k === 'id') this.add(`${owner}id`, String(x), identity);
          else if (/id$/i.test(k)) this.add(normKey(k), String(x), identity);
        } else if (x && typeof x === 'object') visit(x, Array.isArray(x) ? singular(normKey(k)) : normKey(k), depth + 1);
      }
    };
    visit(json, normKey(resource), 0);
  }

  add(key: string, value: string, identity: string): void {
    let m = this.pool.get(key);
    if (!m) this.pool.set(key, (m = new Map()));
    if (!m.has(value) && m.size >= EXPLORE_LIMITS.maxValuesPerKey) return;
    let s = m.get(value);
    if (!s) m.set(value, (s = new Set()));
    s.add(identity);
  }

  /** Records `value` of `key` as `identity`'s own (its login name, an object it created). */
  addOwn(identity: string, key: string, value: string): void {
    let m = this.own.get(identity);
    if (!m) this.own.set(identity, (m = new Map()));
    const k = normKey(key);
    const list = m.get(k) ?? [];
    if (!list.includes(value) && list.length < EXPLORE_LIMITS.maxValuesPerKey) m.set(k, [...list, value]);
  }

  /** Values of `param` that are `identity`'s: its own, then those seen only by it (and never anonymously). */
  owned(identity: string, param: string): string[] {
    const self = this.own.get(identity)?.get(normKey(param)) ?? [];
    const m = this.pool.get(normKey(param));
    if (!m) return [...self];
    return [...new Set([...self, ...[...m.entries()].filter(([, who]) => who.size === 1 && who.has(identity)).map(([v]) => v)])];
  }

  /**
   * Body fields of a creation (POST /books) that name the object in the item path (/books/{book_title}):
   * each creator must give its own value, or two users' objects collide and neither owns one.
   */
  namingFields(op: ScanOperation): string[] {
    if (op.method !== 'POST' || op.path.includes('{')) return [];
    const names = new Set<string>();
    for (const o of this.operations) {
      const m = o.path.startsWith(`${op.path}/{`) ? /^\{([^}]+)\}$/.exec(o.path.slice(op.path.length + 1).split('/')[0]!) : null;
      if (m) names.add(normKey(m[1]!));
    }
    const props = Object.keys((op.body?.schema?.properties ?? {}) as Record<string, unknown>);
    return props.filter((p) => names.has(normKey(p)));
  }

  /** Every owner of the values of `param`, for cross-user attacks. */
  owners(param: string): Map<string, string[]> {
    const out = new Map<string, string[]>();
    const m = this.pool.get(normKey(param));
    if (!m) return out;
    for (const [v, who] of m) if (who.size === 1) {
      const id = [...who][0]!;
      out.set(id, [...(out.get(id) ?? []), v]);
    }
    return out;
  }

  seen(param: string): string[] {
    return [...(this.pool.get(normKey(param))?.keys() ?? [])];
  }

  /** A value for a path parameter as `identity`: its own first, then any seen, then the contract's. */
  valueFor(op: ScanOperation, param: string, identity: string): string {
    const own = this.owned(identity, param);
    if (own.length > 0) return own[0]!;
    const anyValue = this.seen(param);
    if (anyValue.length > 0) return anyValue[0]!;
    const p = op.params.find((x) => x.name === param && x.in === 'path');
    const rec = op.recorded?.pathValues?.[param];
    if (rec !== undefined) return rec;
    return String(p?.example ?? sampleValue(p?.schema, param));
  }

  /** A request for `op` as `session`, valid as far as the contract tells. */
  build(op: ScanOperation, session: Session, o: BuildOverrides = {}): { request: ScanRequest; pathValues: Record<string, string> } {
    const pathValues: Record<string, string> = {};
    const path = op.path.replace(/\{([^}]+)\}/g, (_m, name: string) => {
      const v = o.path?.[name] ?? this.valueFor(op, name, session.name);
      pathValues[name] = v;
      return encodeURIComponent(v);
    });
    const query = new URLSearchParams();
    const headers: Record<string, string> = { ...(op.recorded?.headers ?? {}) };
    for (const p of op.params) {
      if (p.in === 'query' && o.query?.[p.name] === undefined && (p.required || p.example !== undefined)) {
        const v = op.recorded?.query?.[p.name] ?? p.example ?? sampleValue(p.schema, p.name);
        query.set(p.name, typeof v === 'string' ? v : JSON.stringify(v));
      } else if (p.in === 'header' && p.required) headers[p.name.toLowerCase()] = String(p.example ?? sampleValue(p.schema, p.name));
    }
    for (const [k, v] of Object.entries(o.query ?? {})) query.set(k, v);
    let body: string | undefined;
    if (o.body !== undefined || op.body) {
      let b = o.body !== undefined ? o.body : this.bodyFor(op);
      if (o.body === undefined && b && typeof b === 'object' && !Array.isArray(b)) b = this.personalise(op, session, b as Record<string, unknown>);
      const ct = op.body?.contentType ?? 'application/json';
      if (typeof b === 'string') body = b;
      else if (/x-www-form-urlencoded/.test(ct) && b && typeof b === 'object') body = new URLSearchParams(Object.entries(b).map(([k, v]): [string, string] => [k, String(v)])).toString();
      else body = JSON.stringify(b);
      headers['content-type'] = /json|x-www-form-urlencoded|xml/.test(ct) ? ct : 'application/json';
    }
    Object.assign(headers, o.headers);
    const qs = query.toString();
    return { request: { method: o.method ?? op.method, url: `${path}${qs ? `?${qs}` : ''}`, headers, ...(body !== undefined ? { body } : {}) }, pathValues };
  }

  /**
   * What exploration must not share between identities: a creation's naming fields get a value of
   * the identity's own, and a change of an identity's password field keeps its password (exploring
   * must not lock the scan out of its own accounts).
   */
  private personalise(op: ScanOperation, session: Session, b: Record<string, unknown>): Record<string, unknown> {
    const out = { ...b };
    for (const k of this.namingFields(op)) if (typeof out[k] === 'string') out[k] = `${String(out[k])}-${session.name}-${Math.random().toString(36).slice(2, 7)}`;
    const password = session.credentials()?.password;
    if ((op.method === 'PUT' || op.method === 'PATCH') && password !== undefined) for (const k of Object.keys(out)) if (/^(new_?)?pass(word|wd)?$/i.test(k)) out[k] = password;
    return out;
  }

  bodyFor(op: ScanOperation): unknown {
    if (!op.body) return undefined;
    if (op.recorded?.body !== undefined) return op.body.example ?? op.recorded.body;
    const base = op.body.example !== undefined ? structuredClone(op.body.example) : op.body.schema ? sampleObject(op.body.schema) : {};
    if (base && typeof base === 'object' && !Array.isArray(base)) {
      const props = (op.body.schema?.properties ?? {}) as Record<string, unknown>;
      for (const [k, v] of Object.entries(base as Record<string, unknown>)) if (typeof v === 'string' && /^https?:\/\//i.test(v) && isUrlField(k, props[k])) (base as Record<string, unknown>)[k] = this.safeUrl;
    }
    return base;
  }

  record(o: Observation): void {
    this.observations.push(o);
    const success = o.response.status >= 200 && o.response.status < 300;
    if (o.json !== undefined && success) this.learn(o.identity, o.op, o.json);
    const naming = success && o.identity !== 'anonymous' ? this.namingFields(o.op) : [];
    if (naming.length > 0 && typeof o.request.body === 'string') {
      try {
        const sent = JSON.parse(o.request.body) as Record<string, unknown>;
        for (const k of naming) if (typeof sent[k] === 'string') this.addOwn(o.identity, k, sent[k]);
      } catch {
        // Not JSON: nothing named.
      }
    }
  }

  /** The first successful observation of `op` as `identity` (any if none succeeded). */
  observed(op: ScanOperation, identity: string): Observation | undefined {
    const all = this.observations.filter((x) => x.op === op && x.identity === identity);
    return all.find((x) => x.response.status >= 200 && x.response.status < 300) ?? all[0];
  }
}

export function parseJson(r: ScanResponse): unknown {
  if (!/json/i.test(r.headers['content-type'] ?? '') && !/^\s*[[{]/.test(r.body)) return undefined;
  try {
    return JSON.parse(r.body) as unknown;
  } catch {
    return undefined;
  }
}

export { isUrlField };

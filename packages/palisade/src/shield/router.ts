// Route matching: host, then the longest path prefix. Paths are normalised before matching so
// that `/public/../admin` or `/public/%2e%2e/admin` cannot reach a route other than the one the
// upstream will actually serve.

export interface RouteEntry<T> {
  /** Lower-case host, '*.example.com' for subdomains, or undefined for any host. */
  host?: string;
  prefix: string;
  value: T;
}

export class Router<T> {
  private readonly exact = new Map<string, RouteEntry<T>[]>();
  private readonly wildcard: Array<{ suffix: string; routes: RouteEntry<T>[] }> = [];
  private readonly anyHost: RouteEntry<T>[] = [];

  constructor(entries: readonly RouteEntry<T>[]) {
    for (const e of entries) {
      const h = e.host?.toLowerCase();
      if (!h) this.anyHost.push(e);
      else if (h.startsWith('*.')) {
        const suffix = h.slice(1);
        let w = this.wildcard.find((x) => x.suffix === suffix);
        if (!w) this.wildcard.push((w = { suffix, routes: [] }));
        w.routes.push(e);
      } else {
        let list = this.exact.get(h);
        if (!list) this.exact.set(h, (list = []));
        list.push(e);
      }
    }
    const byLength = (a: RouteEntry<T>, b: RouteEntry<T>) => b.prefix.length - a.prefix.length;
    for (const list of this.exact.values()) list.sort(byLength);
    for (const w of this.wildcard) w.routes.sort(byLength);
    this.wildcard.sort((a, b) => b.suffix.length - a.suffix.length);
    this.anyHost.sort(byLength);
  }

  match(host: string, path: string): RouteEntry<T> | undefined {
    const exact = this.exact.get(host);
    if (exact) {
      const r = longest(exact, path);
      if (r) return r;
    }
    for (const w of this.wildcard) {
      if (host.endsWith(w.suffix) && host.length > w.suffix.length) {
        const r = longest(w.routes, path);
        if (r) return r;
      }
    }
    return longest(this.anyHost, path);
  }
}

function longest<T>(routes: readonly RouteEntry<T>[], path: string): RouteEntry<T> | undefined {
  for (const r of routes) if (prefixMatches(r.prefix, path)) return r;
  return undefined;
}

/** `/api` matches `/api`, `/api/x` and `/api?q`, not `/apix`. */
export function prefixMatches(prefix: string, path: string): boolean {
  if (!path.startsWith(prefix)) return false;
  if (path.length === prefix.length || prefix.endsWith('/')) return true;
  const next = path.charCodeAt(prefix.length);
  return next === 47 /* / */;
}

const NEEDS_NORMALISING = /%|\/\.|\\|\/\//;
const UNRESERVED = /%(2[DEde]|5[Ff]|7[Ee]|[46][1-9A-Fa-f]|[57][0-9Aa]|3[0-9])/g;

/**
 * Returns the path with unreserved percent-escapes decoded, dot segments resolved and repeated
 * slashes merged; null when the path is ambiguous in a way an attacker uses to split the gateway's
 * view from the upstream's (encoded slash, backslash, NUL, or dot segments escaping the root).
 */
export function normalizePath(raw: string): string | null {
  if (raw.length === 0 || raw.charCodeAt(0) !== 47) return null;
  if (!NEEDS_NORMALISING.test(raw)) return raw;
  if (/%2f|%5c|%00/i.test(raw) || raw.includes('\\')) return null;
  const decoded = raw.replace(UNRESERVED, (m) => String.fromCharCode(parseInt(m.slice(1), 16)));
  const out: string[] = [];
  const parts = decoded.split('/');
  for (let i = 1; i < parts.length; i++) {
    const seg = parts[i]!;
    if (seg === '' && i < parts.length - 1) continue;
    if (seg === '.') {
      if (i === parts.length - 1) out.push('');
      continue;
    }
    if (seg === '..') {
      if (out.length === 0) return null;
      out.pop();
      if (i === parts.length - 1) out.push('');
      continue;
    }
    out.push(seg);
  }
  return '/' + out.join('/');
}

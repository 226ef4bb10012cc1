// A small history router: the console has a handful of routes, and the admin server answers every
// path under /console/ with index.html, so a dependency is not worth its bytes.
import { useCallback, useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent, type ReactNode } from 'react';

/** Where the app is mounted (Vite's `base`, without the trailing slash). */
export const BASE = import.meta.env.BASE_URL.replace(/\/$/, '');

const listeners = new Set<() => void>();
function emit(): void {
  for (const l of listeners) l();
}
function subscribe(l: () => void): () => void {
  listeners.add(l);
  window.addEventListener('popstate', l);
  return () => {
    listeners.delete(l);
    window.removeEventListener('popstate', l);
  };
}
const snapshot = (): string => window.location.pathname + window.location.search;

/** Path inside the app ('/inventory') and its query string. */
export interface AppLocation {
  path: string;
  search: URLSearchParams;
  href: string;
}

function toAppPath(pathname: string): string {
  const p = pathname.startsWith(BASE) ? pathname.slice(BASE.length) : pathname;
  return p === '' ? '/' : p;
}

export function useLocation(): AppLocation {
  const href = useSyncExternalStore(subscribe, snapshot);
  const q = href.indexOf('?');
  const pathname = q < 0 ? href : href.slice(0, q);
  return { path: toAppPath(pathname), search: new URLSearchParams(q < 0 ? '' : href.slice(q)), href };
}

export function navigate(to: string, opts: { replace?: boolean } = {}): void {
  const url = BASE + (to.startsWith('/') ? to : `/${to}`);
  if (url === snapshot()) return;
  if (opts.replace) window.history.replaceState(null, '', url);
  else window.history.pushState(null, '', url);
  emit();
  if (!opts.replace) window.scrollTo(0, 0);
}

/** Query-string state: read with get(), write with set() (replaces history, keeps other keys). */
export function useSearchParam(name: string): [string, (v: string) => void] {
  const loc = useLocation();
  const value = loc.search.get(name) ?? '';
  const set = useCallback(
    (v: string) => {
      const s = new URLSearchParams(window.location.search);
      if (v) s.set(name, v);
      else s.delete(name);
      const qs = s.toString();
      navigate(toAppPath(window.location.pathname) + (qs ? `?${qs}` : ''), { replace: true });
    },
    [name],
  );
  return [value, set];
}

/** Matches '/findings/:id' against '/findings/abc'; params are URL-decoded. */
export function matchPath(pattern: string, path: string): Record<string, string> | undefined {
  const ps = pattern.split('/').filter(Boolean);
  const xs = path.split('/').filter(Boolean);
  if (ps.length !== xs.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < ps.length; i++) {
    const p = ps[i] as string;
    const x = xs[i] as string;
    if (p.startsWith(':')) {
      try {
        params[p.slice(1)] = decodeURIComponent(x);
      } catch {
        return undefined;
      }
    } else if (p !== x) return undefined;
  }
  return params;
}

type LinkProps = Omit<AnchorHTMLAttributes<HTMLAnchorElement>, 'href'> & { to: string; children?: ReactNode };

/** An ordinary link (open in new tab, copy address work) that navigates in place on a plain click. */
export function Link({ to, onClick, children, ...rest }: LinkProps) {
  const handle = (e: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(e);
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(to);
  };
  return (
    <a href={BASE + to} onClick={handle} {...rest}>
      {children}
    </a>
  );
}

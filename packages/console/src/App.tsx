// The app shell: sign-in when there is no session, otherwise the navigation, the user menu, the
// theme toggle and the current view (each view is its own lazily loaded chunk).
import { lazy, Suspense, useEffect, useRef, useState, type ComponentType, type LazyExoticComponent } from 'react';
import type { Role } from './api/types';
import { ErrorState, Loading } from './components/ui';
import { ErrorBoundary } from './components/ErrorBoundary';
import { Link, matchPath, useLocation } from './router';
import { roleAtLeast, useSession, useSessionApi } from './session';
import { SignIn } from './views/SignIn';
import { currentTheme, saveTheme, type Theme } from './theme';

type View = LazyExoticComponent<ComponentType<{ params: Record<string, string> }>>;

const Overview = lazy(() => import('./views/Overview'));
const Inventory = lazy(() => import('./views/Inventory'));
const Endpoint = lazy(() => import('./views/Endpoint'));
const Findings = lazy(() => import('./views/Findings'));
const Finding = lazy(() => import('./views/Finding'));
const Threats = lazy(() => import('./views/Threats'));
const Scans = lazy(() => import('./views/Scans'));
const Settings = lazy(() => import('./views/Settings'));

const ROUTES: { pattern: string; view: View; title: string }[] = [
  { pattern: '/', view: Overview, title: 'Overview' },
  { pattern: '/inventory', view: Inventory, title: 'Inventory' },
  { pattern: '/inventory/endpoint', view: Endpoint, title: 'Endpoint' },
  { pattern: '/findings', view: Findings, title: 'Findings' },
  { pattern: '/findings/:id', view: Finding, title: 'Finding' },
  { pattern: '/threats', view: Threats, title: 'Threats' },
  { pattern: '/scans', view: Scans, title: 'Scans' },
  { pattern: '/scans/:id', view: Scans, title: 'Scan' },
  { pattern: '/settings', view: Settings, title: 'Settings' },
  { pattern: '/settings/:tab', view: Settings, title: 'Settings' },
];

const NAV: { to: string; label: string; min?: Role }[] = [
  { to: '/', label: 'Overview' },
  { to: '/inventory', label: 'Inventory' },
  { to: '/findings', label: 'Findings' },
  { to: '/threats', label: 'Threats' },
  { to: '/scans', label: 'Scans' },
  { to: '/settings', label: 'Settings' },
];

export function App() {
  const { state, retry } = useSessionApi();
  if (state.status === 'loading') {
    return (
      <main className="center-page">
        <Loading label="Opening the console…" />
      </main>
    );
  }
  if (state.status === 'error') {
    return (
      <main className="center-page">
        <ErrorState message={state.message} onRetry={retry} />
      </main>
    );
  }
  if (state.status === 'signed-out') return <SignIn {...(state.reason ? { reason: state.reason } : {})} />;
  return <Shell />;
}

function ThemeToggle() {
  const [theme, setTheme] = useState<Theme>(currentTheme);
  const next: Theme = theme === 'dark' ? 'light' : 'dark';
  return (
    <button
      type="button"
      className="btn btn-ghost"
      onClick={() => {
        saveTheme(next);
        setTheme(next);
      }}
      aria-label={`Switch to ${next} theme`}
      title={`Switch to ${next} theme`}
      data-testid="theme-toggle"
    >
      <span aria-hidden="true">{theme === 'dark' ? '☀' : '☾'}</span>
      <span className="hide-sm"> {next === 'dark' ? 'Dark' : 'Light'}</span>
    </button>
  );
}

function UserMenu() {
  const session = useSession();
  const { signOut } = useSessionApi();
  const [open, setOpen] = useState(false);
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!open) return;
    const onDoc = (e: MouseEvent) => {
      if (ref.current && !ref.current.contains(e.target as Node)) setOpen(false);
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') setOpen(false);
    };
    document.addEventListener('mousedown', onDoc);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('mousedown', onDoc);
      document.removeEventListener('keydown', onKey);
    };
  }, [open]);
  const u = session.user;
  return (
    <div className="user-menu" ref={ref}>
      <button type="button" className="btn btn-ghost" aria-expanded={open} aria-controls="user-menu-panel" aria-label={`Account menu: ${u.displayName || u.username}`} onClick={() => setOpen((o) => !o)} data-testid="user-menu">
        <span className="avatar" aria-hidden="true">
          {(u.displayName || u.username).slice(0, 1).toUpperCase()}
        </span>
        <span className="hide-sm">{u.displayName || u.username}</span>
      </button>
      {/* Always in the DOM (hidden when closed) so the role can be read without opening the menu. */}
      <div className="menu-panel" id="user-menu-panel" hidden={!open}>
        <p>
          <strong>{u.displayName || u.username}</strong>
          <br />
          <span className="muted">{u.username}</span>
        </p>
        <p>
          Role: <span className="badge" data-testid="user-role">{u.role}</span>
          {u.source === 'oidc' && <span className="muted"> (single sign-on)</span>}
        </p>
        <button type="button" className="btn" onClick={() => void signOut()}>
          Sign out
        </button>
      </div>
    </div>
  );
}

function Shell() {
  const loc = useLocation();
  const session = useSession();
  const [navOpen, setNavOpen] = useState(false);
  let match: { view: View; params: Record<string, string>; title: string } | undefined;
  for (const r of ROUTES) {
    const params = matchPath(r.pattern, loc.path);
    if (params) {
      match = { view: r.view, params, title: r.title };
      break;
    }
  }
  const title = match?.title ?? 'Not found';
  useEffect(() => {
    document.title = `${title} · Palisade console`;
  }, [title]);
  const mainRef = useRef<HTMLElement>(null);
  const [prevPath, setPrevPath] = useState(loc.path);
  if (prevPath !== loc.path) {
    // Navigation closes the phone menu.
    setPrevPath(loc.path);
    setNavOpen(false);
  }
  const isActive = (to: string) => (to === '/' ? loc.path === '/' : loc.path === to || loc.path.startsWith(`${to}/`));
  const View = match?.view;
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <Link to="/" className="brand" aria-label="Palisade console home">
          <img src={`${import.meta.env.BASE_URL}favicon.svg`} alt="" width="24" height="24" />
          <span>Palisade</span>
        </Link>
        <button type="button" className="btn btn-ghost nav-toggle" aria-expanded={navOpen} aria-controls="main-nav" onClick={() => setNavOpen((o) => !o)}>
          Menu
        </button>
        <nav id="main-nav" className={`nav${navOpen ? ' nav-open' : ''}`} aria-label="Main">
          <ul>
            {NAV.filter((n) => !n.min || roleAtLeast(session.user.role, n.min)).map((n) => (
              <li key={n.to}>
                <Link to={n.to} aria-current={isActive(n.to) ? 'page' : undefined}>
                  {n.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <div className="topbar-end">
          <ThemeToggle />
          <UserMenu />
        </div>
      </header>
      <main id="main" ref={mainRef} tabIndex={-1} className="main">
        <ErrorBoundary key={loc.path}>
          <Suspense fallback={<Loading />}>
            {View && match ? (
              <View params={match.params} />
            ) : (
              <div className="state state-empty">
                <h1>Page not found</h1>
                <p>
                  There is nothing at this address. <Link to="/">Go to the overview</Link>.
                </p>
              </div>
            )}
          </Suspense>
        </ErrorBoundary>
      </main>
    </div>
  );
}

// Shared building blocks: data loading, the loading / error / empty states every view shows,
// dialogs, badges and formatting.
import { useCallback, useEffect, useId, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import { api, errorMessage } from '../api/client';
import type { Instant, Severity } from '../api/types';

// ---------------------------------------------------------------- data

export interface ApiState<T> {
  data: T | undefined;
  error: string | undefined;
  /** True while a request for the current path (or a reload) is in flight. */
  loading: boolean;
  reload(): void;
}

/**
 * GETs `path` (null = nothing to load) and reloads on demand. While reloading, the previous
 * answer for the same path stays visible so polling never flashes a spinner.
 */
export function useApi<T>(path: string | null): ApiState<T> {
  const [nonce, setNonce] = useState(0);
  const key = path === null ? null : `${nonce}:${path}`;
  const [state, setState] = useState<{ key: string | null; path: string | null; data?: T; error?: string }>({ key: null, path: null });
  useEffect(() => {
    if (path === null || key === null) return;
    const ac = new AbortController();
    api.get<T>(path, ac.signal).then(
      (data) => setState({ key, path, data }),
      (err: unknown) => {
        if (ac.signal.aborted) return;
        setState((prev) => ({ key, path, error: errorMessage(err), ...(prev.path === path && prev.data !== undefined ? { data: prev.data } : {}) }));
      },
    );
    return () => ac.abort();
  }, [key, path]);
  const reload = useCallback(() => setNonce((n) => n + 1), []);
  const samePath = state.path === path;
  return {
    data: samePath ? state.data : undefined,
    error: samePath && state.key === key ? state.error : undefined,
    loading: path !== null && state.key !== key,
    reload,
  };
}

/** `value`, once it has stopped changing for `ms` (search boxes that query the server). */
export function useDebounced<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const t = window.setTimeout(() => setSettled(value), ms);
    return () => window.clearTimeout(t);
  }, [value, ms]);
  return settled;
}

/** Calls fn every `ms` while `active` (progress polling). */
export function useInterval(fn: () => void, ms: number, active: boolean): void {
  const saved = useRef(fn);
  useEffect(() => {
    saved.current = fn;
  }, [fn]);
  useEffect(() => {
    if (!active) return;
    const t = window.setInterval(() => saved.current(), ms);
    return () => window.clearInterval(t);
  }, [ms, active]);
}

/** Runs one change at a time and keeps its error for display. */
export function useAction(): { busy: boolean; error: string | undefined; run<R>(fn: () => Promise<R>): Promise<R | undefined>; clear(): void } {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const run = useCallback(async <R,>(fn: () => Promise<R>): Promise<R | undefined> => {
    setBusy(true);
    setError(undefined);
    try {
      return await fn();
    } catch (err) {
      setError(errorMessage(err));
      return undefined;
    } finally {
      setBusy(false);
    }
  }, []);
  const clear = useCallback(() => setError(undefined), []);
  return { busy, error, run, clear };
}

// ---------------------------------------------------------------- states

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <div className="state state-loading" role="status" aria-live="polite" aria-busy="true">
      <span className="spinner" aria-hidden="true" />
      <span>{label}</span>
    </div>
  );
}

export function ErrorState({ message, onRetry }: { message: string; onRetry?: () => void }) {
  return (
    <div className="state state-error" role="alert">
      <p>
        <strong>Something went wrong.</strong> {message}
      </p>
      {onRetry && (
        <button type="button" className="btn" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="state state-empty" data-testid="empty-state">
      <p className="state-title">{title}</p>
      {children && <div className="state-hint">{children}</div>}
    </div>
  );
}

/** Loading / error / content for one ApiState, so each view handles all three the same way. */
export function Async<T>({ state, children, label }: { state: ApiState<T>; children: (data: T) => ReactNode; label?: string }) {
  if (state.data !== undefined) {
    return (
      <>
        {state.error && <InlineError message={`Refresh failed: ${state.error}`} />}
        {children(state.data)}
      </>
    );
  }
  if (state.error) return <ErrorState message={state.error} onRetry={state.reload} />;
  return <Loading {...(label ? { label } : {})} />;
}

export function InlineError({ message }: { message: string | undefined }) {
  if (!message) return null;
  return (
    <p className="inline-error" role="alert">
      {message}
    </p>
  );
}

// ---------------------------------------------------------------- dialogs

/**
 * A modal built on <dialog>: the browser traps focus, Escape closes it, and focus returns to the
 * element that opened it.
 */
export function Dialog({
  open,
  title,
  onClose,
  children,
  footer,
  wide,
  testId,
}: {
  open: boolean;
  title: string;
  onClose: () => void;
  children: ReactNode;
  footer?: ReactNode;
  wide?: boolean;
  testId?: string;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  return (
    <dialog
      ref={ref}
      className={`dialog${wide ? ' dialog-wide' : ''}`}
      aria-labelledby={titleId}
      onClose={onClose}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
      data-testid={testId}
    >
      {open && (
        <>
          <header className="dialog-head">
            <h2 id={titleId}>{title}</h2>
            <button type="button" className="btn btn-ghost icon-btn" onClick={onClose} aria-label="Close dialog">
              ×
            </button>
          </header>
          <div className="dialog-body">{children}</div>
          {footer && <footer className="dialog-foot">{footer}</footer>}
        </>
      )}
    </dialog>
  );
}

export function ConfirmDialog({
  open,
  title,
  message,
  confirmLabel,
  danger,
  busy,
  error,
  onConfirm,
  onCancel,
}: {
  open: boolean;
  title: string;
  message: ReactNode;
  confirmLabel: string;
  danger?: boolean;
  busy?: boolean;
  error?: string | undefined;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  return (
    <Dialog
      open={open}
      title={title}
      onClose={onCancel}
      testId="confirm-dialog"
      footer={
        <>
          <button type="button" className="btn" onClick={onCancel}>
            Cancel
          </button>
          <button type="button" className={`btn ${danger ? 'btn-danger' : 'btn-primary'}`} onClick={onConfirm} disabled={busy} autoFocus>
            {busy ? 'Working…' : confirmLabel}
          </button>
        </>
      }
    >
      <div>{message}</div>
      <InlineError message={error} />
    </Dialog>
  );
}

/** Shows a secret once, with a copy button and the warning that it will not be shown again. */
export function SecretDialog({ open, title, secret, extra, onClose }: { open: boolean; title: string; secret: string; extra?: ReactNode; onClose: () => void }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(secret);
      setCopied(true);
    } catch {
      setCopied(false);
    }
  };
  return (
    <Dialog
      open={open}
      title={title}
      onClose={onClose}
      testId="secret-dialog"
      footer={
        <button type="button" className="btn btn-primary" onClick={onClose}>
          I have stored it
        </button>
      }
    >
      <p className="warning" role="note">
        Copy this secret now. It is shown only once and cannot be retrieved later; if it is lost, rotate it.
      </p>
      {extra}
      <div className="secret-row">
        <code className="secret" data-testid="secret-value">
          {secret}
        </code>
        <button type="button" className="btn" onClick={copy}>
          {copied ? 'Copied' : 'Copy'}
        </button>
      </div>
      <span className="sr-only" aria-live="polite">
        {copied ? 'Secret copied to the clipboard' : ''}
      </span>
    </Dialog>
  );
}

// ---------------------------------------------------------------- badges & tabs

export function SeverityBadge({ severity }: { severity: Severity | string }) {
  return <span className={`badge sev sev-${severity}`}>{severity}</span>;
}

export function Badge({ children, tone }: { children: ReactNode; tone?: 'info' | 'warn' | 'danger' | 'ok' | 'muted' }) {
  return <span className={`badge${tone ? ` badge-${tone}` : ''}`}>{children}</span>;
}

export function Tabs<K extends string>({ tabs, active, onChange, label }: { tabs: { key: K; label: string }[]; active: K; onChange: (k: K) => void; label: string }) {
  const refs = useRef<Record<string, HTMLButtonElement | null>>({});
  const onKey = (e: KeyboardEvent, i: number) => {
    let next = -1;
    if (e.key === 'ArrowRight') next = (i + 1) % tabs.length;
    else if (e.key === 'ArrowLeft') next = (i - 1 + tabs.length) % tabs.length;
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = tabs.length - 1;
    if (next < 0) return;
    e.preventDefault();
    const t = tabs[next];
    if (t) {
      onChange(t.key);
      refs.current[t.key]?.focus();
    }
  };
  return (
    <div className="tabs" role="tablist" aria-label={label}>
      {tabs.map((t, i) => (
        <button
          key={t.key}
          ref={(el) => {
            refs.current[t.key] = el;
          }}
          type="button"
          role="tab"
          id={`tab-${t.key}`}
          aria-selected={active === t.key}
          aria-controls={`panel-${t.key}`}
          tabIndex={active === t.key ? 0 : -1}
          className="tab"
          onClick={() => onChange(t.key)}
          onKeyDown={(e) => onKey(e, i)}
        >
          {t.label}
        </button>
      ))}
    </div>
  );
}

export function PageHeader({ title, children, sub }: { title: string; children?: ReactNode; sub?: ReactNode }) {
  return (
    <div className="page-head">
      <div>
        <h1>{title}</h1>
        {sub && <p className="muted">{sub}</p>}
      </div>
      {children && <div className="page-actions">{children}</div>}
    </div>
  );
}

// ---------------------------------------------------------------- formatting

export function toMs(t: Instant | null | undefined): number | undefined {
  if (t === null || t === undefined || t === '') return undefined;
  if (typeof t === 'number') return t;
  const n = Date.parse(t);
  return Number.isNaN(n) ? undefined : n;
}

const dateFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const timeFmt = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const numFmt = new Intl.NumberFormat();
const compactFmt = new Intl.NumberFormat(undefined, { notation: 'compact', maximumFractionDigits: 1 });

export function fmtTime(t: Instant | null | undefined): string {
  const ms = toMs(t);
  return ms === undefined ? '—' : dateFmt.format(ms);
}

export function fmtClock(t: Instant | null | undefined): string {
  const ms = toMs(t);
  return ms === undefined ? '' : timeFmt.format(ms);
}

export function fmtNum(n: number | null | undefined): string {
  return typeof n === 'number' && Number.isFinite(n) ? numFmt.format(n) : '—';
}

export function fmtCompact(n: number | null | undefined): string {
  return typeof n === 'number' && Number.isFinite(n) ? compactFmt.format(n) : '—';
}

export function fmtPct(r: number | null | undefined): string {
  if (typeof r !== 'number' || !Number.isFinite(r)) return '—';
  return `${(r * 100).toFixed(r < 0.01 && r > 0 ? 2 : 1)}%`;
}

export function fmtMs(n: number | null | undefined): string {
  if (typeof n !== 'number' || !Number.isFinite(n)) return '—';
  return n >= 1000 ? `${(n / 1000).toFixed(2)} s` : `${Math.round(n)} ms`;
}

export function relTime(t: Instant | null | undefined, now = Date.now()): string {
  const ms = toMs(t);
  if (ms === undefined) return '—';
  const d = Math.round((now - ms) / 1000);
  if (Math.abs(d) < 60) return 'just now';
  const m = Math.round(d / 60);
  if (Math.abs(m) < 60) return `${m} min ago`;
  const h = Math.round(m / 60);
  if (Math.abs(h) < 48) return `${h} h ago`;
  return `${Math.round(h / 24)} d ago`;
}

/** Starts a browser download of text content (OpenAPI export). */
export function downloadText(name: string, content: string, type = 'application/json'): void {
  const url = URL.createObjectURL(new Blob([content], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 1000);
}

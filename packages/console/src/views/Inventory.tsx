// Inventory: every endpoint Palisade has learned, in a virtualized table (only the visible rows are
// in the DOM, so 10,000+ endpoints scroll smoothly), with sorting, filters and search kept in the
// address so a filtered view can be shared.
import { useMemo, useRef, type KeyboardEvent } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { API_BASE } from '../api/client';
import type { EndpointSummary, InventoryList } from '../api/types';
import { Async, Badge, Empty, PageHeader, fmtCompact, fmtMs, fmtPct, fmtTime, relTime, toMs, useApi } from '../components/ui';
import { Link, navigate, useSearchParam } from '../router';

type SortKey = 'method' | 'template' | 'host' | 'auth' | 'sensitive' | 'risk' | 'flags' | 'volume' | 'errorRate' | 'p95' | 'lastSeen';

const COLUMNS: { key: SortKey; label: string; num?: boolean }[] = [
  { key: 'method', label: 'Method' },
  { key: 'template', label: 'Path' },
  { key: 'host', label: 'API' },
  { key: 'auth', label: 'Auth' },
  { key: 'sensitive', label: 'Sensitive' },
  { key: 'risk', label: 'Risk', num: true },
  { key: 'flags', label: 'Flags' },
  { key: 'volume', label: 'Requests', num: true },
  { key: 'errorRate', label: 'Errors', num: true },
  { key: 'p95', label: 'p95', num: true },
  { key: 'lastSeen', label: 'Last seen' },
];

const FLAG_NAMES = ['new', 'shadow', 'zombie', 'orphan'] as const;
type FlagName = (typeof FLAG_NAMES)[number];
const FLAG_HELP: Record<FlagName, string> = {
  new: 'first seen recently',
  shadow: 'served but not in the OpenAPI document',
  zombie: 'deprecated or removed from the spec but still called',
  orphan: 'in the spec but never called',
};
const RISK_LEVELS = ['critical', 'high', 'medium', 'low', 'none'];
const SEEN = [
  { v: '', label: 'Any time' },
  { v: '1h', label: 'Last hour', ms: 3600_000 },
  { v: '24h', label: 'Last 24 hours', ms: 86_400_000 },
  { v: '7d', label: 'Last 7 days', ms: 7 * 86_400_000 },
  { v: '30d', label: 'Last 30 days', ms: 30 * 86_400_000 },
  { v: 'stale', label: 'Not seen for 30 days', ms: -30 * 86_400_000 },
];

const ROW_HEIGHT = 40;

function sortValue(e: EndpointSummary, k: SortKey): string | number {
  switch (k) {
    case 'method': return e.method;
    case 'template': return e.template;
    case 'host': return e.host;
    case 'auth': return e.authMethods.join(',');
    case 'sensitive': return e.sensitive.length;
    case 'risk': return e.risk.score;
    case 'flags': return FLAG_NAMES.filter((f) => e.flags[f]).length;
    case 'volume': return e.volume;
    case 'errorRate': return e.errorRate;
    case 'p95': return e.p95 ?? -1;
    case 'lastSeen': return toMs(e.lastSeen) ?? 0;
  }
}

// The key travels in the query string: keys hold hosts and paths with dots, and the server's SPA
// fallback only answers extension-less paths with index.html.
export const endpointHref = (key: string): string => `/inventory/endpoint?key=${encodeURIComponent(key)}`;

export default function Inventory() {
  const state = useApi<InventoryList>('/inventory');
  return (
    <>
      <PageHeader title="Inventory" sub="Endpoints learned from the traffic through the gateway, with their risk.">
        <a className="btn" href={`${API_BASE}/inventory/openapi.json`} download="palisade-inventory.openapi.json">
          Export OpenAPI
        </a>
        <button type="button" className="btn" onClick={state.reload} disabled={state.loading}>
          {state.loading ? 'Refreshing…' : 'Refresh'}
        </button>
      </PageHeader>
      <Async state={state} label="Loading the inventory…">
        {(d) =>
          d.endpoints.length === 0 && d.live === false ? (
            <Empty title="This Palisade keeps no live inventory.">
              The inventory is learned by Watch from the traffic through the gateway: enable Watch in palisade.yaml (Settings → Configuration) and restart.
            </Empty>
          ) : d.endpoints.length === 0 ? (
            <Empty title="No endpoints learned yet.">
              Palisade learns endpoints from traffic. Send requests through the gateway (the demo API under <code>npm start</code>), then refresh.
            </Empty>
          ) : (
            <InventoryTable endpoints={d.endpoints} generatedAt={d.generatedAt} />
          )
        }
      </Async>
    </>
  );
}

function InventoryTable({ endpoints, generatedAt }: { endpoints: EndpointSummary[]; generatedAt: InventoryList['generatedAt'] }) {
  const [q, setQ] = useSearchParam('q');
  const [host, setHost] = useSearchParam('host');
  const [method, setMethod] = useSearchParam('method');
  const [auth, setAuth] = useSearchParam('auth');
  const [sensitive, setSensitive] = useSearchParam('sensitive');
  const [risk, setRisk] = useSearchParam('risk');
  const [flags, setFlags] = useSearchParam('flags');
  const [seen, setSeen] = useSearchParam('seen');
  const [sort, setSort] = useSearchParam('sort');

  const options = useMemo(() => {
    const hosts = new Set<string>();
    const methods = new Set<string>();
    const auths = new Set<string>();
    const sens = new Set<string>();
    for (const e of endpoints) {
      hosts.add(e.host);
      methods.add(e.method);
      for (const a of e.authMethods) if (a !== 'none') auths.add(a);
      for (const s of e.sensitive) sens.add(s);
    }
    const sorted = (s: Set<string>) => [...s].sort();
    return { hosts: sorted(hosts), methods: sorted(methods), auths: sorted(auths), sens: sorted(sens) };
  }, [endpoints]);

  const flagSet = useMemo(() => new Set(flags.split(',').filter(Boolean)), [flags]);
  const [sortKey, sortDir] = ((): [SortKey, 'asc' | 'desc'] => {
    const [k, d] = sort.split(':');
    const key = COLUMNS.find((c) => c.key === k)?.key ?? 'risk';
    return [key, d === 'asc' ? 'asc' : d === 'desc' ? 'desc' : k ? 'asc' : 'desc'];
  })();

  const flagCounts = useMemo(() => {
    const c: Record<FlagName, number> = { new: 0, shadow: 0, zombie: 0, orphan: 0 };
    for (const e of endpoints) for (const f of FLAG_NAMES) if (e.flags[f]) c[f]++;
    return c;
  }, [endpoints]);

  const rows = useMemo(() => {
    const needle = q.trim().toLowerCase();
    const seenDef = SEEN.find((s) => s.v === seen);
    const now = Date.now();
    const out = endpoints.filter((e) => {
      if (host && e.host !== host) return false;
      if (method && e.method !== method) return false;
      if (auth === 'none' ? e.authMethods.some((a) => a !== 'none') : auth && !e.authMethods.includes(auth)) return false;
      if (sensitive === 'any' ? e.sensitive.length === 0 : sensitive && !e.sensitive.includes(sensitive)) return false;
      if (risk && e.risk.level !== risk) return false;
      for (const f of flagSet) if (!e.flags[f as FlagName]) return false;
      if (seenDef?.ms) {
        const t = toMs(e.lastSeen) ?? 0;
        if (seenDef.ms > 0 ? now - t > seenDef.ms : now - t < -seenDef.ms) return false;
      }
      if (needle && !`${e.method} ${e.host}${e.template} ${e.sensitive.join(' ')} ${e.authMethods.join(' ')}`.toLowerCase().includes(needle)) return false;
      return true;
    });
    const sign = sortDir === 'asc' ? 1 : -1;
    out.sort((a, b) => {
      const x = sortValue(a, sortKey);
      const y = sortValue(b, sortKey);
      const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
      return c !== 0 ? sign * c : a.key.localeCompare(b.key);
    });
    return out;
  }, [endpoints, q, host, method, auth, sensitive, risk, flagSet, seen, sortKey, sortDir]);

  const toggleSort = (k: SortKey) => {
    const dir = k === sortKey ? (sortDir === 'asc' ? 'desc' : 'asc') : COLUMNS.find((c) => c.key === k)?.num || k === 'lastSeen' ? 'desc' : 'asc';
    setSort(`${k}:${dir}`);
  };
  const toggleFlag = (f: FlagName) => {
    const s = new Set(flagSet);
    if (s.has(f)) s.delete(f);
    else s.add(f);
    setFlags([...s].join(','));
  };
  const anyFilter = Boolean(q || host || method || auth || sensitive || risk || flags || seen);
  const clearAll = () => {
    navigate('/inventory', { replace: true });
  };

  const scrollRef = useRef<HTMLDivElement>(null);
  // eslint-disable-next-line react-hooks/incompatible-library -- the virtualizer's functions are not memoizable; this component does not rely on the React Compiler
  const virtualizer = useVirtualizer({ count: rows.length, getScrollElement: () => scrollRef.current, estimateSize: () => ROW_HEIGHT, overscan: 12 });

  const onGridKey = (e: KeyboardEvent<HTMLDivElement>) => {
    // Arrow keys move between row links, scrolling the virtual window as needed.
    const target = e.target as HTMLElement;
    const idx = Number(target.closest<HTMLElement>('[data-index]')?.dataset.index ?? NaN);
    if (Number.isNaN(idx)) return;
    let next = -1;
    if (e.key === 'ArrowDown') next = Math.min(rows.length - 1, idx + 1);
    else if (e.key === 'ArrowUp') next = Math.max(0, idx - 1);
    else if (e.key === 'PageDown') next = Math.min(rows.length - 1, idx + 10);
    else if (e.key === 'PageUp') next = Math.max(0, idx - 10);
    if (next < 0) return;
    e.preventDefault();
    virtualizer.scrollToIndex(next);
    window.requestAnimationFrame(() => scrollRef.current?.querySelector<HTMLElement>(`[data-index="${next}"] a`)?.focus());
  };

  return (
    <div className="inventory">
      <form className="filters" role="search" aria-label="Filter endpoints" onSubmit={(e) => e.preventDefault()}>
        <div className="field field-grow">
          <label htmlFor="inv-q">Search</label>
          <input id="inv-q" type="search" placeholder="Path, host, auth, data class…" value={q} onChange={(e) => setQ(e.target.value)} />
        </div>
        <Select id="inv-host" label="API" value={host} onChange={setHost} options={options.hosts} />
        <Select id="inv-method" label="Method" value={method} onChange={setMethod} options={options.methods} />
        <Select id="inv-auth" label="Auth" value={auth} onChange={setAuth} options={['none', ...options.auths]} labels={{ none: 'No auth' }} />
        <Select id="inv-sensitive" label="Sensitive data" value={sensitive} onChange={setSensitive} options={['any', ...options.sens]} labels={{ any: 'Any sensitive' }} />
        <Select id="inv-risk" label="Risk" value={risk} onChange={setRisk} options={RISK_LEVELS} />
        <div className="field">
          <label htmlFor="inv-seen">Last seen</label>
          <select id="inv-seen" value={seen} onChange={(e) => setSeen(e.target.value)}>
            {SEEN.map((s) => (
              <option key={s.v} value={s.v}>
                {s.label}
              </option>
            ))}
          </select>
        </div>
        <fieldset className="flag-filters">
          <legend>Flags</legend>
          {FLAG_NAMES.map((f) => (
            <label key={f} className="check" title={FLAG_HELP[f]}>
              <input type="checkbox" checked={flagSet.has(f)} onChange={() => toggleFlag(f)} />
              {f} <span className="muted">({flagCounts[f]})</span>
            </label>
          ))}
        </fieldset>
      </form>
      <div className="table-meta">
        <p aria-live="polite" data-testid="inventory-count">
          Showing <strong>{rows.length.toLocaleString()}</strong> of {endpoints.length.toLocaleString()} endpoints
        </p>
        {anyFilter && (
          <button type="button" className="btn btn-ghost" onClick={clearAll}>
            Clear filters
          </button>
        )}
        <p className="muted small">Learned {relTime(generatedAt)}</p>
      </div>
      {rows.length === 0 ? (
        <Empty title="No endpoint matches these filters.">
          <button type="button" className="btn" onClick={clearAll}>
            Clear filters
          </button>
        </Empty>
      ) : (
        <div className="vtable" role="table" aria-label="Endpoints" aria-rowcount={rows.length + 1} data-testid="inventory-table">
          <div ref={scrollRef} className="vtable-scroll" onKeyDown={onGridKey}>
            <div className="vtable-inner">
              <div className="vrow vhead" role="row" aria-rowindex={1}>
                {COLUMNS.map((c) => (
                  <div
                    key={c.key}
                    role="columnheader"
                    className={`vcell col-${c.key}${c.num ? ' num' : ''}`}
                    aria-sort={sortKey === c.key ? (sortDir === 'asc' ? 'ascending' : 'descending') : 'none'}
                  >
                    <button type="button" className="sort-btn" onClick={() => toggleSort(c.key)}>
                      {c.label}
                      <span aria-hidden="true" className="sort-ind">
                        {sortKey === c.key ? (sortDir === 'asc' ? '▲' : '▼') : ''}
                      </span>
                    </button>
                  </div>
                ))}
              </div>
              <div className="vbody" style={{ height: virtualizer.getTotalSize() }}>
                {virtualizer.getVirtualItems().map((v) => {
                  const e = rows[v.index];
                  if (!e) return null;
                  return <Row key={e.key} e={e} index={v.index} top={v.start} />;
                })}
              </div>
            </div>
          </div>
        </div>
      )}
    </div>
  );
}

function Row({ e, index, top }: { e: EndpointSummary; index: number; top: number }) {
  const href = endpointHref(e.key);
  return (
    <div
      className="vrow"
      role="row"
      aria-rowindex={index + 2}
      data-index={index}
      style={{ transform: `translateY(${top}px)` }}
      onClick={(ev) => {
        if ((ev.target as HTMLElement).closest('a')) return;
        navigate(href);
      }}
    >
      <div role="cell" className="vcell col-method">
        <span className={`method m-${e.method.toLowerCase()}`}>{e.method}</span>
      </div>
      <div role="cell" className="vcell col-template mono" title={e.template}>
        <Link to={href} className="row-link">
          {e.template}
        </Link>
      </div>
      <div role="cell" className="vcell col-host" title={e.host}>
        {e.host || <span className="muted">—</span>}
      </div>
      <div role="cell" className="vcell col-auth">
        {e.authMethods.some((a) => a !== 'none') ? e.authMethods.join(', ') : <span className="warn-text">none</span>}
      </div>
      <div role="cell" className="vcell col-sensitive" title={e.sensitive.join(', ')}>
        {e.sensitive.join(', ') || <span className="muted">—</span>}
      </div>
      <div role="cell" className="vcell col-risk num">
        <span className={`badge risk risk-${e.risk.level}`} title={`Risk score ${e.risk.score}`}>
          {e.risk.score} {e.risk.level}
        </span>
      </div>
      <div role="cell" className="vcell col-flags">
        {FLAG_NAMES.filter((f) => e.flags[f]).map((f) => (
          <Badge key={f} tone={f === 'new' ? 'info' : 'warn'}>
            {f}
          </Badge>
        ))}
      </div>
      <div role="cell" className="vcell col-volume num">
        {fmtCompact(e.volume)}
      </div>
      <div role="cell" className="vcell col-errorRate num">
        {fmtPct(e.errorRate)}
      </div>
      <div role="cell" className="vcell col-p95 num">
        {fmtMs(e.p95)}
      </div>
      <div role="cell" className="vcell col-lastSeen" title={fmtTime(e.lastSeen)}>
        {relTime(e.lastSeen)}
      </div>
    </div>
  );
}

function Select({ id, label, value, onChange, options, labels }: { id: string; label: string; value: string; onChange: (v: string) => void; options: string[]; labels?: Record<string, string> }) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">All</option>
        {options.map((o) => (
          <option key={o} value={o}>
            {labels?.[o] ?? o}
          </option>
        ))}
      </select>
    </div>
  );
}

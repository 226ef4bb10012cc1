// The findings queue: everything scans, audits and Watch found, with its triage status.
import { useMemo } from 'react';
import type { FindingSummary } from '../api/types';
import { FINDING_STATUSES, SEVERITIES, STATUS_LABEL } from '../api/types';
import { Async, Badge, Empty, PageHeader, SeverityBadge, relTime, fmtTime, useApi, useDebounced } from '../components/ui';
import { DataTable } from '../components/DataTable';
import { Link, navigate, useSearchParam } from '../router';

const SOURCES = ['scan', 'audit', 'watch'];
const SEV_RANK: Record<string, number> = { critical: 0, high: 1, medium: 2, low: 3, info: 4 };


export default function Findings() {
  const [status, setStatus] = useSearchParam('status');
  const [severity, setSeverity] = useSearchParam('severity');
  const [source, setSource] = useSearchParam('source');
  const [q, setQ] = useSearchParam('q');
  const [category, setCategory] = useSearchParam('category');
  const [scan] = useSearchParam('scan');
  const qs = new URLSearchParams();
  if (status) qs.set('status', status);
  if (severity) qs.set('severity', severity);
  if (source) qs.set('source', source);
  const qSettled = useDebounced(q.trim(), 300);
  if (qSettled) qs.set('q', qSettled);
  const state = useApi<{ findings: FindingSummary[] }>(`/findings${qs.toString() ? `?${qs}` : ''}`);
  const all = state.data?.findings;
  const categories = useMemo(() => [...new Set((all ?? []).map((f) => f.category).filter((c): c is string => Boolean(c)))].sort(), [all]);
  const anyFilter = Boolean(status || severity || source || q || category || scan);
  return (
    <>
      <PageHeader title="Findings" sub="Weaknesses found by scans, configuration audits and Watch. Triage them, or apply a protection.">
        <button type="button" className="btn" onClick={state.reload} disabled={state.loading}>
          {state.loading ? 'Refreshing…' : 'Refresh'}
        </button>
      </PageHeader>
      <form className="filters" role="search" aria-label="Filter findings" onSubmit={(e) => e.preventDefault()}>
        <div className="field field-grow">
          <label htmlFor="f-q">Search</label>
          <input id="f-q" type="search" placeholder="Title, check, endpoint…" value={q} onChange={(e) => setQ(e.target.value)} />
        </div>
        <FilterSelect id="f-status" label="Status" value={status} onChange={setStatus} options={FINDING_STATUSES.map((s) => [s, STATUS_LABEL[s] ?? s])} />
        <FilterSelect id="f-severity" label="Severity" value={severity} onChange={setSeverity} options={SEVERITIES.map((s) => [s, s])} />
        <FilterSelect id="f-source" label="Source" value={source} onChange={setSource} options={SOURCES.map((s) => [s, s])} />
        <FilterSelect id="f-category" label="Category" value={category} onChange={setCategory} options={categories.map((c) => [c, c])} />
      </form>
      {scan && (
        <p className="notice">
          Showing the findings of scan <code>{scan}</code>. <Link to="/findings">Show all findings</Link>
        </p>
      )}
      <Async state={state} label="Loading findings…">
        {(d) => {
          const rows = d.findings
            .filter((f) => (!category || f.category === category) && (!scan || f.scanId === scan))
            .sort((a, b) => (SEV_RANK[a.severity] ?? 9) - (SEV_RANK[b.severity] ?? 9) || a.title.localeCompare(b.title));
          if (rows.length === 0) {
            return anyFilter ? (
              <Empty title="No finding matches these filters.">
                <button type="button" className="btn" onClick={() => navigate('/findings', { replace: true })}>
                  Clear filters
                </button>
              </Empty>
            ) : (
              <Empty title="No findings yet.">
                Start a scan of your API from <Link to="/scans">Scans</Link>. Configuration audits and Watch detections also add findings here.
              </Empty>
            );
          }
          return (
            <>
              <p className="table-meta" aria-live="polite" data-testid="findings-count">
                {rows.length} finding{rows.length === 1 ? '' : 's'}
              </p>
              <DataTable testId="findings-table" columns={['Severity', 'Finding', { label: 'Category', className: 'hide-sm' }, { label: 'Source', className: 'hide-sm' }, 'Status', { label: 'Last seen', className: 'hide-sm' }]}>
                {rows.map((f) => (
                  <tr key={f.id}>
                    <td>
                      <SeverityBadge severity={f.severity} />
                    </td>
                    <td>
                      <Link to={`/findings/${encodeURIComponent(f.id)}`}>{f.title}</Link>
                      {f.operation && <div className="mono small muted wrap">{f.operation}</div>}
                    </td>
                    <td className="hide-sm">{f.category ?? '—'}</td>
                    <td className="hide-sm">
                      <Badge tone="muted">{f.source}</Badge>
                    </td>
                    <td>
                      <span className={`status-pill st-${f.status}`}>{STATUS_LABEL[f.status] ?? f.status}</span>
                    </td>
                    <td className="hide-sm" title={fmtTime(f.lastSeenAt)}>
                      {relTime(f.lastSeenAt)}
                    </td>
                  </tr>
                ))}
              </DataTable>
            </>
          );
        }}
      </Async>
    </>
  );
}

function FilterSelect({ id, label, value, onChange, options }: { id: string; label: string; value: string; onChange: (v: string) => void; options: [string, string][] }) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">All</option>
        {options.map(([v, l]) => (
          <option key={v} value={v}>
            {l}
          </option>
        ))}
      </select>
    </div>
  );
}

// Scans: start a scan of an API (from the configuration or a spec + target), follow its progress
// live (polled every second), open its HTML report and findings, and browse the history.
import { useState, type FormEvent } from 'react';
import { API_BASE, api, seg } from '../api/client';
import type { ApiInfo, Scan, ScanSummary } from '../api/types';
import { Async, Badge, Empty, ErrorState, InlineError, Loading, PageHeader, SeverityBadge, fmtNum, fmtTime, relTime, toMs, useAction, useApi, useInterval } from '../components/ui';
import { ACTIONS_COLUMN, DataTable } from '../components/DataTable';
import { Link, navigate } from '../router';
import { useCan } from '../session';

const ACTIVE = new Set(['queued', 'running']);
const PHASES: Record<string, string> = {
  queued: 'Queued',
  importing: 'Reading the API description',
  running: 'Sending test requests',
  reporting: 'Writing the report',
  done: 'Done',
};

function scanOf(r: Scan | { scan: Scan }): Scan {
  return 'scan' in r ? r.scan : r;
}

function apisOf(d: ApiInfo[] | { apis?: ApiInfo[] } | undefined): ApiInfo[] {
  if (!d) return [];
  return Array.isArray(d) ? d : (d.apis ?? []);
}

export default function Scans({ params }: { params: Record<string, string> }) {
  const canOperate = useCan('operator');
  const history = useApi<{ scans: Scan[] }>('/scans');
  const anyActive = (history.data?.scans ?? []).some((s) => ACTIVE.has(s.status));
  useInterval(history.reload, 1000, anyActive);
  const selected = params.id;
  return (
    <>
      <PageHeader title="Scans" sub="Test an API for the OWASP API Top 10: Palisade sends crafted requests and reports what it finds." />
      {canOperate ? <NewScan onStarted={history.reload} /> : <p className="notice">Operators and admins can start scans; you can follow them and read the reports.</p>}
      {selected && <ScanDetail id={selected} onChange={history.reload} canOperate={canOperate} />}
      <section className="panel" aria-labelledby="history-h">
        <h2 id="history-h">History</h2>
        <Async state={history} label="Loading scans…">
          {(d) =>
            d.scans.length === 0 ? (
              <Empty title="No scans yet.">{canOperate ? 'Start one with the form above.' : 'Ask an operator to start a scan.'}</Empty>
            ) : (
              <DataTable testId="scan-history" columns={['Status', 'Target', { label: 'Started', className: 'hide-sm' }, { label: 'By', className: 'hide-sm' }, { label: 'Findings', className: 'num' }, ACTIONS_COLUMN]}>
                {d.scans.map((s) => (
                  <tr key={s.id} aria-current={s.id === selected ? 'true' : undefined}>
                    <td>
                      <StatusBadge s={s} />
                    </td>
                    <td className="wrap">
                      <Link to={`/scans/${encodeURIComponent(s.id)}`}>{s.api ?? s.target}</Link>
                      {s.api && <div className="small muted mono">{s.target}</div>}
                    </td>
                    <td className="hide-sm" title={fmtTime(s.startedAt ?? s.createdAt)}>
                      {relTime(s.startedAt ?? s.createdAt)}
                    </td>
                    <td className="hide-sm">{s.startedBy ?? '—'}</td>
                    <td className="num">{findingCount(s) ?? '—'}</td>
                    <td className="actions">
                      {(s.hasReport ?? s.status === 'finished') && (
                        <a href={`${API_BASE}/scans/${seg(s.id)}/report.html`} target="_blank" rel="noopener">
                          Report
                        </a>
                      )}
                    </td>
                  </tr>
                ))}
              </DataTable>
            )
          }
        </Async>
      </section>
    </>
  );
}

function findingCount(s: Scan): number | undefined {
  if (typeof s.summary?.findings === 'number') return s.summary.findings;
  return typeof s.progress?.findings === 'number' ? s.progress.findings : undefined;
}

function StatusBadge({ s }: { s: Scan }) {
  const tone = s.status === 'finished' ? 'ok' : s.status === 'failed' ? 'danger' : s.status === 'cancelled' ? 'muted' : 'info';
  return (
    <span data-testid="scan-status" data-status={s.status}>
      <Badge tone={tone}>{s.status}</Badge>
    </span>
  );
}

function NewScan({ onStarted }: { onStarted: () => void }) {
  const apis = useApi<ApiInfo[] | { apis?: ApiInfo[] }>('/apis');
  const list = apisOf(apis.data);
  const [mode, setMode] = useState<'api' | 'spec'>('api');
  const [apiName, setApiName] = useState('');
  const [spec, setSpec] = useState('');
  const [target, setTarget] = useState('');
  const [configYaml, setConfigYaml] = useState('');
  const [formError, setFormError] = useState<string | undefined>();
  const action = useAction();
  const effectiveMode = list.length === 0 && !apis.loading ? 'spec' : mode;
  // Until the list of APIs is in, "an API from the configuration" has nothing to start.
  const apisPending = effectiveMode === 'api' && apis.data === undefined && !apis.error;
  const chosen = list.find((a) => a.name === apiName) ?? list[0];

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setFormError(undefined);
    const body: Record<string, string> = {};
    if (effectiveMode === 'api') {
      if (!chosen) return setFormError('Choose an API.');
      body.api = chosen.name;
      body.target = target.trim() || chosen.upstream || '';
    } else {
      if (!spec.trim()) return setFormError('Enter the URL of the OpenAPI document, or paste the document.');
      body.spec = spec.trim();
      body.target = target.trim();
    }
    if (!body.target) return setFormError('Enter the base URL of the API to scan.');
    if (configYaml.trim()) body.configYaml = configYaml;
    const r = await action.run(() => api.post<Scan | { scan: Scan }>('/scans', body));
    if (r) {
      onStarted();
      navigate(`/scans/${encodeURIComponent(scanOf(r).id)}`);
    }
  };

  return (
    <section className="panel" aria-labelledby="new-scan-h">
      <h2 id="new-scan-h">New scan</h2>
      <form onSubmit={submit} className="scan-form" data-testid="new-scan-form">
        <fieldset className="segmented">
          <legend className="sr-only">What to scan</legend>
          <label className={effectiveMode === 'api' ? 'on' : ''}>
            <input type="radio" name="scan-mode" checked={effectiveMode === 'api'} onChange={() => setMode('api')} disabled={list.length === 0} /> An API from the configuration
          </label>
          <label className={effectiveMode === 'spec' ? 'on' : ''}>
            <input type="radio" name="scan-mode" checked={effectiveMode === 'spec'} onChange={() => setMode('spec')} /> An OpenAPI document
          </label>
        </fieldset>
        {apis.error && <InlineError message={`The list of APIs could not be loaded: ${apis.error}`} />}
        {effectiveMode === 'api' ? (
          <div className="field">
            <label htmlFor="scan-api">API</label>
            {apis.loading && !apis.data ? (
              <Loading label="Loading APIs…" />
            ) : (
              <select id="scan-api" value={chosen?.name ?? ''} onChange={(e) => setApiName(e.target.value)}>
                {list.map((a) => (
                  <option key={a.name} value={a.name}>
                    {a.name}
                    {a.spec ? ` (${a.spec.operations} operations)` : a.openapi ? '' : ' (no OpenAPI document)'}
                  </option>
                ))}
              </select>
            )}
          </div>
        ) : (
          <div className="field">
            <label htmlFor="scan-spec">OpenAPI document</label>
            <textarea
              id="scan-spec"
              rows={4}
              className="mono"
              value={spec}
              onChange={(e) => setSpec(e.target.value)}
              placeholder={'https://api.example.com/openapi.json\n— or paste the document (YAML or JSON)'}
              aria-describedby="scan-spec-help"
            />
            <p id="scan-spec-help" className="small muted">
              A URL, or the document itself. Files on the server are not read on request.
            </p>
          </div>
        )}
        <div className="field">
          <label htmlFor="scan-target">Target base URL</label>
          <input
            id="scan-target"
            type="url"
            value={target}
            onChange={(e) => setTarget(e.target.value)}
            placeholder={effectiveMode === 'api' && chosen?.upstream ? `${chosen.upstream} (the API's upstream)` : 'http://127.0.0.1:8080'}
            aria-describedby="scan-target-help"
          />
          <p id="scan-target-help" className="small muted">
            Scan only systems you are allowed to test. {effectiveMode === 'api' ? 'Leave empty to scan the upstream from the configuration. ' : ''}Operators may scan loopback
            addresses and the configured upstreams; other hosts need an admin.
          </p>
        </div>
        <details>
          <summary>Scanner options (YAML)</summary>
          <div className="field">
            <label htmlFor="scan-config">Probe configuration overrides</label>
            <textarea id="scan-config" rows={4} className="mono" value={configYaml} onChange={(e) => setConfigYaml(e.target.value)} placeholder={'checks:\n  exclude: [ssrf]'} />
          </div>
        </details>
        <InlineError message={formError ?? action.error} />
        <button type="submit" className="btn btn-primary" disabled={action.busy || apisPending}>
          {action.busy ? 'Starting…' : apisPending ? 'Loading APIs…' : 'Start scan'}
        </button>
      </form>
    </section>
  );
}

function ScanDetail({ id, onChange, canOperate }: { id: string; onChange: () => void; canOperate: boolean }) {
  const state = useApi<Scan | { scan: Scan }>(`/scans/${seg(id)}`);
  const s = state.data ? scanOf(state.data) : undefined;
  const active = s ? ACTIVE.has(s.status) : false;
  useInterval(state.reload, 1000, active);
  const cancel = useAction();
  if (!s) return state.error ? <ErrorState message={state.error} onRetry={state.reload} /> : <Loading label="Loading the scan…" />;
  const p = s.progress ?? {};
  const pct = typeof p.done === 'number' && typeof p.total === 'number' && p.total > 0 ? (100 * p.done) / p.total : undefined;
  // Without a total the bar stays indeterminate while running: the scanner does not know its length up front.
  const pctShown = s.status === 'finished' ? 100 : pct;
  const started = toMs(s.startedAt);
  const finished = toMs(s.finishedAt);
  const count = findingCount(s);
  return (
    <section className="panel scan-detail" aria-labelledby="scan-h" data-testid="scan-detail" data-status={s.status}>
      <div className="panel-head">
        <h2 id="scan-h">
          Scan of {s.api ?? s.target} <StatusBadge s={s} />
        </h2>
        <Link to="/scans" className="small">
          Close
        </Link>
      </div>
      <dl className="kv">
        <dt>Target</dt>
        <dd className="mono wrap">{s.target}</dd>
        {s.specSource && (
          <>
            <dt>Spec</dt>
            <dd className="mono wrap">{s.specSource}</dd>
          </>
        )}
        <dt>Started</dt>
        <dd>{fmtTime(s.startedAt)}</dd>
        {finished !== undefined && started !== undefined && (
          <>
            <dt>Duration</dt>
            <dd>{Math.max(0, Math.round((finished - started) / 1000))} s</dd>
          </>
        )}
      </dl>
      {(active || s.status === 'finished') && (
        <div className="progress-wrap">
          <progress max={100} value={pctShown} aria-label="Scan progress" data-testid="scan-progress">
            {pctShown !== undefined ? `${Math.round(pctShown)}%` : ''}
          </progress>
          <p className="small" aria-live="polite">
            {s.status === 'queued'
              ? 'Waiting for the scan before it to finish…'
              : s.status === 'finished'
                ? 'Finished.'
                : [
                      p.phase ? PHASES[p.phase] ?? p.phase : undefined,
                      typeof p.operations === 'number' && p.operations > 0 ? `${fmtNum(p.operations)} operations` : undefined,
                      typeof p.requests === 'number' ? `${fmtNum(p.requests)} requests sent` : undefined,
                      typeof p.findings === 'number' ? `${fmtNum(p.findings)} findings so far` : undefined,
                    ]
                    .filter(Boolean)
                    .join(' · ') || 'Running…'}
          </p>
        </div>
      )}
      {s.status === 'failed' && <InlineError message={`The scan failed: ${s.error ?? 'no reason given'}`} />}
      {s.status === 'cancelled' && <p className="muted">Cancelled{s.error ? `: ${s.error}` : '.'}</p>}
      {s.summary && <Summary summary={s.summary} />}
      <div className="row-actions">
        {(s.hasReport ?? s.status === 'finished') && (
          <>
            <a className="btn btn-primary" href={`${API_BASE}/scans/${seg(s.id)}/report.html`} target="_blank" rel="noopener" data-testid="scan-report">
              Open the HTML report
            </a>
            <Link className="btn" to={`/findings?scan=${encodeURIComponent(s.id)}`}>
              View {count !== undefined ? `${count} ` : ''}findings
            </Link>
          </>
        )}
        {active && canOperate && (
          <button
            type="button"
            className="btn btn-danger"
            disabled={cancel.busy}
            onClick={() =>
              void cancel.run(async () => {
                await api.post(`/scans/${seg(s.id)}/cancel`);
                state.reload();
                onChange();
              })
            }
          >
            Cancel scan
          </button>
        )}
      </div>
      <InlineError message={cancel.error} />
    </section>
  );
}

function Summary({ summary }: { summary: ScanSummary }) {
  const figures: [string, string][] = [];
  if (typeof summary.findings === 'number') figures.push(['Findings', fmtNum(summary.findings)]);
  if (typeof summary.operations === 'number') figures.push(['Operations', fmtNum(summary.operations)]);
  if (typeof summary.checks === 'number') figures.push(['Checks', fmtNum(summary.checks)]);
  if (typeof summary.requests === 'number') figures.push(['Requests', fmtNum(summary.requests)]);
  if (typeof summary.durationMs === 'number') figures.push(['Duration', `${(summary.durationMs / 1000).toFixed(1)} s`]);
  if (summary.stored) figures.push(['New / updated / fixed', `${summary.stored.created} / ${summary.stored.updated} / ${summary.stored.fixed}`]);
  const sev = Object.entries(summary.bySeverity ?? {}).filter(([, n]) => typeof n === 'number' && n > 0);
  return (
    <>
      <dl className="figures" aria-label="Scan summary">
        {figures.map(([k, v]) => (
          <div key={k}>
            <dt>{k}</dt>
            <dd>{v}</dd>
          </div>
        ))}
      </dl>
      {sev.length > 0 && (
        <p>
          {sev.map(([k, n]) => (
            <span key={k}>
              <SeverityBadge severity={k} /> {n}{' '}
            </span>
          ))}
        </p>
      )}
      {summary.notes && summary.notes.length > 0 && (
        <details>
          <summary>Scanner notes ({summary.notes.length})</summary>
          <ul className="small">
            {summary.notes.map((n, i) => (
              <li key={i}>{n}</li>
            ))}
          </ul>
        </details>
      )}
    </>
  );
}

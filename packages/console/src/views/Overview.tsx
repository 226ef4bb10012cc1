// Overview: what passed through the gateway, what was blocked and why, and what needs attention.
// recharts is imported only here (and on the endpoint page), so it loads with this chunk.
import { Area, AreaChart, Bar, BarChart, CartesianGrid, Cell, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { ReactNode } from 'react';
import type { Overview as OverviewData, Severity } from '../api/types';
import { SEVERITIES } from '../api/types';
import { Async, Empty, PageHeader, fmtClock, fmtNum, fmtTime, relTime, toMs, useApi, useInterval } from '../components/ui';
import { DataTable } from '../components/DataTable';
import { Link, useSearchParam } from '../router';

const WINDOWS = [
  { hours: '1', label: 'Last hour' },
  { hours: '6', label: 'Last 6 hours' },
  { hours: '24', label: 'Last 24 hours' },
  { hours: '168', label: 'Last 7 days' },
];

const SEV_COLOR: Record<Severity, string> = {
  critical: 'var(--sev-critical)',
  high: 'var(--sev-high)',
  medium: 'var(--sev-medium)',
  low: 'var(--sev-low)',
  info: 'var(--sev-info)',
};

const axis = { stroke: 'var(--muted)', fontSize: 12 };
const tooltipStyle = { background: 'var(--surface)', border: '1px solid var(--border)', color: 'var(--text)' };

export default function Overview() {
  const [hoursParam, setHours] = useSearchParam('hours');
  const hours = WINDOWS.some((w) => w.hours === hoursParam) ? hoursParam : '24';
  const state = useApi<OverviewData>(`/overview?hours=${hours}`);
  // The overview is a live page: refresh it quietly every 15 s.
  useInterval(state.reload, 15_000, true);
  return (
    <>
      <PageHeader title="Overview" sub="Traffic through the gateway, what Palisade blocked, and what needs attention.">
        <label className="inline-field">
          <span>Time window</span>
          <select value={hours} onChange={(e) => setHours(e.target.value)}>
            {WINDOWS.map((w) => (
              <option key={w.hours} value={w.hours}>
                {w.label}
              </option>
            ))}
          </select>
        </label>
        <button type="button" className="btn" onClick={state.reload} disabled={state.loading}>
          {state.loading ? 'Refreshing…' : 'Refresh'}
        </button>
      </PageHeader>
      <Async state={state} label="Loading the overview…">
        {(d) => <OverviewBody d={d} />}
      </Async>
    </>
  );
}

function OverviewBody({ d }: { d: OverviewData }) {
  const traffic = d.traffic.map((p) => ({ ...p, t: toMs(p.t) ?? 0 }));
  const alerts = d.alertsOverTime.map((p) => ({ ...p, t: toMs(p.t) ?? 0 }));
  const multiDay = (toMs(d.window.to) ?? 0) - (toMs(d.window.from) ?? 0) > 36 * 3600_000;
  const tick = (t: number) => (multiDay ? new Date(t).toLocaleDateString(undefined, { weekday: 'short', hour: '2-digit' }) : fmtClock(t));
  const sev = SEVERITIES.map((s) => ({ severity: s, count: d.findingsBySeverity?.[s] ?? 0 }));
  const noTraffic = d.totals.requests === 0 && traffic.every((p) => p.total === 0);
  return (
    <div className="overview">
      <section className="cards" aria-label="Totals">
        <Card label="Requests" value={fmtNum(d.totals.requests)} testId="total-requests" />
        <Card label="Blocked" value={fmtNum(d.totals.blocked)} tone="danger" />
        <Card label="Open findings" value={fmtNum(d.totals.openFindings)} to="/findings" tone="warn" />
        <Card label="Open alerts" value={fmtNum(d.totals.openAlerts)} to="/threats" tone="warn" />
        <Card label="Endpoints" value={fmtNum(d.totals.endpoints)} to="/inventory" />
      </section>

      {d.window.truncated && (
        <p className="notice small" role="note">
          More requests fell in this window than the overview reads: the charts cover the most recent ones. Pick a shorter window for exact figures.
        </p>
      )}
      {noTraffic && (
        <Empty title="No traffic in this window yet.">
          Send requests through the gateway (with <code>npm start</code> the demo API is behind it), or pick a longer time window above.
        </Empty>
      )}

      <div className="grid-2">
        <Panel title="Traffic" summary={`${fmtNum(d.totals.requests)} requests, ${fmtNum(d.totals.blocked)} blocked in ${fmtTime(d.window.from)} – ${fmtTime(d.window.to)}.`}>
          <ResponsiveContainer width="100%" height={240}>
            <AreaChart data={traffic} margin={{ top: 8, right: 8, bottom: 0, left: -12 }}>
              <CartesianGrid stroke="var(--grid)" strokeDasharray="3 3" />
              <XAxis dataKey="t" type="number" domain={['dataMin', 'dataMax']} scale="time" tickFormatter={tick} {...axis} />
              <YAxis allowDecimals={false} {...axis} />
              <Tooltip labelFormatter={(t) => fmtTime(Number(t))} contentStyle={tooltipStyle} />
              <Legend />
              <Area type="monotone" dataKey="total" name="Total" stroke="var(--c-total)" fill="var(--c-total)" fillOpacity={0.15} isAnimationActive={false} />
              <Area type="monotone" dataKey="blocked" name="Blocked" stroke="var(--c-blocked)" fill="var(--c-blocked)" fillOpacity={0.25} isAnimationActive={false} />
              <Area type="monotone" dataKey="errors" name="Errors" stroke="var(--c-errors)" fill="var(--c-errors)" fillOpacity={0.2} isAnimationActive={false} />
            </AreaChart>
          </ResponsiveContainer>
        </Panel>

        <Panel title="Blocked by reason" summary={d.blockedByReason.map((r) => `${r.reason}: ${r.count}`).join(', ') || 'Nothing was blocked.'}>
          {d.blockedByReason.length === 0 ? (
            <Empty title="Nothing was blocked in this window.">Blocked requests (WAF rules, rate limits, block list, schema) will be broken down here.</Empty>
          ) : (
            <ResponsiveContainer width="100%" height={Math.max(160, d.blockedByReason.length * 32 + 40)}>
              <BarChart data={d.blockedByReason} layout="vertical" margin={{ top: 8, right: 16, bottom: 0, left: 8 }}>
                <CartesianGrid stroke="var(--grid)" strokeDasharray="3 3" horizontal={false} />
                <XAxis type="number" allowDecimals={false} {...axis} />
                <YAxis type="category" dataKey="reason" width={130} {...axis} />
                <Tooltip contentStyle={tooltipStyle} cursor={{ fill: 'var(--hover)' }} />
                <Bar dataKey="count" name="Blocked" fill="var(--c-blocked)" isAnimationActive={false} />
              </BarChart>
            </ResponsiveContainer>
          )}
        </Panel>

        <Panel title="Open findings by severity" summary={sev.map((s) => `${s.severity}: ${s.count}`).join(', ')}>
          {sev.every((s) => s.count === 0) ? (
            <Empty title="No open findings.">
              Start a scan from <Link to="/scans">Scans</Link>; findings from scans, audits and Watch land here.
            </Empty>
          ) : (
            <ResponsiveContainer width="100%" height={200}>
              <BarChart data={sev} margin={{ top: 8, right: 8, bottom: 0, left: -12 }}>
                <CartesianGrid stroke="var(--grid)" strokeDasharray="3 3" vertical={false} />
                <XAxis dataKey="severity" {...axis} />
                <YAxis allowDecimals={false} {...axis} />
                <Tooltip contentStyle={tooltipStyle} cursor={{ fill: 'var(--hover)' }} />
                <Bar dataKey="count" name="Open findings" isAnimationActive={false}>
                  {sev.map((s) => (
                    <Cell key={s.severity} fill={SEV_COLOR[s.severity]} />
                  ))}
                </Bar>
              </BarChart>
            </ResponsiveContainer>
          )}
        </Panel>

        <Panel title="Alerts over time" summary={`${alerts.reduce((a, p) => a + p.count, 0)} alerts in the window.`}>
          {alerts.every((p) => p.count === 0) ? (
            <Empty title="No alerts in this window.">Watch raises alerts for abuse (credential stuffing, enumeration, scraping…); they will show here.</Empty>
          ) : (
            <ResponsiveContainer width="100%" height={200}>
              <BarChart data={alerts} margin={{ top: 8, right: 8, bottom: 0, left: -12 }}>
                <CartesianGrid stroke="var(--grid)" strokeDasharray="3 3" vertical={false} />
                <XAxis dataKey="t" tickFormatter={tick} {...axis} />
                <YAxis allowDecimals={false} {...axis} />
                <Tooltip labelFormatter={(t) => fmtTime(Number(t))} contentStyle={tooltipStyle} cursor={{ fill: 'var(--hover)' }} />
                <Bar dataKey="count" name="Alerts" fill="var(--c-alerts)" isAnimationActive={false} />
              </BarChart>
            </ResponsiveContainer>
          )}
        </Panel>
      </div>

      <div className="grid-2">
        <section className="panel" aria-labelledby="top-endpoints">
          <h2 id="top-endpoints">Top attacked endpoints</h2>
          {d.topEndpoints.length === 0 ? (
            <Empty title="No attacks on any endpoint in this window." />
          ) : (
            <DataTable columns={['Endpoint', { label: 'Attacks', className: 'num' }, { label: 'Requests', className: 'num' }]}>
              {d.topEndpoints.map((e) => (
                <tr key={e.endpoint}>
                  <td className="mono wrap">{e.endpoint}</td>
                  <td className="num">{fmtNum(e.attacks)}</td>
                  <td className="num">{fmtNum(e.requests)}</td>
                </tr>
              ))}
            </DataTable>
          )}
        </section>
        <section className="panel" aria-labelledby="top-actors">
          <h2 id="top-actors">Top actors</h2>
          {d.topActors.length === 0 ? (
            <Empty title="No suspicious actors in this window." />
          ) : (
            <DataTable columns={['Actor', { label: 'Alerts', className: 'num' }, { label: 'Refused requests', className: 'num' }, 'Last seen']}>
              {d.topActors.map((a) => (
                <tr key={`${a.kind}:${a.id}`}>
                  <td>
                    <Link to={`/threats?actor=${encodeURIComponent(`${a.kind}:${a.id}`)}`}>
                      <span className="muted">{a.kind}</span> <span className="mono">{a.id}</span>
                    </Link>
                  </td>
                  <td className="num">{fmtNum(a.alerts)}</td>
                  <td className="num">{typeof a.blocked === 'boolean' ? (a.blocked ? 'yes' : 'no') : fmtNum(a.blocked)}</td>
                  <td>{relTime(a.lastSeen)}</td>
                </tr>
              ))}
            </DataTable>
          )}
        </section>
      </div>
    </div>
  );
}

function Card({ label, value, to, tone, testId }: { label: string; value: string; to?: string; tone?: 'danger' | 'warn'; testId?: string }) {
  const body = (
    <>
      <span className="card-label">{label}</span>
      <span className="card-value" data-testid={testId}>
        {value}
      </span>
    </>
  );
  return <div className={`card${tone ? ` card-${tone}` : ''}`}>{to ? <Link to={to}>{body}</Link> : body}</div>;
}

function Panel({ title, summary, children }: { title: string; summary: string; children: ReactNode }) {
  const id = `panel-${title.toLowerCase().replace(/\W+/g, '-')}`;
  return (
    <section className="panel" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      <figure className="chart" aria-describedby={`${id}-sum`}>
        {children}
        <figcaption id={`${id}-sum`} className="sr-only">
          {summary}
        </figcaption>
      </figure>
    </section>
  );
}


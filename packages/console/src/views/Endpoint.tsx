// One endpoint of the inventory: learned schema with masked samples, auth seen, sparklines, risk
// reasons, linked findings and alerts, and the split-template action.
import { useState, type ReactNode } from 'react';
import { Line, LineChart, ResponsiveContainer, Tooltip, YAxis } from 'recharts';
import { API_BASE, api, seg } from '../api/client';
import type { EndpointDetail, LearntParameter, SchemaNode } from '../api/types';
import {
  Async,
  Badge,
  Dialog,
  Empty,
  InlineError,
  PageHeader,
  SeverityBadge,
  fmtMs,
  fmtNum,
  fmtPct,
  fmtTime,
  relTime,
  toMs,
  useAction,
  useApi,
} from '../components/ui';
import { Link, navigate, useSearchParam } from '../router';
import { useCan } from '../session';

export default function Endpoint() {
  const [key] = useSearchParam('key');
  const state = useApi<EndpointDetail>(key ? `/inventory/endpoints/${seg(key)}` : null);
  if (!key) return <Empty title="No endpoint chosen.">Pick one in the <Link to="/inventory">inventory</Link>.</Empty>;
  return (
    <>
      <p className="crumbs">
        <Link to="/inventory">← Inventory</Link>
      </p>
      <Async state={state} label="Loading the endpoint…">
        {(d) => <EndpointBody d={d} onChanged={state.reload} />}
      </Async>
    </>
  );
}

function EndpointBody({ d, onChanged }: { d: EndpointDetail; onChanged: () => void }) {
  const canOperate = useCan('operator');
  const [splitOpen, setSplitOpen] = useState(false);
  const flags = (['new', 'shadow', 'zombie', 'orphan'] as const).filter((f) => d.flags?.[f]);
  const responses = Object.entries(d.responses ?? {}).sort(([a], [b]) => a.localeCompare(b));
  return (
    <>
      <PageHeader
        title={`${d.method} ${d.template}`}
        sub={
          <>
            {d.host} · first seen {fmtTime(d.firstSeen)} · last seen {relTime(d.lastSeen)}
          </>
        }
      >
        {canOperate && (
          <button type="button" className="btn" onClick={() => setSplitOpen(true)}>
            Split template…
          </button>
        )}
        <a className="btn" href={`${API_BASE}/inventory/openapi.json`} download="palisade-inventory.openapi.json">
          Export OpenAPI
        </a>
      </PageHeader>

      <section className="cards" aria-label="Endpoint figures">
        <Stat label="Risk">
          <span className={`badge risk risk-${d.risk.level}`}>
            {d.risk.score} {d.risk.level}
          </span>
        </Stat>
        <Stat label="Requests">{fmtNum(d.volume)}</Stat>
        <Stat label="Error rate">{fmtPct(d.errorRate)}</Stat>
        <Stat label="Latency p50 / p95">
          {fmtMs(d.p50)} / {fmtMs(d.p95)}
        </Stat>
        <Stat label="Auth seen">{d.authMethods.length ? d.authMethods.join(', ') : <span className="warn-text">none</span>}</Stat>
        <Stat label="Sensitive data">{d.sensitive.length ? d.sensitive.join(', ') : '—'}</Stat>
      </section>
      {flags.length > 0 && (
        <p className="flags-line">
          {flags.map((f) => (
            <Badge key={f} tone={f === 'new' ? 'info' : 'warn'}>
              {f}
            </Badge>
          ))}
        </p>
      )}

      <Sparklines d={d} />

      <div className="grid-2">
        <section className="panel" aria-labelledby="risk-h">
          <h2 id="risk-h">Why this risk</h2>
          {d.riskReasons && d.riskReasons.length > 0 ? (
            <ul className="reasons">
              {d.riskReasons.map((r) => (
                <li key={r.reason}>
                  <span className="points">+{r.points}</span> {r.reason}
                </li>
              ))}
            </ul>
          ) : (
            <Empty title="No risk factors found." />
          )}
        </section>
        <section className="panel" aria-labelledby="links-h">
          <h2 id="links-h">Findings and alerts</h2>
          {(d.findings?.length ?? 0) === 0 && (d.alerts?.length ?? 0) === 0 && <Empty title="No findings or alerts for this endpoint.">Scan the API from Scans to test it.</Empty>}
          {d.findings && d.findings.length > 0 && (
            <ul className="link-list">
              {d.findings.map((f) => (
                <li key={f.id}>
                  <SeverityBadge severity={f.severity} /> <Link to={`/findings/${encodeURIComponent(f.id)}`}>{f.title}</Link> <span className="muted">({f.status})</span>
                </li>
              ))}
            </ul>
          )}
          {d.alerts && d.alerts.length > 0 && (
            <ul className="link-list">
              {d.alerts.map((a) => (
                <li key={a.id}>
                  <SeverityBadge severity={a.severity} /> <Link to={`/threats?actor=${encodeURIComponent(`${a.actor.kind}:${a.actor.id}`)}`}>{a.title}</Link>{' '}
                  <span className="muted">
                    {a.actor.kind} {a.actor.id} · {relTime(a.lastSeenAt)}
                  </span>
                </li>
              ))}
            </ul>
          )}
        </section>
      </div>

      <section className="panel" aria-labelledby="schema-h">
        <h2 id="schema-h">Learned schema</h2>
        <p className="muted small">Samples are masked: sensitive values never leave the gateway in clear.</p>
        <div className="grid-2">
          <div>
            <h3>Request</h3>
            {hasEntries(d.query) && (
              <>
                <h4>Query</h4>
                <SchemaTree node={asSchema(d.query)} />
              </>
            )}
            {hasEntries(d.headers) && (
              <>
                <h4>Headers</h4>
                <SchemaTree node={asSchema(d.headers)} />
              </>
            )}
            <h4>Body</h4>
            {d.requestSchema ? <SchemaTree node={d.requestSchema} /> : <p className="muted">No request body seen.</p>}
          </div>
          <div>
            <h3>Responses</h3>
            {responses.length === 0 && <p className="muted">No responses learned yet.</p>}
            {responses.map(([status, r]) => (
              <details key={status} className="response" open={responses.length <= 2}>
                <summary>
                  <span className={`status s${status.slice(0, 1)}`}>{status}</span>
                </summary>
                {r.schema ? <SchemaTree node={r.schema} /> : <p className="muted">No body.</p>}
                {typeof r.count === 'number' && <p className="small muted">{fmtNum(r.count)} responses seen</p>}
                {r.samples && r.samples.length > 0 && (
                  <>
                    <h4>Masked samples</h4>
                    {r.samples.slice(0, 3).map((s, i) => (
                      <pre key={i} className="code small" tabIndex={0} aria-label={`Sample ${i + 1} for status ${status}`}>
                        {prettySample(s)}
                      </pre>
                    ))}
                  </>
                )}
              </details>
            ))}
          </div>
        </div>
      </section>

      {splitOpen && (
        <SplitDialog
          d={d}
          onClose={() => setSplitOpen(false)}
          onDone={() => {
            setSplitOpen(false);
            onChanged();
          }}
        />
      )}
    </>
  );
}

function prettySample(s: unknown): string {
  if (typeof s !== 'string') return JSON.stringify(s, null, 2);
  try {
    return JSON.stringify(JSON.parse(s), null, 2);
  } catch {
    return s;
  }
}

function Stat({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="card">
      <span className="card-label">{label}</span>
      <span className="card-value card-value-sm">{children}</span>
    </div>
  );
}

function hasEntries(v: unknown): boolean {
  return Array.isArray(v) ? v.length > 0 : Boolean(v && typeof v === 'object' && Object.keys(v).length > 0);
}

/** A schema node for a parameter list ([{name, required, schema}]), a name → schema map, or a schema. */
function asSchema(v: unknown): SchemaNode {
  if (Array.isArray(v)) {
    const props: Record<string, SchemaNode> = {};
    const required: string[] = [];
    for (const p of v as LearntParameter[]) {
      if (!p || typeof p.name !== 'string') continue;
      props[p.name] = p.schema && typeof p.schema === 'object' ? p.schema : {};
      if (p.required) required.push(p.name);
    }
    return { type: 'object', properties: props, required };
  }
  if (v && typeof v === 'object' && ('properties' in v || 'type' in v)) return v as SchemaNode;
  // A plain map of parameter name → schema (or → description).
  const props: Record<string, SchemaNode> = {};
  for (const [k, x] of Object.entries((v ?? {}) as Record<string, unknown>)) props[k] = x && typeof x === 'object' ? (x as SchemaNode) : { type: typeof x === 'string' ? x : undefined };
  return { type: 'object', properties: props };
}

function typeLabel(n: SchemaNode): string {
  const t = Array.isArray(n.type) ? n.type.join(' | ') : (n.type ?? (n.properties ? 'object' : n.items ? 'array' : 'any'));
  if (t === 'array' && n.items) return `${typeLabel(n.items)}[]`;
  return n.format ? `${t} (${n.format})` : t;
}

function sensitiveOf(n: SchemaNode): string | undefined {
  const s = n.sensitive ?? n['x-sensitive'] ?? n['x-palisade-sensitive'];
  if (typeof s === 'string') return s;
  if (Array.isArray(s)) return s.join(', ');
  if (s === true) return 'sensitive';
  return undefined;
}

/** A collapsible tree of a learned JSON schema (native <details> gives keyboard support). */
function SchemaTree({ node }: { node: SchemaNode }) {
  return (
    <ul className="schema-tree" aria-label="Schema">
      <SchemaChildren node={node} />
    </ul>
  );
}

function SchemaChildren({ node }: { node: SchemaNode }) {
  const target = node.items && !node.properties ? node.items : node;
  const props = target.properties;
  if (!props || Object.keys(props).length === 0) {
    return (
      <li>
        <span className="type">{typeLabel(node)}</span>
        <Example n={node} />
      </li>
    );
  }
  return (
    <>
      {Object.entries(props).map(([name, child]) => (
        <SchemaItem key={name} name={name} node={child} required={target.required?.includes(name) ?? false} />
      ))}
    </>
  );
}

function SchemaItem({ name, node, required }: { name: string; node: SchemaNode; required: boolean }) {
  const sens = sensitiveOf(node);
  const nested = node.properties || (node.items && node.items.properties);
  const label = (
    <>
      <span className="prop">{name}</span>
      {required && (
        <span className="req" title="required">
          *
        </span>
      )}{' '}
      <span className="type">{typeLabel(node)}</span>
      {sens && <Badge tone="danger">{sens}</Badge>}
      <Example n={node} />
    </>
  );
  if (!nested) return <li>{label}</li>;
  return (
    <li>
      <details open>
        <summary>{label}</summary>
        <ul>
          <SchemaChildren node={node} />
        </ul>
      </details>
    </li>
  );
}

function Example({ n }: { n: SchemaNode }) {
  const ex = n.example ?? n.examples?.[0] ?? n.enum?.[0];
  if (ex === undefined || (typeof ex === 'object' && ex !== null)) return null;
  return <span className="example mono"> e.g. {String(ex)}</span>;
}

function Sparklines({ d }: { d: EndpointDetail }) {
  const s = d.series;
  if (!s || s.t.length === 0) return <Empty title="No time series for this endpoint yet.">Sparklines appear once traffic has been recorded for a while.</Empty>;
  const data = s.t.map((t, i) => ({ t: toMs(t) ?? 0, requests: s.requests[i] ?? 0, errors: s.errors[i] ?? 0, p95: s.p95[i] ?? null }));
  const sum = (k: 'requests' | 'errors') => data.reduce((a, p) => a + p[k], 0);
  const maxP95 = Math.max(0, ...data.map((p) => p.p95 ?? 0));
  return (
    <section className="sparks" aria-label="Trends">
      <Spark title="Traffic" data={data} k="requests" color="var(--c-total)" summary={`${fmtNum(sum('requests'))} requests`} />
      <Spark title="Errors" data={data} k="errors" color="var(--c-errors)" summary={`${fmtNum(sum('errors'))} errors`} />
      <Spark title="Latency p95" data={data} k="p95" color="var(--c-alerts)" summary={`peak ${fmtMs(maxP95)}`} fmt={fmtMs} />
    </section>
  );
}

function Spark({
  title,
  data,
  k,
  color,
  summary,
  fmt = fmtNum,
}: {
  title: string;
  data: { t: number; requests: number; errors: number; p95: number | null }[];
  k: 'requests' | 'errors' | 'p95';
  color: string;
  summary: string;
  fmt?: (n: number) => string;
}) {
  // A line needs two points: with fewer, show the points themselves.
  const sparse = data.filter((p) => p[k] !== null).length < 3;
  return (
    <figure className="spark card" aria-label={`${title}: ${summary}`}>
      <figcaption>
        <span className="card-label">{title}</span> <span className="muted small">{summary}</span>
      </figcaption>
      <ResponsiveContainer width="100%" height={56}>
        <LineChart data={data} margin={{ top: 4, right: 2, bottom: 2, left: 2 }}>
          <YAxis hide domain={[0, 'auto']} />
          <Tooltip
            contentStyle={{ background: 'var(--surface)', border: '1px solid var(--border)', color: 'var(--text)', fontSize: 12 }}
            labelFormatter={(_l, p) => fmtTime((p?.[0]?.payload as { t?: number } | undefined)?.t)}
            formatter={(v) => fmt(Number(v))}
          />
          <Line type="monotone" dataKey={k} name={title} stroke={color} strokeWidth={2} dot={sparse} isAnimationActive={false} connectNulls />
        </LineChart>
      </ResponsiveContainer>
    </figure>
  );
}

function SplitDialog({ d, onClose, onDone }: { d: EndpointDetail; onClose: () => void; onDone: () => void }) {
  const segments = d.template.split('/').filter(Boolean);
  const candidates = segments.map((s, i) => ({ s, i })).filter((x) => x.s.startsWith('{') || x.s.startsWith(':'));
  const [choice, setChoice] = useState<number>(candidates[0]?.i ?? -1);
  const [result, setResult] = useState<string[] | undefined>();
  const action = useAction();
  const submit = async () => {
    const seg = segments[choice];
    if (seg === undefined) return;
    const r = await action.run(() => api.post<{ templates: string[] }>('/inventory/split', { key: d.key, segment: choice }));
    if (r) setResult(r.templates);
  };
  return (
    <Dialog
      open
      title="Split template"
      onClose={result ? onDone : onClose}
      footer={
        result ? (
          <button type="button" className="btn btn-primary" onClick={() => (result.length ? navigate('/inventory') : onDone())}>
            Back to the inventory
          </button>
        ) : (
          <>
            <button type="button" className="btn" onClick={onClose}>
              Cancel
            </button>
            <button type="button" className="btn btn-primary" onClick={() => void submit()} disabled={choice < 0 || action.busy}>
              {action.busy ? 'Splitting…' : 'Split'}
            </button>
          </>
        )
      }
    >
      {result ? (
        <>
          <p role="status">The template was split into:</p>
          <ul className="mono">
            {result.map((t) => (
              <li key={t}>{t}</li>
            ))}
          </ul>
        </>
      ) : candidates.length === 0 ? (
        <p>
          <code>{d.template}</code> has no parameter segment to split.
        </p>
      ) : (
        <fieldset>
          <legend>
            Which parameter of <code>{d.template}</code> should become literal paths again? Palisade re-learns one endpoint per value seen.
          </legend>
          {candidates.map((c) => (
            <label key={c.i} className="check">
              <input type="radio" name="segment" value={c.i} checked={choice === c.i} onChange={() => setChoice(c.i)} />
              <span className="mono">
                /{segments.slice(0, c.i).join('/')}
                {c.i > 0 ? '/' : ''}
                <mark>{c.s}</mark>
              </span>
            </label>
          ))}
        </fieldset>
      )}
      <InlineError message={action.error} />
    </Dialog>
  );
}

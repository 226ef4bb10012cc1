// One finding: evidence with the matched part highlighted, remediation, triage, and "apply
// protection" (preview of the palisade.yaml change, apply with validation and reload, undo).
import { useState, type ReactNode } from 'react';
import { ApiError, api, seg } from '../api/client';
import type { ConfigChange, ConfigIssue, EvidenceMessage, FindingDetail, FindingEvidence, FindingStatus } from '../api/types';
import { FINDING_STATUSES, STATUS_LABEL } from '../api/types';
import { Async, Badge, Dialog, Empty, InlineError, PageHeader, SeverityBadge, fmtTime, relTime, useAction, useApi } from '../components/ui';
import { DiffView, IssueList } from '../components/code';
import { Link } from '../router';
import { useCan } from '../session';

export default function Finding({ params }: { params: Record<string, string> }) {
  const id = params.id ?? '';
  const state = useApi<FindingDetail>(`/findings/${seg(id)}`);
  return (
    <>
      <p className="crumbs">
        <Link to="/findings">← Findings</Link>
      </p>
      <Async state={state} label="Loading the finding…">
        {(f) => <FindingBody f={f} reload={state.reload} />}
      </Async>
    </>
  );
}

function FindingBody({ f, reload }: { f: FindingDetail; reload: () => void }) {
  const canOperate = useCan('operator');
  return (
    <>
      <PageHeader
        title={f.title}
        sub={
          <>
            <SeverityBadge severity={f.severity} /> {f.category && <Badge>{f.category}</Badge>} {f.cwe ? <Badge tone="muted">{String(f.cwe).startsWith('CWE') ? f.cwe : `CWE-${f.cwe}`}</Badge> : null}{' '}
            <Badge tone="muted">{f.source}</Badge> {f.checkId && <span className="mono small muted">{f.checkId}</span>}
          </>
        }
      />
      <div className="finding-layout">
        <div className="finding-main">
          {f.operation && (
            <p>
              <strong>Where:</strong> <span className="mono">{f.operation}</span>
            </p>
          )}
          {f.description && <p>{f.description}</p>}
          <Evidence f={f} />
          <section className="panel" aria-labelledby="remediation-h">
            <h2 id="remediation-h">Remediation</h2>
            <RemediationText r={f.remediation} />
          </section>
        </div>
        <aside className="finding-side">
          <Triage f={f} canEdit={canOperate} onSaved={reload} />
          <Protection f={f} canApply={canOperate} />
          <section className="panel" aria-labelledby="seen-h">
            <h2 id="seen-h">History</h2>
            <dl className="kv">
              <dt>First seen</dt>
              <dd>{fmtTime(f.firstSeenAt)}</dd>
              <dt>Last seen</dt>
              <dd>{fmtTime(f.lastSeenAt)}</dd>
              {f.scanId && (
                <>
                  <dt>Scan</dt>
                  <dd>
                    <Link to={`/scans/${encodeURIComponent(f.scanId)}`}>{f.scanId}</Link>
                  </dd>
                </>
              )}
              {f.statusBy && (
                <>
                  <dt>Triaged by</dt>
                  <dd>
                    {f.statusBy} {f.statusAt ? `(${relTime(f.statusAt)})` : ''}
                  </dd>
                </>
              )}
              {f.statusNote && (
                <>
                  <dt>Note</dt>
                  <dd className="prewrap">{f.statusNote}</dd>
                </>
              )}
            </dl>
          </section>
        </aside>
      </div>
    </>
  );
}

function Triage({ f, canEdit, onSaved }: { f: FindingDetail; canEdit: boolean; onSaved: () => void }) {
  const action = useAction();
  const [saved, setSaved] = useState<string | undefined>();
  const [note, setNote] = useState('');
  const change = async (status: FindingStatus) => {
    setSaved(undefined);
    const r = await action.run(() => api.patch<FindingDetail>(`/findings/${seg(f.id)}`, note.trim() ? { status, note: note.trim() } : { status }));
    if (r) {
      setSaved(`Status set to ${STATUS_LABEL[status] ?? status}.`);
      setNote('');
      onSaved();
    }
  };
  return (
    <section className="panel" aria-labelledby="triage-h">
      <h2 id="triage-h">Triage</h2>
      {canEdit ? (
        <>
          <div className="field">
            <label htmlFor="triage-note">Note (optional)</label>
            <input id="triage-note" value={note} onChange={(e) => setNote(e.target.value)} placeholder="Why this status" maxLength={500} />
          </div>
          <div className="field">
            <label htmlFor="triage-status">Status</label>
            <select id="triage-status" value={f.status} onChange={(e) => void change(e.target.value as FindingStatus)} disabled={action.busy}>
              {FINDING_STATUSES.map((s) => (
                <option key={s} value={s}>
                  {STATUS_LABEL[s]}
                </option>
              ))}
            </select>
          </div>
          <p className="small muted">The status is kept when later scans find the same issue again.</p>
        </>
      ) : (
        <p>
          <span className={`status-pill st-${f.status}`}>{STATUS_LABEL[f.status] ?? f.status}</span>
          <br />
          <span className="small muted">Operators and admins can change the status.</span>
        </p>
      )}
      <p role="status" className="ok-text small">
        {saved}
      </p>
      <InlineError message={action.error} />
    </section>
  );
}

// ---------------------------------------------------------------- evidence

function headerLines(h: unknown): string {
  if (!h) return '';
  if (Array.isArray(h)) return h.map((x) => (Array.isArray(x) ? `${x[0]}: ${x[1]}` : String(x))).join('\n');
  if (typeof h === 'object')
    return Object.entries(h as Record<string, unknown>)
      .map(([k, v]) => (Array.isArray(v) ? v.map((x) => `${k}: ${String(x)}`).join('\n') : `${k}: ${String(v)}`))
      .join('\n');
  return String(h);
}

function bodyText(b: unknown): string {
  if (b === undefined || b === null || b === '') return '';
  if (typeof b === 'string') {
    try {
      return JSON.stringify(JSON.parse(b), null, 2);
    } catch {
      return b;
    }
  }
  return JSON.stringify(b, null, 2);
}

/** Renders one side of the exchange as HTTP text, whatever shape the evidence has. */
export function messageText(m: EvidenceMessage | null | undefined, side: 'request' | 'response'): string {
  if (m === null || m === undefined) return '';
  if (typeof m === 'string') return m;
  const first =
    side === 'request'
      ? `${m.method ?? 'GET'} ${m.url ?? m.path ?? '/'}`
      : `HTTP ${m.status ?? ''}${typeof m.statusText === 'string' ? ` ${m.statusText}` : ''}`;
  const h = headerLines(m.headers);
  const b = bodyText(m.body ?? m.bodyExcerpt);
  return [first, h, b ? `\n${b}` : ''].filter(Boolean).join('\n');
}

function matchedText(m: FindingEvidence['matched']): string | undefined {
  if (!m) return undefined;
  if (typeof m === 'string') return m;
  const t = m.text ?? m.value;
  return typeof t === 'string' ? t : undefined;
}

/**
 * The terms to look for in the exchange: the matched text itself, or, when the check describes
 * the match ("not in the response schema: internal_notes, password_hash"), the listed items.
 */
function needles(matched: string | undefined, req: string, res: string): string[] {
  if (!matched) return [];
  const whole = matched.toLowerCase();
  if (req.toLowerCase().includes(whole) || res.toLowerCase().includes(whole)) return [matched];
  const colon = matched.lastIndexOf(': ');
  const list = colon >= 0 ? matched.slice(colon + 2) : matched;
  return list
    .split(/,\s*|\s+and\s+/)
    .map((t) => t.trim().replace(/^['"`]|['"`]$/g, ''))
    .filter((t) => t.length >= 3);
}

/** The text with every occurrence of any term wrapped in <mark>. */
function highlight(text: string, terms: string[]): { nodes: ReactNode[]; found: boolean } {
  const hay = text.toLowerCase();
  const lower = terms.map((t) => t.toLowerCase()).filter(Boolean);
  if (lower.length === 0) return { nodes: [text], found: false };
  const nodes: ReactNode[] = [];
  let from = 0;
  let found = false;
  while (nodes.length < 400) {
    // The next occurrence of any term (the longest wins a tie).
    let at = -1;
    let len = 0;
    for (const t of lower) {
      const i = hay.indexOf(t, from);
      if (i >= 0 && (at < 0 || i < at || (i === at && t.length > len))) {
        at = i;
        len = t.length;
      }
    }
    if (at < 0) break;
    if (at > from) nodes.push(text.slice(from, at));
    nodes.push(
      <mark key={at} data-testid="evidence-match">
        {text.slice(at, at + len)}
      </mark>,
    );
    found = true;
    from = at + len;
  }
  if (from < text.length) nodes.push(text.slice(from));
  return { nodes, found };
}

function RemediationText({ r }: { r: FindingDetail['remediation'] }) {
  if (!r) return <p className="muted">No remediation advice for this check.</p>;
  if (typeof r === 'string') return <p className="prewrap">{r}</p>;
  return (
    <>
      <p className="prewrap">{r.summary}</p>
      {r.details && <p className="prewrap small">{r.details}</p>}
      {r.shieldPolicy && (
        <p className="small">
          Shield policy: <code>{r.shieldPolicy}</code>
        </p>
      )}
    </>
  );
}

function Evidence({ f }: { f: FindingDetail }) {
  const items = Array.isArray(f.evidence) ? f.evidence : f.evidence ? [f.evidence] : [];
  const [index, setIndex] = useState(0);
  const shown = items[Math.min(index, items.length - 1)];
  return (
    <section className="panel" aria-labelledby="evidence-h" data-testid="evidence">
      <div className="panel-head">
        <h2 id="evidence-h">Evidence</h2>
        {items.length > 1 && (
          <label className="inline-field small">
            <span>Evidence item</span>
            <select value={index} onChange={(e) => setIndex(Number(e.target.value))}>
              {items.map((_, i) => (
                <option key={i} value={i}>
                  {i + 1} of {items.length}
                </option>
              ))}
            </select>
          </label>
        )}
      </div>
      {shown ? <EvidenceItem ev={shown} /> : <Empty title="No request or response was recorded for this finding." />}
    </section>
  );
}

function EvidenceItem({ ev }: { ev: FindingEvidence }) {
  const req = messageText(ev?.request, 'request');
  const res = messageText(ev?.response, 'response');
  const needle = matchedText(ev?.matched);
  const terms = needles(needle, req, res);
  const hReq = highlight(req, terms);
  const hRes = highlight(res, terms);
  const where = ev?.matched && typeof ev.matched === 'object' ? (ev.matched.location ?? ev.matched.part) : undefined;
  return (
    <>
      {!req && !res ? (
        needle ? (
          <p>
            Matched: <mark className="mono">{needle}</mark>
          </p>
        ) : (
          <Empty title="No request or response was recorded for this finding." />
        )
      ) : (
        <>
          {needle && (
            <p className="small">
              Matched{typeof where === 'string' ? ` in ${where}` : ''}: <mark className="mono">{needle}</mark>
              {!hReq.found && !hRes.found && <span className="muted"> (not present verbatim in the recorded exchange)</span>}
            </p>
          )}
          <div className="grid-2">
            <div>
              <h3>Request</h3>
              {req ? (
                <pre className="code" tabIndex={0} aria-label="Request">
                  {hReq.nodes}
                </pre>
              ) : (
                <p className="muted">Not recorded.</p>
              )}
            </div>
            <div>
              <h3>Response</h3>
              {res ? (
                <pre className="code" tabIndex={0} aria-label="Response">
                  {hRes.nodes}
                </pre>
              ) : (
                <p className="muted">Not recorded.</p>
              )}
            </div>
          </div>
        </>
      )}
    </>
  );
}

// ---------------------------------------------------------------- protection

function Protection({ f, canApply }: { f: FindingDetail; canApply: boolean }) {
  const p = f.protection;
  const [open, setOpen] = useState(false);
  const [issues, setIssues] = useState<ConfigIssue[]>([]);
  const [applied, setApplied] = useState<ConfigChange | undefined>();
  const [undone, setUndone] = useState(false);
  const action = useAction();
  const changes = useApi<{ changes: ConfigChange[] }>('/changes');
  const related = (changes.data?.changes ?? []).filter((c) => (c.findingId !== undefined && c.findingId === f.id) || (c.findingFingerprint && c.findingFingerprint === f.fingerprint));

  const apply = async () => {
    setIssues([]);
    try {
      const r = await api.post<{ change: ConfigChange }>(`/findings/${seg(f.id)}/protection`);
      setApplied(r.change);
      setUndone(false);
      setOpen(false);
      changes.reload();
    } catch (err) {
      if (err instanceof ApiError && err.problem?.issues) setIssues(err.problem.issues);
      throw err;
    }
  };
  const undo = async (c: ConfigChange) => {
    await api.post(`/changes/${seg(c.id)}/undo`);
    if (applied?.id === c.id) setUndone(true);
    changes.reload();
  };

  return (
    <section className="panel" aria-labelledby="protect-h" data-testid="protection">
      <h2 id="protect-h">Protection</h2>
      {!p?.available ? (
        <p className="muted">No automatic protection exists for this finding. Follow the remediation advice.</p>
      ) : (
        <>
          <p>{p.description ?? 'Palisade can block this with a change to palisade.yaml.'}</p>
          {canApply ? (
            <button type="button" className="btn btn-primary" onClick={() => setOpen(true)}>
              Apply protection…
            </button>
          ) : (
            <p className="small muted">Operators and admins can apply protections.</p>
          )}
        </>
      )}
      {applied && (
        <div className={`notice ${undone ? '' : 'notice-ok'}`} role="status" data-testid="applied-change">
          {undone ? (
            <>Change {applied.id} was undone: the previous palisade.yaml is back in force.</>
          ) : (
            <>
              Protection applied: palisade.yaml was validated, saved and reloaded (change <span className="mono">{applied.id}</span>).{' '}
              <button type="button" className="btn btn-sm" onClick={() => void action.run(() => undo(applied))} disabled={action.busy}>
                Undo
              </button>
            </>
          )}
        </div>
      )}
      {related.length > 0 && (
        <>
          <h3>Changes for this finding</h3>
          <ul className="link-list">
            {related.map((c) => (
              <li key={c.id}>
                <span className="mono small">{c.id}</span> by {c.actor} · {relTime(c.at)}{' '}
                {c.undoneAt ? (
                  <Badge tone="muted">undone</Badge>
                ) : (
                  canApply && (
                    <button type="button" className="btn btn-sm" onClick={() => void action.run(() => undo(c))} disabled={action.busy} aria-label={`Undo change ${c.id}`}>
                      Undo
                    </button>
                  )
                )}
              </li>
            ))}
          </ul>
        </>
      )}
      <InlineError message={!open ? action.error : undefined} />
      {p?.available && (
        <Dialog
          open={open}
          wide
          title="Apply protection"
          onClose={() => setOpen(false)}
          testId="protection-dialog"
          footer={
            <>
              <button type="button" className="btn" onClick={() => setOpen(false)}>
                Cancel
              </button>
              <button type="button" className="btn btn-primary" onClick={() => void action.run(apply)} disabled={action.busy}>
                {action.busy ? 'Applying…' : 'Apply and reload'}
              </button>
            </>
          }
        >
          <p>{p.description}</p>
          <p className="small muted">This change to palisade.yaml will be validated, saved (the previous version is kept so it can be undone) and reloaded by Shield.</p>
          {p.preview?.diff ? (
            <DiffView diff={p.preview.diff} label="Change to palisade.yaml" />
          ) : p.preview ? (
            <div className="grid-2">
              <pre className="code small" tabIndex={0} aria-label="Before">
                {p.preview.before}
              </pre>
              <pre className="code small" tabIndex={0} aria-label="After">
                {p.preview.after}
              </pre>
            </div>
          ) : (
            <p className="muted">No preview available.</p>
          )}
          <IssueList issues={issues} />
          <InlineError message={open ? action.error : undefined} />
        </Dialog>
      )}
    </section>
  );
}


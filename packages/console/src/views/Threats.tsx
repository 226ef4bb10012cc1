// Threats: Watch's alerts grouped by actor, a timeline of what each actor did, the detector
// figures that fired, and one-click block / unblock of IP actors (with a confirmation).
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { api, seg } from '../api/client';
import type { AlertRecord, BlockEntry, ThreatActor, TimelineEvent } from '../api/types';
import { Async, Badge, ConfirmDialog, Empty, InlineError, Loading, ErrorState, PageHeader, SeverityBadge, fmtNum, fmtTime, relTime, useAction, useApi } from '../components/ui';
import { useSearchParam } from '../router';
import { useCan } from '../session';

const WINDOWS = [
  { v: '1', label: 'Last hour' },
  { v: '24', label: 'Last 24 hours' },
  { v: '168', label: 'Last 7 days' },
];
const TTLS = [
  { v: '3600', label: '1 hour' },
  { v: '86400', label: '24 hours' },
  { v: '604800', label: '7 days' },
  { v: '', label: 'Until unblocked' },
];

const actorKey = (a: { kind: string; id: string }) => `${a.kind}:${a.id}`;
/** Only addresses and ranges go on Shield's block list. */
const blockable = (a: ThreatActor) => a.kind === 'ip';
const blockEntryOf = (a: ThreatActor): string => (typeof a.blockEntry === 'string' ? a.blockEntry : (a.blockEntry?.entry ?? a.id));

function blocksOf(d: BlockEntry[] | { blocks?: BlockEntry[]; entries?: BlockEntry[] } | undefined): BlockEntry[] {
  if (!d) return [];
  if (Array.isArray(d)) return d;
  return d.blocks ?? d.entries ?? [];
}

type Pending = { mode: 'block'; entry: string; label: string } | { mode: 'unblock'; entry: string; label: string };

export default function Threats() {
  const [hoursParam, setHours] = useSearchParam('hours');
  const hours = WINDOWS.some((w) => w.v === hoursParam) ? hoursParam : '24';
  const [focus] = useSearchParam('actor');
  const threats = useApi<{ actors: ThreatActor[] }>(`/threats?hours=${hours}`);
  const blocks = useApi<BlockEntry[] | { blocks?: BlockEntry[] }>('/blocks');
  const canOperate = useCan('operator');
  const [pending, setPending] = useState<Pending | undefined>();
  const [reason, setReason] = useState('');
  const [ttl, setTtl] = useState('86400');
  const [done, setDone] = useState<string | undefined>();
  const action = useAction();

  const confirm = async () => {
    if (!pending) return;
    const p = pending;
    const ok = await action.run(async () => {
      if (p.mode === 'block') {
        await api.post('/blocks', { entry: p.entry, reason: reason.trim() || 'Blocked from the console', ...(ttl ? { ttlSeconds: Number(ttl) } : {}) });
      } else {
        await api.del(`/blocks/${seg(p.entry)}`);
      }
      return true;
    });
    if (ok) {
      setDone(p.mode === 'block' ? `${p.label} is blocked.` : `${p.label} is unblocked.`);
      setPending(undefined);
      setReason('');
      threats.reload();
      blocks.reload();
    }
  };
  const ask = (p: Pending) => {
    action.clear();
    setDone(undefined);
    setPending(p);
  };

  return (
    <>
      <PageHeader title="Threats" sub="Alerts from Watch, grouped by who caused them.">
        <label className="inline-field">
          <span>Time window</span>
          <select value={hours} onChange={(e) => setHours(e.target.value)}>
            {WINDOWS.map((w) => (
              <option key={w.v} value={w.v}>
                {w.label}
              </option>
            ))}
          </select>
        </label>
        <button
          type="button"
          className="btn"
          onClick={() => {
            threats.reload();
            blocks.reload();
          }}
          disabled={threats.loading}
        >
          {threats.loading ? 'Refreshing…' : 'Refresh'}
        </button>
      </PageHeader>
      <p role="status" className="ok-text" data-testid="threats-status">
        {done}
      </p>
      <div className="threats-layout">
        <section aria-labelledby="actors-h">
          <h2 id="actors-h">Actors</h2>
          <Async state={threats} label="Loading threats…">
            {(d) =>
              d.actors.length === 0 ? (
                <Empty title="No threats in this window.">Watch has raised no alerts. Pick a longer time window, or check that Watch is enabled in palisade.yaml.</Empty>
              ) : (
                <ul className="actor-list">
                  {d.actors.map((a, i) => (
                    <ActorCard key={actorKey(a)} a={a} initiallyOpen={focus ? focus === actorKey(a) : i === 0} scrollTo={focus === actorKey(a)} canOperate={canOperate} onBlock={ask} />
                  ))}
                </ul>
              )
            }
          </Async>
        </section>
        <section aria-labelledby="blocks-h" className="panel">
          <h2 id="blocks-h">Block list</h2>
          {canOperate && <ManualBlock onBlock={(entry) => ask({ mode: 'block', entry, label: entry })} />}
          <Async state={blocks} label="Loading the block list…">
            {(d) => {
              const list = blocksOf(d);
              return list.length === 0 ? (
                <Empty title="Nothing is blocked.">Block an actor from its card, or enter an IP address or range above.</Empty>
              ) : (
                <ul className="block-list" data-testid="block-list">
                  {list.map((b) => (
                    <li key={b.entry}>
                      <div>
                        <span className="mono">{b.entry}</span>
                        <div className="small muted">
                          {b.reason ?? 'no reason given'}
                          {b.createdBy ? ` · by ${b.createdBy}` : ''}
                          {b.expiresAt ? ` · until ${fmtTime(b.expiresAt)}` : ' · permanent'}
                        </div>
                      </div>
                      {canOperate && (
                        <button type="button" className="btn btn-sm" onClick={() => ask({ mode: 'unblock', entry: b.entry, label: b.entry })} aria-label={`Unblock ${b.entry}`}>
                          Unblock
                        </button>
                      )}
                    </li>
                  ))}
                </ul>
              );
            }}
          </Async>
        </section>
      </div>
      <ConfirmDialog
        open={pending !== undefined}
        title={pending?.mode === 'block' ? `Block ${pending.label}?` : `Unblock ${pending?.label ?? ''}?`}
        confirmLabel={pending?.mode === 'block' ? 'Block' : 'Unblock'}
        danger={pending?.mode === 'block'}
        busy={action.busy}
        error={action.error}
        onCancel={() => setPending(undefined)}
        onConfirm={() => void confirm()}
        message={
          pending?.mode === 'block' ? (
            <>
              <p>
                Every gateway process will refuse requests from <span className="mono">{pending.entry}</span>.
              </p>
              <div className="field">
                <label htmlFor="block-reason">Reason</label>
                <input id="block-reason" value={reason} onChange={(e) => setReason(e.target.value)} placeholder="Blocked from the console" maxLength={200} />
              </div>
              <div className="field">
                <label htmlFor="block-ttl">Duration</label>
                <select id="block-ttl" value={ttl} onChange={(e) => setTtl(e.target.value)}>
                  {TTLS.map((t) => (
                    <option key={t.v} value={t.v}>
                      {t.label}
                    </option>
                  ))}
                </select>
              </div>
            </>
          ) : (
            <p>
              Requests from <span className="mono">{pending?.entry}</span> will be accepted again.
            </p>
          )
        }
      />
    </>
  );
}

function ManualBlock({ onBlock }: { onBlock: (entry: string) => void }) {
  const [entry, setEntry] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (entry.trim()) onBlock(entry.trim());
  };
  return (
    <form className="inline-form" onSubmit={submit}>
      <div className="field field-grow">
        <label htmlFor="manual-block">IP address or CIDR range</label>
        <input id="manual-block" value={entry} onChange={(e) => setEntry(e.target.value)} placeholder="203.0.113.7 or 198.51.100.0/24" />
      </div>
      <button type="submit" className="btn" disabled={!entry.trim()}>
        Block…
      </button>
    </form>
  );
}

function ActorCard({ a, initiallyOpen, scrollTo, canOperate, onBlock }: { a: ThreatActor; initiallyOpen: boolean; scrollTo: boolean; canOperate: boolean; onBlock: (p: Pending) => void }) {
  const [open, setOpen] = useState(initiallyOpen);
  const ref = useRef<HTMLLIElement>(null);
  useEffect(() => {
    if (scrollTo) ref.current?.scrollIntoView({ block: 'start' });
  }, [scrollTo]);
  const label = `${a.kind} ${a.id}`;
  const bodyId = `actor-${a.kind}-${a.id}`.replace(/[^\w-]/g, '_');
  return (
    <li ref={ref} className={`actor card sev-border-${a.severity}`} data-testid="actor-card" data-actor={actorKey(a)}>
      <div className="actor-head">
        <button type="button" className="actor-toggle" aria-expanded={open} aria-controls={bodyId} onClick={() => setOpen((o) => !o)}>
          <span aria-hidden="true">{open ? '▾' : '▸'}</span> <SeverityBadge severity={a.severity} /> <span className="muted">{a.kind}</span> <span className="mono">{a.id}</span>
        </button>
        <span className="small muted">
          {a.alerts.length} alert{a.alerts.length === 1 ? '' : 's'} · last {relTime(a.lastSeen)}
        </span>
        {a.blocked && <Badge tone="danger">blocked</Badge>}
        {canOperate && blockable(a) && (
          <button
            type="button"
            className={`btn btn-sm ${a.blocked ? '' : 'btn-danger'}`}
            onClick={() => onBlock({ mode: a.blocked ? 'unblock' : 'block', entry: a.blocked ? blockEntryOf(a) : a.id, label })}
            aria-label={`${a.blocked ? 'Unblock' : 'Block'} ${label}`}
          >
            {a.blocked ? 'Unblock' : 'Block'}
          </button>
        )}
      </div>
      {open && (
        <div id={bodyId} className="actor-body">
          <ul className="alert-list">
            {a.alerts.map((al) => (
              <AlertItem key={al.id} al={al} />
            ))}
          </ul>
          <Timeline kind={a.kind} id={a.id} />
        </div>
      )}
    </li>
  );
}

function AlertItem({ al }: { al: AlertRecord }) {
  const figures = Object.entries(al.figures ?? {});
  return (
    <li className="alert-item">
      <p>
        <SeverityBadge severity={al.severity} /> <strong>{al.title}</strong> <span className="mono small muted">{al.detector}</span>
      </p>
      <p className="small muted">
        {al.endpoint && <span className="mono">{al.endpoint} · </span>}
        {fmtNum(al.count)} firing{al.count === 1 ? '' : 's'} · {fmtTime(al.firstSeenAt)} – {fmtTime(al.lastSeenAt)}
        {al.response && ` · auto ${al.response.action} until ${fmtTime(al.response.until)}`}
      </p>
      {figures.length > 0 && (
        <dl className="figures" aria-label="Detector figures">
          {figures.map(([k, v]) => (
            <div key={k}>
              <dt>{k}</dt>
              <dd>{Number.isInteger(v) ? fmtNum(v) : v.toFixed(3)}</dd>
            </div>
          ))}
        </dl>
      )}
      {al.remediation && <p className="small">{al.remediation}</p>}
    </li>
  );
}

function Timeline({ kind, id }: { kind: string; id: string }) {
  const state = useApi<{ events: TimelineEvent[] }>(`/threats/${seg(kind)}/${seg(id)}/timeline`);
  if (state.data === undefined) return state.error ? <ErrorState message={state.error} onRetry={state.reload} /> : <Loading label="Loading the timeline…" />;
  const events = state.data.events;
  return (
    <div className="timeline-wrap">
      <h3>Timeline</h3>
      <InlineError message={state.error} />
      {events.length === 0 ? (
        <p className="muted">No recorded activity for this actor.</p>
      ) : (
        <ol className="timeline" aria-label={`What ${kind} ${id} did`}>
          {events.map((e, i) => (
            <li key={`${i}-${e.exchangeId ?? e.alertId ?? ''}`} className={`tl tl-${e.type}`}>
              <time className="small muted">{fmtTime(e.t)}</time> <Badge tone={e.type === 'alert' ? 'warn' : e.type === 'block' ? 'danger' : 'muted'}>{e.type}</Badge>{' '}
              <span className="mono small wrap">{e.summary}</span>
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}

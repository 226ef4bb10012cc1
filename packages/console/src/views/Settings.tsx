// Settings: APIs, configuration (validated in place, saved and reloaded), API keys and OAuth
// clients (secrets shown once), alert sinks, users and the audit log. Everything but the APIs tab
// is for admins; the API enforces that too.
import { useState, type FormEvent } from 'react';
import { api, seg } from '../api/client';
import type { AlertSink, ApiInfo, ApiKey, AuditEntry, ConsoleUser, OAuthClient, Role } from '../api/types';
import { ROLES } from '../api/types';
import { Async, Badge, Dialog, Empty, InlineError, PageHeader, SecretDialog, Tabs, fmtTime, relTime, useAction, useApi } from '../components/ui';
import { ConfigEditor } from '../components/ConfigEditor';
import { ACTIONS_COLUMN, DataTable } from '../components/DataTable';
import { RemoveDialog } from '../components/RemoveDialog';
import { RowActions } from '../components/RowActions';
import { navigate } from '../router';
import { useCan, useSession } from '../session';

type TabKey = 'apis' | 'config' | 'keys' | 'oauth' | 'sinks' | 'users' | 'audit';
const TABS: { key: TabKey; label: string; admin: boolean }[] = [
  { key: 'apis', label: 'APIs', admin: false },
  { key: 'config', label: 'Configuration', admin: true },
  { key: 'keys', label: 'API keys', admin: true },
  { key: 'oauth', label: 'OAuth clients', admin: true },
  { key: 'sinks', label: 'Alert sinks', admin: true },
  { key: 'users', label: 'Users', admin: true },
  { key: 'audit', label: 'Audit log', admin: true },
];

export default function Settings({ params }: { params: Record<string, string> }) {
  const isAdmin = useCan('admin');
  const tabs = TABS.filter((t) => isAdmin || !t.admin);
  const active = tabs.find((t) => t.key === params.tab)?.key ?? 'apis';
  return (
    <>
      <PageHeader title="Settings" sub={isAdmin ? undefined : 'Only administrators can change the configuration, keys, clients and users.'} />
      <Tabs label="Settings sections" tabs={tabs} active={active} onChange={(k) => navigate(`/settings/${k}`, { replace: true })} />
      <div role="tabpanel" id={`panel-${active}`} aria-labelledby={`tab-${active}`} className="tabpanel">
        {active === 'apis' && <ApisTab />}
        {active === 'config' && <ConfigEditor />}
        {active === 'keys' && <KeysTab />}
        {active === 'oauth' && <OAuthTab />}
        {active === 'sinks' && <SinksTab />}
        {active === 'users' && <UsersTab />}
        {active === 'audit' && <AuditTab />}
      </div>
    </>
  );
}

function listOf<T>(d: unknown, ...keys: string[]): T[] {
  if (Array.isArray(d)) return d as T[];
  if (d && typeof d === 'object') {
    for (const k of keys) {
      const v = (d as Record<string, unknown>)[k];
      if (Array.isArray(v)) return v as T[];
    }
  }
  return [];
}

/** The one-time secret in a create / rotate answer, whatever the field is called. */
function secretOf(r: unknown): string | undefined {
  if (!r || typeof r !== 'object') return undefined;
  const o = r as Record<string, unknown>;
  for (const k of ['secret', 'clientSecret', 'client_secret', 'apiKey', 'key', 'token']) {
    if (typeof o[k] === 'string') return o[k] as string;
  }
  for (const k of ['key', 'client', 'apiKey']) {
    const inner = secretOf(o[k]);
    if (inner) return inner;
  }
  return undefined;
}

function scoreTone(s: number): 'ok' | 'warn' | 'danger' {
  return s >= 80 ? 'ok' : s >= 50 ? 'warn' : 'danger';
}

// ---------------------------------------------------------------- APIs

function ApisTab() {
  const state = useApi<ApiInfo[] | { apis: ApiInfo[] }>('/apis');
  return (
    <Async state={state} label="Loading APIs…">
      {(d) => {
        const list = listOf<ApiInfo>(d, 'apis');
        return list.length === 0 ? (
          <Empty title="No API is configured.">
            Add an API with its upstream and OpenAPI document under <code>apis:</code> in palisade.yaml (Configuration tab, admins).
          </Empty>
        ) : (
          <DataTable columns={['API', 'Upstream', { label: 'OpenAPI document', className: 'hide-sm' }, { label: 'Operations', className: 'num' }, { label: 'Audit score', className: 'num' }]}>
            {list.map((a) => (
              <tr key={a.name}>
                <td>
                  <strong>{a.name}</strong>
                </td>
                <td className="mono wrap">{a.upstream ?? '—'}</td>
                <td className="mono wrap hide-sm">
                  {a.openapi ?? <span className="muted">none</span>}
                  {a.spec?.title && <div className="small muted">{a.spec.title}</div>}
                  {a.specError && <div className="small warn-text">{a.specError}</div>}
                </td>
                <td className="num">{a.spec?.operations ?? '—'}</td>
                <td className="num">
                  {a.audit ? (
                    <span title={`${a.audit.findings} audit finding${a.audit.findings === 1 ? '' : 's'}`}>
                      <Badge tone={scoreTone(a.audit.score)}>{a.audit.score}/100</Badge>
                    </span>
                  ) : (
                    '—'
                  )}
                </td>
              </tr>
            ))}
          </DataTable>
        );
      }}
    </Async>
  );
}

// ---------------------------------------------------------------- API keys & OAuth clients

function KeysTab() {
  const state = useApi<{ keys: ApiKey[] }>('/keys');
  const apis = useApi<{ apis: ApiInfo[] }>('/apis');
  const apiNames = listOf<ApiInfo>(apis.data, 'apis').map((a) => a.name);
  const [apiChoice, setApiChoice] = useState('');
  const apiName = apiChoice || apiNames[0] || '';
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState('');
  const [secret, setSecret] = useState<{ title: string; value: string } | undefined>();
  const [revoke, setRevoke] = useState<ApiKey | undefined>();
  const action = useAction();
  const create = async (e: FormEvent) => {
    e.preventDefault();
    if (!name.trim() || !apiName) return;
    const sc = scopes.split(/[\s,]+/).filter(Boolean);
    const r = await action.run(() => api.post<unknown>('/keys', { api: apiName, name: name.trim(), ...(sc.length ? { scopes: sc } : {}) }));
    const s = secretOf(r);
    if (r) {
      setName('');
      setScopes('');
      state.reload();
      if (s) setSecret({ title: `API key "${name.trim()}" created`, value: s });
    }
  };
  const rotate = async (k: ApiKey) => {
    const r = await action.run(() => api.post<unknown>(`/keys/${seg(k.id)}/rotate`));
    const s = secretOf(r);
    if (r) {
      state.reload();
      if (s) setSecret({ title: `API key "${k.name ?? k.id}" rotated`, value: s });
    }
  };
  return (
    <>
      <form className="inline-form panel" onSubmit={create} aria-label="Create an API key">
        <div className="field">
          <label htmlFor="key-api">API</label>
          <select id="key-api" value={apiName} onChange={(e) => setApiChoice(e.target.value)}>
            {apiNames.length === 0 && <option value="">No API configured</option>}
            {apiNames.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </div>
        <div className="field field-grow">
          <label htmlFor="key-name">Key name</label>
          <input id="key-name" value={name} onChange={(e) => setName(e.target.value)} placeholder="ci-pipeline" maxLength={100} />
        </div>
        <div className="field field-grow">
          <label htmlFor="key-scopes">Scopes (optional)</label>
          <input id="key-scopes" value={scopes} onChange={(e) => setScopes(e.target.value)} placeholder="orders:read orders:write" />
        </div>
        <button type="submit" className="btn btn-primary" disabled={!name.trim() || !apiName || action.busy}>
          Create key
        </button>
      </form>
      <InlineError message={action.error} />
      <Async state={state} label="Loading API keys…">
        {(d) => {
          const keys = listOf<ApiKey>(d, 'keys', 'apiKeys');
          return keys.length === 0 ? (
            <Empty title="No API keys yet.">Create one above; clients send it to the gateway to authenticate.</Empty>
          ) : (
            <DataTable testId="keys-table" columns={['Name', 'Key', 'Status', { label: 'Scopes', className: 'hide-sm' }, { label: 'Created', className: 'hide-sm' }, { label: 'Last used', className: 'hide-sm' }, ACTIONS_COLUMN]}>
              {keys.map((k) => (
                <tr key={k.id}>
                  <td>
                    {k.name ?? '—'}
                    {k.api && <div className="small muted">{k.api}</div>}
                  </td>
                  <td className="mono wrap">{k.hint ?? k.id}</td>
                  <td>
                    <Badge tone={k.status === 'active' ? 'ok' : k.status === 'revoked' || k.status === 'expired' ? 'muted' : 'warn'}>{k.status ?? 'active'}</Badge>
                    {k.graceUntil && k.status !== 'revoked' ? <div className="small muted">until {fmtTime(k.graceUntil)}</div> : null}
                  </td>
                  <td className="hide-sm">{k.scopes?.join(' ') || '—'}</td>
                  <td className="hide-sm">{fmtTime(k.createdAt)}</td>
                  <td className="hide-sm">{k.lastUsedAt ? relTime(k.lastUsedAt) : 'never'}</td>
                  <td className="actions">
                    {k.status !== 'revoked' && k.status !== 'expired' && (
                      <RowActions
                        actions={[
                          { label: 'Rotate', ariaLabel: `Rotate ${k.name ?? k.id}`, onClick: () => void rotate(k), disabled: action.busy },
                          { label: 'Revoke', ariaLabel: `Revoke ${k.name ?? k.id}`, onClick: () => setRevoke(k), danger: true },
                        ]}
                      />
                    )}
                  </td>
                </tr>
              ))}
            </DataTable>
          );
        }}
      </Async>
      {secret && <SecretDialog open title={secret.title} secret={secret.value} onClose={() => setSecret(undefined)} />}
      <RemoveDialog
        item={revoke}
        title={`Revoke ${revoke?.name ?? revoke?.id ?? ''}?`}
        message="Requests using this key will be rejected immediately. The record stays, to show who held the key and when it was last used."
        confirmLabel="Revoke"
        action={action}
        remove={(k) => api.del(`/keys/${seg(k.id)}`)}
        onClose={() => setRevoke(undefined)}
        onRemoved={state.reload}
      />
    </>
  );
}

function clientId(c: OAuthClient): string {
  return c.clientId;
}

function OAuthTab() {
  const state = useApi<{ clients: OAuthClient[] }>('/oauth/clients');
  const [name, setName] = useState('');
  const [grant, setGrant] = useState('client_credentials');
  const [scopes, setScopes] = useState('');
  const [redirect, setRedirect] = useState('');
  const [secret, setSecret] = useState<{ title: string; value: string; id?: string } | undefined>();
  const [revoke, setRevoke] = useState<OAuthClient | undefined>();
  const action = useAction();
  const create = async (e: FormEvent) => {
    e.preventDefault();
    if (!name.trim()) return;
    const body: Record<string, unknown> = { name: name.trim(), grantTypes: [grant] };
    const sc = scopes.split(/[\s,]+/).filter(Boolean);
    if (sc.length) body.scopes = sc;
    if (grant === 'authorization_code' && redirect.trim()) body.redirectUris = [redirect.trim()];
    const r = await action.run(() => api.post<unknown>('/oauth/clients', body));
    if (r) {
      const s = secretOf(r);
      const c = (r as { client?: OAuthClient }).client ?? (r as OAuthClient);
      setName('');
      setScopes('');
      setRedirect('');
      state.reload();
      if (s) setSecret({ title: `OAuth client "${body.name as string}" created`, value: s, id: clientId(c) });
    }
  };
  const rotate = async (c: OAuthClient) => {
    const r = await action.run(() => api.post<unknown>(`/oauth/clients/${seg(clientId(c))}/rotate`));
    const s = secretOf(r);
    if (r) {
      state.reload();
      if (s) setSecret({ title: `Secret of "${c.name ?? clientId(c)}" rotated`, value: s, id: clientId(c) });
    }
  };
  return (
    <>
      <form className="inline-form panel" onSubmit={create} aria-label="Create an OAuth client">
        <div className="field field-grow">
          <label htmlFor="oc-name">Client name</label>
          <input id="oc-name" value={name} onChange={(e) => setName(e.target.value)} placeholder="billing-service" maxLength={100} />
        </div>
        <div className="field">
          <label htmlFor="oc-grant">Grant type</label>
          <select id="oc-grant" value={grant} onChange={(e) => setGrant(e.target.value)}>
            <option value="client_credentials">client_credentials</option>
            <option value="authorization_code">authorization_code</option>
          </select>
        </div>
        <div className="field field-grow">
          <label htmlFor="oc-scopes">Scopes</label>
          <input id="oc-scopes" value={scopes} onChange={(e) => setScopes(e.target.value)} placeholder="orders:read" />
        </div>
        {grant === 'authorization_code' && (
          <div className="field field-grow">
            <label htmlFor="oc-redirect">Redirect URI</label>
            <input id="oc-redirect" type="url" value={redirect} onChange={(e) => setRedirect(e.target.value)} placeholder="https://app.example.com/callback" />
          </div>
        )}
        <button type="submit" className="btn btn-primary" disabled={!name.trim() || action.busy}>
          Create client
        </button>
      </form>
      <InlineError message={action.error} />
      <Async state={state} label="Loading OAuth clients…">
        {(d) => {
          const clients = listOf<OAuthClient>(d, 'clients');
          return clients.length === 0 ? (
            <Empty title="No OAuth clients.">Create one above. (The built-in authorization server must be enabled: <code>oauth.enabled: true</code>.)</Empty>
          ) : (
            <DataTable columns={['Client', 'Client id', { label: 'Grants', className: 'hide-sm' }, { label: 'Scopes', className: 'hide-sm' }, ACTIONS_COLUMN]}>
              {clients.map((c) => (
                <tr key={clientId(c)}>
                  <td>{c.name ?? '—'}</td>
                  <td className="mono wrap">{clientId(c)}</td>
                  <td className="hide-sm">{c.grantTypes?.join(', ') ?? '—'}</td>
                  <td className="hide-sm">{Array.isArray(c.scopes) ? c.scopes.join(' ') : (c.scopes ?? '—')}</td>
                  <td className="actions">
                    <RowActions
                      actions={[
                        { label: 'Rotate', ariaLabel: `Rotate the secret of ${c.name ?? clientId(c)}`, onClick: () => void rotate(c), disabled: action.busy },
                        { label: 'Revoke', ariaLabel: `Revoke ${c.name ?? clientId(c)}`, onClick: () => setRevoke(c), danger: true },
                      ]}
                    />
                  </td>
                </tr>
              ))}
            </DataTable>
          );
        }}
      </Async>
      {secret && (
        <SecretDialog
          open
          title={secret.title}
          secret={secret.value}
          extra={
            secret.id ? (
              <p>
                Client id: <code>{secret.id}</code>
              </p>
            ) : undefined
          }
          onClose={() => setSecret(undefined)}
        />
      )}
      <RemoveDialog
        item={revoke}
        title={`Revoke ${revoke?.name ?? (revoke ? clientId(revoke) : '')}?`}
        message="The client can no longer obtain tokens. Tokens already issued stay valid until they expire."
        confirmLabel="Revoke"
        action={action}
        remove={(c) => api.del(`/oauth/clients/${seg(clientId(c))}`)}
        onClose={() => setRevoke(undefined)}
        onRemoved={state.reload}
      />
    </>
  );
}

// ---------------------------------------------------------------- sinks

function SinksTab() {
  const state = useApi<{ minSeverity?: string; sinks: AlertSink[] }>('/sinks');
  return (
    <Async state={state} label="Loading alert sinks…">
      {(d) => {
        const sinks = listOf<AlertSink>(d, 'sinks');
        return sinks.length === 0 ? (
          <Empty title="No alert sinks are configured.">
            Add a webhook, Slack or syslog sink to the alerts section of palisade.yaml (Configuration tab) so alerts reach your team.
          </Empty>
        ) : (
          <>
            {d.minSeverity && (
              <p className="small muted">
                Alerts of severity <strong>{d.minSeverity}</strong> and above are sent.
              </p>
            )}
            <DataTable columns={['#', 'Type', 'Destination', 'Deliveries']}>
              {sinks.map((s) => (
                <tr key={s.index}>
                  <td>{s.index + 1}</td>
                  <td>{s.type}</td>
                  <td className="mono wrap">
                    {s.destination}
                    {s.secretSet === false && <div className="small warn-text">Its secret is not set in the environment.</div>}
                  </td>
                  <td>
                    {s.delivery ? (
                      <>
                        <Badge tone="ok">{s.delivery.sent} sent</Badge>
                        {s.delivery.failed > 0 && <Badge tone="danger">{s.delivery.failed} failed</Badge>}
                        {s.delivery.dropped > 0 && <Badge tone="warn">{s.delivery.dropped} dropped</Badge>}
                      </>
                    ) : (
                      <span className="muted">nothing sent yet</span>
                    )}
                  </td>
                </tr>
              ))}
            </DataTable>
          </>
        );
      }}
    </Async>
  );
}

// ---------------------------------------------------------------- users

function UsersTab() {
  const me = useSession().user;
  const state = useApi<{ users: ConsoleUser[] }>('/users');
  const [adding, setAdding] = useState(false);
  const [removing, setRemoving] = useState<ConsoleUser | undefined>();
  const action = useAction();
  const patch = (u: ConsoleUser, body: Record<string, unknown>) =>
    void action.run(async () => {
      await api.patch(`/users/${seg(u.username)}`, body);
      state.reload();
    });
  return (
    <>
      <div className="row-actions">
        <button type="button" className="btn btn-primary" onClick={() => setAdding(true)}>
          Add user…
        </button>
      </div>
      <InlineError message={action.error} />
      <Async state={state} label="Loading users…">
        {(d) => {
          const users = listOf<ConsoleUser>(d, 'users');
          return users.length === 0 ? (
            <Empty title="No users." />
          ) : (
            <DataTable columns={['User', 'Role', { label: 'Sign-in', className: 'hide-sm' }, 'Status', ACTIONS_COLUMN]}>
              {users.map((u) => {
                const self = u.username === me.username;
                return (
                  <tr key={u.username}>
                    <td>
                      {u.displayName || u.username}
                      <div className="small muted mono">{u.username}</div>
                    </td>
                    <td>
                      <select aria-label={`Role of ${u.username}`} value={u.role} disabled={self || action.busy} onChange={(e) => patch(u, { role: e.target.value })}>
                        {ROLES.map((r) => (
                          <option key={r} value={r}>
                            {r}
                          </option>
                        ))}
                      </select>
                    </td>
                    <td className="hide-sm">{u.source === 'oidc' ? 'single sign-on' : 'password'}</td>
                    <td>{u.disabled ? <Badge tone="muted">disabled</Badge> : <Badge tone="ok">active</Badge>}</td>
                    <td className="actions">
                      {!self && (
                        <RowActions
                          actions={[
                            { label: u.disabled ? 'Enable' : 'Disable', onClick: () => patch(u, { disabled: !u.disabled }), disabled: action.busy },
                            { label: 'Delete', ariaLabel: `Delete ${u.username}`, onClick: () => setRemoving(u), danger: true },
                          ]}
                        />
                      )}
                    </td>
                  </tr>
                );
              })}
            </DataTable>
          );
        }}
      </Async>
      {adding && (
        <AddUserDialog
          onClose={() => setAdding(false)}
          onAdded={() => {
            setAdding(false);
            state.reload();
          }}
        />
      )}
      <RemoveDialog
        item={removing}
        title={`Delete ${removing?.username ?? ''}?`}
        message="Their sessions end and they can no longer sign in."
        confirmLabel="Delete"
        action={action}
        remove={(u) => api.del(`/users/${seg(u.username)}`)}
        onClose={() => setRemoving(undefined)}
        onRemoved={state.reload}
      />
    </>
  );
}

function AddUserDialog({ onClose, onAdded }: { onClose: () => void; onAdded: () => void }) {
  const [username, setUsername] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const [password, setPassword] = useState('');
  const action = useAction();
  const [generated, setGenerated] = useState<string | undefined>();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const r = await action.run(() =>
      api.post<{ password?: string }>('/users', { username: username.trim(), displayName: displayName.trim() || username.trim(), role, ...(password ? { password } : {}) }),
    );
    if (r?.password) setGenerated(r.password);
    else if (r) onAdded();
  };
  if (generated) {
    return <SecretDialog open title={`User ${username.trim()} added`} secret={generated} extra={<p>Their generated initial password:</p>} onClose={onAdded} />;
  }
  return (
    <Dialog open title="Add user" onClose={onClose}>
      <form onSubmit={submit}>
        <div className="field">
          <label htmlFor="nu-username">Username</label>
          <input id="nu-username" value={username} onChange={(e) => setUsername(e.target.value)} autoComplete="off" required />
        </div>
        <div className="field">
          <label htmlFor="nu-display">Display name</label>
          <input id="nu-display" value={displayName} onChange={(e) => setDisplayName(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="nu-role">Role</label>
          <select id="nu-role" value={role} onChange={(e) => setRole(e.target.value as Role)}>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="nu-password">Initial password</label>
          <input id="nu-password" type="password" value={password} onChange={(e) => setPassword(e.target.value)} autoComplete="new-password" aria-describedby="nu-password-help" />
          <p id="nu-password-help" className="small muted">
            Leave empty to generate one (shown once). Give it to the user over a secure channel.
          </p>
        </div>
        <InlineError message={action.error} />
        <div className="dialog-foot">
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" disabled={action.busy || !username.trim()}>
            Add user
          </button>
        </div>
      </form>
    </Dialog>
  );
}

// ---------------------------------------------------------------- audit

function AuditTab() {
  const [before, setBefore] = useState<string | undefined>();
  // Pages already read, oldest last; the current request fetches the next older page.
  const [pages, setPages] = useState<AuditEntry[][]>([]);
  const state = useApi<{ entries: AuditEntry[] }>(`/audit?limit=100${before ? `&before=${encodeURIComponent(before)}` : ''}`);
  const current = state.data?.entries ?? [];
  const all = [...pages.flat(), ...current];
  const loadOlder = () => {
    const last = current[current.length - 1];
    if (!last) return;
    setPages((p) => [...p, current]);
    setBefore(String(last.id));
  };
  return (
    <>
      <Async state={state} label="Loading the audit log…">
        {() =>
          all.length === 0 ? (
            <Empty title="The audit log is empty.">Every change made in the console (sign-ins, triage, blocks, configuration) is recorded here.</Empty>
          ) : (
            <>
              <DataTable testId="audit-table" columns={['When', 'Who', 'Action', 'Target', { label: 'Detail', className: 'hide-sm' }]}>
                {all.map((e) => (
                  <tr key={String(e.id)}>
                    <td title={fmtTime(e.at)}>{relTime(e.at)}</td>
                    <td>
                      {e.actor} <span className="small muted">({e.role})</span>
                    </td>
                    <td className="mono">{e.action}</td>
                    <td className="mono wrap">{e.target}</td>
                    <td className="hide-sm mono small wrap">{e.detail && Object.keys(e.detail).length ? JSON.stringify(e.detail) : ''}</td>
                  </tr>
                ))}
              </DataTable>
              {current.length >= 100 && (
                <button type="button" className="btn" onClick={loadOlder}>
                  Load older entries
                </button>
              )}
            </>
          )
        }
      </Async>
    </>
  );
}

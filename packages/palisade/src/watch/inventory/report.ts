// The inventory as a report: one entry per endpoint with its documentation status, sensitive
// data, authentication and a risk score whose reasons add up to it; the existence-oracle
// findings; and renderings as JSON and Markdown.
import { createHash } from 'node:crypto';
import type { Finding, Severity } from '../../core/index.js';
import type { AuthMethod } from './callers.js';
import type { ChangeEvent, EndpointStats, Inventory } from './inventory.js';
import { toJsonSchema, type JsonSchema } from './schema-infer.js';
import { isSecretClass, type SensitiveClass } from './sensitive.js';
import type { EndpointDiff, SpecDiff } from './spec-diff.js';

export interface RiskReason {
  points: number;
  reason: string;
}

export interface EndpointReport {
  api?: string;
  method: string;
  template: string;
  operationId?: string;
  firstSeen: string;
  lastSeen: string;
  count: number;
  statuses: Record<string, number>;
  errorRate: number;
  latencyMs: { p50?: number; p95?: number; p99?: number; max: number };
  auth: Partial<Record<AuthMethod, number>>;
  /** Methods seen on requests that succeeded: 'none' here means the endpoint answers anonymous callers. */
  authOnSuccess: AuthMethod[];
  callers: { internal: number; public: number };
  parameters: {
    path: Array<{ name: string; classes: string[] }>;
    query: Array<{ name: string; required: boolean; schema: JsonSchema }>;
    headers: Array<{ name: string; required: boolean; schema: JsonSchema }>;
  };
  requestBodies: Record<string, JsonSchema>;
  responses: Record<string, { count: number; contentTypes: string[]; bodies: Record<string, JsonSchema> }>;
  sensitive: { request: Partial<Record<SensitiveClass, string[]>>; response: Partial<Record<SensitiveClass, string[]>> };
  documentation?: EndpointDiff & { status: 'documented' | 'shadow' };
  existenceOracle: boolean;
  risk: { score: number; reasons: RiskReason[] };
  unreadableBodies: number;
}

export interface InventoryReport {
  generatedAt: string;
  spec?: { source: string; title: string; version: string };
  totals: {
    exchanges: number;
    untrackedExchanges: number;
    endpoints: number;
    shadow: number;
    zombie: number;
    orphan: number;
    drift: number;
    existenceOracles: number;
    sensitiveClasses: Partial<Record<SensitiveClass, number>>;
  };
  firstSeen?: string;
  lastSeen?: string;
  endpoints: EndpointReport[];
  orphans: SpecDiff['orphans'];
  changes: ChangeEvent[];
  findings: Finding[];
  /** Problems reading the input (discover): counts and the first few with line numbers. */
  input?: { records: number; errors: number; firstErrors: string[] };
}

const ORACLE_CHECK = 'PAL-WATCH-ORACLE-001';

/** Whether an endpoint answers differently for known and unknown identifiers, and how. */
export function oracleOf(ep: EndpointStats): { login: boolean; outcomes: string[] } | undefined {
  const o = ep.oracle;
  if (!o) return undefined;
  const n = (k: string) => o.outcomes.get(k) ?? 0;
  const positive = n('found') + n('denied') + n('conflict');
  const byStatus = n('not-found') + n('empty') > 0 && positive > 0;
  const byFlag = n('flag:true') > 0 && n('flag:false') > 0;
  if (!byStatus && !byFlag) return undefined;
  return { login: o.withPassword > 0, outcomes: [...o.outcomes.keys()].sort() };
}

function fingerprint(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 32);
}

function unauthenticated(ep: EndpointStats): boolean {
  return (ep.authOnSuccess.get('none') ?? 0) > 0;
}

function classes(ep: EndpointStats, side: 'request' | 'response'): SensitiveClass[] {
  return [...(side === 'request' ? ep.sensitiveRequest : ep.sensitiveResponse).keys()];
}

/**
 * The risk score: the sum of the reasons that apply, capped at 100. See docs/watch.md for the
 * table; the weights put exposure (anonymous access to sensitive data, undocumented or retired
 * endpoints) above hygiene (errors, drift).
 */
export function riskOf(ep: EndpointStats, diff: EndpointDiff | undefined): { score: number; reasons: RiskReason[] } {
  const reasons: RiskReason[] = [];
  const add = (points: number, reason: string) => reasons.push({ points, reason });
  const anon = unauthenticated(ep);
  const resp = classes(ep, 'response');
  const secrets = resp.filter(isSecretClass);
  const personal = resp.filter((c) => !isSecretClass(c));
  if (diff?.zombie) add(25, `zombie: ${diff.zombieReason ?? 'retired'}`);
  else if (diff?.shadow) add(20, 'shadow: not in the API description');
  if (anon) add(10, 'answers unauthenticated requests');
  if (secrets.length > 0) add(20, `secrets in responses (${secrets.join(', ')})`);
  if (personal.length > 0) add(10, `personal data in responses (${personal.join(', ')})`);
  if (anon && resp.length > 0) add(20, 'sensitive data served to unauthenticated callers');
  const o = oracleOf(ep);
  if (o) add(15, `existence oracle: answers differ for known and unknown identifiers (${o.outcomes.join(' vs ')})`);
  const urlSecrets = [...ep.sensitiveRequest.entries()].filter(([c, locs]) => isSecretClass(c) && [...locs.values].some((l) => l.startsWith('query.') || l.startsWith('path.')));
  if (urlSecrets.length > 0) add(10, `credentials in the URL (${urlSecrets.map(([c]) => c).join(', ')})`);
  const er = ep.errorRate();
  if (er >= 0.2) add(15, `server errors on ${(er * 100).toFixed(1)}% of requests`);
  else if (er >= 0.05) add(10, `server errors on ${(er * 100).toFixed(1)}% of requests`);
  if (ep.callers.public > 0 && (diff?.shadow || diff?.zombie)) add(5, 'called from public networks');
  if (diff && diff.drift.length > 0) add(5, `drift from the contract (${diff.drift.length} item${diff.drift.length === 1 ? '' : 's'})`);
  const score = Math.min(100, reasons.reduce((s, r) => s + r.points, 0));
  return { score, reasons };
}

function iso(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : '';
}

function round(n: number | undefined): number | undefined {
  return n === undefined ? undefined : Math.round(n * 1000) / 1000;
}

function locations(m: EndpointStats['sensitiveRequest']): Partial<Record<SensitiveClass, string[]>> {
  const out: Partial<Record<SensitiveClass, string[]>> = {};
  for (const [c, set] of m) out[c] = [...set.values].sort();
  return out;
}

export function oracleFinding(ep: EndpointStats, diff: EndpointDiff | undefined, at: number): Finding | undefined {
  const o = oracleOf(ep);
  if (!o) return undefined;
  const anon = unauthenticated(ep) || o.login;
  const severity: Severity = anon ? (ep.sensitiveResponse.size > 0 ? 'high' : 'medium') : 'low';
  const inputs = [...(ep.oracle?.inputs.values ?? [])];
  const exchangeIds = [...(ep.oracle?.examples.values() ?? [])];
  return {
    fingerprint: fingerprint(ORACLE_CHECK, ep.api ?? '', ep.method, ep.template),
    checkId: ORACLE_CHECK,
    title: o.login ? 'Login reveals which accounts exist' : 'Lookup reveals which identifiers exist',
    category: o.login ? 'API2:2023' : 'API3:2023',
    cwe: 204,
    severity,
    confidence: 'firm',
    source: 'watch',
    ...(ep.api ? { api: ep.api } : {}),
    operation: { method: ep.method, path: ep.template, ...(diff?.operation?.operationId ? { operationId: diff.operation.operationId } : {}) },
    description:
      `Requests carrying an identifier (${inputs.join(', ')}) were answered in distinguishable ways (${o.outcomes.join(', ')}), ` +
      'so anyone can test whether an account, e-mail address or phone number is known' +
      (o.login ? ', and then aim password guessing at the accounts that exist.' : '.'),
    evidence: [{ matched: `outcomes: ${o.outcomes.join(', ')}; identifier inputs: ${inputs.join(', ')}`, exchangeIds }],
    remediation: {
      summary: o.login
        ? 'Answer a wrong password and an unknown account identically (same status, body and timing).'
        : 'Require authentication for lookups, answer known and unknown identifiers alike, and rate-limit the endpoint.',
      shieldPolicy: o.login ? 'loginGuard (per-account and per-address failure limits)' : 'rateLimit on this operation; authenticate required',
    },
    createdAt: at,
  };
}

export function buildReport(inv: Inventory, diff?: SpecDiff, now = Date.now()): InventoryReport {
  const endpoints: EndpointReport[] = [];
  const findings: Finding[] = [];
  const sensitiveTotals: Partial<Record<SensitiveClass, number>> = {};
  let shadow = 0, zombie = 0, drift = 0, oracles = 0;
  for (const ep of inv.list()) {
    const d = diff?.byEndpoint.get(ep);
    if (d?.shadow) shadow++;
    if (d?.zombie) zombie++;
    if (d && d.drift.length > 0) drift++;
    const f = oracleFinding(ep, d, now);
    if (f) {
      findings.push(f);
      oracles++;
    }
    for (const c of new Set([...ep.sensitiveRequest.keys(), ...ep.sensitiveResponse.keys()])) sensitiveTotals[c] = (sensitiveTotals[c] ?? 0) + 1;
    const required = (n: { count: number }) => n.count >= ep.count;
    endpoints.push({
      ...(ep.api ? { api: ep.api } : {}),
      method: ep.method,
      template: ep.template,
      ...(d?.operation?.operationId ? { operationId: d.operation.operationId } : {}),
      firstSeen: iso(ep.firstSeen),
      lastSeen: iso(ep.lastSeen),
      count: ep.count,
      statuses: Object.fromEntries([...ep.statuses].sort((a, b) => a[0] - b[0]).map(([s, n]) => [String(s), n])),
      errorRate: round(ep.errorRate())!,
      latencyMs: { p50: round(ep.latency.quantile(0.5)), p95: round(ep.latency.quantile(0.95)), p99: round(ep.latency.quantile(0.99)), max: round(ep.latency.max) ?? 0 },
      auth: Object.fromEntries(ep.auth),
      authOnSuccess: [...ep.authOnSuccess.keys()].sort(),
      callers: { ...ep.callers },
      parameters: {
        path: [...ep.pathParams].map(([name, cls]) => ({ name, classes: [...cls].sort() })),
        query: [...ep.query].map(([name, n]) => ({ name, required: required(n), schema: toJsonSchema(n) })),
        headers: [...ep.headers].map(([name, n]) => ({ name, required: required(n), schema: toJsonSchema(n) })),
      },
      requestBodies: Object.fromEntries([...ep.requestBodies].map(([m, n]) => [m, toJsonSchema(n)])),
      responses: Object.fromEntries(
        [...ep.responses]
          .sort((a, b) => a[0] - b[0])
          .map(([s, r]) => [String(s), { count: r.count, contentTypes: [...r.contentTypes.values], bodies: Object.fromEntries([...r.bodies].map(([m, n]) => [m, toJsonSchema(n)])) }]),
      ),
      sensitive: { request: locations(ep.sensitiveRequest), response: locations(ep.sensitiveResponse) },
      ...(d ? { documentation: { ...d, status: d.documented ? ('documented' as const) : ('shadow' as const) } } : {}),
      existenceOracle: f !== undefined,
      risk: riskOf(ep, d),
      unreadableBodies: ep.unreadableBodies,
    });
  }
  endpoints.sort((a, b) => b.risk.score - a.risk.score || a.template.localeCompare(b.template) || a.method.localeCompare(b.method));
  return {
    generatedAt: new Date(now).toISOString(),
    ...(diff ? { spec: { source: diff.source, title: diff.title, version: diff.version } } : {}),
    totals: {
      exchanges: inv.ingested,
      untrackedExchanges: inv.untracked,
      endpoints: endpoints.length,
      shadow,
      zombie,
      orphan: diff?.orphans.length ?? 0,
      drift,
      existenceOracles: oracles,
      sensitiveClasses: sensitiveTotals,
    },
    ...(Number.isFinite(inv.firstSeen) ? { firstSeen: iso(inv.firstSeen), lastSeen: iso(inv.lastSeen) } : {}),
    endpoints,
    orphans: diff?.orphans ?? [],
    changes: inv.changes(),
    findings,
  };
}

function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** A Markdown summary for people: totals, then endpoints by risk. */
export function renderMarkdown(r: InventoryReport): string {
  const t = r.totals;
  const lines: string[] = ['# API inventory', ''];
  lines.push(`Generated ${r.generatedAt}${r.firstSeen ? ` from traffic between ${r.firstSeen} and ${r.lastSeen}` : ''}.`);
  if (r.spec) lines.push(`Compared with ${r.spec.source} (${r.spec.title} ${r.spec.version}).`);
  lines.push('');
  lines.push(`| exchanges | endpoints | shadow | zombie | orphan | drift | existence oracles |`, '|---|---|---|---|---|---|---|');
  lines.push(`| ${t.exchanges} | ${t.endpoints} | ${t.shadow} | ${t.zombie} | ${t.orphan} | ${t.drift} | ${t.existenceOracles} |`, '');
  if (t.untrackedExchanges > 0) lines.push(`${t.untrackedExchanges} exchanges were not tracked: the endpoint cap was reached.`, '');
  if (r.input) {
    lines.push(`Input: ${r.input.records} records, ${r.input.errors} could not be parsed.`);
    for (const e of r.input.firstErrors) lines.push(`- ${e}`);
    lines.push('');
  }
  const sc = Object.entries(t.sensitiveClasses);
  if (sc.length > 0) lines.push('Sensitive data: ' + sc.map(([c, n]) => `${c} (${n} endpoint${n === 1 ? '' : 's'})`).join(', ') + '.', '');
  lines.push('## Endpoints', '', '| risk | method | template | calls | status | auth | p95 ms | sensitive | why |', '|---|---|---|---|---|---|---|---|---|');
  for (const e of r.endpoints) {
    const doc = e.documentation ? (e.documentation.zombie ? 'zombie' : e.documentation.status) : '';
    const sens = [...new Set([...Object.keys(e.sensitive.request), ...Object.keys(e.sensitive.response)])].join(', ');
    lines.push(
      `| ${e.risk.score} | ${e.method} | ${cell((e.api ? e.api + ':' : '') + e.template)} | ${e.count} | ${doc} | ${e.authOnSuccess.join(', ')} | ${e.latencyMs.p95 ?? ''} | ${cell(sens)} | ${cell(e.risk.reasons.map((x) => `+${x.points} ${x.reason}`).join('; '))} |`,
    );
  }
  if (r.orphans.length > 0) {
    lines.push('', '## Documented, never seen (orphans)', '');
    for (const o of r.orphans) lines.push(`- ${o.method} ${o.template}${o.operationId ? ` (${o.operationId})` : ''}`);
  }
  const drifted = r.endpoints.filter((e) => e.documentation && e.documentation.drift.length > 0);
  if (drifted.length > 0) {
    lines.push('', '## Drift from the contract', '');
    for (const e of drifted) lines.push(`- ${e.method} ${e.template}: ${e.documentation!.drift.join(', ')}`);
  }
  if (r.findings.length > 0) {
    lines.push('', '## Findings', '');
    for (const f of r.findings) lines.push(`- **${f.severity}** ${f.checkId} ${f.category} — ${f.title}: ${f.operation?.method} ${f.operation?.path}`);
  }
  return lines.join('\n') + '\n';
}

// `palisade scan`: import the API, sign the identities in and prove it, explore, run the checks,
// clean up, and hand a ProbeReport to the reporters. The order here is the scan's whole story.
import { PalisadeError } from '../core/index.js';
import { fingerprintFinding } from './baseline.js';
import type { BlockedCheck, CoverageRow, ProbeReport, ReportedFinding } from './report.js';
import { importApi } from './import/index.js';
import type { ApiModel, ScanOperation } from './import/index.js';
import { Runner, BudgetExhausted, ScanCancelled, evidenceOf, shieldProblem } from './runner.js';
import type { ScanRequest, ScanResponse } from './runner.js';
import { AuthFailure, Session, authError, sendAs } from './identities.js';
import type { ScanConfig } from './scan-config.js';
import { Exploration, isAdminOp, isLoginOp, parseJson } from './explore.js';
import { Canary } from './canary.js';
import type { Check, CheckContext, FindingInput } from './check.js';
import { SCAN_CHECKS } from './checks/index.js';

export interface ScanOptions {
  config: ScanConfig;
  /** Overrides config.spec. */
  spec?: string;
  /** Overrides config.target and the spec's servers. */
  target?: string;
  dryRun?: boolean;
  /** Replaces the built-in checks (tests). */
  checks?: readonly Check[];
  version?: string;
  /** Called often with a one-line status (the CLI draws it on a TTY). */
  progress?: (line: string) => void;
  /** The same status as figures (the console stores them), called as often as `progress`. */
  onStats?: (stats: ScanStats) => void;
  /** Aborting it stops the scan: nothing more is sent and runScan rejects with ScanCancelled. */
  signal?: AbortSignal;
}

export interface ScanStats {
  phase: 'auth' | 'explore' | 'checks' | 'cleanup' | 'done';
  operations: number;
  requests: number;
  findings: number;
}

export interface ScanResult {
  report: ProbeReport;
  /** Budget exhaustion, skipped checks, smoke-test warnings. */
  notes: string[];
  /** With dryRun: what would be sent, one line each. */
  plan?: string[];
}

function globToRe(p: string): RegExp {
  return new RegExp(`^${p.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
}

function selected(check: Check, cfg: ScanConfig): boolean {
  const match = (list: string[]): boolean => list.some((x) => check.id === x || check.id.startsWith(`${x.replace(/-$/, '')}-`));
  if (cfg.checks.enable.length > 0 && !match(cfg.checks.enable)) return false;
  return !match(cfg.checks.disable);
}

function ok(r: ScanResponse): boolean {
  return r.status >= 200 && r.status < 300;
}

export async function runScan(opts: ScanOptions): Promise<ScanResult> {
  const cfg = opts.config;
  const started = Date.now();
  const spec = opts.spec ?? cfg.spec;
  if (!spec) throw new PalisadeError('PALISADE_ERR_SCAN_CONFIG', 'no API description: give --spec or `spec:` in palisade-scan.yaml');
  const model: ApiModel = await importApi(spec);
  const target = opts.target ?? cfg.target ?? model.servers.find((s) => /^https?:\/\//.test(s));
  if (!target) throw new PalisadeError('PALISADE_ERR_SCAN_CONFIG', 'no target: give --target or `target:` (the document names no absolute server URL)');
  let targetUrl: URL;
  try {
    targetUrl = new URL(target);
  } catch {
    throw new PalisadeError('PALISADE_ERR_SCAN_CONFIG', `target: "${target}" is not a URL`);
  }
  // The spec's server path (e.g. /api) stays part of the base when only the origin is overridden.
  const specServer = model.servers[0];
  let base = targetUrl.href.replace(/\/+$/, '');
  if (targetUrl.pathname === '/' && specServer) {
    const p = /^https?:\/\//.test(specServer) ? new URL(specServer).pathname : specServer;
    if (p && p !== '/') base += p.replace(/\/+$/, '');
  }

  const notes: string[] = [];
  const excluded = cfg.exclude.map(globToRe);
  const isExcluded = (path: string): boolean => excluded.some((re) => re.test(path));
  const operations = model.operations.filter((o) => o.exercisable && !isExcluded(o.path));
  const checks = (opts.checks ?? SCAN_CHECKS).filter((c) => selected(c, cfg)).filter((c) => {
    if (c.destructive && !cfg.destructive) {
      notes.push(`${c.id} skipped: it needs destructive: true`);
      return false;
    }
    return true;
  });
  checks.sort((a, b) => (a.order ?? 50) - (b.order ?? 50) || a.id.localeCompare(b.id));
  const loginPaths = cfg.identities.map((i) => i.login?.path).filter((p): p is string => p !== undefined && p.startsWith('/'));

  const findings: ReportedFinding[] = [];
  const testedBy = new Map<ScanOperation, Set<string>>();
  const gate = new ShieldRefusals(operations);
  const b = cfg.budgets;
  let progressAt = 0;
  let phase: ScanStats['phase'] = 'auth';
  const stats = (): ScanStats => ({ phase, operations: operations.length, requests: runner.requests, findings: findings.length });
  const runner = new Runner({
    target: base,
    maxRequests: b.maxRequests,
    maxDurationMs: b.maxDurationSeconds * 1000,
    perCheckRequests: b.perCheckRequests,
    perCheckMs: b.perCheckSeconds * 1000,
    concurrency: b.concurrency,
    requestsPerSecond: b.requestsPerSecond,
    timeoutMs: b.timeoutMs,
    maxBodyBytes: b.maxBodyBytes,
    onProgress: () => {
      if ((!opts.progress && !opts.onStats) || Date.now() - progressAt < 200) return;
      progressAt = Date.now();
      opts.progress?.(`operations ${operations.length} · requests ${runner.requests} · findings ${findings.length}`);
      opts.onStats?.(stats());
    },
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  const canary = new Canary();
  const anonymous = new Session(undefined);
  const users = cfg.identities.map((i) => new Session(i));
  const explore = new Exploration(operations, 'https://example.com/palisade');

  if (opts.dryRun) {
    const plan: string[] = [];
    for (const s of [anonymous, ...users]) {
      if (s.config?.login) plan.push(`[auth ${s.name}] ${s.config.login.method} ${base}${s.config.login.path}`);
      if (s.config?.oauth2) plan.push(`[auth ${s.name}] POST ${s.config.oauth2.tokenUrl} (${s.config.oauth2.grant})`);
    }
    for (const s of [anonymous, ...users]) for (const op of operations) {
      if (op.method === 'DELETE' || (s.role === 'user' && isAdminOp(op))) continue;
      const { request } = explore.build(op, s);
      plan.push(`[explore ${s.name}] ${request.method} ${base}${request.url}${request.body ? ` body ${request.body.slice(0, 120)}` : ''}`);
    }
    for (const c of checks) plan.push(`[check] ${c.id} ${c.title}${c.destructive ? ' (destructive)' : ''}`);
    await runner.close();
    const report: ProbeReport = { kind: 'scan', tool: { name: 'palisade', version: opts.version ?? '0.0.0' }, spec, target: base, startedAt: started, finishedAt: Date.now(), findings: [], importDefects: model.defects, coverage: coverageOf(model, testedBy, explore), stats: { requests: 0, durationMs: Date.now() - started, checks: checks.length, operations: operations.length } };
    return { report, notes, plan };
  }

  await canary.start(cfg.canary.host, cfg.canary.publicUrl);
  try {
    // 1. Sign in, then prove each identity is signed in: a request that needs credentials answers
    //    differently with them than without (or the configured whoami request succeeds).
    const failures: AuthFailure[] = [];
    for (const s of users) {
      try {
        await s.authenticate(runner);
      } catch (err) {
        if (err instanceof AuthFailure) failures.push(err);
        else throw err;
      }
    }
    if (failures.length > 0) throw authError(failures);
    for (const s of users) {
      const problem = await smokeTest(s, anonymous, runner, operations, explore, notes);
      if (problem) failures.push(new AuthFailure(s.name, problem));
    }
    if (failures.length > 0) throw authError(failures);

    // 2. Explore as every identity. An identity's login name is its own object's name (/users/{username}).
    for (const s of users) {
      const c = s.credentials();
      if (c) explore.addOwn(s.name, c.userField, c.user);
    }
    phase = 'explore';
    const safeCanary = `${canary.baseUrl}/palisade-canary/${'0'.repeat(24)}`;
    explore.safeUrl = safeCanary;
    await exploreAll(explore, runner, [anonymous, ...users], operations, loginPaths, cfg.destructive, notes);

    // 3. Checks, one after the other (each may send concurrently within its budget).
    phase = 'checks';
    for (const check of checks) {
      if (opts.signal?.aborted) throw new ScanCancelled();
      const ctx: CheckContext = {
        check,
        model,
        config: cfg,
        runner,
        explore,
        canary,
        anonymous,
        users,
        operations,
        destructiveAllowed: cfg.destructive,
        loginPaths,
        send: async (req: ScanRequest, s?: Session) => gate.seen(check, await sendAs(runner, s ?? anonymous, { ...req, check: check.id })),
        sendRaw: async (req: ScanRequest) => gate.seen(check, await runner.send({ ...req, check: check.id })),
        report: (f: FindingInput) => {
          if (f.evidence.length === 0 || f.evidence.every((e) => !e.request && !e.response)) {
            notes.push(`${check.id}: a finding without evidence was dropped`);
            return;
          }
          const fp = fingerprintFinding({ checkId: check.id, ...(f.operation ? { operation: f.operation } : {}), parts: f.parts ?? [] });
          if (findings.some((x) => x.fingerprint === fp)) return;
          findings.push({
            fingerprint: fp,
            checkId: check.id,
            title: f.title ?? check.title,
            category: check.category,
            cwe: check.cwe,
            severity: f.severity ?? check.severity,
            confidence: f.confidence,
            source: 'probe',
            ...(f.operation ? { operation: { method: f.operation.method, path: f.operation.path, ...(f.operation.operationId ? { operationId: f.operation.operationId } : {}) } } : {}),
            description: f.description ?? check.description,
            evidence: f.evidence,
            remediation: check.remediation,
            createdAt: Date.now(),
          });
        },
        tested: (op) => {
          let s = testedBy.get(op);
          if (!s) testedBy.set(op, (s = new Set()));
          s.add(check.id);
        },
        isExcluded,
        note: (m) => notes.push(`${check.id}: ${m}`),
      };
      try {
        await check.run(ctx);
      } catch (err) {
        if (err instanceof ScanCancelled) throw err;
        if (err instanceof BudgetExhausted) notes.push(`${check.id} stopped early: ${err.message}`);
        else notes.push(`${check.id} failed: ${(err as Error).message}`);
      }
    }

    // 4. Clean up what exploration created, where the API has a DELETE for it.
    phase = 'cleanup';
    await cleanup(explore, runner, [anonymous, ...users], operations, notes);
  } finally {
    await canary.close();
    await runner.close();
  }
  for (const s of users) if (s.failed) notes.push(`identity ${s.name} marked failed for the rest of the scan (no more re-logins): ${s.failed}`);
  opts.progress?.(`operations ${operations.length} · requests ${runner.requests} · findings ${findings.length} · done`);
  phase = 'done';
  opts.onStats?.(stats());
  const report: ProbeReport = {
    kind: 'scan',
    tool: { name: 'palisade', version: opts.version ?? '0.0.0' },
    spec,
    target: base,
    startedAt: started,
    finishedAt: Date.now(),
    findings,
    coverage: coverageOf(model, testedBy, explore, isExcluded, gate),
    ...(gate.any() ? { blocked: gate.report(findings) } : {}),
    importDefects: model.defects,
    stats: { requests: runner.requests, durationMs: Date.now() - started, checks: checks.length, operations: operations.length },
  };
  return { report, notes };
}

async function smokeTest(s: Session, anonymous: Session, runner: Runner, operations: readonly ScanOperation[], explore: Exploration, notes: string[]): Promise<string | undefined> {
  const w = s.config?.whoami;
  if (w) {
    const r = await sendAs(runner, s, { method: w.method, url: w.path, check: 'auth' });
    const expected = w.expectStatus;
    if (expected !== undefined ? r.status !== expected : !ok(r)) return `whoami ${w.method} ${w.path} answered ${r.status}${expected ? ` (expected ${expected})` : ''}: ${r.body.slice(0, 160)}`;
    const a = await runner.send({ method: w.method, url: w.path, check: 'auth' });
    if (a.status === r.status && a.body === r.body) return `whoami ${w.method} ${w.path} answers the same with and without the identity's credentials: they are not used`;
    return undefined;
  }
  const candidates = operations.filter((o) => o.method === 'GET' && o.security === 'required' && !o.path.includes('{') && (s.role === 'admin' || !isAdminOp(o)));
  for (const op of candidates.slice(0, 5)) {
    const { request } = explore.build(op, s);
    const r = await sendAs(runner, s, { ...request, check: 'auth' });
    const a = await runner.send({ ...request, check: 'auth' });
    if (ok(r) && (a.status !== r.status || a.body !== r.body)) return undefined;
    if (r.status === 401) return `${op.method} ${op.path} needs credentials and refused this identity's (401): ${r.body.slice(0, 160)}`;
  }
  if (candidates.length === 0) notes.push(`identity ${s.name}: no operation without parameters declares security, and no whoami is configured: sign-in not proven`);
  else notes.push(`identity ${s.name}: no operation answered differently with its credentials than without: sign-in not proven (configure whoami)`);
  return undefined;
}

async function exploreAll(explore: Exploration, runner: Runner, sessions: readonly Session[], operations: readonly ScanOperation[], loginPaths: readonly string[], destructive: boolean, notes: string[]): Promise<void> {
  const send = async (op: ScanOperation, s: Session): Promise<void> => {
    const { request, pathValues } = explore.build(op, s);
    try {
      const response = await sendAs(runner, s, { ...request, check: 'explore' });
      const json = parseJson(response);
      explore.record({ op, identity: s.name, request, response, ...(json !== undefined ? { json } : {}), pathValues });
      if (op.method === 'POST' && (response.status === 201 || response.status === 200) && !op.path.includes('{')) {
        const id = json && typeof json === 'object' && !Array.isArray(json) ? (json as Record<string, unknown>).id : undefined;
        explore.created.push({ identity: s.name, op, ...(response.headers.location ? { location: response.headers.location } : {}), ...(id !== undefined ? { id: String(id) } : {}) });
      }
    } catch (err) {
      if (err instanceof BudgetExhausted || err instanceof ScanCancelled) throw err;
      notes.push(`explore ${op.method} ${op.path} as ${s.name}: ${(err as Error).message}`);
    }
  };
  const allowedFor = (s: Session) => (op: ScanOperation) => !(s.role !== 'admin' && isAdminOp(op)) && !isLoginOp(op, loginPaths) && !(s.anonymous && op.security === 'required' && op.method !== 'GET');
  const phases: Array<(op: ScanOperation) => boolean> = [
    (op) => op.method === 'GET' && !op.path.includes('{'),
    (op) => op.method === 'POST' && !op.path.includes('{'),
    (op) => op.method === 'GET' && op.path.includes('{'),
    (op) => destructive && ['PUT', 'PATCH', 'POST'].includes(op.method) && op.path.includes('{'),
    (op) => destructive && ['PUT', 'PATCH'].includes(op.method) && !op.path.includes('{'),
  ];
  try {
    for (const phase of phases) {
      await Promise.all(sessions.map(async (s) => {
        for (const op of operations.filter(phase).filter(allowedFor(s))) await send(op, s);
      }));
    }
  } catch (err) {
    if (err instanceof BudgetExhausted) notes.push(`exploration stopped early: ${err.message}`);
    else throw err;
  }
}

async function cleanup(explore: Exploration, runner: Runner, sessions: readonly Session[], operations: readonly ScanOperation[], notes: string[]): Promise<void> {
  for (const c of explore.created) {
    const del = operations.find((o) => o.method === 'DELETE' && o.path.startsWith(`${c.op.path}/{`) && o.path.split('/').length === c.op.path.split('/').length + 1);
    if (!del || c.id === undefined) continue;
    const s = sessions.find((x) => x.name === c.identity)!;
    const url = del.path.replace(/\{[^}]+\}/, encodeURIComponent(c.id));
    try {
      const r = await sendAs(runner, s, { method: 'DELETE', url, check: 'cleanup' });
      if (!ok(r) && r.status !== 404) notes.push(`cleanup: DELETE ${url} as ${s.name} answered ${r.status}`);
    } catch (err) {
      notes.push(`cleanup stopped: ${(err as Error).message}`);
      return;
    }
  }
}

/**
 * Counts, per check, the requests a Palisade gateway refused with its own problem types, and the
 * operations they were for: a scan through Shield then says "blocked" rather than "not found".
 */
class ShieldRefusals {
  private readonly byCheck = new Map<string, { check: Check; requests: number; blocked: number; problems: Map<string, number>; operations: Set<string>; example?: ScanResponse }>();
  readonly byOperation = new Map<ScanOperation, Set<string>>();
  private readonly templates: Array<{ op: ScanOperation; re: RegExp }>;

  constructor(operations: readonly ScanOperation[]) {
    // Anchored at the end only: the target's base path (/api) comes before the templates.
    this.templates = operations.map((op) => ({ op, re: new RegExp(`${op.path.split(/\{[^}]+\}/).map((x) => x.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('[^/]+')}/?$`) }));
  }

  seen(check: Check, r: ScanResponse): ScanResponse {
    let c = this.byCheck.get(check.id);
    if (!c) this.byCheck.set(check.id, (c = { check, requests: 0, blocked: 0, problems: new Map(), operations: new Set() }));
    c.requests++;
    const code = shieldProblem(r);
    if (code === undefined) return r;
    c.blocked++;
    c.problems.set(code, (c.problems.get(code) ?? 0) + 1);
    c.example ??= r;
    const path = new URL(r.request.url).pathname;
    // The longest template that matches names the operation (/orders/mine before /orders/{id}).
    const op = this.templates.filter((t) => t.op.method === r.request.method && t.re.test(path)).sort((a, b) => b.op.path.length - a.op.path.length)[0]?.op;
    c.operations.add(op ? `${op.method} ${op.path}` : `${r.request.method} ${path}`);
    if (op) {
      let s = this.byOperation.get(op);
      if (!s) this.byOperation.set(op, (s = new Set()));
      s.add(check.id);
    }
    return r;
  }

  any(): boolean {
    return [...this.byCheck.values()].some((c) => c.blocked > 0);
  }

  report(findings: readonly ReportedFinding[]): BlockedCheck[] {
    return [...this.byCheck.values()].filter((c) => c.blocked > 0).sort((a, b) => a.check.id.localeCompare(b.check.id)).map((c) => ({
      checkId: c.check.id,
      title: c.check.title,
      category: c.check.category,
      requests: c.requests,
      blocked: c.blocked,
      problems: Object.fromEntries([...c.problems].sort()),
      operations: [...c.operations].sort(),
      found: findings.some((f) => f.checkId === c.check.id),
      ...(c.example ? { example: evidenceOf(c.example, `refused by Shield: urn:palisade:problem:${shieldProblem(c.example)}`) } : {}),
    }));
  }
}

function coverageOf(model: ApiModel, testedBy: Map<ScanOperation, Set<string>>, explore: Exploration, isExcluded?: (p: string) => boolean, gate?: ShieldRefusals): CoverageRow[] {
  return model.operations.map((op) => {
    const obs = explore.observations.filter((o) => o.op === op);
    const excluded = isExcluded?.(op.path) ?? false;
    const exercisable = op.exercisable && !excluded;
    return {
      operation: { method: op.method, path: op.path, ...(op.operationId ? { operationId: op.operationId } : {}) },
      exercisable,
      ...(!exercisable ? { reason: excluded ? 'excluded by configuration' : (op.reason ?? 'not exercisable') } : obs.length === 0 && op.method === 'DELETE' ? { reason: 'DELETE is sent only by destructive checks and cleanup' } : {}),
      reached: obs.some((o) => o.response.status > 0),
      answered2xx: obs.some((o) => ok(o.response)),
      testedBy: [...(testedBy.get(op) ?? [])].sort(),
      ...(gate?.byOperation.has(op) ? { blockedBy: [...gate.byOperation.get(op)!].sort() } : {}),
    };
  });
}

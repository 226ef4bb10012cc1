// The console's data endpoints: overview, inventory, findings (triage, apply protection, undo),
// threats and the dynamic block list. Reads need a viewer; changes an operator, and each change
// is audited. See openapi/data-paths.ts for the shapes and decision 0038 for the choices.
import { readFile } from 'node:fs/promises';
import { FINDING_SOURCES, FINDING_STATUSES, SEVERITIES } from '../core/index.js';
import type { ConfigChange, FindingSource, FindingStatus, Severity, StoredFinding } from '../core/index.js';
import { exportOpenApi } from '../watch/index.js';
import type { ConsoleDeps } from './deps.js';
import { findingEvidence, findingSummary, syncWatchFindings } from './findings.js';
import { endpointDetail, endpointSummary, inventoryState, orphanSummary, parseKey, sameShape, SpecCache, splitTemplate } from './inventory-view.js';
import { computeOverview } from './overview.js';
import { defaultSpecLoader, planProtection, swapConfig } from './protection.js';
import type { ProtectionPlan } from './protection.js';
import { badRequest, ConsoleHttpError, conflict, intParam, json, noContent, notFound, optStr, str, text } from './routes.js';
import type { Route, RouteContext } from './routes.js';
import { actorTimeline, listThreats } from './threats.js';
import { unifiedDiff } from './yaml-diff.js';

/** Body limit of a finding or block change. */
const SMALL_BODY = 8 * 1024;

function listParam<T extends string>(q: URLSearchParams, name: string, allowed: readonly T[]): T[] | undefined {
  const raw = q.get(name);
  if (raw === null || raw === '') return undefined;
  const values = raw.split(',').map((v) => v.trim());
  for (const v of values) if (!(allowed as readonly string[]).includes(v)) throw badRequest(`${name} must be one or more of ${allowed.join(', ')} (comma-separated)`);
  return values as T[];
}

function changeView(c: ConfigChange) {
  return {
    id: c.id,
    at: c.at,
    actor: c.actor,
    ...(c.findingFingerprint !== undefined ? { findingId: c.findingFingerprint } : {}),
    path: c.path,
    summary: c.summary,
    diff: unifiedDiff(c.before, c.after),
    ...(c.undoneAt !== undefined ? { undoneAt: c.undoneAt, undoneBy: c.undoneBy ?? '' } : {}),
  };
}

export function dataRoutes(deps: ConsoleDeps): Route[] {
  const now = deps.now ?? Date.now;
  const store = deps.store;
  const specs = new SpecCache();
  const who = (ctx: RouteContext) => ctx.user?.username ?? 'anonymous';

  const syncWatch = async () => {
    try {
      await syncWatchFindings(store);
    } catch (err) {
      // The queue still answers from what is stored; the next request tries again.
      deps.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'console: turning alerts into findings failed');
    }
  };

  const finding = async (id: string): Promise<StoredFinding> => {
    const f = await store.findings.get(id);
    if (!f) throw notFound('No such finding.');
    return f;
  };

  const plan = async (f: StoredFinding): Promise<ProtectionPlan & { path?: string }> => {
    const path = deps.configPath;
    if (!path) return { available: false, description: 'Palisade runs without a configuration file, so no change can be applied from the console.' };
    let textNow: string;
    try {
      textNow = await readFile(path, 'utf8');
    } catch (e) {
      return { available: false, description: `palisade.yaml cannot be read: ${(e as Error).message}` };
    }
    return { ...(await planProtection(f, { text: textNow, config: deps.config(), loadSpec: defaultSpecLoader })), path };
  };

  const inventory = () => deps.inventory?.();

  const routes: Route[] = [
    {
      method: 'GET',
      pattern: '/overview',
      role: 'viewer',
      handler: async (ctx) => {
        const hours = intParam(ctx.query, 'hours', 24, 1, 24 * 31);
        await syncWatch();
        return json(await computeOverview(store, hours, now(), inventory()?.size));
      },
    },

    // Inventory
    {
      method: 'GET',
      pattern: '/inventory',
      role: 'viewer',
      handler: async () => {
        const at = now();
        const inv = inventory();
        if (!inv) return json({ generatedAt: at, live: false, endpoints: [] });
        const state = await inventoryState(inv, deps.config(), specs, at);
        const endpoints = [...state.endpoints.map((ep) => endpointSummary(ep, state.diffs.get(ep), at)), ...state.orphans.map(orphanSummary)];
        endpoints.sort((a, b) => b.risk.score - a.risk.score || a.template.localeCompare(b.template) || a.method.localeCompare(b.method));
        return json({ generatedAt: at, live: true, endpoints });
      },
    },
    {
      method: 'GET',
      pattern: '/inventory/openapi.json',
      role: 'viewer',
      handler: async () => {
        const inv = inventory();
        if (!inv) throw new ConsoleHttpError(409, 'no-inventory', 'No live inventory is kept (palisade start keeps one).');
        const doc = exportOpenApi(inv, { title: 'API learnt by Palisade' });
        return text(JSON.stringify(doc, null, 2), 'application/json', 200, { 'content-disposition': 'attachment; filename="learned-openapi.json"' });
      },
    },
    {
      method: 'GET',
      pattern: '/inventory/endpoints/:key',
      role: 'viewer',
      handler: async (ctx) => {
        const k = parseKey(ctx.params.key!);
        const inv = inventory();
        if (!k || !inv) throw notFound('No such endpoint.');
        const at = now();
        const state = await inventoryState(inv, deps.config(), specs, at);
        const ep = state.endpoints.find((e) => e.api === k.api && e.method === k.method && e.template === k.template);
        if (!ep) {
          const orphan = state.orphans.find((o) => o.api === k.api && o.method === k.method && o.template === k.template);
          if (!orphan) throw notFound('No such endpoint.');
          const series = { t: [], requests: [], errors: [], p95: [] };
          return json({ ...orphanSummary(orphan), requestSchema: null, responses: {}, query: [], headers: [], riskReasons: [], series, findings: [], alerts: [] });
        }
        const detail = await endpointDetail(store, inv, ep, state.diffs.get(ep), at);
        const related = (method: string | undefined, path: string | undefined) => method === ep.method && path !== undefined && sameShape(path, ep.template);
        const findings = (await store.findings.list({ limit: 5000 })).filter((f) => related(f.operation?.method, f.operation?.path)).slice(0, 100).map(findingSummary);
        const alerts = (await store.alerts.list({ limit: 1000 }))
          .filter((a) => {
            const m = a.endpoint ? /^([A-Z]+) (\/\S*)$/.exec(a.endpoint) : null;
            return m !== null && related(m[1], m[2]);
          })
          .slice(0, 100);
        return json({ ...detail, findings, alerts });
      },
    },
    {
      method: 'POST',
      pattern: '/inventory/split',
      role: 'operator',
      handler: async (ctx) => {
        const body = await ctx.body(SMALL_BODY);
        const k = parseKey(str(body, 'key', 4000));
        const seg = body.segment;
        if (!(typeof seg === 'string' && /^[A-Za-z0-9_.-]{1,64}$/.test(seg)) && !(typeof seg === 'number' && Number.isInteger(seg) && seg >= 0 && seg < 64)) {
          throw badRequest('segment must be the index of a path segment (0 for the first) or the name of a {parameter}');
        }
        const inv = inventory();
        if (!inv) throw new ConsoleHttpError(409, 'no-inventory', 'No live inventory is kept (palisade start keeps one).');
        const ep = k ? inv.get(k.api, k.method, k.template) : undefined;
        if (!ep || !k) throw notFound('No such endpoint.');
        let templates: string[];
        try {
          templates = await splitTemplate(store, inv, ep, seg, now());
        } catch (e) {
          if (e instanceof RangeError || e instanceof TypeError) throw badRequest(e.message);
          throw e;
        }
        await ctx.audit('inventory.split', `${k.method} ${k.template}`, { api: k.api ?? null, segment: seg });
        return json({ templates });
      },
    },

    // Findings
    {
      method: 'GET',
      pattern: '/findings',
      role: 'viewer',
      handler: async (ctx) => {
        const q = ctx.query;
        const status = listParam<FindingStatus>(q, 'status', FINDING_STATUSES);
        const severity = listParam<Severity>(q, 'severity', SEVERITIES);
        const source = listParam<FindingSource>(q, 'source', FINDING_SOURCES);
        if (source && source.length > 1) throw badRequest('source takes one value');
        const text_ = q.get('q') ?? undefined;
        if (text_ !== undefined && text_.length > 200) throw badRequest('q is longer than 200 characters');
        await syncWatch();
        const list = await store.findings.list({
          ...(status ? { status } : {}),
          ...(severity ? { severity } : {}),
          ...(source ? { source: source[0]! } : {}),
          ...(text_ ? { q: text_ } : {}),
          limit: intParam(q, 'limit', 1000, 1, 5000),
        });
        return json({ findings: list.map(findingSummary) });
      },
    },
    {
      method: 'GET',
      pattern: '/findings/:id',
      role: 'viewer',
      handler: async (ctx) => {
        const f = await finding(ctx.params.id!);
        const p = await plan(f);
        return json({
          ...findingSummary(f),
          confidence: f.confidence ?? null,
          description: f.description ?? null,
          evidence: await findingEvidence(store, f),
          remediation: f.remediation,
          ...(f.statusBy !== undefined ? { statusBy: f.statusBy } : {}),
          ...(f.statusAt !== undefined ? { statusAt: f.statusAt } : {}),
          ...(f.statusNote !== undefined ? { statusNote: f.statusNote } : {}),
          protection: { available: p.available, description: p.description, ...(p.preview ? { preview: p.preview } : {}) },
        });
      },
    },
    {
      method: 'PATCH',
      pattern: '/findings/:id',
      role: 'operator',
      handler: async (ctx) => {
        const body = await ctx.body(SMALL_BODY);
        const status = str(body, 'status', 32);
        if (!(FINDING_STATUSES as readonly string[]).includes(status)) throw badRequest(`status must be one of ${FINDING_STATUSES.join(', ')}`);
        const note = optStr(body, 'note', 2000);
        const before = await finding(ctx.params.id!);
        const f = await store.findings.setStatus(before.fingerprint, status as FindingStatus, who(ctx), now(), note);
        if (!f) throw notFound('No such finding.');
        await ctx.audit('finding.status', f.fingerprint, { from: before.status, to: f.status, checkId: f.checkId, ...(note !== undefined ? { note } : {}) });
        return json(findingSummary(f));
      },
    },
    {
      method: 'POST',
      pattern: '/findings/:id/protection',
      role: 'operator',
      handler: async (ctx) => {
        const f = await finding(ctx.params.id!);
        const p = await plan(f);
        if (!p.available || !p.preview || !p.path) throw new ConsoleHttpError(409, 'protection-unavailable', p.description);
        const r = await swapConfig(p.path, p.preview.before, p.preview.after, deps.reload);
        if (!r.ok) throw new ConsoleHttpError(r.status, r.code, r.detail, r.issues ? { issues: r.issues } : undefined);
        const change = await store.findings.addChange({ at: now(), actor: who(ctx), findingFingerprint: f.fingerprint, path: p.path, summary: p.description, before: p.preview.before, after: p.preview.after });
        await ctx.audit('config.protect', f.fingerprint, { change: change.id, checkId: f.checkId, kind: f.protection?.kind ?? null });
        return json({ change: changeView(change) });
      },
    },
    {
      method: 'GET',
      pattern: '/changes',
      role: 'viewer',
      handler: async (ctx) => json({ changes: (await store.findings.listChanges(intParam(ctx.query, 'limit', 50, 1, 500))).map(changeView) }),
    },
    {
      method: 'POST',
      pattern: '/changes/:id/undo',
      role: 'operator',
      handler: async (ctx) => {
        const c = await store.findings.getChange(ctx.params.id!);
        if (!c) throw notFound('No such change.');
        if (c.undoneAt !== undefined) throw conflict('This change was already undone.');
        // Only the file this Palisade runs from is ever written, whatever a stored change names.
        if (!deps.configPath || c.path !== deps.configPath) throw conflict('This change was made to another configuration file than the one in use.');
        const r = await swapConfig(c.path, c.after, c.before, deps.reload);
        if (!r.ok) {
          if (r.code === 'config-changed') throw conflict('palisade.yaml changed after this change was made; undoing it would discard the later edits.');
          throw new ConsoleHttpError(r.status, r.code, r.detail, r.issues ? { issues: r.issues } : undefined);
        }
        await store.findings.markUndone(c.id, who(ctx), now());
        await ctx.audit('config.undo', c.id, { findingId: c.findingFingerprint ?? null });
        return json({ change: changeView((await store.findings.getChange(c.id))!) });
      },
    },

    // Threats and blocks
    {
      method: 'GET',
      pattern: '/threats',
      role: 'viewer',
      handler: async (ctx) => {
        const hours = intParam(ctx.query, 'hours', 24, 1, 24 * 31);
        const at = now();
        return json({ actors: await listThreats(store, at - hours * 3_600_000, at) });
      },
    },
    {
      method: 'GET',
      pattern: '/threats/:kind/:id/timeline',
      role: 'viewer',
      handler: async (ctx) => {
        const kind = ctx.params.kind!;
        if (!/^[A-Za-z]{1,32}$/.test(kind)) throw badRequest('kind must be an actor kind (ip, principal, apiKey, token, session, account...)');
        return json({ events: await actorTimeline(store, kind, ctx.params.id!.slice(0, 300), now()) });
      },
    },
    {
      method: 'GET',
      pattern: '/blocks',
      role: 'viewer',
      handler: async () => json({ blocks: await store.listBlocks(now()) }),
    },
    {
      method: 'POST',
      pattern: '/blocks',
      role: 'operator',
      handler: async (ctx) => {
        const body = await ctx.body(SMALL_BODY);
        const entry = str(body, 'entry', 64);
        const reason = str(body, 'reason', 500);
        const ttl = body.ttlSeconds;
        if (ttl !== undefined && ttl !== null && !(typeof ttl === 'number' && Number.isInteger(ttl) && ttl >= 1 && ttl <= 366 * 86400)) throw badRequest('ttlSeconds must be an integer between 1 and 31622400');
        const createdBy = `console:${who(ctx)}`;
        const ttlMs = typeof ttl === 'number' ? ttl * 1000 : undefined;
        try {
          if (deps.blocks) await deps.blocks.add({ entry, reason, createdBy, ...(ttlMs !== undefined ? { ttlMs } : {}) });
          else await store.addBlock({ entry, reason, createdBy, ...(ttlMs !== undefined ? { expiresAt: now() + ttlMs } : {}) });
        } catch (e) {
          throw badRequest(`entry: ${(e as Error).message}`);
        }
        const placed = (await store.listBlocks(now())).find((b) => b.createdBy === createdBy && b.reason === reason);
        await ctx.audit('block.add', placed?.entry ?? entry, { reason, ...(ttl !== undefined && ttl !== null ? { ttlSeconds: ttl } : {}) });
        return json({ block: placed ?? null }, 201);
      },
    },
    {
      method: 'DELETE',
      pattern: '/blocks/:entry',
      role: 'operator',
      handler: async (ctx) => {
        const entry = ctx.params.entry!;
        const removed = deps.blocks ? await deps.blocks.remove(entry).catch(() => false) : await store.removeBlock(entry).catch(() => false);
        if (!removed) throw notFound('No block in force for this entry.');
        await ctx.audit('block.remove', entry);
        return noContent();
      },
    },
  ];
  return routes;
}

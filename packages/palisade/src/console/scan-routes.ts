// The console API's scan and settings endpoints: scans run in this process (scan-manager.ts),
// the configured APIs with their documents and audit scores, palisade.yaml (view, validate, save,
// reload), API keys, OAuth clients and alert sinks. The logic lives in scan-manager.ts and
// settings.ts; this file is HTTP: reading bodies, roles beyond the route's, answers, audit entries.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseDocument } from 'yaml';
import { SCAN_STATUSES, isPalisadeError } from '../core/index.js';
import type { PalisadeConfig, ScanStatus } from '../core/index.js';
import { ApiKeyError, parseDuration, parseExpiry } from '../identity/index.js';
import { loadScanConfig, parseScanConfig } from '../probe/index.js';
import type { ScanConfig } from '../probe/index.js';
import type { ConsoleDeps } from './deps.js';
import { ingestReport } from './findings.js';
import { ConsoleHttpError, badRequest, conflict, intParam, json, noContent, notFound, optStr, roleAllows, str, text } from './routes.js';
import type { Reply, Route, RouteContext } from './routes.js';
import { QueueFull, ScanManager } from './scan-manager.js';
import type { ScanJob } from './scan-manager.js';
import { describeApis, describeSinks, readConfigText, redactYaml, restoreRedacted, scanConfigFor, validateConfigText, writeAtomically } from './settings.js';
import type { ConfigIssue } from './settings.js';

/** Largest body of POST /scans: an inline API description may be large. */
const SCAN_BODY_LIMIT = 4 * 1024 * 1024;
/** Largest palisade.yaml the console accepts. */
const CONFIG_BODY_LIMIT = 256 * 1024;
const KEY_BODY_LIMIT = 16 * 1024;

const unavailable = (what: string): ConsoleHttpError => new ConsoleHttpError(503, 'unavailable', `${what} is not available in this Palisade (${what === 'API key management' ? 'the admin API is not running' : 'oauth.enabled is false'}).`);

/** The manager a console uses when none is handed in: findings go to store.findings through ingestReport. */
export function createScanManager(deps: ConsoleDeps): ScanManager {
  return new ScanManager({
    store: deps.store,
    logger: deps.logger,
    ...(deps.now ? { now: deps.now } : {}),
    ingest: async (report, { scanId }) => ingestReport(deps.store, report, 'scan', scanId),
  });
}

function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || /^::ffff:127\./.test(h);
  return false;
}

/**
 * The outbound addresses an operator may scan: loopback and the configured APIs' upstreams. Any
 * other host needs the admin role, since a scan makes this server send thousands of requests
 * wherever it is pointed (SSRF through the console).
 */
function needsAdmin(urls: readonly string[], config: PalisadeConfig): string | undefined {
  const upstreams = new Set<string>();
  for (const a of config.apis) {
    try {
      upstreams.add(new URL(a.upstream).origin);
    } catch {
      // An upstream that is not a URL cannot match anything.
    }
  }
  for (const u of urls) {
    let url: URL;
    try {
      url = new URL(u.replace(/^graphql:/i, ''));
    } catch {
      continue;
    }
    if (!isLoopbackHost(url.hostname) && !upstreams.has(url.origin)) return url.origin;
  }
  return undefined;
}

/** The absolute URLs a scan configuration makes the scanner call besides the target. */
function configUrls(cfg: ScanConfig): string[] {
  const out: string[] = [];
  const abs = (u: string | undefined): void => {
    if (u && /^https?:\/\//i.test(u)) out.push(u);
  };
  for (const i of cfg.identities) {
    abs(i.login?.path);
    abs(i.oauth2?.tokenUrl);
    abs(i.whoami?.path);
  }
  abs(cfg.canary.publicUrl);
  return out;
}

function scanConfigIssues(err: unknown): never {
  if (isPalisadeError(err)) throw new ConsoleHttpError(422, 'validation-failed', err.message, { issues: err.details.map((d) => ({ message: d })) });
  throw err;
}

/** POST /scans: resolves the body into a job, refusing what the caller may not do. */
async function resolveScan(deps: ConsoleDeps, ctx: RouteContext): Promise<ScanJob> {
  const body = await ctx.body(SCAN_BODY_LIMIT);
  const config = deps.config();
  const apiName = optStr(body, 'api', 128);
  const specText = optStr(body, 'spec', SCAN_BODY_LIMIT);
  let target = optStr(body, 'target', 2048);
  const configYaml = optStr(body, 'configYaml', 256 * 1024);

  const api = apiName === undefined ? undefined : config.apis.find((a) => a.name === apiName);
  if (apiName !== undefined && !api) throw badRequest(`no API named ${JSON.stringify(apiName)} in the configuration (APIs: ${config.apis.map((a) => a.name).join(', ') || 'none'})`);

  let scanConfig: ScanConfig;
  if (configYaml !== undefined) {
    const doc = parseDocument(configYaml, { uniqueKeys: true, merge: true });
    if (doc.errors.length > 0) throw new ConsoleHttpError(422, 'validation-failed', 'configYaml is not valid YAML', { issues: doc.errors.map((e) => ({ message: e.message.split('\n')[0] })) });
    let raw: unknown;
    try {
      raw = doc.toJS({ maxAliasCount: 100 });
    } catch (err) {
      throw new ConsoleHttpError(422, 'validation-failed', `configYaml could not be read as data: ${(err as Error).message}`, { issues: [] });
    }
    try {
      // A posted configuration never reads this server's environment: ${VAR} would hand its secrets to the target.
      scanConfig = parseScanConfig(raw, 'configYaml', {});
    } catch (err) {
      scanConfigIssues(err);
    }
    if (scanConfig.spec !== undefined && !/^(graphql:)?https?:\/\//i.test(scanConfig.spec)) throw badRequest('configYaml: spec must be a URL; pick a configured API or post the document itself as spec (files of this server are not read on request)');
  } else {
    const file = api ? scanConfigFor(api, deps.scanConfigs) : undefined;
    try {
      scanConfig = file ? loadScanConfig(file) : parseScanConfig({}, '(defaults)', {});
    } catch (err) {
      scanConfigIssues(err);
    }
  }

  let spec: string | undefined;
  let specSource: string;
  let cleanup: (() => Promise<void>) | undefined;
  if (specText !== undefined) {
    if (/^(graphql:)?https?:\/\/\S+$/i.test(specText.trim())) {
      spec = specText.trim();
      specSource = spec;
    } else {
      // An inline document goes to a private temporary file the scanner reads like any other.
      const dir = await mkdtemp(join(tmpdir(), 'palisade-console-scan-'));
      spec = join(dir, specText.trimStart().startsWith('{') ? 'openapi.json' : 'openapi.yaml');
      await writeFile(spec, specText, { mode: 0o600 });
      specSource = 'inline';
      cleanup = () => rm(dir, { recursive: true, force: true });
    }
  } else if (api?.openapi) {
    spec = api.openapi;
    specSource = api.openapi;
  } else if (scanConfig.spec) {
    spec = scanConfig.spec;
    specSource = spec;
  } else {
    throw badRequest(api ? `the API ${api.name} names no OpenAPI document: post the document as spec` : 'give api (a configured API) or spec (the API description, or its URL)');
  }

  target ??= api?.upstream ?? scanConfig.target;
  try {
    if (!target) throw badRequest('give target: the base URL of the API to scan');
    let url: URL;
    try {
      url = new URL(target);
    } catch {
      throw badRequest(`target ${JSON.stringify(target)} is not a URL`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw badRequest('target must be an http or https URL');
    if (url.username || url.password) throw badRequest('target must not carry credentials: configure identities in configYaml');
    const outbound = [target, ...(spec !== undefined && /^(graphql:)?https?:/i.test(spec) ? [spec] : []), ...configUrls(scanConfig)];
    const foreign = needsAdmin(outbound, deps.config());
    if (foreign && !roleAllows(ctx.user!.role, 'admin')) {
      throw new ConsoleHttpError(403, 'forbidden', `scanning ${foreign} needs the admin role: operators may scan loopback addresses and the configured APIs' upstreams`);
    }
  } catch (err) {
    await cleanup?.();
    throw err;
  }
  return { target, spec, specSource, config: scanConfig, ...(api ? { api: api.name } : {}), startedBy: ctx.user!.username, ...(cleanup ? { cleanup } : {}) };
}

function scanStatusParam(q: URLSearchParams): ScanStatus | undefined {
  const s = q.get('status');
  if (s === null || s === '') return undefined;
  if (!(SCAN_STATUSES as readonly string[]).includes(s)) throw badRequest(`status must be one of ${SCAN_STATUSES.join(', ')}`);
  return s as ScanStatus;
}

function stringList(o: Record<string, unknown>, name: string, max = 50): string[] | undefined {
  const v = o[name];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.length > max || !v.every((x) => typeof x === 'string' && x.length <= 256)) throw badRequest(`${name} must be an array of at most ${max} strings`);
  return v as string[];
}

/** ApiKeyError and OAuth input errors are the caller's mistakes: 400/404/409 with their message. */
async function keyCall<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ApiKeyError) {
      const [status, code] = err.kind === 'not-found' ? [404, 'not-found'] : err.kind === 'conflict' ? [409, 'conflict'] : [400, 'bad-request'];
      throw new ConsoleHttpError(status, code, err.message);
    }
    if (isPalisadeError(err) && (err.code === 'PALISADE_ERR_OAUTH_INPUT' || err.code === 'PALISADE_ERR_CLI_USAGE')) throw badRequest(err.message);
    throw err;
  }
}

const ONCE = 'Store this secret now: it is not shown again (only a hash of it is kept).';

export function scanRoutes(deps: ConsoleDeps, manager: ScanManager = deps.scanManager ?? createScanManager(deps)): Route[] {
  let recovered: Promise<void> | undefined;
  const ready = (): Promise<void> => (recovered ??= manager.recover());
  let saving: Promise<unknown> = Promise.resolve();
  const env = deps.env ?? process.env;

  const getScan = async (id: string) => {
    await ready();
    const s = await deps.store.scans.get(id);
    if (!s) throw notFound('No such scan.');
    return s;
  };

  const configPath = (): string => {
    if (!deps.configPath) throw new ConsoleHttpError(503, 'unavailable', 'This Palisade was not started from a configuration file: there is nothing to show or save.');
    return deps.configPath;
  };

  const validate = (yaml: string, current: string): { text: string; valid: boolean; issues: ConfigIssue[] } => {
    const restored = restoreRedacted(yaml, current);
    const v = validateConfigText(restored.text, { baseDir: dirname(configPath()), env });
    const issues = [...restored.issues, ...v.issues];
    return { text: restored.text, valid: issues.length === 0, issues };
  };

  const routes: Route[] = [
    // Scans.
    {
      method: 'GET',
      pattern: '/scans',
      role: 'viewer',
      async handler(ctx) {
        await ready();
        const status = scanStatusParam(ctx.query);
        const limit = intParam(ctx.query, 'limit', 50, 1, 500);
        const before = ctx.query.get('before');
        const b = before === null || before === '' ? undefined : Number(before);
        if (b !== undefined && (!Number.isSafeInteger(b) || b < 0)) throw badRequest('before must be epoch milliseconds');
        const scans = await deps.store.scans.list({ limit, ...(status ? { status } : {}), ...(b !== undefined ? { before: b } : {}) });
        const running = manager.runningId();
        return json({ scans, ...(running ? { running } : {}) });
      },
    },
    {
      method: 'POST',
      pattern: '/scans',
      role: 'operator',
      async handler(ctx) {
        await ready();
        const job = await resolveScan(deps, ctx);
        let scan;
        try {
          scan = await manager.enqueue(job);
        } catch (err) {
          await job.cleanup?.();
          if (err instanceof QueueFull) throw new ConsoleHttpError(429, 'queue-full', err.message, undefined, { 'retry-after': '30' });
          throw err;
        }
        await ctx.audit('scan.start', scan.id, { target: job.target, specSource: job.specSource, ...(job.api ? { api: job.api } : {}) });
        return json(scan, 202, { location: `/console/api/scans/${scan.id}` });
      },
    },
    {
      method: 'GET',
      pattern: '/scans/:id',
      role: 'viewer',
      async handler(ctx) {
        return json(await getScan(ctx.params.id!));
      },
    },
    {
      method: 'GET',
      pattern: '/scans/:id/report.html',
      role: 'viewer',
      async handler(ctx) {
        await getScan(ctx.params.id!);
        const html = await deps.store.scans.getReport(ctx.params.id!);
        if (html === undefined) throw notFound('This scan has no report (yet): it is written when the scan finishes.');
        // The report quotes what the scanned API answered: it is shown inert (no script, sandboxed),
        // and may be framed by the console page only.
        return text(html, 'text/html; charset=utf-8', 200, {
          'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox; frame-ancestors 'self'",
          'x-frame-options': 'SAMEORIGIN',
          'cache-control': 'private, no-store',
        });
      },
    },
    {
      method: 'POST',
      pattern: '/scans/:id/cancel',
      role: 'operator',
      async handler(ctx) {
        const s = await getScan(ctx.params.id!);
        if (s.status !== 'queued' && s.status !== 'running') throw conflict(`The scan is already ${s.status}.`);
        if (!(await manager.cancel(s.id, ctx.user!.username))) throw conflict('The scan is not running in this process.');
        await ctx.audit('scan.cancel', s.id);
        return json(await getScan(s.id));
      },
    },

    // APIs and their documents.
    {
      method: 'GET',
      pattern: '/apis',
      role: 'viewer',
      async handler() {
        return json({ apis: await describeApis(deps.config(), deps.scanConfigs) });
      },
    },

    // palisade.yaml.
    {
      method: 'GET',
      pattern: '/config',
      role: 'admin',
      async handler() {
        const path = configPath();
        const current = await readConfigText(path);
        const v = validateConfigText(current, { baseDir: dirname(path), env });
        return json({ path, yaml: redactYaml(current), valid: v.valid, issues: v.issues });
      },
    },
    {
      method: 'POST',
      pattern: '/config/validate',
      role: 'admin',
      async handler(ctx) {
        const yaml = str(await ctx.body(CONFIG_BODY_LIMIT), 'yaml', CONFIG_BODY_LIMIT);
        const { valid, issues } = validate(yaml, await readConfigText(configPath()));
        return json({ valid, issues });
      },
    },
    {
      method: 'PUT',
      pattern: '/config',
      role: 'admin',
      async handler(ctx) {
        const yaml = str(await ctx.body(CONFIG_BODY_LIMIT), 'yaml', CONFIG_BODY_LIMIT);
        const path = configPath();
        // One save at a time: two admins saving at once must not interleave write and reload.
        const run = saving.then(() => saveConfig(ctx, path, yaml));
        saving = run.catch(() => undefined);
        return run;
      },
    },

    // API keys (identity's ApiKeyManager, as the admin API uses it).
    {
      method: 'GET',
      pattern: '/keys',
      role: 'admin',
      async handler(ctx) {
        if (!deps.apiKeys) throw unavailable('API key management');
        const api = ctx.query.get('api');
        const limit = intParam(ctx.query, 'limit', 1000, 1, 10_000);
        return json({ keys: await keyCall(() => deps.apiKeys!.list({ limit, ...(api ? { api } : {}) })) });
      },
    },
    {
      method: 'POST',
      pattern: '/keys',
      role: 'admin',
      async handler(ctx) {
        const keys = deps.apiKeys;
        if (!keys) throw unavailable('API key management');
        const b = await ctx.body(KEY_BODY_LIMIT);
        const expires = optStr(b, 'expires', 64);
        const tenant = optStr(b, 'tenant', 256);
        const scopes = stringList(b, 'scopes');
        const roles = stringList(b, 'roles');
        const created = await keyCall(() =>
          keys.create({
            api: str(b, 'api', 128),
            name: str(b, 'name', 256),
            createdBy: `console:${ctx.user!.username}`,
            ...(scopes ? { scopes } : {}),
            ...(roles ? { roles } : {}),
            ...(tenant !== undefined ? { tenant } : {}),
            ...(expires !== undefined ? { expiresAt: parseExpiry(expires, Date.now()) } : {}),
          }),
        );
        await ctx.audit('key.create', created.summary.id, { api: created.summary.api, name: created.summary.name });
        return json({ key: created.key, apiKey: created.summary, warning: ONCE }, 201);
      },
    },
    {
      method: 'POST',
      pattern: '/keys/:id/rotate',
      role: 'admin',
      async handler(ctx) {
        const keys = deps.apiKeys;
        if (!keys) throw unavailable('API key management');
        const b = await ctx.body(KEY_BODY_LIMIT);
        const grace = optStr(b, 'grace', 64);
        const expires = optStr(b, 'expires', 64);
        const r = await keyCall(async () =>
          keys.rotate(ctx.params.id!, {
            createdBy: `console:${ctx.user!.username}`,
            ...(grace !== undefined ? { graceMs: parseDuration(grace, 'grace') } : {}),
            ...(expires !== undefined ? { expiresAt: parseExpiry(expires, Date.now()) } : {}),
          }),
        );
        await ctx.audit('key.rotate', r.previous.id, { successor: r.summary.id, graceUntil: r.previous.graceUntil ?? null });
        return json({ key: r.key, apiKey: r.summary, previous: r.previous, warning: ONCE }, 201);
      },
    },
    {
      method: 'DELETE',
      pattern: '/keys/:id',
      role: 'admin',
      async handler(ctx) {
        const keys = deps.apiKeys;
        if (!keys) throw unavailable('API key management');
        // Revoked, not erased: the record stays to show who held the key and when it was last used.
        const r = await keyCall(() => keys.revoke(ctx.params.id!));
        if (!r.already) await ctx.audit('key.revoke', r.summary.id, { api: r.summary.api });
        return json({ apiKey: r.summary, alreadyRevoked: r.already });
      },
    },

    // OAuth clients of the built-in authorization server.
    {
      method: 'GET',
      pattern: '/oauth/clients',
      role: 'admin',
      async handler() {
        if (!deps.oauth) throw unavailable('The built-in authorization server');
        return json({ clients: await deps.oauth.clients.list() });
      },
    },
    {
      method: 'POST',
      pattern: '/oauth/clients',
      role: 'admin',
      async handler(ctx) {
        const oauth = deps.oauth;
        if (!oauth) throw unavailable('The built-in authorization server');
        const b = await ctx.body(KEY_BODY_LIMIT);
        if (b.public !== undefined && typeof b.public !== 'boolean') throw badRequest('public must be a boolean');
        const redirectUris = stringList(b, 'redirectUris');
        const grantTypes = stringList(b, 'grantTypes', 3);
        const scopes = stringList(b, 'scopes');
        const created = await keyCall(() =>
          oauth.clients.create({
            name: str(b, 'name', 100),
            ...(redirectUris ? { redirectUris } : {}),
            ...(grantTypes ? { grantTypes } : {}),
            ...(scopes ? { scopes } : {}),
            ...(b.public === true ? { public: true } : {}),
          }),
        );
        await ctx.audit('oauth-client.create', created.client.clientId, { name: created.client.name, grantTypes: created.client.grantTypes });
        return json({ ...created, ...(created.clientSecret ? { warning: ONCE } : {}) }, 201);
      },
    },
    {
      method: 'POST',
      pattern: '/oauth/clients/:id/rotate',
      role: 'admin',
      async handler(ctx) {
        const oauth = deps.oauth;
        if (!oauth) throw unavailable('The built-in authorization server');
        const r = await keyCall(() => oauth.clients.rotateSecret(ctx.params.id!));
        if (!r) throw notFound('No such client.');
        await ctx.audit('oauth-client.rotate', r.client.clientId);
        return json({ ...r, warning: ONCE });
      },
    },
    {
      method: 'DELETE',
      pattern: '/oauth/clients/:id',
      role: 'admin',
      async handler(ctx) {
        const oauth = deps.oauth;
        if (!oauth) throw unavailable('The built-in authorization server');
        if (!(await oauth.clients.delete(ctx.params.id!))) throw notFound('No such client.');
        await ctx.audit('oauth-client.delete', ctx.params.id!);
        return noContent();
      },
    },

    // Alert sinks.
    {
      method: 'GET',
      pattern: '/sinks',
      role: 'admin',
      async handler() {
        return json(describeSinks(deps.config(), env, deps.watch?.()?.stats().sinks));
      },
    },
  ];

  async function saveConfig(ctx: RouteContext, path: string, yaml: string): Promise<Reply> {
    const before = await readConfigText(path);
    const v = validate(yaml, before);
    if (!v.valid) throw new ConsoleHttpError(422, 'validation-failed', `The configuration has ${v.issues.length} problem${v.issues.length === 1 ? '' : 's'}: nothing was saved.`, { issues: v.issues });
    if (v.text === before) return json({ saved: false, changed: false, reloaded: false });
    await writeAtomically(path, v.text);
    const outcome = deps.reload ? await deps.reload() : { ok: true, changed: true };
    if (!outcome.ok) {
      // Shield kept the configuration in force: put the file back so disk and memory agree.
      await writeAtomically(path, before);
      const issues: ConfigIssue[] = (outcome.details?.length ? outcome.details : [outcome.error ?? 'the reload failed']).map((d) => ({ message: d }));
      throw new ConsoleHttpError(422, 'validation-failed', `Shield could not apply the configuration (${outcome.error ?? 'reload failed'}): the previous file was restored.`, { issues });
    }
    // The previous text is kept as a config change, so it can be compared and undone (POST /changes/{id}/undo).
    const change = await deps.store.findings.addChange({ at: (deps.now ?? Date.now)(), actor: ctx.user!.username, path, summary: 'palisade.yaml edited in the console', before, after: v.text });
    await ctx.audit('config.save', path, { changeId: change.id, reloaded: deps.reload !== undefined });
    return json({ saved: true, changed: true, reloaded: deps.reload !== undefined, changeId: change.id });
  }

  return routes;
}

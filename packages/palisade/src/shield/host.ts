// Runs Shield as a service: store, recorder, metrics, gateway, admin API, configuration reload,
// retention and — with `workers` > 1 — one gateway process per core under node:cluster.
import cluster from 'node:cluster';
import type { Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';
import { Redis } from 'ioredis';
import { AggregatorRegistry } from 'prom-client';
import type { Logger } from 'pino';
import type { Exchange, PalisadeConfig, Store } from '../core/index.js';
import { PalisadeError, credentialLocations, parseConfig, redactConfig, watchConfig } from '../core/index.js';
import type { ConfigWatcher } from '../core/index.js';
import { openStore } from '../store/index.js';
import { Gateway } from './gateway.js';
import { loadContracts } from './contracts.js';
import { loadWsdls } from './wsdl.js';
import { WafRuleSets } from './waf-rules.js';
import { AuthenticatorRegistry } from '../identity/index.js';
import { ApiKeyManager, StoreApiKeyVerifier } from '../identity/index.js';
import { AuthorizationServer, resolveMasterSecret } from '../identity/index.js';
import type { DemoInfo } from '../identity/index.js';
import { GatewayMetrics } from './metrics.js';
import { Recorder } from './recorder.js';
import { createRedactor } from './redact.js';
import { AdminServer } from './admin.js';
import type { AdminDeps, AdminExtension, AdminUi } from './admin.js';
import type { OAuthAdmin } from './admin-oauth.js';
import { observed } from './observe.js';
import type { ExchangeObserver } from './observe.js';
import type { RawExchange } from './recorder.js';
import { MemoryBlocklist } from './stages/index.js';
import type { SharedRedis } from './stage.js';
import { RATE_OVERRIDES_STATE_KEY, RateOverrides, parseOverrides, withOverride } from './rate-overrides.js';
import type { RateOverride } from './rate-overrides.js';
import type { RateOverrideAdmin } from './admin-rate-overrides.js';
import type { ObservedExchange } from './observe.js';
import { randomUUID } from 'node:crypto';

export interface ShieldHostOptions {
  config: PalisadeConfig;
  /** The file the configuration came from; enables reload on change and SIGHUP. */
  configPath?: string;
  logger: Logger;
  /** Admin token (already resolved by the caller from config, environment or a generated file). */
  adminToken?: string;
  /** Install SIGHUP/SIGTERM/SIGINT handlers (the CLI does; tests do not). */
  handleSignals?: boolean;
  /** Serve the authorization server's demo pages and seed its demo clients and users (palisade start --demo). */
  oauthDemo?: boolean;
  /**
   * Sees every batch of exchanges the recorder writes (Watch's detectors), off the request path.
   * With cluster workers, each worker sends its batches to the primary over the IPC channel and
   * the primary calls this (decision 0041).
   */
  observeExchanges?: ExchangeObserver;
  /** Admin API endpoints of modules Shield does not import (Watch's /alerts); decision 0026. */
  adminExtensions?: readonly AdminExtension[];
  /** The web console, served by the admin server under /console (a module Shield does not import). */
  adminUi?: AdminUi;
}

/** The dynamic block list as other modules may change it: the store, this process and the other gateways. */
export interface BlockControl {
  add(b: { entry: string; reason: string; createdBy: string; ttlMs?: number }): Promise<void>;
  remove(entry: string): Promise<boolean>;
}

/**
 * Per-actor rate-limit overrides as other modules may change them (Watch's rate-limit response):
 * the store, this process and the other gateways, like BlockControl.
 */
export type RateLimitControl = RateOverrideAdmin;

export interface RunningShield {
  gatewayUrl: string;
  /** The plain-HTTP listener that redirects to HTTPS, when configured. */
  redirectUrl?: string;
  adminUrl?: string;
  /** The built-in authorization server (oauth.enabled), started with the primary process. */
  oauth?: { url: string; issuer: string; demo?: DemoInfo; admin: OAuthAdmin };
  workers: number;
  /** Places and lifts dynamic blocks (Watch's automatic responses). */
  blocks: BlockControl;
  /** Places and lifts per-actor rate-limit overrides (Watch's automatic responses). */
  rateLimits: RateLimitControl;
  /** The store this process opened (closed with it): Watch keeps its alerts there. */
  store: Store;
  /** The configuration in force (it changes on reload). */
  currentConfig(): PalisadeConfig;
  reload(): Promise<{ ok: boolean; changed?: boolean; error?: string; details?: readonly string[] }>;
  close(): Promise<void>;
}

const MSG_RELOAD = 'palisade:reload';
const MSG_BLOCKS = 'palisade:blocks';
const MSG_READY = 'palisade:ready';
const MSG_OBSERVED = 'palisade:observed';
const BLOCK_SYNC_MS = 5000;
/** Set in a worker's environment when the primary wants its exchange batches (observeExchanges). */
const OBSERVE_ENV = 'PALISADE_OBSERVE_EXCHANGES';
/** Batches a worker has handed to the IPC channel and not yet seen written; beyond this it drops. */
const MAX_PENDING_OBSERVED = 64;

type WorkerMessage =
  | { type: typeof MSG_RELOAD; text: string; path: string }
  | { type: typeof MSG_BLOCKS }
  | { type: typeof MSG_READY; url: string }
  | { type: typeof MSG_OBSERVED; batch: ObservedExchange[] };

export function workerCount(cfg: PalisadeConfig): number {
  return cfg.gateway.workers === 'auto' ? availableParallelism() : cfg.gateway.workers;
}

/** Starts Shield. In a cluster worker this runs the gateway only; see runShieldWorker. */
export async function startShield(opts: ShieldHostOptions): Promise<RunningShield> {
  const n = workerCount(opts.config);
  if (n > 1 && cluster.isPrimary) return startPrimary(opts, n);
  return startSingle(opts);
}

interface Core {
  store: Store;
  metrics: GatewayMetrics;
  blocklist: MemoryBlocklist;
  /** Per-actor rate-limit overrides, mirrored from the store by syncBlocks. */
  rateOverrides: RateOverrides;
  /** Reloads the block list and the rate-limit overrides from the store. */
  syncBlocks(): Promise<void>;
  /** Tells the other processes sharing store.redis that blocks or overrides changed (no-op without Redis). */
  announce(): void;
  /** The store.redis subscriber that hears the other processes' change notices. */
  subscriber?: Redis;
  timers: NodeJS.Timeout[];
  /** Shared counters (store.redis): one client per process, handed to every stage through StageEnv. */
  redis?: SharedRedis;
  /** The built-in authorization server; closed with the core. */
  oauth?: AuthorizationServer;
  /** Verifies API keys for the gateway; its last-used times are written when the core closes. */
  apiKeys: StoreApiKeyVerifier;
}

/** How long startup waits for Redis before serving anyway (rate limits then apply their failMode). */
const REDIS_READY_WAIT_MS = 3000;
const REDIS_ERROR_LOG_INTERVAL_MS = 10_000;

async function openRedis(cfg: PalisadeConfig, log: Logger): Promise<SharedRedis | undefined> {
  const conf = cfg.store.redis;
  if (!conf) return undefined;
  // No offline queue and a command timeout: a request must never wait for Redis to come back;
  // the rate-limit stage's failMode decides instead. Auto-pipelining writes the commands of
  // concurrent requests together, one system call per event-loop turn instead of one per command.
  const client = new Redis(conf.url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: 1000, enableAutoPipelining: true });
  let lastLog = 0;
  client.on('error', (err: Error) => {
    // ioredis reports every failed reconnection attempt; one line per interval is enough.
    const now = Date.now();
    if (now - lastLog < REDIS_ERROR_LOG_INTERVAL_MS) return;
    lastLog = now;
    log.warn({ err: err.message }, 'redis connection failed; retrying');
  });
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, REDIS_READY_WAIT_MS);
    client.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  return { client, keyPrefix: conf.keyPrefix };
}

/** The channel of block and override change notices; the message is the sender's id. */
function changeChannel(redis: SharedRedis): string {
  return `${redis.keyPrefix}shield:blocks-changed`;
}

/**
 * Every process sharing store.redis hears the others' block and override changes and reloads them
 * from the store at once, instead of at its next periodic sync (decision 0041). A subscriber
 * needs its own connection (a subscribed connection takes no other command); unlike the counters'
 * client it queues while disconnected and resubscribes, and reloads after every reconnection for
 * the notices it missed.
 */
async function subscribeChanges(cfg: PalisadeConfig, redis: SharedRedis, self: string, sync: () => Promise<void>, log: Logger): Promise<Redis | undefined> {
  const url = cfg.store.redis?.url;
  if (!url) return undefined;
  const sub = new Redis(url, { maxRetriesPerRequest: null });
  const channel = changeChannel(redis);
  let lastLog = 0;
  sub.on('error', (err: Error) => {
    const now = Date.now();
    if (now - lastLog < REDIS_ERROR_LOG_INTERVAL_MS) return;
    lastLog = now;
    log.warn({ err: err.message }, 'redis subscriber connection failed; retrying');
  });
  let first = true;
  sub.on('ready', () => {
    if (first) first = false;
    else void sync();
  });
  sub.on('message', (ch: string, sender: string) => {
    if (ch === channel && sender !== self) void sync();
  });
  // Bounded like the counters' client: a Redis that is down must not stop the start.
  await Promise.race([sub.subscribe(channel).catch(() => undefined), new Promise((r) => setTimeout(r, REDIS_READY_WAIT_MS).unref())]);
  return sub;
}

async function closeCore(core: Core): Promise<void> {
  if (core.subscriber) await core.subscriber.quit().catch(() => core.subscriber?.disconnect());
  await core.oauth?.close();
  await core.apiKeys.close().catch(() => undefined);
  await core.store.close();
  if (core.redis) await core.redis.client.quit().catch(() => core.redis?.client.disconnect());
}

async function openCore(cfg: PalisadeConfig, log: Logger, withRetention: boolean): Promise<Core> {
  const store = await openStore({ driver: cfg.store.driver, path: cfg.store.path, ...(cfg.store.url ? { url: cfg.store.url } : {}) });
  const metrics = new GatewayMetrics(cluster.isWorker ? { labels: { worker: String(cluster.worker?.id ?? 0) } } : {});
  const blocklist = new MemoryBlocklist();
  const rateOverrides = new RateOverrides();
  const syncBlocks = async () => {
    try {
      const blocks = await store.listBlocks();
      blocklist.replaceAll(blocks.map((b) => ({ entry: b.entry, ...(b.expiresAt !== undefined ? { expiresAt: b.expiresAt } : {}) })));
      rateOverrides.replaceAll(parseOverrides(await store.getState(RATE_OVERRIDES_STATE_KEY)));
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'could not load the block list from the store');
    }
  };
  await syncBlocks();
  const timers: NodeJS.Timeout[] = [setInterval(() => void syncBlocks(), BLOCK_SYNC_MS)];
  if (withRetention) {
    const runRetention = async () => {
      try {
        const r = await store.applyRetention({ maxAgeDays: cfg.store.retention.maxAgeDays, maxExchanges: cfg.store.retention.maxExchanges });
        if (r.deletedByAge + r.deletedBySize > 0) log.info(r, 'retention removed old exchanges');
      } catch (err) {
        log.warn({ err: (err as Error).message }, 'retention failed');
      }
    };
    timers.push(setInterval(() => void runRetention(), cfg.store.retention.intervalMs));
    void runRetention();
  }
  for (const t of timers) t.unref();
  const redis = await openRedis(cfg, log);
  const self = randomUUID();
  const subscriber = redis ? await subscribeChanges(cfg, redis, self, syncBlocks, log) : undefined;
  const announce = () => {
    if (!redis) return;
    // The change is in the store already; a lost notice costs the others the periodic sync's delay.
    redis.client.publish(changeChannel(redis), self).catch((err: unknown) => log.warn({ err: (err as Error).message }, 'could not announce a block list change through redis'));
  };
  const apiKeys = new StoreApiKeyVerifier(store.apiKeys, { log: (level, msg, fields) => log[level](fields ?? {}, msg) });
  return { store, metrics, blocklist, rateOverrides, syncBlocks, announce, timers, apiKeys, ...(redis ? { redis } : {}), ...(subscriber ? { subscriber } : {}) };
}

/** What the recorder removes: the configured lists, plus custom API key headers and query parameters, which are secrets whatever recording lists. */
function recordingRedactor(cfg: PalisadeConfig): ReturnType<typeof createRedactor> {
  const credentials = credentialLocations(cfg);
  return createRedactor({
    headers: [...cfg.recording.redactHeaders, ...credentials.headers],
    queryParams: [...cfg.recording.redactQueryParams, ...credentials.queryParams],
    bodyFields: cfg.recording.redactBodyFields,
  });
}

function makeRecorder(cfg: PalisadeConfig, core: Core, log: Logger, observe?: ExchangeObserver): Recorder {
  const m = core.metrics;
  let lastErrorLog = 0;
  return new Recorder(core.store, {
    queueSize: cfg.recording.queueSize,
    batchSize: cfg.recording.batchSize,
    flushIntervalMs: cfg.recording.flushIntervalMs,
    redactor: recordingRedactor(cfg),
    onDrop: (n) => m.recorderDropped.inc(n),
    onWritten: (n) => m.recorderWritten.inc(n),
    onQueueLength: (n) => m.recorderQueue.set(n),
    ...(observe ? { observe: (records: readonly Exchange[], raw: readonly RawExchange[]) => observe(records.map((r, i) => observed(r, raw[i]!))) } : {}),
    onWriteError: (err, n) => {
      m.recorderFailed.inc();
      // One line per 10 s at most: a failing store must not flood the log.
      const now = Date.now();
      if (now - lastErrorLog > 10_000) {
        lastErrorLog = now;
        log.error({ err: (err as Error).message, dropped: n, code: 'PALISADE_ERR_STORE_WRITE' }, 'exchange records could not be written');
      }
    },
  });
}

/** What differs between the single-process and cluster admin APIs. */
interface AdminParts {
  config(): PalisadeConfig;
  routes(): unknown;
  metrics(): Promise<{ contentType: string; body: string }>;
  reload(): Promise<ReloadOutcome>;
  health(): Record<string, { ok: boolean; detail?: string }>;
  onBlocksChanged(): void;
  extensions?: readonly AdminExtension[];
  ui?: AdminUi;
}

function blockControl(core: Core, onChanged: () => void): BlockControl {
  return {
    async add(b) {
      const expiresAt = b.ttlMs !== undefined ? Date.now() + b.ttlMs : undefined;
      await core.store.addBlock({ entry: b.entry, reason: b.reason, createdBy: b.createdBy, ...(expiresAt !== undefined ? { expiresAt } : {}) });
      core.blocklist.add(b.entry, b.ttlMs);
      onChanged();
      core.announce();
    },
    async remove(entry) {
      const removed = await core.store.removeBlock(entry);
      const local = core.blocklist.remove(entry);
      onChanged();
      core.announce();
      return removed || local;
    },
  };
}

/**
 * Rate-limit overrides live in the store's module state as one JSON list (they are few and short-
 * lived); changes are read-modify-write, serialised within this process. Two processes changing
 * overrides in the same milliseconds may lose one of the two changes (decision 0041).
 */
const overrideChains = new WeakMap<Core, Promise<unknown>>();

function rateControl(core: Core, onChanged: () => void): RateLimitControl {
  const change = <T>(f: (list: RateOverride[], now: number) => { next: RateOverride[]; result: T }): Promise<T> => {
    const run = async () => {
      const now = Date.now();
      const list = parseOverrides(await core.store.getState(RATE_OVERRIDES_STATE_KEY)).filter((o) => o.expiresAt > now);
      const { next, result } = f(list, now);
      await core.store.setState(RATE_OVERRIDES_STATE_KEY, JSON.stringify(next));
      core.rateOverrides.replaceAll(next);
      onChanged();
      core.announce();
      return result;
    };
    const p = (overrideChains.get(core) ?? Promise.resolve()).then(run, run);
    overrideChains.set(core, p.catch(() => undefined));
    return p;
  };
  return {
    async list() {
      const now = Date.now();
      return parseOverrides(await core.store.getState(RATE_OVERRIDES_STATE_KEY))
        .filter((o) => o.expiresAt > now)
        .sort((a, b) => b.createdAt - a.createdAt);
    },
    tighten: (o) =>
      change((list, now) => {
        const rec: RateOverride = { target: o.target, limit: o.limit, windowSeconds: o.windowSeconds, expiresAt: now + o.ttlMs, reason: o.reason, createdBy: o.createdBy, createdAt: now };
        return { next: withOverride(list, rec, now), result: rec };
      }),
    remove: (target) => change((list) => ({ next: list.filter((o) => o.target !== target), result: list.some((o) => o.target === target) })),
  };
}

/** Starts the admin API when the configuration enables it. */
async function startAdmin(cfg: PalisadeConfig, token: string | undefined, core: Core, log: Logger, parts: AdminParts): Promise<AdminServer | undefined> {
  if (!cfg.admin.enabled) return undefined;
  if (!token) throw new PalisadeError('PALISADE_ERR_ADMIN_TOKEN');
  const { store, blocklist } = core;
  const deps: AdminDeps = {
    token,
    config: () => redactConfig(parts.config()),
    routes: parts.routes,
    metrics: parts.metrics,
    recentExchanges: (q) => store.recentExchanges(q),
    getExchange: (id) => store.getExchange(id),
    health: async () => ({ store: await store.health().catch((e: unknown) => ({ ok: false, detail: (e as Error).message })), ...parts.health() }),
    listBlocks: async () => (await store.listBlocks()).map((b) => ({ entry: b.entry, reason: b.reason, ...(b.expiresAt !== undefined ? { expiresAt: b.expiresAt } : {}) })),
    addBlock: async (b) => {
      const expiresAt = b.ttlMs !== undefined ? Date.now() + b.ttlMs : undefined;
      await store.addBlock({ entry: b.entry, reason: b.reason, createdBy: 'admin-api', ...(expiresAt !== undefined ? { expiresAt } : {}) });
      blocklist.add(b.entry, b.ttlMs);
      parts.onBlocksChanged();
      core.announce();
    },
    removeBlock: async (entry) => {
      const removed = await store.removeBlock(entry);
      const local = blocklist.remove(entry);
      parts.onBlocksChanged();
      core.announce();
      return removed || local;
    },
    rateOverrides: rateControl(core, parts.onBlocksChanged),
    reload: parts.reload,
    ...(parts.extensions ? { extensions: parts.extensions } : {}),
    ...(parts.ui ? { ui: parts.ui } : {}),
    ...(core.oauth ? { oauth: core.oauth } : {}),
    // Revoking or rotating here is seen at once by this process's gateway, by workers within the verifier's cache TTL.
    apiKeys: new ApiKeyManager(store.apiKeys, { knownApis: () => parts.config().apis.map((a) => a.name), onChange: (id) => core.apiKeys.invalidate(id) }),
  };
  const admin = new AdminServer(deps, log);
  await admin.listen(cfg.admin.listen.host, cfg.admin.listen.port);
  return admin;
}

type ReloadOutcome = { ok: boolean; changed?: boolean; error?: string; details?: readonly string[] };

function describeReloadError(err: unknown): ReloadOutcome {
  if (err instanceof PalisadeError) return { ok: false, error: `${err.code}: ${err.message}`, details: err.details };
  return { ok: false, error: (err as Error).message };
}

/** Watches the configuration file; `apply` runs for each valid change, and may throw to reject it. */
function watchAndApply(
  path: string | undefined,
  core: Core,
  log: Logger,
  apply: (r: { config: PalisadeConfig; text: string }) => void | Promise<void>,
): ConfigWatcher | undefined {
  if (!path) return undefined;
  return watchConfig(path, {
    onReload: async (r) => {
      await apply(r);
      core.metrics.reloads.labels('applied').inc();
    },
    onError: (err) => {
      core.metrics.reloads.labels('rejected').inc();
      log.error({ code: err.code, details: err.details }, `configuration rejected; the previous one keeps serving: ${err.message}`);
    },
  });
}

async function reloadWith(watcher: ConfigWatcher | undefined): Promise<ReloadOutcome> {
  if (!watcher) return { ok: false, error: 'no configuration file to reload' };
  const r = await watcher.reload();
  if (r.status === 'rejected') return describeReloadError(r.error);
  return { ok: true, changed: r.status === 'applied' };
}

/**
 * The authenticate stage's verifiers, one registry per gateway process. Its prepare() runs before
 * a configuration goes live (discovery, key loading), like loadContracts.
 */
function authenticatorRegistry(log: Logger): AuthenticatorRegistry {
  return new AuthenticatorRegistry({ log: (level, msg, fields) => log[level](fields ?? {}, msg) });
}

async function prepared(registry: AuthenticatorRegistry, cfg: PalisadeConfig): Promise<AuthenticatorRegistry> {
  await registry.prepare(cfg);
  return registry;
}

async function startSingle(opts: ShieldHostOptions): Promise<RunningShield> {
  const log = opts.logger;
  let cfg = opts.config;
  const core = await openCore(cfg, log, true);
  await attachOAuth(core, cfg, log, opts.oauthDemo === true);
  const recorder = makeRecorder(cfg, core, log, opts.observeExchanges);
  const authenticators = authenticatorRegistry(log);
  let gateway: Gateway;
  try {
    gateway = new Gateway({ config: cfg, contracts: await loadContracts(cfg), wsdls: await loadWsdls(cfg), authenticators: await prepared(authenticators, cfg), logger: log, metrics: core.metrics, recorder, blocklist: core.blocklist, rateOverrides: core.rateOverrides, apiKeys: core.apiKeys, ...(core.redis ? { redis: core.redis } : {}) });
  } catch (err) {
    for (const t of core.timers) clearInterval(t);
    await closeCore(core);
    throw err;
  }
  let gw: { url: string; redirectPort?: number };
  try {
    gw = await gateway.listen();
  } catch (err) {
    await closeCore(core);
    throw err;
  }

  const watcher = watchAndApply(opts.configPath, core, log, async ({ config }) => {
    // Throwing rejects the new configuration; the watcher reports it through onError.
    const contracts = await loadContracts(config);
    const wsdls = await loadWsdls(config);
    await authenticators.prepare(config);
    gateway.reload(config, contracts, wsdls);
    recorder.setRedactor(recordingRedactor(config));
    cfg = config;
    log.info('configuration reloaded');
  });
  const reload = () => reloadWith(watcher);

  const startAdminOrUnwind = async (parts: AdminParts) => {
    try {
      return await startAdmin(cfg, opts.adminToken, core, log, parts);
    } catch (err) {
      // The gateway is already listening: without this the process would serve on, half started.
      watcher?.close();
      for (const t of core.timers) clearInterval(t);
      await gateway.close();
      await recorder.close();
      await closeCore(core);
      throw err;
    }
  };
  const admin = await startAdminOrUnwind({
    config: () => cfg,
    routes: () => gateway.describe(),
    metrics: async () => ({ contentType: core.metrics.registry.contentType, body: await core.metrics.registry.metrics() }),
    reload,
    health: () => ({ gateway: { ok: true } }),
    onBlocksChanged: () => undefined,
    ...(opts.adminExtensions ? { extensions: opts.adminExtensions } : {}),
    ...(opts.adminUi ? { ui: opts.adminUi } : {}),
  });
  const adminUrl = admin?.url;

  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    watcher?.close();
    for (const t of core.timers) clearInterval(t);
    await gateway.close();
    await recorder.close();
    await admin?.close();
    await closeCore(core);
  };
  if (opts.handleSignals) installSignals(log, close, reload);
  const redirectUrl = gw.redirectPort !== undefined ? `http://${hostForUrl(cfg.gateway.listen.host)}:${gw.redirectPort}` : undefined;
  return { gatewayUrl: gw.url, ...(redirectUrl ? { redirectUrl } : {}), ...(adminUrl ? { adminUrl } : {}), ...oauthFace(core), workers: 1, blocks: blockControl(core, () => undefined), rateLimits: rateControl(core, () => undefined), store: core.store, currentConfig: () => cfg, reload, close };
}

function installSignals(log: Logger, close: () => Promise<void>, reload: () => Promise<unknown>): void {
  process.on('SIGHUP', () => {
    log.info('SIGHUP: reloading configuration');
    void reload();
  });
  const stop = (sig: string) => {
    log.info(`${sig}: draining in-flight requests`);
    close().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

/**
 * Cluster primary: owns the admin API, the configuration watcher and retention; forks gateway
 * workers that share the listening port (node:cluster distributes connections).
 */
async function startPrimary(opts: ShieldHostOptions, n: number): Promise<RunningShield> {
  const log = opts.logger;
  let cfg = opts.config;
  const core = await openCore(cfg, log, true);
  await attachOAuth(core, cfg, log, opts.oauthDemo === true);
  const aggregator = new AggregatorRegistry();
  const workers = new Set<Worker>();
  let stopping = false;
  let gatewayUrl = '';

  const broadcast = (m: WorkerMessage) => {
    for (const w of workers) if (w.isConnected()) w.send(m);
  };
  const fork = (): Promise<string> =>
    new Promise((resolve, reject) => {
      const w = cluster.fork({ PALISADE_CLUSTER_WORKER: '1', ...(opts.observeExchanges ? { [OBSERVE_ENV]: '1' } : {}) });
      workers.add(w);
      w.on('message', (m: WorkerMessage) => {
        if (m?.type === MSG_READY) resolve(m.url);
        else if (m?.type === MSG_OBSERVED && Array.isArray(m.batch)) opts.observeExchanges?.(m.batch);
      });
      w.once('exit', (code) => {
        workers.delete(w);
        if (stopping) return;
        log.error({ code, pid: w.process.pid }, 'gateway worker exited; starting another');
        reject(new Error(`worker exited with code ${code}`));
        setTimeout(() => void fork().catch(() => undefined), 1000).unref();
      });
    });
  // Loaded here only to refuse a broken rule file before any worker sees it (workers load their own).
  const wafCheck = new WafRuleSets((level, msg, fields) => log[level](fields ?? {}, msg));
  try {
    wafCheck.validate(cfg);
  } catch (err) {
    for (const t of core.timers) clearInterval(t);
    await closeCore(core);
    throw err;
  }
  cluster.setupPrimary({ args: process.argv.slice(2) });
  const urls = await Promise.all(Array.from({ length: n }, () => fork()));
  gatewayUrl = urls[0] ?? '';

  const configPath = opts.configPath;
  // Kept across reloads like the workers' own, so that an issuer briefly unreachable does not
  // make the primary refuse what the workers would accept.
  const authenticators = authenticatorRegistry(log);
  const watcher = watchAndApply(configPath, core, log, async (r) => {
    // Compiled here only to refuse a broken document before any worker sees the configuration.
    await loadContracts(r.config);
    await loadWsdls(r.config);
    wafCheck.validate(r.config);
    await authenticators.prepare(r.config);
    cfg = r.config;
    broadcast({ type: MSG_RELOAD, text: r.text, path: configPath! });
    log.info('configuration reloaded; workers notified');
  });
  const reload = () => reloadWith(watcher);

  let admin: AdminServer | undefined;
  try {
    admin = await startAdmin(cfg, opts.adminToken, core, log, {
      config: () => cfg,
      routes: () => ({ workers: workers.size }),
      metrics: async () => {
        const clusterMetrics = await aggregator.clusterMetrics();
        const own = await core.metrics.registry.metrics();
        return { contentType: aggregator.contentType, body: clusterMetrics + '\n' + own };
      },
      reload,
      health: () => ({ gateway: { ok: workers.size > 0, detail: `${workers.size} workers` } }),
      onBlocksChanged: () => broadcast({ type: MSG_BLOCKS }),
      ...(opts.adminExtensions ? { extensions: opts.adminExtensions } : {}),
      ...(opts.adminUi ? { ui: opts.adminUi } : {}),
    });
  } catch (err) {
    stopping = true;
    watcher?.close();
    for (const t of core.timers) clearInterval(t);
    for (const w of workers) w.process.kill('SIGTERM');
    await closeCore(core);
    throw err;
  }
  const adminUrl = admin?.url;

  const close = async () => {
    if (stopping) return;
    stopping = true;
    watcher?.close();
    for (const t of core.timers) clearInterval(t);
    const exits = [...workers].map((w) => new Promise<void>((r) => w.once('exit', () => r())));
    for (const w of workers) w.process.kill('SIGTERM');
    await Promise.all(exits);
    await admin?.close();
    await closeCore(core);
  };
  if (opts.handleSignals) installSignals(log, close, reload);
  return { gatewayUrl, ...(adminUrl ? { adminUrl } : {}), ...oauthFace(core), workers: n, blocks: blockControl(core, () => broadcast({ type: MSG_BLOCKS })), rateLimits: rateControl(core, () => broadcast({ type: MSG_BLOCKS })), store: core.store, currentConfig: () => cfg, reload, close };
}

/** Body of a cluster worker process: gateway + recorder, configuration pushed by the primary. */
export async function runShieldWorker(opts: { config: PalisadeConfig; configPath?: string; logger: Logger }): Promise<void> {
  const log = opts.logger;
  const cfg = opts.config;
  const core = await openCore(cfg, log, false);
  // Constructing one installs prom-client's worker-side listener that answers the primary.
  new AggregatorRegistry();
  AggregatorRegistry.setRegistries([core.metrics.registry]);
  const recorder = makeRecorder(cfg, core, log, process.env[OBSERVE_ENV] === '1' ? observerToPrimary(log) : undefined);
  const authenticators = authenticatorRegistry(log);
  const gateway = new Gateway({ config: cfg, contracts: await loadContracts(cfg), wsdls: await loadWsdls(cfg), authenticators: await prepared(authenticators, cfg), logger: log, metrics: core.metrics, recorder, blocklist: core.blocklist, rateOverrides: core.rateOverrides, apiKeys: core.apiKeys, ...(core.redis ? { redis: core.redis } : {}) });
  const { url } = await gateway.listen();
  process.on('message', (m: WorkerMessage) => {
    if (m?.type === MSG_RELOAD) {
      void (async () => {
        const next = parseConfig(m.text, m.path, { baseDir: dirnameOf(m.path) });
        const contracts = await loadContracts(next);
        const wsdls = await loadWsdls(next);
        await authenticators.prepare(next);
        gateway.reload(next, contracts, wsdls);
        recorder.setRedactor(recordingRedactor(next));
      })().catch((err: unknown) => log.error({ err: describeReloadError(err) }, 'worker could not apply the new configuration'));
    } else if (m?.type === MSG_BLOCKS) void core.syncBlocks();
  });
  process.send?.({ type: MSG_READY, url } satisfies WorkerMessage);
  let closing = false;
  const stop = () => {
    if (closing) return;
    closing = true;
    void (async () => {
      await gateway.close();
      await recorder.close();
      await closeCore(core);
      process.exit(0);
    })();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', () => undefined);
  process.on('disconnect', stop);
}

/**
 * A worker's exchange observer: sends each batch to the primary, where Watch runs (decision 0041).
 * The IPC channel has no bound of its own, so batches not yet written out are counted and, past
 * MAX_PENDING_OBSERVED, dropped and logged: a slow primary costs detections, never the worker's memory.
 */
function observerToPrimary(log: Logger): ExchangeObserver {
  let pending = 0;
  let dropped = 0;
  let lastLog = 0;
  return (batch) => {
    if (!process.connected || !process.send) return;
    if (pending >= MAX_PENDING_OBSERVED) {
      dropped += batch.length;
      const now = Date.now();
      if (now - lastLog > 10_000) {
        lastLog = now;
        log.warn({ dropped }, 'watch: exchanges not sent to the primary (IPC backlog)');
      }
      return;
    }
    pending++;
    process.send({ type: MSG_OBSERVED, batch: [...batch] } satisfies WorkerMessage, undefined, undefined, () => pending--);
  };
}

function hostForUrl(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

function dirnameOf(p: string): string {
  const i = p.lastIndexOf('/');
  return i <= 0 ? '.' : p.slice(0, i);
}

/**
 * Starts the built-in authorization server (oauth.enabled) in the primary process only: it keeps
 * sign-in throttling counters in memory, and cluster workers serve the gateway alone. Its settings
 * apply at start; a configuration reload does not restart it.
 */
async function attachOAuth(core: Core, cfg: PalisadeConfig, log: Logger, demo: boolean): Promise<void> {
  if (!cfg.oauth.enabled) return;
  try {
    const secret = resolveMasterSecret(cfg);
    core.oauth = await AuthorizationServer.start({ settings: cfg.oauth, store: core.store, logger: log, encryptionSecret: secret.secret, demo });
  } catch (err) {
    for (const t of core.timers) clearInterval(t);
    await closeCore(core);
    throw err;
  }
}

function oauthFace(core: Core): Pick<RunningShield, 'oauth'> {
  const o = core.oauth;
  return o ? { oauth: { url: o.url, issuer: o.issuer, ...(o.demo ? { demo: o.demo } : {}), admin: o } } : {};
}

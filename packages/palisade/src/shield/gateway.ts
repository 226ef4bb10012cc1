// The Shield gateway: a node:http(s) server that runs the ordered pipeline and forwards to the
// upstream with undici. The compiled configuration (Runtime) is immutable and swapped whole on
// reload, so a request sees one configuration from start to end.
import http from 'node:http';
import https from 'node:https';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Socket } from 'node:net';
import { Pool } from 'undici';
import type { Dispatcher } from 'undici';
import type { Logger } from 'pino';
import type { Contract, PalisadeConfig, StageSettings, Verdict } from '../core/index.js';
import { PalisadeError, credentialLocations, mergeStageSettings, uuidv7 } from '../core/index.js';
import type { HeaderMap, RequestContext, ResponseHead, SharedRedis, Stage, StageEnv } from './stage.js';
import { bodyInspectors, compilePipeline, maxBuffer, runDone, runRequestStages, runResponseBody, runResponseHead } from './pipeline.js';
import type { RoutePipeline } from './pipeline.js';
import { Router, normalizePath } from './router.js';
import { problemBody, PROBLEM_CONTENT_TYPE } from './problem.js';
import { IpMatcher, MemoryBlocklist, normalizeIp, resolveClientIp, stripUpstreamCors } from './stages/index.js';
import type { GatewayMetrics, Outcome } from './metrics.js';
import type { RawExchange, Recorder } from './recorder.js';
import { BodyGuard, BodyDenied, HeldBody, HOLD_WHOLE_BYTES } from './body.js';
import type { BodyRefusal, BodyTally } from './body.js';
import { createVersionsStage } from './versions.js';
import { createContractStage } from './stages/contract.js';
import { createSoapStage } from './stages/soap.js';
import type { Wsdl } from './wsdl.js';
import { createAuthorizeStage } from './stages/authorize.js';
import { createWafStage } from './stages/waf.js';
import { WafRuleSets } from './waf-rules.js';
import type { WafCompileResult } from './waf-rules.js';
import { OwnerDatabases } from './owner-db.js';
import type { RateOverrideLookup } from './rate-overrides.js';
import { contractKey } from './contracts.js';
import { AuthenticatorRegistry } from '../identity/index.js';
import type { ApiKeyVerifier } from '../identity/index.js';

export interface GatewayOptions {
  config: PalisadeConfig;
  /** Compiled OpenAPI contracts by API name (see loadContracts). */
  contracts?: ReadonlyMap<string, Contract>;
  /** WSDLs of the routes' soap stages by absolute path (see loadWsdls). */
  wsdls?: ReadonlyMap<string, Wsdl>;
  logger: Logger;
  metrics?: GatewayMetrics;
  recorder?: Recorder;
  blocklist?: MemoryBlocklist;
  /** Per-actor rate-limit overrides placed at run time (rate-overrides.ts); the rate-limit stage reads them. */
  rateOverrides?: RateOverrideLookup;
  /** Shared Redis for counters (store.redis); the caller owns the client and closes it. */
  redis?: SharedRedis;
  /** Verifies API keys for the authenticate stage (apiKey method). */
  apiKeys?: ApiKeyVerifier;
  /**
   * JWT/introspection/mTLS verifiers; call its prepare(config) before constructing the gateway and
   * before each reload (discovery and key loading are asynchronous). One is made when absent.
   */
  authenticators?: AuthenticatorRegistry;
}

interface CompiledApi {
  readonly name: string;
  readonly versions: Stage | null;
  readonly pool: Pool;
  readonly poolKey: string;
  readonly hostHeader: string;
  readonly basePath: string;
  readonly headersTimeout: number;
  readonly bodyTimeout: number;
}

interface CompiledRoute {
  readonly name: string;
  readonly api: CompiledApi;
  readonly prefix: string;
  readonly strip: boolean;
  readonly pipeline: RoutePipeline;
  readonly record: boolean;
  readonly settings: StageSettings;
  readonly resolveOperation?: (method: string, path: string) => string | undefined;
}

interface Runtime {
  readonly config: PalisadeConfig;
  readonly router: Router<CompiledRoute>;
  readonly routes: readonly CompiledRoute[];
  readonly apis: ReadonlyMap<string, CompiledApi>;
  /** Pipeline for requests that match no route (their responses still get security headers). */
  readonly fallback: RoutePipeline;
  readonly trusted: IpMatcher | null;
  readonly requestIdHeader: string;
  readonly trustRequestId: boolean;
  readonly sampleBytes: number;
  /** Custom API key headers the configuration names, beside Authorization, Cookie and X-Api-Key. */
  readonly credentialHeaders: readonly string[];
}

/** Hop-by-hop headers (RFC 9110 §7.6.1) and the forwarding headers Shield rewrites itself. */
const REQUEST_DROP = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade',
  'proxy-authorization', 'host', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host',
  'x-forwarded-port', 'forwarded', 'x-real-ip',
]);
const RESPONSE_DROP = ['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade'];

export class Gateway {
  readonly blocklist: MemoryBlocklist;
  private runtime: Runtime;
  private server: http.Server | https.Server | undefined;
  private redirectServer: http.Server | undefined;
  private readonly log: Logger;
  private readonly metrics: GatewayMetrics | undefined;
  private readonly recorder: Recorder | undefined;
  private readonly env: StageEnv;
  /** WAF engines, loaded at configuration load and shared by routes with the same rule set. */
  private readonly wafRules: WafRuleSets;
  private inflight = 0;
  private closing = false;
  private idleWaiters: Array<() => void> = [];

  constructor(opts: GatewayOptions) {
    this.log = opts.logger;
    this.metrics = opts.metrics;
    this.recorder = opts.recorder;
    this.blocklist = opts.blocklist ?? new MemoryBlocklist();
    this.env = {
      blocklist: this.blocklist,
      log: (level, msg, fields) => this.log[level](fields ?? {}, msg),
      ...(opts.redis ? { redis: opts.redis } : {}),
      ...(opts.rateOverrides ? { rateOverrides: opts.rateOverrides } : {}),
      ...(opts.apiKeys ? { apiKeys: opts.apiKeys } : {}),
      authenticators: opts.authenticators ?? new AuthenticatorRegistry({ log: (level, msg, fields) => this.log[level](fields ?? {}, msg) }),
      ownerDatabases: new OwnerDatabases(),
    };
    this.wafRules = new WafRuleSets(this.env.log);
    this.runtime = this.compile(opts.config, new Map(), opts.contracts ?? new Map(), opts.wsdls ?? new Map());
  }

  get config(): PalisadeConfig {
    return this.runtime.config;
  }

  /** Route names and their active stages, for the admin API. */
  describe(): Array<{ route: string; api: string; stages: readonly string[] }> {
    return this.runtime.routes.map((r) => ({ route: r.name, api: r.api.name, stages: r.pipeline.names }));
  }

  /**
   * Compiles and swaps in a new configuration. Throws (and keeps the old one) when the new one
   * cannot be compiled. Listening addresses and TLS files only change on restart.
   */
  reload(config: PalisadeConfig, contracts: ReadonlyMap<string, Contract> = new Map(), wsdls: ReadonlyMap<string, Wsdl> = new Map()): void {
    const old = this.runtime;
    const next = this.compile(config, old.apis, contracts, wsdls);
    this.runtime = next;
    const kept = new Set([...next.apis.values()].map((a) => a.pool));
    for (const a of old.apis.values()) {
      if (!kept.has(a.pool)) void a.pool.close().catch(() => undefined);
    }
    const g0 = old.config.gateway;
    const g1 = config.gateway;
    if (g0.listen.host !== g1.listen.host || g0.listen.port !== g1.listen.port || JSON.stringify(g0.tls) !== JSON.stringify(g1.tls) || g0.workers !== g1.workers) {
      this.log.warn('gateway listen address, TLS or workers changed: restart to apply');
    }
  }

  private compile(config: PalisadeConfig, previous: ReadonlyMap<string, CompiledApi>, contracts: ReadonlyMap<string, Contract>, wsdls: ReadonlyMap<string, Wsdl>): Runtime {
    const apis = new Map<string, CompiledApi>();
    const reusable = new Map([...previous.values()].map((a) => [a.poolKey, a.pool]));
    for (const a of config.apis) {
      const u = new URL(a.upstream);
      const poolKey = `${u.origin}|${a.connections}|${a.timeouts.connectMs}|${a.timeouts.idleMs}`;
      const pool =
        reusable.get(poolKey) ??
        new Pool(u.origin, {
          connections: a.connections,
          connect: { timeout: a.timeouts.connectMs },
          keepAliveTimeout: a.timeouts.idleMs,
          keepAliveMaxTimeout: Math.max(a.timeouts.idleMs, 600_000),
          pipelining: 1,
        });
      reusable.delete(poolKey);
      apis.set(a.name, {
        name: a.name,
        versions: createVersionsStage(a.versions),
        pool,
        poolKey,
        hostHeader: u.host,
        basePath: u.pathname.replace(/\/+$/, ''),
        headersTimeout: a.timeouts.headersMs,
        bodyTimeout: a.timeouts.bodyMs,
      });
    }
    let wafCompiled: WafCompileResult | undefined;
    try {
      const routeConfigs =
        config.routes.length > 0
          ? config.routes
          : config.apis.length === 1
            ? [{ api: config.apis[0]!.name, pathPrefix: '/', stripPrefix: false, stages: undefined, host: undefined }]
            : [];
      const merged = routeConfigs.map((r) => mergeStageSettings(config.defaults, r.stages));
      // Every rule set loads before anything goes live: a broken rule file refuses the whole configuration.
      const wafs = (wafCompiled = this.wafRules.compile(config, routeConfigs.map((r, i) => ({ label: `route ${r.pathPrefix} (${r.api})`, settings: merged[i]!.waf }))));
      const routes: CompiledRoute[] = routeConfigs.map((r, i) => {
        const api = apis.get(r.api);
        if (!api) throw new PalisadeError('PALISADE_ERR_CONFIG_INVALID', `route for ${r.pathPrefix} names unknown API "${r.api}"`);
        const settings = merged[i]!;
        const prefix = r.pathPrefix.replace(/\/$/, '');
        const strip = r.stripPrefix;
        // The document describes the API as the upstream serves it: the path after the route's rewriting.
        const upstreamPath = (p: string) => api.basePath + (strip ? p.slice(prefix.length) || '/' : p);
        if (settings.contract.enabled && !contracts.has(contractKey(r.api, settings.contract))) {
          throw new PalisadeError('PALISADE_ERR_CONFIG_INVALID', `route ${r.pathPrefix} enables contract enforcement but API "${r.api}" has no openapi document`);
        }
        const contract = contracts.get(contractKey(r.api, settings.contract));
        const resolveOperation = contract
          ? (method: string, path: string) => {
              const m = contract.match(method, upstreamPath(path));
              return m.kind === 'match' ? (m.match.operation.operationId ?? `${m.match.operation.method} ${m.match.operation.template}`) : undefined;
            }
          : undefined;
        return {
          name: `${r.api}:${r.host ?? '*'}${r.pathPrefix}`,
          resolveOperation,
          api,
          prefix: r.pathPrefix,
          strip: r.stripPrefix,
          pipeline: compilePipeline(settings, this.env, {
            versions: api.versions,
            contract: createContractStage(settings.contract, contract, upstreamPath, this.env),
            soap: createSoapStage(settings.soap, settings.soap.wsdl !== undefined ? wsdls.get(settings.soap.wsdl) : undefined, `route ${r.pathPrefix} (soap)`),
            authorize: createAuthorizeStage(settings.authorize, this.env, {
              ...(contract ? { contract } : {}),
              upstreamPath,
              upstream: { dispatcher: api.pool, basePath: api.basePath },
              authenticate: settings.authenticate,
            }),
            waf: createWafStage(wafs.routes[i] ?? null),
          }),
          record: settings.record.enabled,
          settings,
        };
      });
      const router = new Router(routes.map((r, i) => ({ host: routeConfigs[i]!.host, prefix: r.prefix, value: r })));
      // Last, once nothing can fail: engines and audit files the old configuration alone used are let go.
      wafs.commit();
      return {
        config,
        apis,
        routes,
        router,
        fallback: compilePipeline(config.defaults, this.env),
        trusted: config.gateway.trustedProxies.length > 0 ? new IpMatcher(config.gateway.trustedProxies) : null,
        requestIdHeader: config.gateway.requestIdHeader.toLowerCase(),
        trustRequestId: config.gateway.trustRequestId,
        sampleBytes: config.recording.bodySampleBytes,
        credentialHeaders: credentialLocations(config).headers,
      };
    } catch (err) {
      // Pools and audit-log files opened for a configuration that never went live must not leak.
      wafCompiled?.discard();
      for (const a of apis.values()) if (!previous.has(a.name) || previous.get(a.name)!.pool !== a.pool) void a.pool.destroy();
      if (err instanceof PalisadeError) throw err;
      throw new PalisadeError('PALISADE_ERR_CONFIG_INVALID', (err as Error).message, [], { cause: err });
    }
  }

  /** Starts listening; resolves with the bound URL. */
  async listen(): Promise<{ url: string; port: number; redirectPort?: number }> {
    const g = this.runtime.config.gateway;
    const serverOpts: http.ServerOptions = {
      // Node's own limits sit above ours so that the limits stage answers with a problem response.
      maxHeaderSize: Math.max(this.runtime.config.defaults.limits.maxHeaderBytes * 2, 32 * 1024),
      requestTimeout: g.requestTimeoutMs,
      headersTimeout: Math.min(g.requestTimeoutMs, 60_000),
      keepAliveTimeout: g.keepAliveTimeoutMs,
      noDelay: true,
    };
    if (g.tls) {
      let cert: Buffer;
      let key: Buffer;
      let clientCa: Buffer | undefined;
      try {
        cert = readFileSync(g.tls.cert);
        key = readFileSync(g.tls.key);
        if (g.tls.clientCa !== undefined) clientCa = readFileSync(g.tls.clientCa);
      } catch (err) {
        throw new PalisadeError('PALISADE_ERR_TLS_FILES', `cannot read ${(err as NodeJS.ErrnoException).path ?? 'TLS file'}`, [], { cause: err });
      }
      try {
        // Client certificates are asked for but not required by TLS: the authenticate stage decides
        // per route (with a 401 problem response rather than a failed handshake).
        const mtls = clientCa ? { ca: clientCa, requestCert: true, rejectUnauthorized: false } : {};
        this.server = https.createServer({ ...serverOpts, cert, key, minVersion: g.tls.minVersion, ...mtls }, this.handle);
      } catch (err) {
        throw new PalisadeError('PALISADE_ERR_TLS_FILES', (err as Error).message, [], { cause: err });
      }
    } else {
      this.server = http.createServer(serverOpts, this.handle);
    }
    this.server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
      if (!socket.writable) return socket.destroy();
      const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
      const code = status === 431 ? 'headers-too-large' : status === 408 ? 'request-timeout' : 'bad-request';
      const body = problemBody(code, status, uuidv7());
      socket.end(
        `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\ncontent-type: ${PROBLEM_CONTENT_TYPE}\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
      );
    });
    // Protocol upgrades (WebSocket) are not proxied yet: refuse them explicitly rather than hang up.
    this.server.on('upgrade', (_req: IncomingMessage, socket: Socket) => {
      const body = problemBody('upgrade-not-supported', 501, uuidv7(), 'Protocol upgrades are not supported by this gateway.');
      socket.end(`HTTP/1.1 501 Not Implemented\r\ncontent-type: ${PROBLEM_CONTENT_TYPE}\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
    });
    const port = await listenOn(this.server, g.listen.host, g.listen.port);
    let redirectPort: number | undefined;
    if (g.tls?.redirectHttpPort !== undefined) {
      const httpsPort = port;
      this.redirectServer = http.createServer((req, res) => {
        const host = (req.headers.host ?? g.listen.host).replace(/:\d+$/, '');
        const target = `https://${host}${httpsPort === 443 ? '' : ':' + httpsPort}${req.url ?? '/'}`;
        res.writeHead(308, { location: target, 'content-length': '0', connection: 'close' });
        res.end();
      });
      redirectPort = await listenOn(this.redirectServer, g.listen.host, g.tls.redirectHttpPort);
    }
    const hostForUrl = g.listen.host.includes(':') ? `[${g.listen.host}]` : g.listen.host;
    return { url: `${g.tls ? 'https' : 'http'}://${hostForUrl}:${port}`, port, ...(redirectPort !== undefined ? { redirectPort } : {}) };
  }

  /** Graceful shutdown: stop accepting, let in-flight requests finish within the grace period. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    const grace = this.runtime.config.gateway.shutdownGraceMs;
    const servers = [this.server, this.redirectServer].filter((s): s is http.Server => s !== undefined);
    const closed = Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
    for (const s of servers) s.closeIdleConnections();
    if (this.inflight > 0) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, grace);
        t.unref();
        this.idleWaiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    for (const s of servers) s.closeAllConnections();
    await closed;
    await Promise.all([...this.runtime.apis.values()].map((a) => a.pool.close().catch(() => undefined)));
    await this.env.ownerDatabases?.close();
    this.wafRules.close();
  }

  /** The request handler; usable with any node:http server. */
  readonly handle = (req: IncomingMessage, res: ServerResponse): void => {
    const rt = this.runtime;
    const t0 = performance.now();
    const startedAt = Date.now();
    this.inflight++;
    this.metrics?.inflight.inc();
    if (this.closing) res.shouldKeepAlive = false;

    const peerIp = normalizeIp(req.socket.remoteAddress ?? '');
    const clientIp = rt.trusted ? resolveClientIp(peerIp, req.headers, rt.trusted) : peerIp;
    const incomingId = rt.trustRequestId && rt.trusted?.matches(peerIp) ? req.headers[rt.requestIdHeader] : undefined;
    const requestId = typeof incomingId === 'string' && /^[\w.:-]{1,128}$/.test(incomingId) ? incomingId : uuidv7(startedAt);
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const rawPath = q < 0 ? url : url.slice(0, q);
    const hostHeader = req.headers.host ?? '';
    const host = hostOnly(hostHeader);
    const method = req.method ?? 'GET';
    const normPath = normalizePath(rawPath);
    const entry = normPath === null ? undefined : rt.router.match(host, normPath);
    const route = entry?.value;
    const hasCredentials =
      req.headers.authorization !== undefined ||
      req.headers.cookie !== undefined ||
      req.headers['x-api-key'] !== undefined ||
      (rt.credentialHeaders.length > 0 && rt.credentialHeaders.some((h) => req.headers[h] !== undefined));

    const ctx: RequestContext = {
      req,
      method,
      url,
      path: normPath ?? rawPath,
      host,
      clientIp,
      peerIp,
      tls: (req.socket as { encrypted?: boolean }).encrypted === true,
      requestId,
      startedAt,
      api: route?.api.name ?? '',
      routeName: route?.name ?? '',
      resolveOperation: route?.resolveOperation,
      hasCredentials,
      // Declared here, not added by the first stage that sets it: every context has one shape.
      extraResponseHeaders: undefined,
      outcomes: [],
    };
    const state: RequestState = {
      rt,
      ctx,
      route,
      pipeline: route?.pipeline ?? rt.fallback,
      t0,
      status: 0,
      requestBytes: 0,
      responseBytes: 0,
      outcome: 'forwarded',
      responseHeaders: {},
      upstreamMs: undefined,
      blockedBy: undefined,
      error: undefined,
      reqSample: undefined,
      resSample: undefined,
    };
    res.on('close', () => this.finish(state, res));

    if (normPath === null) return this.sendVerdict(state, res, { kind: 'deny', code: 'bad-request', status: 400, detail: 'The request path is malformed or ambiguous.' });
    if (!route) return this.sendVerdict(state, res, { kind: 'deny', code: 'no-route', status: 404, detail: 'No API is configured for this host and path.' });

    let v: Verdict | Promise<Verdict>;
    try {
      v = runRequestStages(route.pipeline, ctx);
    } catch (err) {
      return this.internalError(state, res, err);
    }
    if (v instanceof Promise) {
      v.then(
        (verdict) => this.afterStages(state, req, res, verdict),
        (err: unknown) => this.internalError(state, res, err),
      );
    } else {
      this.afterStages(state, req, res, v);
    }
  };

  private afterStages(state: RequestState, req: IncomingMessage, res: ServerResponse, v: Verdict): void {
    if (v.kind !== 'continue') return this.sendVerdict(state, res, v);
    if (res.destroyed) return;
    this.forward(state, req, res);
  }

  private internalError(state: RequestState, res: ServerResponse, err: unknown): void {
    this.log.error({ err, requestId: state.ctx.requestId }, 'stage failed');
    state.error = 'stage-error';
    if (!res.headersSent) this.sendVerdict(state, res, { kind: 'deny', code: 'internal-error', status: 500 });
    else res.destroy();
  }

  /** Writes a Shield-generated response (denial or direct answer) through the response-head stages. */
  private sendVerdict(state: RequestState, res: ServerResponse, v: Exclude<Verdict, { kind: 'continue' }>, closeConnection = false): void {
    if (res.headersSent || res.destroyed) return;
    const { ctx, rt } = state;
    let body: string | Buffer;
    const headers: HeaderMap = {};
    if (v.kind === 'deny') {
      body = problemBody(v.code, v.status, ctx.requestId, v.detail, v.extensions);
      headers['content-type'] = PROBLEM_CONTENT_TYPE;
      if (v.headers) Object.assign(headers, lowerKeys(v.headers));
      state.outcome = 'denied';
      state.blockedBy ??= v.code;
      this.metrics?.denied(state.route?.name ?? 'unrouted', v.code);
    } else {
      body = v.body;
      Object.assign(headers, lowerKeys(v.headers));
      state.outcome = 'responded';
    }
    if (ctx.extraResponseHeaders) addExtra(headers, ctx.extraResponseHeaders);
    headers[rt.requestIdHeader] = ctx.requestId;
    headers['content-length'] = String(Buffer.byteLength(body));
    if (closeConnection) headers.connection = 'close';
    const head: ResponseHead = { status: v.status, headers };
    try {
      runResponseHead(state.pipeline, ctx, head, false);
    } catch (err) {
      this.log.error({ err, requestId: ctx.requestId }, 'response stage failed');
    }
    state.status = head.status;
    state.responseHeaders = head.headers;
    state.responseBytes = Buffer.byteLength(body);
    // The record shows what the client got; a replaced upstream body is in the log, not the store.
    state.resSample = undefined;
    res.writeHead(head.status, head.headers as http.OutgoingHttpHeaders);
    res.end(ctx.method === 'HEAD' ? undefined : body);
  }

  private forward(state: RequestState, req: IncomingMessage, res: ServerResponse): void {
    const { ctx, rt } = state;
    const route = state.route!;
    const cl = req.headers['content-length'];
    const chunked = req.headers['transfer-encoding'] !== undefined;
    const hasBody = chunked || (cl !== undefined && cl !== '0');
    if (!hasBody) return this.dispatch(state, req, res, null);
    // A body nobody records is not sampled.
    const sampleBytes = this.recorder && route.record ? rt.sampleBytes : 0;
    const inspectors = bodyInspectors(route.pipeline, ctx);
    if (inspectors && !chunked && Number(cl) <= HOLD_WHOLE_BYTES) return this.holdThenForward(state, req, res, new HeldBody(inspectors, sampleBytes));
    // Always wrapped: besides running the inspectors, the guard counts bytes for the record.
    const guard = new BodyGuard(inspectors ?? [], sampleBytes);
    state.guard = guard;
    req.on('error', (err) => guard.destroy(err));
    req.pipe(guard);
    this.dispatch(state, req, res, guard);
  }

  /**
   * A small body that stages inspect: read whole, judged, then forwarded with the head in one
   * write. The upstream would not get its last bytes before the verdict anyway (BodyGuard holds
   * the last chunk back), so holding all of it delays nothing the upstream could act on.
   */
  private holdThenForward(state: RequestState, req: IncomingMessage, res: ServerResponse, held: HeldBody): void {
    state.guard = held;
    const decided = (v: BodyRefusal | undefined): void => {
      // Refused: the whole body was read, but the answer still closes, as a refused stream does.
      if (v) return this.sendVerdict(state, res, v, true);
      if (!res.destroyed) this.dispatch(state, req, res, held.body());
    };
    const onData = (chunk: Buffer): void => {
      const v = held.push(chunk);
      if (!v) return;
      req.off('data', onData);
      req.off('end', onEnd);
      // What is still coming is not read: the connection closes after the refusal.
      req.pause();
      this.sendVerdict(state, res, v, true);
    };
    const onEnd = (): void => {
      let v: BodyRefusal | undefined | Promise<BodyRefusal | undefined>;
      try {
        v = held.end();
      } catch (err) {
        return this.internalError(state, res, err);
      }
      if (v instanceof Promise) v.then(decided, (err: unknown) => this.internalError(state, res, err));
      else decided(v);
    };
    req.on('data', onData);
    req.on('end', onEnd);
  }

  private dispatch(state: RequestState, req: IncomingMessage, res: ServerResponse, body: BodyGuard | Buffer | null): void {
    const { ctx, rt } = state;
    const route = state.route!;
    const api = route.api;
    let path = state.ctx.path;
    if (route.strip) {
      path = path.slice(route.prefix.replace(/\/$/, '').length);
      if (!path.startsWith('/')) path = '/' + path;
    }
    const q = ctx.url.indexOf('?');
    const upstreamPath = api.basePath + path + (q < 0 ? '' : ctx.url.slice(q));

    const handler = new ForwardHandler(this, state, res);
    const opts: Dispatcher.DispatchOptions = {
      path: upstreamPath,
      method: ctx.method as Dispatcher.HttpMethod,
      headers: this.upstreamHeaders(req, ctx, api, rt),
      body,
      headersTimeout: api.headersTimeout,
      bodyTimeout: api.bodyTimeout,
    };
    state.forwardedAt = performance.now();
    res.on('close', () => {
      if (!res.writableFinished) handler.abort(new Error('client closed the connection'));
    });
    api.pool.dispatch(opts, handler);
  }

  private upstreamHeaders(req: IncomingMessage, ctx: RequestContext, api: CompiledApi, rt: Runtime): string[] {
    const raw = req.rawHeaders;
    const out: string[] = [];
    const conn = req.headers.connection;
    const connTokens = conn && conn !== 'keep-alive' && conn !== 'close' ? new Set(conn.toLowerCase().split(',').map((s) => s.trim())) : undefined;
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i]!;
      const lower = name.toLowerCase();
      if (REQUEST_DROP.has(lower) || lower === rt.requestIdHeader || connTokens?.has(lower)) continue;
      out.push(name, raw[i + 1]!);
    }
    const peerTrusted = rt.trusted?.matches(ctx.peerIp) === true;
    const priorXff = peerTrusted ? req.headers['x-forwarded-for'] : undefined;
    const proto = ctx.tls ? 'https' : 'http';
    const originalHost = req.headers.host ?? '';
    out.push(
      'host', api.hostHeader,
      'x-forwarded-for', priorXff ? `${priorXff}, ${ctx.peerIp}` : ctx.peerIp,
      'x-forwarded-proto', peerTrusted && typeof req.headers['x-forwarded-proto'] === 'string' ? req.headers['x-forwarded-proto'] : proto,
      'x-forwarded-host', peerTrusted && typeof req.headers['x-forwarded-host'] === 'string' ? req.headers['x-forwarded-host'] : originalHost,
      rt.requestIdHeader, ctx.requestId,
    );
    const fwd = `for=${forwardedNode(ctx.peerIp)};proto=${proto}${originalHost ? `;host="${originalHost.replace(/["\\]/g, '')}"` : ''}`;
    const priorFwd = peerTrusted ? req.headers.forwarded : undefined;
    out.push('forwarded', priorFwd ? `${priorFwd}, ${fwd}` : fwd);
    return out;
  }

  /** Called by ForwardHandler: the upstream's response head arrived. */
  onUpstreamHead(state: RequestState, res: ServerResponse, status: number, headers: HeaderMap): Stage[] | undefined {
    const { ctx, rt } = state;
    state.upstreamMs = performance.now() - (state.forwardedAt ?? state.t0);
    const connection = headers.connection;
    if (typeof connection === 'string') {
      for (const token of connection.toLowerCase().split(',')) {
        const t = token.trim();
        if (t && t !== 'close' && t !== 'keep-alive') delete headers[t];
      }
    }
    for (const h of RESPONSE_DROP) delete headers[h];
    stripUpstreamCors({ status, headers });
    if (ctx.extraResponseHeaders) addExtra(headers, ctx.extraResponseHeaders);
    headers[rt.requestIdHeader] = ctx.requestId;
    const head: ResponseHead = { status, headers };
    const buffering = runResponseHead(state.pipeline, ctx, head, true);
    state.status = head.status;
    state.responseHeaders = head.headers;
    if (!buffering) res.writeHead(head.status, head.headers as http.OutgoingHttpHeaders);
    state.head = head;
    return buffering;
  }

  /**
   * Called by ForwardHandler with the buffered body of a response a stage wanted to inspect, or
   * with its first bytes (`truncated`) once it outgrew the buffer. Returns false when nothing
   * replaced a truncated response: its head and those bytes are written, the rest is to stream.
   */
  onUpstreamBuffered(state: RequestState, res: ServerResponse, stages: Stage[], body: Buffer, truncated: boolean): boolean {
    const head = state.head!;
    let v: Verdict | undefined;
    try {
      v = runResponseBody(stages, state.ctx, head, body, truncated);
    } catch (err) {
      this.log.error({ err, requestId: state.ctx.requestId }, 'response body stage failed');
      v = { kind: 'deny', code: 'internal-error', status: 500 };
    }
    if (res.headersSent || res.destroyed) return true;
    if (v && v.kind !== 'continue') {
      // Replacing the upstream's answer: keep its status class, never its body.
      this.sendVerdict(state, res, v);
      state.outcome = 'forwarded';
      return true;
    }
    if (truncated) {
      // The upstream's own framing (Content-Length or chunked) still describes the whole body.
      res.writeHead(head.status, head.headers as http.OutgoingHttpHeaders);
      res.write(body);
      return false;
    }
    delete head.headers['content-length'];
    head.headers['content-length'] = String(body.length);
    res.writeHead(head.status, head.headers as http.OutgoingHttpHeaders);
    res.end(body);
    return true;
  }

  /** Called by ForwardHandler when forwarding failed. */
  onUpstreamError(state: RequestState, res: ServerResponse, err: Error): void {
    const code = (err as NodeJS.ErrnoException).code;
    if (err instanceof BodyDenied) {
      state.error = undefined;
      return this.sendVerdict(state, res, err.verdict, true);
    }
    state.error = code ?? err.message;
    if (res.headersSent) {
      // Mid-body failure: the only honest signal left is to cut the connection.
      this.log.warn({ requestId: state.ctx.requestId, code, route: state.route?.name }, 'upstream failed mid-response');
      res.destroy();
      return;
    }
    if (res.destroyed) return;
    const timeout = code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT';
    this.log.warn({ requestId: state.ctx.requestId, code, route: state.route?.name, err: err.message }, 'upstream request failed');
    state.outcome = 'error';
    this.sendVerdict(
      state,
      res,
      timeout
        ? { kind: 'deny', code: 'upstream-timeout', status: 504, detail: 'The upstream service did not answer in time.' }
        : { kind: 'deny', code: 'upstream-unavailable', status: 502, detail: 'The upstream service could not be reached.' },
      true,
    );
    state.outcome = 'error';
  }

  private finish(state: RequestState, res: ServerResponse): void {
    this.inflight--;
    this.metrics?.inflight.dec();
    if (this.inflight === 0 && this.idleWaiters.length > 0) {
      for (const w of this.idleWaiters.splice(0)) w();
    }
    const totalMs = performance.now() - state.t0;
    const status = res.writableFinished ? state.status || res.statusCode : state.status || 499;
    if (!res.writableFinished && !state.error) state.error = 'client-closed';
    const routeName = state.route?.name ?? 'unrouted';
    this.metrics?.observe(routeName, status, state.outcome, totalMs / 1000, state.upstreamMs !== undefined ? state.upstreamMs / 1000 : undefined);
    if (state.pipeline.done.length > 0) runDone(state.pipeline, state.ctx, (stage, err) => this.log.error({ err, stage, requestId: state.ctx.requestId }, 'stage done hook failed'));
    if (!this.recorder || (state.route && !state.route.record)) return;
    const { ctx } = state;
    const rec: RawExchange = {
      id: ctx.requestId,
      startedAt: ctx.startedAt,
      method: ctx.method,
      url: ctx.url,
      host: ctx.host,
      clientIp: ctx.clientIp,
      requestHeaders: ctx.req.headers,
      requestBytes: state.guard?.bytes ?? 0,
      status,
      responseHeaders: state.responseHeaders,
      responseBytes: state.responseBytes,
      totalMs,
      outcomes: ctx.outcomes,
    };
    if (state.route) {
      rec.api = state.route.api.name;
      rec.route = state.route.name;
    }
    if (ctx.principal) rec.principal = ctx.principal;
    if (state.upstreamMs !== undefined) rec.upstreamMs = state.upstreamMs;
    if (state.blockedBy) rec.blockedBy = state.blockedBy;
    if (state.error) rec.error = state.error;
    if (state.guard?.sample) rec.requestBodySample = state.guard.sample;
    if (state.resSample) rec.responseBodySample = Buffer.concat(state.resSample);
    this.recorder.push(rec);
  }
}

export interface RequestState {
  rt: Runtime;
  ctx: RequestContext;
  route: CompiledRoute | undefined;
  pipeline: RoutePipeline;
  t0: number;
  forwardedAt?: number;
  status: number;
  requestBytes: number;
  responseBytes: number;
  outcome: Outcome;
  responseHeaders: HeaderMap;
  upstreamMs: number | undefined;
  blockedBy: string | undefined;
  error: string | undefined;
  guard?: BodyTally;
  head?: ResponseHead;
  reqSample: Buffer | undefined;
  resSample: Buffer[] | undefined;
}

/** undici's dispatch handler: streams the upstream response to the client with backpressure. */
class ForwardHandler implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | undefined;
  private buffering: Stage[] | undefined;
  private chunks: Buffer[] = [];
  private buffered = 0;
  private limit = 0;
  private truncated = false;
  private pendingAbort: Error | undefined;
  private sampleLeft: number;

  constructor(
    private readonly gw: Gateway,
    private readonly state: RequestState,
    private readonly res: ServerResponse,
  ) {
    this.sampleLeft = state.rt.sampleBytes;
  }

  abort(err: Error): void {
    if (this.controller) {
      if (!this.controller.aborted) this.controller.abort(err);
    } else this.pendingAbort = err;
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.pendingAbort) controller.abort(this.pendingAbort);
  }

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: Record<string, string | string[] | undefined>): void {
    if (statusCode < 200) return;
    this.buffering = this.gw.onUpstreamHead(this.state, this.res, statusCode, headers);
    if (this.buffering) this.limit = maxBuffer(this.buffering);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.state.responseBytes += chunk.length;
    if (this.sampleLeft > 0) {
      const part = chunk.subarray(0, this.sampleLeft);
      (this.state.resSample ??= []).push(Buffer.from(part));
      this.sampleLeft -= part.length;
    }
    if (this.buffering) {
      // Truncated while buffering: the response was replaced, the rest is not needed.
      if (this.truncated) return;
      const room = this.limit - this.buffered;
      if (chunk.length <= room) {
        this.chunks.push(chunk);
        this.buffered += chunk.length;
        return;
      }
      // Enough seen to decide. Unless a stage replaces the response, what was held back and the
      // rest stream through: a body a stage let pass must arrive whole.
      this.chunks.push(chunk.subarray(0, room));
      const held = Buffer.concat(this.chunks, this.limit);
      this.chunks = [];
      this.truncated = true;
      if (this.gw.onUpstreamBuffered(this.state, this.res, this.buffering, held, true)) return;
      this.buffering = undefined;
      chunk = chunk.subarray(room);
    }
    if (!this.res.write(chunk)) {
      controller.pause();
      this.res.once('drain', () => controller.resume());
    }
  }

  onResponseEnd(): void {
    if (this.buffering) {
      if (this.truncated) return;
      const body = Buffer.concat(this.chunks, this.buffered);
      this.chunks = [];
      this.state.responseBytes = body.length;
      this.gw.onUpstreamBuffered(this.state, this.res, this.buffering, body, this.truncated);
      return;
    }
    this.res.end();
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    // Already replaced: how the rest of the upstream's body fared no longer matters.
    if (this.buffering && this.truncated) return;
    this.gw.onUpstreamError(this.state, this.res, err);
  }
}

/** Stages' extra headers onto a response: their names are lower case already (RequestContext). */
function addExtra(headers: HeaderMap, extra: Readonly<Record<string, string>>): void {
  for (const name in extra) headers[name] = extra[name];
}

function lowerKeys<V extends string | string[]>(h: Readonly<Record<string, V>>): Record<string, V> {
  const out: Record<string, V> = {};
  for (const k of Object.keys(h)) out[k.toLowerCase()] = h[k]!;
  return out;
}

function hostOnly(hostHeader: string): string {
  if (hostHeader.startsWith('[')) {
    const end = hostHeader.indexOf(']');
    return hostHeader.slice(0, end + 1).toLowerCase();
  }
  const colon = hostHeader.indexOf(':');
  return (colon < 0 ? hostHeader : hostHeader.slice(0, colon)).toLowerCase();
}

function forwardedNode(ip: string): string {
  return ip.includes(':') ? `"[${ip}]"` : ip;
}

function listenOn(server: http.Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      reject(new PalisadeError('PALISADE_ERR_LISTEN', `cannot listen on ${host}:${port}: ${err.code ?? err.message}`, [], { cause: err }));
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

// The contract every Shield stage implements. pipeline.ts is the only place that orders stages;
// a stage never calls another. Expected outcomes are Verdicts, not exceptions.
import type { IncomingMessage } from 'node:http';
import type { Redis } from 'ioredis';
import type { Principal, StageOutcome, Verdict, StageSettings } from '../core/index.js';
import type { ApiKeyVerifier, AuthenticatorRegistry } from '../identity/index.js';
import type { OwnerDatabases } from './owner-db.js';
import type { JsonBody } from './body.js';
import type { RateOverrideLookup } from './rate-overrides.js';

/** Response headers as they will be written: lower-case names. */
export type HeaderMap = Record<string, string | string[] | undefined>;

/** The per-request state stages read and write. One per request; never shared. */
export interface RequestContext {
  readonly req: IncomingMessage;
  readonly method: string;
  /** Request target as received (origin-form: path and query). */
  readonly url: string;
  /** Path part of `url`, still percent-encoded. */
  readonly path: string;
  /** Host header without the port, lower case ('' when absent). */
  readonly host: string;
  /** Client address after trusted-proxy resolution (X-Forwarded-For / Forwarded). */
  readonly clientIp: string;
  /** Address of the TCP peer (the last proxy, or the client). */
  readonly peerIp: string;
  readonly tls: boolean;
  readonly requestId: string;
  readonly startedAt: number;
  /** The API and route the request matched. */
  readonly api: string;
  readonly routeName: string;
  principal?: Principal;
  /**
   * Names the API operation a request addresses (operationId, else method and path template) when
   * the route has an OpenAPI contract. Per route, so a request allocates nothing to carry it.
   */
  readonly resolveOperation?: (method: string, path: string) => string | undefined;
  /** True when the request carried credentials (Authorization, Cookie, API-key header). */
  readonly hasCredentials: boolean;
  /**
   * Headers stages ask to add to whatever response is finally sent (CORS, rate-limit headers...),
   * by lower-case name: they are copied onto the response as they are, with no per-response
   * normalising.
   */
  extraResponseHeaders?: Record<string, string>;
  /** What each stage decided, in order. */
  readonly outcomes: StageOutcome[];
}

/** Inspects a streaming request body chunk by chunk. Returning a deny verdict aborts the request. */
export interface BodyInspector {
  push(chunk: Buffer): Verdict | undefined;
  /** May be asynchronous (e.g. a DNS lookup); the body is held back from the upstream until it settles. */
  end(): Verdict | undefined | Promise<Verdict | undefined>;
  /**
   * Optional: the whole body at once, instead of push() and end(), when the gateway held it whole
   * (small bodies of known length; see shield/body.ts). Must decide as push() and end() would.
   * `json()` parses the body once for every stage of the request that calls it; its value is
   * shared, so it is read, never changed.
   */
  whole?(body: Buffer, json: () => JsonBody): Verdict | undefined | Promise<Verdict | undefined>;
}

export interface ResponseHead {
  status: number;
  headers: HeaderMap;
}

export interface Stage {
  readonly name: string;
  /** Runs on the request head, before anything is forwarded. */
  request?(ctx: RequestContext): Verdict | Promise<Verdict>;
  /** Returns an inspector for the body of this request, or undefined to let it stream untouched. */
  requestBody?(ctx: RequestContext): BodyInspector | undefined;
  /**
   * Runs on every response head (upstream or Shield-generated) before it is written; may edit headers.
   * Return 'buffer' to receive the body in `responseBody` (bounded by `maxBufferBytes`).
   * `fromUpstream` is false for Shield's own answers (denials, 502/504), which judging stages skip
   * (the pipeline always passes it; absent means the upstream's).
   */
  responseHead?(ctx: RequestContext, head: ResponseHead, fromUpstream?: boolean): void | 'buffer';
  /** With 'buffer': the body (possibly truncated at maxBufferBytes); return a Verdict to replace the response. */
  responseBody?(ctx: RequestContext, head: ResponseHead, body: Buffer, truncated: boolean): Verdict | undefined;
  /** Largest body `responseBody` wants to see. */
  readonly maxBufferBytes?: number;
  /**
   * Runs once the exchange is over (response sent, or the client gone), before it is recorded:
   * may add to `ctx.outcomes` (the WAF's logging phase and its matches).
   */
  done?(ctx: RequestContext): void;
}

/** What a stage factory gets: its own settings, and process-wide facilities. */
export interface StageEnv {
  /** Dynamic block list (IP addresses and CIDR blocks), shared by all routes, changed at run time. */
  readonly blocklist: DynamicBlocklist;
  /** Log an event the operator should see (the original of a scrubbed error, for instance). */
  readonly log: (level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void;
  /** Shared Redis (store.redis), one client per process; absent means counters stay in this process. */
  readonly redis?: SharedRedis;
  /** Verifies API keys for the authenticate stage; absent means the apiKey method cannot be configured. */
  readonly apiKeys?: ApiKeyVerifier;
  /** JWT, introspection and mTLS verifiers, prepared at configuration load and kept across reloads. */
  readonly authenticators?: AuthenticatorRegistry;
  /** Connections for owner lookups that query the API's database, kept across reloads. */
  readonly ownerDatabases?: OwnerDatabases;
  /** Stricter limits for single actors placed at run time (Watch's responses, the admin API). */
  readonly rateOverrides?: RateOverrideLookup;
}

export interface SharedRedis {
  readonly client: Redis;
  /** Prefix of every key written (store.redis.keyPrefix). */
  readonly keyPrefix: string;
}

export interface DynamicBlocklist {
  has(ip: string): boolean;
  add(entry: string, ttlMs?: number): void;
  remove(entry: string): boolean;
  list(): Array<{ entry: string; expiresAt?: number }>;
}

export type StageName = keyof StageSettings;

/** A factory builds a stage from its settings once per route at configuration load; null means off. */
export type StageFactory<K extends StageName> = (settings: StageSettings[K], env: StageEnv) => Stage | null;

// safeFetch: outbound HTTP for an application's own calls to URLs it does not control (webhooks,
// imports, partner APIs — OWASP API7 and API10). The destination rules are applied to every
// address at connection time (the address checked is the address connected to: no DNS-rebinding
// window), every redirect is checked again, and time, size and shape of the answer are bounded.
import { Agent, request } from 'undici';
import type { Dispatcher } from 'undici';
import type { LookupAddress, LookupOptions } from 'node:dns';
import { isIP } from 'node:net';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv';
import { checkUrl, classifyAddress, systemResolver } from './ssrf.js';
import type { DestinationPolicy, Resolver } from './ssrf.js';

export type SafeFetchErrorCode = 'destination-denied' | 'too-many-redirects' | 'response-too-large' | 'invalid-response' | 'timeout' | 'network';

export class SafeFetchError extends Error {
  constructor(
    readonly code: SafeFetchErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SafeFetchError';
  }
}

export interface SafeFetchOptions extends DestinationPolicy {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Whole call, redirects included. Default 10 s. */
  timeoutMs?: number;
  /** Largest response body read. Default 1 MiB. */
  maxBytes?: number;
  /** Redirects followed (each one checked). Default 3; 0 returns the 3xx as is. */
  maxRedirects?: number;
  /** JSON Schema the (JSON) response must satisfy; otherwise SafeFetchError 'invalid-response'. */
  schema?: object;
  /** Name resolution, for tests and custom DNS. */
  resolver?: Resolver;
}

export interface SafeResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** The URL finally answered (after redirects). */
  url: string;
  redirects: string[];
  text(): string;
  json<T = unknown>(): T;
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** A `lookup` for net.connect that refuses names resolving to forbidden addresses. */
function guardedLookup(policy: DestinationPolicy, resolver: Resolver) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    resolver(hostname).then(
      (addresses) => {
        for (const a of addresses) {
          const cls = classifyAddress(a);
          if (cls !== 'public' && !(policy.allowClasses ?? []).includes(cls)) {
            // A plain errno-style error: net.connect hands it to undici, asSafeError recognises the code.
            const err: NodeJS.ErrnoException = new Error(`${hostname} resolves to ${cls} address ${a}`);
            err.code = 'EPALISADE_SSRF';
            return callback(err, '');
          }
        }
        const wanted = options.family === 4 || options.family === 6 ? addresses.filter((a) => isIP(a) === options.family) : addresses;
        if (wanted.length === 0) return callback(Object.assign(new Error(`${hostname} has no usable address`), { code: 'ENOTFOUND' }), '');
        if (options.all) return callback(null, wanted.map((address) => ({ address, family: isIP(address) })));
        callback(null, wanted[0]!, isIP(wanted[0]!));
      },
      (err: NodeJS.ErrnoException) => callback(err, ''),
    );
  };
}

const ajv = new Ajv2020({ allErrors: true, strict: false });
const compiled = new WeakMap<object, ValidateFunction>();

function validatorFor(schema: object): ValidateFunction {
  let v = compiled.get(schema);
  if (!v) {
    v = ajv.compile(schema);
    compiled.set(schema, v);
  }
  return v;
}

function denied(reason: string): SafeFetchError {
  return new SafeFetchError('destination-denied', `destination refused: ${reason}`);
}

export async function safeFetch(url: string, opts: SafeFetchOptions = {}): Promise<SafeResponse> {
  const resolver = opts.resolver ?? systemResolver;
  const maxBytes = opts.maxBytes ?? 1024 * 1024;
  const maxRedirects = opts.maxRedirects ?? 3;
  const signal = AbortSignal.timeout(opts.timeoutMs ?? 10_000);
  const agent = new Agent({ connect: { lookup: guardedLookup(opts, resolver) as never }, connections: 4, pipelining: 0 });
  const redirects: string[] = [];
  let method = (opts.method ?? 'GET').toUpperCase();
  let body = opts.body;
  let current = url;
  try {
    for (let hop = 0; ; hop++) {
      const check = checkUrl(current, opts);
      if (!check.ok) throw denied(check.reason);
      let res: Dispatcher.ResponseData;
      try {
        res = await request(check.url, {
          dispatcher: agent,
          method: method as Dispatcher.HttpMethod,
          ...(opts.headers ? { headers: opts.headers } : {}),
          ...(body !== undefined ? { body } : {}),
          signal,
        });
      } catch (err) {
        throw asSafeError(err);
      }
      const location = res.headers.location;
      if (res.statusCode >= 300 && res.statusCode < 400 && typeof location === 'string' && maxRedirects > 0) {
        await res.body.dump();
        if (hop >= maxRedirects) throw new SafeFetchError('too-many-redirects', `more than ${maxRedirects} redirects`);
        current = new URL(location, check.url).toString();
        redirects.push(current);
        if (res.statusCode === 303 || ((res.statusCode === 301 || res.statusCode === 302) && method === 'POST')) {
          method = 'GET';
          body = undefined;
        }
        continue;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      try {
        for await (const chunk of res.body as AsyncIterable<Buffer>) {
          size += chunk.length;
          if (size > maxBytes) {
            res.body.destroy();
            throw new SafeFetchError('response-too-large', `response larger than ${maxBytes} bytes`);
          }
          chunks.push(chunk);
        }
      } catch (err) {
        throw asSafeError(err);
      }
      const buf = Buffer.concat(chunks);
      const response: SafeResponse = {
        status: res.statusCode,
        headers: res.headers,
        body: buf,
        url: current,
        redirects,
        text: () => buf.toString('utf8'),
        json: <T>() => JSON.parse(buf.toString('utf8')) as T,
      };
      if (opts.schema) {
        let value: unknown;
        try {
          value = JSON.parse(buf.toString('utf8'));
        } catch {
          throw new SafeFetchError('invalid-response', 'the response is not JSON');
        }
        const validate = validatorFor(opts.schema);
        if (!validate(value)) {
          const why = (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`.trim()).join('; ');
          throw new SafeFetchError('invalid-response', `the response does not match the schema: ${why}`);
        }
      }
      return response;
    }
  } finally {
    void agent.close();
  }
}

function asSafeError(err: unknown): SafeFetchError {
  if (err instanceof SafeFetchError) return err;
  let e = err as (Error & { code?: string; cause?: unknown }) | undefined;
  // undici wraps connection errors; the lookup's refusal is inside.
  for (let i = 0; e && i < 5; i++) {
    if (e instanceof SafeFetchError) return e;
    if (e.code === 'EPALISADE_SSRF') return new SafeFetchError('destination-denied', `destination refused: ${e.message}`, { cause: e });
    e = e.cause as typeof e;
  }
  const top = err as Error & { code?: string; name?: string };
  if (top?.name === 'TimeoutError' || top?.name === 'AbortError' || top?.code === 'UND_ERR_HEADERS_TIMEOUT' || top?.code === 'UND_ERR_BODY_TIMEOUT') {
    return new SafeFetchError('timeout', 'the call took too long', { cause: err });
  }
  return new SafeFetchError('network', top?.message ?? 'network error', { cause: err });
}

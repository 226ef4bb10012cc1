// Outbound calls to identity providers (JWKS, OpenID Connect discovery, token introspection).
// The URLs are the operator's, not a client's, so no SSRF guard; but answers are bounded in time
// and size, and redirects are not followed: a provider that moves its endpoints must be
// reconfigured rather than silently followed somewhere else.
import { request } from 'undici';

export class ProviderError extends Error {
  constructor(
    /** 'network' (unreachable, timeout), 'status' (not 2xx), 'invalid' (not the JSON expected), 'too-large'. */
    readonly kind: 'network' | 'status' | 'invalid' | 'too-large',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ProviderError';
  }
}

export interface JsonCall {
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  timeoutMs: number;
  maxBytes: number;
}

/** GETs or POSTs and parses a JSON object answer; throws ProviderError otherwise. */
export async function fetchJsonObject(url: string, call: JsonCall): Promise<{ status: number; body: Record<string, unknown> }> {
  let res: Awaited<ReturnType<typeof request>>;
  try {
    res = await request(url, {
      method: call.method ?? 'GET',
      headers: { accept: 'application/json', ...call.headers },
      ...(call.body !== undefined ? { body: call.body } : {}),
      signal: AbortSignal.timeout(call.timeoutMs),
      headersTimeout: call.timeoutMs,
      bodyTimeout: call.timeoutMs,
    });
  } catch (err) {
    throw new ProviderError('network', `${url}: ${(err as Error).message}`, { cause: err });
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > call.maxBytes) {
        res.body.destroy();
        throw new ProviderError('too-large', `${url}: answer larger than ${call.maxBytes} bytes`);
      }
      chunks.push(chunk);
    }
  } catch (err) {
    if (err instanceof ProviderError) throw err;
    throw new ProviderError('network', `${url}: ${(err as Error).message}`, { cause: err });
  }
  if (res.statusCode < 200 || res.statusCode > 299) {
    throw new ProviderError('status', `${url} answered ${res.statusCode}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.concat(chunks, size).toString('utf8'));
  } catch (err) {
    throw new ProviderError('invalid', `${url} did not answer JSON`, { cause: err });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ProviderError('invalid', `${url} did not answer a JSON object`);
  }
  return { status: res.statusCode, body: parsed as Record<string, unknown> };
}

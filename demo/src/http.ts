// Small HTTP helpers for the demo's handlers: JSON responses, request bodies, expected errors.
import type { IncomingMessage, ServerResponse } from 'node:http';

/** An expected failure a handler reports to the client (404, 409...). Anything else is a 500. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const JSON_TYPE = 'application/json; charset=utf-8';

export function sendJson(res: ServerResponse, status: number, body: unknown, headers?: Record<string, string>): void {
  sendBytes(res, status, Buffer.from(JSON.stringify(body)), JSON_TYPE, headers);
}

export function sendBytes(res: ServerResponse, status: number, body: Buffer, contentType: string, headers?: Record<string, string>): void {
  res.statusCode = status;
  res.setHeader('content-type', contentType);
  res.setHeader('content-length', body.length);
  if (headers) for (const k in headers) res.setHeader(k, headers[k]!);
  res.end(body);
}

/** A JSON body serialised once, for answers that never change (health). */
export function frozenJson(body: unknown): Buffer {
  return Buffer.from(JSON.stringify(body));
}

/**
 * Reads the whole request body as a JSON object.
 * DEMO-API4-03: there is no size limit — the body is buffered however large it is.
 */
export async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const c of req as AsyncIterable<Buffer>) chunks.push(c);
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new HttpError(400, 'The body is not valid JSON');
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new HttpError(400, 'The body must be a JSON object');
  return v as Record<string, unknown>;
}

/** Splits an origin-form request target into path and raw query, without the cost of `new URL`. */
export function splitTarget(target: string): { path: string; rawQuery: string } {
  const q = target.indexOf('?');
  return q < 0 ? { path: target, rawQuery: '' } : { path: target.slice(0, q), rawQuery: target.slice(q + 1) };
}

/** A positive integer query parameter, `fallback` when absent or not a positive integer. No upper bound: callers decide. */
export function positiveInt(value: string | null, fallback: number): number {
  if (value === null) return fallback;
  const n = Number(value);
  return Number.isSafeInteger(n) && n >= 1 ? n : fallback;
}

/** A path parameter that must be a positive integer id; anything else is a 404 (no such resource). */
export function idParam(value: string | undefined, what: string): number {
  const n = Number(value);
  if (value === undefined || !/^[0-9]{1,15}$/.test(value) || n < 1) throw new HttpError(404, `${what} not found`);
  return n;
}

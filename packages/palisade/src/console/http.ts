// Small HTTP helpers of the console: problem+json answers, JSON bodies with a size limit, cookies
// and the security headers every console answer carries.
import { STATUS_CODES } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { uuidv7 } from '../core/index.js';
import { PROBLEM_CONTENT_TYPE, PROBLEM_TYPE_BASE } from '../shield/index.js';
import { ConsoleHttpError } from './routes.js';

export const DEFAULT_BODY_LIMIT = 64 * 1024;

const TITLES: Record<string, string> = {
  'bad-request': 'Bad request',
  'not-found': 'Not found',
  'method-not-allowed': 'Method not allowed',
  conflict: 'Conflict',
  unauthorized: 'Sign-in required',
  'login-failed': 'Sign-in failed',
  'login-locked': 'Too many failed sign-in attempts',
  forbidden: 'Operation not allowed',
  'csrf-failed': 'Missing or wrong CSRF token',
  'origin-mismatch': 'Request from another origin',
  'body-too-large': 'Request body too large',
  'unsupported-media-type': 'Unsupported media type',
  'validation-failed': 'Validation failed',
  'internal-error': 'Internal error',
  unavailable: 'Service unavailable',
};

/**
 * Content Security Policy of every console answer: scripts, styles, fonts and data from the
 * console's own origin only, no inline script, no framing. Inline style attributes stay allowed
 * because the charting library sets them.
 */
export const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; connect-src 'self'; " +
  "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

export function securityHeaders(res: ServerResponse): void {
  res.setHeader('content-security-policy', CSP);
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('x-frame-options', 'DENY');
  res.setHeader('referrer-policy', 'no-referrer');
  res.setHeader('cross-origin-opener-policy', 'same-origin');
  res.setHeader('cross-origin-resource-policy', 'same-origin');
  res.setHeader('permissions-policy', 'camera=(), microphone=(), geolocation=(), payment=()');
}

export function problemJson(status: number, code: string, detail?: string, extensions?: Record<string, unknown>): string {
  return JSON.stringify({
    ...(extensions ?? {}),
    type: PROBLEM_TYPE_BASE + 'console-' + code,
    title: TITLES[code] ?? STATUS_CODES[status] ?? 'Error',
    status,
    ...(detail !== undefined ? { detail } : {}),
    requestId: uuidv7(),
  });
}

export function send(res: ServerResponse, status: number, body: string | Buffer, type: string, headers: Record<string, string> = {}): void {
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

export function sendJson(res: ServerResponse, status: number, value: unknown, headers?: Record<string, string>): void {
  send(res, status, JSON.stringify(value), 'application/json; charset=utf-8', headers);
}

export function sendProblem(res: ServerResponse, status: number, code: string, detail?: string, extensions?: Record<string, unknown>, headers?: Record<string, string>): void {
  send(res, status, problemJson(status, code, detail, extensions), PROBLEM_CONTENT_TYPE, headers);
}

/** The body as a JSON object; 415 unless it is sent as JSON, 413 over the limit, 400 when it is not an object. */
export async function readJsonObject(req: IncomingMessage, limit = DEFAULT_BODY_LIMIT): Promise<Record<string, unknown>> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') throw new ConsoleHttpError(415, 'unsupported-media-type', 'Send the body as application/json.');
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw new ConsoleHttpError(413, 'body-too-large', `The body is larger than ${limit} bytes.`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > limit) throw new ConsoleHttpError(413, 'body-too-large', `The body is larger than ${limit} bytes.`);
    chunks.push(c);
  }
  let v: unknown;
  try {
    v = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new ConsoleHttpError(400, 'bad-request', 'The body is not valid JSON.');
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new ConsoleHttpError(400, 'bad-request', 'The body must be a JSON object.');
  return v as Record<string, unknown>;
}

export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!header) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    if (!out.has(name)) out.set(name, part.slice(eq + 1).trim());
  }
  return out;
}

export interface CookieOptions {
  secure: boolean;
  path: string;
  /** Seconds; 0 deletes the cookie; absent makes a browser-session cookie. */
  maxAge?: number;
  sameSite: 'Strict' | 'Lax';
}

export function serializeCookie(name: string, value: string, o: CookieOptions): string {
  const parts = [`${name}=${value}`, `Path=${o.path}`, 'HttpOnly', `SameSite=${o.sameSite}`];
  if (o.maxAge !== undefined) parts.push(`Max-Age=${o.maxAge}`);
  if (o.secure) parts.push('Secure');
  return parts.join('; ');
}

/** Whether the request reached us over TLS. */
export function overTls(req: IncomingMessage): boolean {
  return (req.socket as { encrypted?: boolean }).encrypted === true;
}

/** The origin this request addressed: what a same-origin browser sends as Origin. */
export function ownOrigin(req: IncomingMessage): string {
  return `${overTls(req) ? 'https' : 'http'}://${req.headers.host ?? 'localhost'}`;
}

/** The client address as the socket sees it (the admin port is not behind Shield's trusted proxies). */
export function clientIp(req: IncomingMessage): string {
  return req.socket.remoteAddress ?? 'unknown';
}

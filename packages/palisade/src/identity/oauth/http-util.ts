// Small HTTP helpers for the authorization server's own pages (oidc-provider serves the rest).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PAGE_HEADERS } from './views.js';

const MAX_FORM_BYTES = 8 * 1024;

/** An urlencoded form body, or undefined when it is not one or is too large. */
export async function readForm(req: IncomingMessage): Promise<URLSearchParams | undefined> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > MAX_FORM_BYTES) return undefined;
    chunks.push(c);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

export function sendPage(res: ServerResponse, status: number, body: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, { ...PAGE_HEADERS, ...extra, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

export function redirect(res: ServerResponse, location: string, extra: Record<string, string> = {}): void {
  res.writeHead(303, { location, 'cache-control': 'no-store', 'content-length': 0, ...extra });
  res.end();
}

/**
 * The caller's address. Behind a proxy (trustProxy), the last X-Forwarded-For entry: the address
 * the proxy itself saw, which the client cannot forge (entries before it can be).
 */
export function clientIp(req: IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    const xff = req.headers['x-forwarded-for'];
    const last = (Array.isArray(xff) ? xff.join(',') : (xff ?? '')).split(',').map((s) => s.trim()).filter(Boolean).at(-1);
    if (last) return last;
  }
  return req.socket.remoteAddress ?? 'unknown';
}

/**
 * Refuses form posts that a browser reports as coming from another site. The interaction cookie
 * (SameSite=Lax, bound to the interaction id) already keeps cross-site posts out; this is a second,
 * independent check.
 */
export function crossSite(req: IncomingMessage, issuerOrigin: string): boolean {
  const site = req.headers['sec-fetch-site'];
  if (site === 'cross-site' || site === 'same-site') return true;
  const origin = req.headers.origin;
  return origin !== undefined && origin !== issuerOrigin;
}

export function readCookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return decodeURIComponent(part.slice(i + 1).trim());
  }
  return undefined;
}

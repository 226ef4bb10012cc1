// What a path that does not exist looks like on this target, so a "found" page is not a catch-all
// 404 page or a single-page app's index served for every path.
import type { CheckContext } from '../check.js';
import type { ScanResponse } from '../runner.js';
import { bodySignature, ok, randomToken } from './util.js';

export async function notFoundShape(ctx: CheckContext, prefix = ''): Promise<ScanResponse> {
  return ctx.sendRaw({ method: 'GET', url: `${prefix}/palisade-nx-${randomToken()}` });
}

/** A real page: 2xx, some content, and not what a nonsense path gets. */
export function isRealPage(r: ScanResponse, notFound: ScanResponse): boolean {
  if (!ok(r) || r.body.trim().length < 16) return false;
  if (ok(notFound) && (bodySignature(r) === bodySignature(notFound) || Math.abs(r.bytes - notFound.bytes) <= Math.max(16, notFound.bytes * 0.02))) return false;
  return true;
}

export function origin(ctx: CheckContext): string {
  return new URL(ctx.runner.target).origin;
}

export function basePath(ctx: CheckContext): string {
  return new URL(ctx.runner.target).pathname.replace(/\/+$/, '');
}

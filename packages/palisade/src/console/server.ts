// The console's HTTP face, reached from the admin server for `/` and everything under /console:
// routing of /console/api/* (session, role, CSRF and Origin checks happen here, once, before any
// handler runs), and the web UI's static files.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { isPalisadeError } from '../core/index.js';
import type { AuditFn } from './audit.js';
import { clientIp, ownOrigin, parseCookies, readJsonObject, securityHeaders, send, sendJson, sendProblem } from './http.js';
import { ConsoleHttpError, roleAllows } from './routes.js';
import type { Reply, Route, RouteContext, SessionUser } from './routes.js';
import { SESSION_COOKIE, sameSecret } from './session.js';
import type { ActiveSession, Sessions } from './session.js';
import type { StaticFiles } from './static.js';

export const API_PREFIX = '/console/api';

interface CompiledRoute {
  route: Route;
  segments: { literal?: string; param?: string }[];
}

function compile(route: Route): CompiledRoute {
  const segments = route.pattern
    .split('/')
    .filter((s) => s !== '')
    .map((s) => (s.startsWith(':') ? { param: s.slice(1) } : { literal: s }));
  return { route, segments };
}

function match(c: CompiledRoute, parts: string[]): Record<string, string> | undefined {
  if (c.segments.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < parts.length; i++) {
    const seg = c.segments[i]!;
    if (seg.literal !== undefined) {
      if (seg.literal !== parts[i]) return undefined;
    } else {
      let v: string;
      try {
        v = decodeURIComponent(parts[i]!);
      } catch {
        return undefined;
      }
      params[seg.param!] = v;
    }
  }
  return params;
}

export function userOf(s: ActiveSession): SessionUser {
  return { username: s.user.username, displayName: s.user.displayName, role: s.user.role, source: s.user.source };
}

export interface ServerParts {
  routes: readonly Route[];
  sessions: Sessions;
  audit: AuditFn;
  web: StaticFiles;
  logger: Logger;
}

export class ConsoleServer {
  private readonly compiled: CompiledRoute[];

  constructor(private readonly p: ServerParts) {
    this.compiled = p.routes.map(compile);
    const seen = new Set<string>();
    for (const r of p.routes) {
      const key = `${r.method} ${r.pattern.replace(/:[^/]+/g, ':')}`;
      if (seen.has(key)) throw new Error(`console route defined twice: ${key}`);
      seen.add(key);
    }
  }

  /** True when the request was the console's (it has been answered). */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const url = new URL(req.url ?? '/', 'http://console');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    if (path !== '/' && path !== '/console' && !path.startsWith('/console/')) return false;
    securityHeaders(res);
    if (path === '/' || path === '/console') {
      if (method !== 'GET' && method !== 'HEAD') return this.notAllowed(res, 'GET, HEAD');
      res.setHeader('location', '/console/');
      res.setHeader('cache-control', 'no-store');
      res.writeHead(302).end();
      return true;
    }
    if (path === API_PREFIX || path.startsWith(API_PREFIX + '/')) {
      res.setHeader('cache-control', 'no-store');
      try {
        await this.api(req, res, path.slice(API_PREFIX.length), url.searchParams, method);
      } catch (err) {
        this.fail(res, err);
      }
      return true;
    }
    if (method !== 'GET' && method !== 'HEAD') return this.notAllowed(res, 'GET, HEAD');
    await this.p.web.serve(req, res, path.slice('/console/'.length));
    return true;
  }

  private notAllowed(res: ServerResponse, allow: string): true {
    sendProblem(res, 405, 'method-not-allowed', undefined, undefined, { allow });
    return true;
  }

  private fail(res: ServerResponse, err: unknown): void {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (err instanceof ConsoleHttpError) return sendProblem(res, err.status, err.code, err.detail, err.extensions, err.headers);
    if (isPalisadeError(err) && err.code.startsWith('PALISADE_ERR_STORE')) {
      this.p.logger.error({ code: err.code, err: err.message }, 'console: store failure');
      return sendProblem(res, 503, 'unavailable', 'The store did not answer; try again.');
    }
    this.p.logger.error({ err }, 'console: request failed');
    sendProblem(res, 500, 'internal-error');
  }

  private async api(req: IncomingMessage, res: ServerResponse, sub: string, query: URLSearchParams, method: string): Promise<void> {
    const parts = sub.split('/').filter((s) => s !== '');
    let found: { route: Route; params: Record<string, string> } | undefined;
    const allowed: string[] = [];
    for (const c of this.compiled) {
      const params = match(c, parts);
      if (!params) continue;
      if (c.route.method === method || (method === 'HEAD' && c.route.method === 'GET')) {
        found = { route: c.route, params };
        break;
      }
      allowed.push(c.route.method);
    }
    if (!found) {
      if (allowed.length) return sendProblem(res, 405, 'method-not-allowed', undefined, undefined, { allow: [...new Set(allowed)].join(', ') });
      return sendProblem(res, 404, 'not-found', 'Unknown console API endpoint.');
    }
    const { route, params } = found;
    const origin = ownOrigin(req);
    const changing = method !== 'GET' && method !== 'HEAD';

    // A browser names the page that sent a request: a change sent from any other origin is refused
    // whatever its cookies (defence in depth besides SameSite=Strict and the CSRF token).
    if (changing) {
      const o = req.headers.origin;
      if (o !== undefined && o !== origin) throw new ConsoleHttpError(403, 'origin-mismatch', 'The request came from another origin.');
      if (o === undefined && req.headers['sec-fetch-site'] === 'cross-site') throw new ConsoleHttpError(403, 'origin-mismatch', 'The request came from another site.');
    }

    const token = parseCookies(req.headers.cookie).get(SESSION_COOKIE);
    const active = await this.p.sessions.resolve(token);
    if (route.role !== 'public') {
      if (!active) throw new ConsoleHttpError(401, 'unauthorized', 'Sign in to the console first.');
    }
    if (changing && active && !route.noCsrf) {
      const presented = req.headers['x-csrf-token'];
      if (typeof presented !== 'string' || !sameSecret(presented, active.session.csrfSecret)) {
        throw new ConsoleHttpError(403, 'csrf-failed', 'Send the session\'s CSRF token (from GET /console/api/session) in the x-csrf-token header.');
      }
    }
    if (active && !roleAllows(active.user.role, route.role)) {
      throw new ConsoleHttpError(403, 'forbidden', `This needs the ${route.role} role; you have ${active.user.role}.`);
    }

    const user = active ? userOf(active) : undefined;
    const ctx: RouteContext = {
      user,
      params,
      query,
      body: (limit) => readJsonObject(req, limit),
      audit: async (action, target, detail) => {
        await this.p.audit(user ? { username: user.username, role: user.role } : { username: `anonymous@${clientIp(req)}`, role: 'none' }, action, target, detail);
      },
      origin,
      req,
      res,
    };
    const reply = await route.handler(ctx);
    this.write(res, reply, method === 'HEAD');
  }

  private write(res: ServerResponse, r: Reply, head: boolean): void {
    if (r.kind === 'handled') return;
    for (const [k, v] of Object.entries(r.headers ?? {})) res.setHeader(k, v);
    switch (r.kind) {
      case 'json':
        return head ? void res.writeHead(r.status, { 'content-type': 'application/json; charset=utf-8' }).end() : sendJson(res, r.status, r.body);
      case 'text':
        return send(res, r.status, head ? '' : r.body, r.contentType);
      case 'problem':
        return sendProblem(res, r.status, r.code, r.detail, r.extensions);
      case 'redirect':
        res.setHeader('location', r.location);
        res.writeHead(r.status).end();
        return;
      case 'empty':
        res.writeHead(r.status).end();
        return;
    }
  }
}


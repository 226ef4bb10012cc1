// console/: the web console's JSON API and the server of its built web UI, mounted by the admin
// server under /console (decision 0037). `createConsole` is the one entry point the cli wires.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { auditWriter } from './audit.js';
import type { AuditFn } from './audit.js';
import { authRoutes } from './auth.js';
import { dataRoutes } from './data-routes.js';
import type { ConsoleDeps } from './deps.js';
import { consoleOpenApi } from './openapi/base.js';
import { json } from './routes.js';
import type { Route } from './routes.js';
import { scanRoutes } from './scan-routes.js';
import { ConsoleServer } from './server.js';
import { LoginGuard, Sessions } from './session.js';
import { SsoService } from './sso.js';
import { StaticFiles } from './static.js';
import { ConsoleUsers } from './users.js';
import { usersRoutes } from './users-routes.js';

export type { ConsoleDeps, ReloadOutcome } from './deps.js';
export type { Route, RouteContext, RouteRole, Role, Reply, SessionUser } from './routes.js';
export { ConsoleHttpError } from './routes.js';
export type { AuditFn, AuditActor } from './audit.js';
export { auditWriter } from './audit.js';
export { ConsoleUsers, publicUser } from './users.js';
export type { PublicUser } from './users.js';
export { hashPassword, verifyPassword, generatePassword, passwordProblem, MIN_PASSWORD_LENGTH } from './passwords.js';
export { consoleOpenApi } from './openapi/base.js';
export { SESSION_COOKIE } from './session.js';
export { validUsername } from './validation.js';

export interface ConsoleService {
  /** Answers `/` and everything under /console; false for any other path. */
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  readonly users: ConsoleUsers;
  readonly audit: AuditFn;
  /** Every API route, for tests that check each is documented in the OpenAPI document. */
  readonly routes: readonly Route[];
}

export function createConsole(deps: ConsoleDeps): ConsoleService {
  const now = deps.now ?? Date.now;
  const cfg = () => deps.config().console;
  const audit = auditWriter(deps.store, deps.logger, now);
  const sessions = new Sessions(deps.store, {
    // Read once: changing the timeouts takes a restart, which also keeps a session's rules stable.
    idleMs: cfg().sessionIdleMinutes * 60_000,
    maxMs: cfg().sessionMaxHours * 3_600_000,
    now,
  });
  const secureCookies = () => cfg().secureCookies;
  const sso = new SsoService({ settings: () => cfg().sso, env: deps.env ?? process.env, store: deps.store, sessions, audit, logger: deps.logger, now, secureCookies });
  const users = new ConsoleUsers(deps.store, audit, now, deps.scrypt);
  const openapi = consoleOpenApi();
  const routes: Route[] = [
    ...authRoutes({ store: deps.store, sessions, guard: new LoginGuard(now), audit, sso: () => sso.info(), secureCookies, ...(deps.scrypt ? { scrypt: deps.scrypt } : {}) }),
    ...sso.routes(),
    ...usersRoutes({ store: deps.store, users }),
    { method: 'GET', pattern: '/openapi.json', role: 'public', handler: async () => json(openapi) },
    ...dataRoutes(deps),
    ...scanRoutes(deps),
  ];
  const server = new ConsoleServer({ routes, sessions, audit, web: new StaticFiles(deps.webRoot), logger: deps.logger });
  return { handle: (req, res) => server.handle(req, res), users, audit, routes };
}

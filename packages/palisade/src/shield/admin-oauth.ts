// Admin API endpoints for the built-in authorization server, mounted by admin.ts under /oauth/:
//   GET    /oauth/clients            clients (never a secret or a hash)
//   POST   /oauth/clients            register one; the answer carries its secret, the only time it is shown
//   GET    /oauth/clients/{id}
//   DELETE /oauth/clients/{id}
//   GET    /oauth/users              users (never a hash or a TOTP secret)
//   POST   /oauth/keys/rotate        {"reset": false} — new signing keys, the old ones published during the grace period
import type { Logger } from 'pino';
import { isPalisadeError } from '../core/index.js';
import type { AuthorizationServer } from '../identity/index.js';

export type OAuthAdmin = Pick<AuthorizationServer, 'clients' | 'users' | 'rotateKeys'>;

export type AdminAnswer = { status: number; body: unknown } | { status: number; problem: 'bad-request' | 'not-found'; detail: string };

function strings(v: unknown, name: string): string[] | string | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) return `${name} must be an array of strings`;
  return v;
}

/** The answer for an /oauth/ request, or undefined when no endpoint matches. */
export async function oauthAdminRoute(
  method: string,
  path: string,
  readBody: () => Promise<Record<string, unknown> | string>,
  oauth: OAuthAdmin,
  log: Logger,
): Promise<AdminAnswer | undefined> {
  try {
    if (path === '/oauth/clients' && method === 'GET') return { status: 200, body: { clients: await oauth.clients.list() } };
    if (path === '/oauth/clients' && method === 'POST') {
      const b = await readBody();
      if (typeof b === 'string') return { status: 400, problem: 'bad-request', detail: b };
      const redirectUris = strings(b.redirectUris, 'redirectUris');
      const grantTypes = strings(b.grantTypes, 'grantTypes');
      const scopes = strings(b.scopes, 'scopes');
      for (const v of [redirectUris, grantTypes, scopes]) if (typeof v === 'string') return { status: 400, problem: 'bad-request', detail: v };
      if (b.public !== undefined && typeof b.public !== 'boolean') return { status: 400, problem: 'bad-request', detail: 'public must be a boolean' };
      const created = await oauth.clients.create({
        name: typeof b.name === 'string' ? b.name : '',
        ...(Array.isArray(redirectUris) ? { redirectUris } : {}),
        ...(Array.isArray(grantTypes) ? { grantTypes } : {}),
        ...(Array.isArray(scopes) ? { scopes } : {}),
        ...(b.public === true ? { public: true } : {}),
      });
      log.info({ clientId: created.client.clientId, grantTypes: created.client.grantTypes }, 'OAuth client registered through the admin API');
      return { status: 201, body: created };
    }
    if (path.startsWith('/oauth/clients/') && (method === 'GET' || method === 'DELETE')) {
      const id = decodeURIComponent(path.slice('/oauth/clients/'.length));
      if (method === 'GET') {
        const c = await oauth.clients.get(id);
        return c ? { status: 200, body: c } : { status: 404, problem: 'not-found', detail: 'No such client.' };
      }
      const removed = await oauth.clients.delete(id);
      if (removed) log.info({ clientId: id }, 'OAuth client deleted through the admin API');
      return removed ? { status: 200, body: { clientId: id } } : { status: 404, problem: 'not-found', detail: 'No such client.' };
    }
    if (path === '/oauth/users' && method === 'GET') return { status: 200, body: { users: await oauth.users.list() } };
    if (path === '/oauth/keys/rotate' && method === 'POST') {
      const b = await readBody();
      const reset = typeof b === 'object' && b.reset === true;
      const r = await oauth.rotateKeys({ reset });
      log.info({ added: r.added, retired: r.retired, reset }, 'signing keys rotated through the admin API');
      return { status: 200, body: r };
    }
  } catch (err) {
    if (isPalisadeError(err) && err.code === 'PALISADE_ERR_OAUTH_INPUT') return { status: 400, problem: 'bad-request', detail: err.message };
    throw err;
  }
  return undefined;
}

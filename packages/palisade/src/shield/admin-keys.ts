// Admin API endpoints for API keys, mounted by admin.ts under /keys:
//   GET    /keys?api=&limit=       keys, newest first (never a secret or a hash)
//   GET    /keys/{id}
//   POST   /keys                   {api, name, scopes?, roles?, tenant?, expires?} — 201, the key in clear, the only time it is shown
//   POST   /keys/{id}/rotate       {grace?: "24h", expires?: "30d"} — 201, the new key once; the old one works until the grace ends
//   POST   /keys/{id}/revoke       refused from now on (in other gateway processes within seconds)
// There is no DELETE on purpose: a revoked key's record stays, to show who held it and when it was last used.
import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import type { Logger } from 'pino';
import { API_KEY_LIMITS, ApiKeyError, parseDuration, parseExpiry } from '../identity/index.js';
import type { ApiKeyManager } from '../identity/index.js';

export type ApiKeyAdmin = Pick<ApiKeyManager, 'create' | 'list' | 'get' | 'revoke' | 'rotate'>;

export type KeysAnswer =
  | { status: number; body: unknown }
  | { status: number; problem: 'bad-request' | 'not-found' | 'conflict' | 'method-not-allowed'; detail: string; headers?: Record<string, string> };

const ONCE = 'Store this key now: it is not shown again (only a hash of it is kept).';
const timeText = z.string().max(API_KEY_LIMITS.timeTextLength);
const token = z.string().max(API_KEY_LIMITS.tokenLength);

const CreateBody = z.strictObject({
  api: z.string().max(128),
  name: z.string().max(API_KEY_LIMITS.nameLength * 2),
  scopes: z.array(token).max(API_KEY_LIMITS.scopes).optional(),
  roles: z.array(token).max(API_KEY_LIMITS.roles).optional(),
  tenant: token.optional(),
  expires: timeText.optional().describe('a duration from now (30d, 12h) or a date (2027-01-01)'),
});

const RotateBody = z.strictObject({
  grace: timeText.optional().describe('how long the old key keeps working (24h by default)'),
  expires: timeText.optional(),
});

/** Every zod issue as "path: message", for a 400 that names what is wrong. */
function describeIssues(e: z.ZodError): string {
  return e.issues.map((i) => `${i.path.length ? i.path.join('.') : 'body'}: ${i.message}`).join('; ');
}

function parsePage(p: URLSearchParams): { api?: string; limit?: number } | string {
  const out: { api?: string; limit?: number } = {};
  const api = p.get('api');
  if (api !== null) {
    if (api.length === 0 || api.length > 128) return 'api must be an API name';
    out.api = api;
  }
  const limit = p.get('limit');
  if (limit !== null) {
    const n = Number(limit);
    if (!Number.isInteger(n) || n < 1 || n > 10_000) return 'limit must be an integer between 1 and 10000';
    out.limit = n;
  }
  return out;
}

/** True when the request announces no body at all (curl -X POST without -d, fetch without body). */
function hasNoBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return length === '0' || (length === undefined && req.headers['transfer-encoding'] === undefined);
}

/** The answer for a /keys request, or undefined when no endpoint matches. */
export async function keysAdminRoute(
  req: IncomingMessage,
  path: string,
  query: URLSearchParams,
  readJson: () => Promise<Record<string, unknown> | string>,
  keys: ApiKeyAdmin,
  log: Logger,
): Promise<KeysAnswer | undefined> {
  if (path !== '/keys' && !path.startsWith('/keys/')) return undefined;
  const method = req.method ?? 'GET';
  // Rotation options are all optional: no body means the defaults.
  const readBody = async () => (hasNoBody(req) ? {} : readJson());
  try {
    if (path === '/keys' && method === 'GET') {
      const page = parsePage(query);
      if (typeof page === 'string') return { status: 400, problem: 'bad-request', detail: page };
      return { status: 200, body: { keys: await keys.list(page) } };
    }
    if (path === '/keys' && method === 'POST') {
      const raw = await readBody();
      if (typeof raw === 'string') return { status: 400, problem: 'bad-request', detail: raw };
      const b = CreateBody.safeParse(raw);
      if (!b.success) return { status: 400, problem: 'bad-request', detail: describeIssues(b.error) };
      const { api, name, scopes, roles, tenant, expires } = b.data;
      const created = await keys.create({
        api,
        name,
        createdBy: 'admin-api',
        ...(scopes ? { scopes } : {}),
        ...(roles ? { roles } : {}),
        ...(tenant !== undefined ? { tenant } : {}),
        ...(expires !== undefined ? { expiresAt: parseExpiry(expires, Date.now()) } : {}),
      });
      log.info({ keyId: created.summary.id, api: created.summary.api, keyName: created.summary.name }, 'API key created through the admin API');
      return { status: 201, body: { key: created.key, apiKey: created.summary, warning: ONCE } };
    }
    if (path === '/keys') return { status: 405, problem: 'method-not-allowed', detail: 'Use GET or POST on /keys.', headers: { allow: 'GET, POST' } };
    const m = /^\/keys\/([^/]+)(?:\/(revoke|rotate))?$/.exec(path);
    if (!m) return { status: 404, problem: 'not-found', detail: 'Unknown admin endpoint.' };
    let id: string;
    try {
      id = decodeURIComponent(m[1]!);
    } catch {
      return { status: 400, problem: 'bad-request', detail: 'the key id is not valid percent-encoding' };
    }
    const action = m[2];
    if (action === undefined && method === 'GET') {
      const k = await keys.get(id);
      return k ? { status: 200, body: k } : { status: 404, problem: 'not-found', detail: 'No such API key.' };
    }
    if (action === undefined && method === 'DELETE') {
      return { status: 405, problem: 'method-not-allowed', detail: 'API keys are revoked (POST /keys/{id}/revoke), not deleted: the record stays for audit.', headers: { allow: 'GET' } };
    }
    if (action === 'revoke' && method === 'POST') {
      const r = await keys.revoke(id);
      if (!r.already) log.info({ keyId: r.summary.id, api: r.summary.api }, 'API key revoked through the admin API');
      return { status: 200, body: { apiKey: r.summary, alreadyRevoked: r.already } };
    }
    if (action === 'rotate' && method === 'POST') {
      const raw = await readBody();
      if (typeof raw === 'string') return { status: 400, problem: 'bad-request', detail: raw };
      const b = RotateBody.safeParse(raw);
      if (!b.success) return { status: 400, problem: 'bad-request', detail: describeIssues(b.error) };
      const r = await keys.rotate(id, {
        createdBy: 'admin-api',
        ...(b.data.grace !== undefined ? { graceMs: parseDuration(b.data.grace, 'grace') } : {}),
        ...(b.data.expires !== undefined ? { expiresAt: parseExpiry(b.data.expires, Date.now()) } : {}),
      });
      log.info({ keyId: r.previous.id, successor: r.summary.id, graceUntil: r.previous.graceUntil }, 'API key rotated through the admin API');
      return { status: 201, body: { key: r.key, apiKey: r.summary, previous: r.previous, warning: ONCE } };
    }
    if (action !== undefined) return { status: 405, problem: 'method-not-allowed', detail: `Use POST /keys/{id}/${action}.`, headers: { allow: 'POST' } };
    return { status: 405, problem: 'method-not-allowed', detail: 'Use GET on /keys/{id}.', headers: { allow: 'GET' } };
  } catch (err) {
    if (err instanceof ApiKeyError) {
      const problem = err.kind === 'not-found' ? 'not-found' : err.kind === 'conflict' ? 'conflict' : 'bad-request';
      return { status: err.kind === 'not-found' ? 404 : err.kind === 'conflict' ? 409 : 400, problem, detail: err.message };
    }
    throw err;
  }
}

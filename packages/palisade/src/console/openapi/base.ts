// The console API's OpenAPI 3.1 document: the sign-in, users and audit endpoints described here,
// merged with the slices of the other console files (data-paths.ts, scan-paths.ts). Served at
// GET /console/api/openapi.json; console.openapi.test.ts validates real answers against it.
import { openapiPart as dataPart } from './data-paths.js';
import { openapiPart as scanPart } from './scan-paths.js';
import type { JsonObject, OpenApiPart } from './types.js';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const jsonBody = (schema: JsonObject) => ({ content: { 'application/json': { schema } } });
const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: ref('Problem') } } });

/** Answers every console endpoint may give besides its own. */
export const COMMON_PROBLEMS = {
  '401': problem('No session, or it ended.'),
  '403': problem('The role is too low, the CSRF token is missing or wrong, or the request came from another origin.'),
};

/** Answers of every endpoint that reads a JSON body. */
export const BODY_PROBLEMS = {
  '413': problem('The body is larger than the endpoint accepts.'),
  '415': problem('The body is not sent as application/json.'),
};

const usernameParam = { name: 'username', in: 'path', required: true, schema: { type: 'string', pattern: '^[A-Za-z0-9._@:+-]{1,128}$' } };

const basePart: OpenApiPart = {
  schemas: {
    Problem: {
      type: 'object',
      description: 'RFC 9457 problem details.',
      required: ['type', 'title', 'status'],
      properties: {
        type: { type: 'string' },
        title: { type: 'string' },
        status: { type: 'integer' },
        detail: { type: 'string' },
        requestId: { type: 'string' },
      },
    },
    Role: { type: 'string', enum: ['viewer', 'operator', 'admin'] },
    SessionUser: {
      type: 'object',
      additionalProperties: false,
      required: ['username', 'displayName', 'role', 'source'],
      properties: { username: { type: 'string' }, displayName: { type: 'string' }, role: ref('Role'), source: { type: 'string', enum: ['local', 'oidc'] } },
    },
    SsoInfo: {
      type: 'object',
      additionalProperties: false,
      required: ['enabled', 'name'],
      properties: { enabled: { type: 'boolean' }, name: { type: 'string', description: 'Label of the sign-in button.' } },
    },
    Session: {
      type: 'object',
      additionalProperties: false,
      required: ['user', 'csrfToken', 'sso'],
      properties: {
        user: ref('SessionUser'),
        csrfToken: { type: 'string', description: 'Send it in the x-csrf-token header of every request that changes something.' },
        sso: ref('SsoInfo'),
      },
    },
    User: {
      type: 'object',
      additionalProperties: false,
      required: ['username', 'displayName', 'role', 'source', 'createdAt', 'updatedAt', 'disabled'],
      properties: {
        username: { type: 'string' },
        displayName: { type: 'string' },
        role: ref('Role'),
        source: { type: 'string', enum: ['local', 'oidc'] },
        createdAt: { type: 'integer', description: 'Epoch milliseconds.' },
        updatedAt: { type: 'integer' },
        disabled: { type: 'boolean' },
      },
    },
    AuditEntry: {
      type: 'object',
      additionalProperties: false,
      required: ['id', 'at', 'actor', 'role', 'action', 'target', 'detail'],
      properties: {
        id: { type: 'string', description: 'Time-ordered (UUIDv7): page with ?before=<id>.' },
        at: { type: 'integer' },
        actor: { type: 'string' },
        role: { type: 'string' },
        action: { type: 'string', examples: ['user.create', 'session.create', 'finding.status'] },
        target: { type: 'string' },
        detail: { type: 'object' },
      },
    },
  },
  paths: {
    '/session': {
      get: {
        summary: 'The signed-in user, the CSRF token and the SSO button',
        tags: ['session'],
        responses: { '200': { description: 'Signed in.', ...jsonBody(ref('Session')) }, '401': COMMON_PROBLEMS['401'] },
      },
      post: {
        summary: 'Sign in with a console account',
        tags: ['session'],
        security: [],
        requestBody: {
          required: true,
          ...jsonBody({ type: 'object', required: ['username', 'password'], properties: { username: { type: 'string' }, password: { type: 'string', format: 'password' } } }),
        },
        responses: {
          '200': { description: 'Signed in; the session cookie is set (HttpOnly, SameSite=Strict, Path=/console).', ...jsonBody(ref('Session')) },
          '400': problem('username or password missing.'),
          '401': problem('Wrong username or password (the same answer for an unknown user).'),
          '429': problem('Too many failed attempts for this username or address: see Retry-After.'),
          ...BODY_PROBLEMS,
        },
      },
      delete: { summary: 'Sign out', tags: ['session'], responses: { '204': { description: 'Signed out; the cookie is cleared.' }, ...COMMON_PROBLEMS } },
    },
    '/sso': { get: { summary: 'Whether single sign-on is configured', tags: ['session'], security: [], responses: { '200': { description: 'SSO settings.', ...jsonBody(ref('SsoInfo')) } } } },
    '/sso/login': {
      get: { summary: 'Start single sign-on (redirects to the provider)', tags: ['session'], security: [], responses: { '302': { description: 'To the provider.' }, '404': { description: 'Not configured.' } } },
    },
    '/sso/callback': {
      get: {
        summary: 'The provider sends the browser back here',
        tags: ['session'],
        security: [],
        responses: { '302': { description: 'Signed in: to /console/ with the session cookie.' }, '401': { description: 'HTML page: sign-in failed.' }, '403': { description: 'HTML page: no console role.' } },
      },
    },
    '/users': {
      get: {
        summary: 'Console users',
        tags: ['users'],
        responses: { '200': { description: 'Users.', ...jsonBody({ type: 'object', required: ['users'], properties: { users: { type: 'array', items: ref('User') } } }) }, ...COMMON_PROBLEMS },
      },
      post: {
        summary: 'Create a local console user',
        tags: ['users'],
        requestBody: {
          required: true,
          ...jsonBody({
            type: 'object',
            required: ['username', 'role'],
            properties: { username: { type: 'string' }, role: ref('Role'), displayName: { type: 'string' }, password: { type: 'string', minLength: 12, description: 'Absent: one is generated and returned once.' } },
          }),
        },
        responses: {
          '201': {
            description: 'Created.',
            ...jsonBody({ type: 'object', required: ['user'], additionalProperties: false, properties: { user: ref('User'), password: { type: 'string', description: 'Only when generated: shown this once.' } } }),
          },
          '400': problem('Invalid username, role or password.'),
          '409': problem('The username is taken.'),
          ...BODY_PROBLEMS,
          ...COMMON_PROBLEMS,
        },
      },
    },
    '/users/{username}': {
      parameters: [usernameParam],
      patch: {
        summary: 'Change a user (role, name, disabled, password); ends their sessions when the role, password or disabled flag changes',
        tags: ['users'],
        requestBody: {
          required: true,
          ...jsonBody({ type: 'object', properties: { role: ref('Role'), displayName: { type: 'string' }, disabled: { type: 'boolean' }, password: { type: 'string', minLength: 12 } } }),
        },
        responses: {
          '200': { description: 'Changed.', ...jsonBody({ type: 'object', required: ['user'], properties: { user: ref('User') } }) },
          '404': problem('No such user.'),
          '400': problem('Invalid role, name, flag or password.'),
          '409': problem('It would leave no enabled admin, or you would lock yourself out.'),
          ...BODY_PROBLEMS,
          ...COMMON_PROBLEMS,
        },
      },
      delete: {
        summary: 'Delete a user and their sessions',
        tags: ['users'],
        responses: { '204': { description: 'Deleted.' }, '404': problem('No such user.'), '409': problem('Yourself, or the last enabled admin.'), ...COMMON_PROBLEMS },
      },
    },
    '/audit': {
      get: {
        summary: 'The audit log of changes, newest first',
        tags: ['audit'],
        parameters: [
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } },
          { name: 'before', in: 'query', schema: { type: 'string' }, description: 'An entry id: only older entries.' },
        ],
        responses: { '200': { description: 'Entries.', ...jsonBody({ type: 'object', required: ['entries'], properties: { entries: { type: 'array', items: ref('AuditEntry') } } }) }, ...COMMON_PROBLEMS },
      },
    },
    '/openapi.json': { get: { summary: 'This document', tags: ['meta'], security: [], responses: { '200': { description: 'OpenAPI 3.1.', ...jsonBody({ type: 'object' }) } } } },
  },
};

/** The slices merged into the document, in order; a later slice may not redefine a path or schema. */
export const OPENAPI_PARTS: readonly OpenApiPart[] = [basePart, dataPart, scanPart];

export function consoleOpenApi(parts: readonly OpenApiPart[] = OPENAPI_PARTS): JsonObject {
  const paths: Record<string, JsonObject> = {};
  const schemas: Record<string, JsonObject> = {};
  for (const part of parts) {
    for (const [p, item] of Object.entries(part.paths)) {
      if (paths[p]) throw new Error(`console OpenAPI: path ${p} is described twice`);
      paths[p] = item;
    }
    for (const [n, s] of Object.entries(part.schemas)) {
      if (schemas[n]) throw new Error(`console OpenAPI: schema ${n} is described twice`);
      schemas[n] = s;
    }
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Palisade console API',
      version: '1',
      description:
        'The JSON API of the Palisade web console. Sign in with POST /session (or single sign-on); the session cookie authenticates every other call. ' +
        'Every request that changes something must carry the x-csrf-token header (from GET /session) and, when the browser sends one, an Origin equal to the console\'s. ' +
        'Roles: viewer < operator < admin. Errors are RFC 9457 problem+json.',
    },
    servers: [{ url: '/console/api' }],
    security: [{ session: [] }],
    paths,
    components: {
      schemas,
      securitySchemes: { session: { type: 'apiKey', in: 'cookie', name: 'palisade_console' } },
    },
  };
}

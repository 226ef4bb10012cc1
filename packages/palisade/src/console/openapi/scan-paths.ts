// OpenAPI paths and schemas of the console API's scan and settings endpoints (scan-routes.ts):
// scans, APIs, palisade.yaml, API keys, OAuth clients and alert sinks.
import type { JsonObject, OpenApiPart } from './types.js';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const jsonBody = (schema: JsonObject) => ({ content: { 'application/json': { schema } } });
const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: ref('Problem') } } });
const ok = (description: string, schema: JsonObject) => ({ description, ...jsonBody(schema) });
const obj = (required: string[], properties: Record<string, unknown>, strict = true): JsonObject => ({ type: 'object', ...(strict ? { additionalProperties: false } : {}), required, properties });
const int = { type: 'integer' };
const str = { type: 'string' };
const epoch = { type: 'integer', description: 'Epoch milliseconds.' };
const strings = { type: 'array', items: str };
const idParam = (name: string, description: string) => ({ name, in: 'path', required: true, description, schema: { type: 'string', maxLength: 200 } });

const COMMON = {
  '401': problem('No session, or it ended.'),
  '403': problem('The role is too low, the CSRF token is missing or wrong, or the request came from another origin.'),
};
const invalid = problem('The configuration has problems: `issues` lists each with its option path, line and column; nothing changed.');
const unavailable = problem('The feature is not running in this Palisade (no configuration file, no admin API, OAuth server off).');
const severities = obj(['critical', 'high', 'medium', 'low', 'info'], { critical: int, high: int, medium: int, low: int, info: int });

const schemas: Record<string, JsonObject> = {
  ScanStatus: { type: 'string', enum: ['queued', 'running', 'finished', 'failed', 'cancelled'] },
  ScanProgress: obj(['phase', 'operations', 'requests', 'findings', 'updatedAt'], {
    phase: { type: 'string', description: 'queued, running, explore, checks, cleanup, done, failed or cancelled.' },
    operations: int,
    requests: int,
    findings: int,
    updatedAt: epoch,
  }),
  ScanSummary: obj(['findings', 'bySeverity', 'requests', 'operations', 'checks', 'durationMs', 'notes', 'fingerprints'], {
    findings: int,
    bySeverity: severities,
    requests: int,
    operations: int,
    checks: int,
    durationMs: int,
    notes: { ...strings, description: 'Budget exhaustion, skipped checks, identities whose sign-in was not proven.' },
    fingerprints: { ...strings, description: 'The findings reported (open them under /findings).' },
    stored: obj(['created', 'updated', 'fixed'], { created: int, updated: int, fixed: int }),
  }),
  Scan: obj(['id', 'target', 'specSource', 'status', 'startedBy', 'createdAt', 'hasReport'], {
    id: str,
    target: { type: 'string', description: 'Base URL scanned.' },
    specSource: { type: 'string', description: "The API description: a path, a URL, or 'inline'." },
    api: { type: 'string', description: 'The configured API scanned.' },
    status: ref('ScanStatus'),
    startedBy: str,
    createdAt: epoch,
    startedAt: epoch,
    finishedAt: epoch,
    progress: ref('ScanProgress'),
    summary: ref('ScanSummary'),
    error: { type: 'string', description: 'Why it failed or who cancelled it.' },
    hasReport: { type: 'boolean', description: 'GET /scans/{id}/report.html answers.' },
  }),
  ApiDescription: obj(['name', 'upstream'], {
    name: str,
    upstream: str,
    openapi: { type: 'string', description: 'Path or URL of the OpenAPI document.' },
    spec: obj(['operations', 'defects'], { title: str, operations: int, defects: int }),
    specError: str,
    audit: obj(['score', 'findings', 'bySeverity'], { score: { type: 'number', minimum: 0, maximum: 100 }, findings: int, bySeverity: severities }),
    scanConfig: { type: 'string', description: 'The palisade-scan.yaml POST /scans {api} uses.' },
  }),
  ConfigValidationIssue: obj(['message'], {
    path: { type: 'string', description: "Option path, e.g. 'gateway.listen.port'; absent for a syntax problem." },
    line: { type: 'integer', minimum: 1 },
    column: { type: 'integer', minimum: 1 },
    message: str,
  }),
  ConfigValidation: obj(['valid', 'issues'], { valid: { type: 'boolean' }, issues: { type: 'array', items: ref('ConfigValidationIssue') } }),
  ConfigView: obj(['path', 'yaml', 'valid', 'issues'], {
    path: str,
    yaml: { type: 'string', description: "palisade.yaml as written, every secret replaced by '[redacted]'. Saving it back keeps the secrets." },
    valid: { type: 'boolean' },
    issues: { type: 'array', items: ref('ConfigValidationIssue') },
  }),
  ApiKeySummary: obj(['id', 'hint', 'api', 'name', 'scopes', 'roles', 'status', 'createdAt'], {
    id: str,
    hint: str,
    api: str,
    name: str,
    scopes: strings,
    roles: strings,
    tenant: str,
    status: { type: 'string', enum: ['active', 'grace', 'rotated', 'expired', 'revoked'] },
    createdAt: epoch,
    createdBy: str,
    expiresAt: epoch,
    revokedAt: epoch,
    lastUsedAt: epoch,
    replacedBy: str,
    replaces: str,
    graceUntil: epoch,
  }),
  IssuedApiKey: obj(['key', 'apiKey', 'warning'], {
    key: { type: 'string', description: 'The key in clear: shown in this answer only.' },
    apiKey: ref('ApiKeySummary'),
    previous: ref('ApiKeySummary'),
    warning: str,
  }),
  OAuthClientSummary: obj(['clientId', 'name', 'type', 'redirectUris', 'grantTypes', 'scopes', 'createdAt'], {
    clientId: str,
    name: str,
    type: { type: 'string', enum: ['confidential', 'public'] },
    redirectUris: strings,
    grantTypes: strings,
    scopes: strings,
    createdAt: epoch,
  }),
  IssuedOAuthClient: obj(['client'], {
    client: ref('OAuthClientSummary'),
    clientSecret: { type: 'string', description: 'Shown in this answer only; absent for a public client.' },
    warning: str,
  }),
  AlertSink: obj(['index', 'type', 'destination', 'settings'], {
    index: int,
    type: { type: 'string', enum: ['webhook', 'slack', 'syslog', 'stdout'] },
    destination: { type: 'string', description: 'A URL (password redacted), host:port, or the environment variable holding the secret URL.' },
    secretSet: { type: 'boolean', description: 'Whether the environment variable holding the secret is set (never its value).' },
    delivery: obj(['sent', 'failed', 'dropped'], { sent: int, failed: int, dropped: int }),
    settings: { type: 'object' },
  }),
};

const scanId = idParam('id', 'Scan id.');
const keyId = idParam('id', 'API key id (the part after pal_).');
const clientId = idParam('id', 'OAuth client id.');

const paths: Record<string, JsonObject> = {
  '/scans': {
    get: {
      summary: 'Scans, newest first',
      tags: ['scans'],
      parameters: [
        { name: 'status', in: 'query', schema: ref('ScanStatus') },
        { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 500, default: 50 } },
        { name: 'before', in: 'query', description: 'Only scans created before this epoch ms (paging).', schema: { type: 'integer', minimum: 0 } },
      ],
      responses: {
        '200': ok('Scans.', obj(['scans'], { scans: { type: 'array', items: ref('Scan') }, running: { type: 'string', description: 'Id of the scan running now.' } })),
        '400': problem('A bad parameter.'),
        ...COMMON,
      },
    },
    post: {
      summary: 'Start a scan (operator; admin for targets other than loopback and the configured upstreams)',
      description:
        'Queued and run in the Palisade process, one at a time (at most 5 waiting). `api` picks a configured API: its OpenAPI document, its upstream as target, and the palisade-scan.yaml beside the document. ' +
        '`spec` is the API description itself (OpenAPI, Swagger, HAR, Postman, WSDL, GraphQL introspection) or its URL; `configYaml` a palisade-scan.yaml (identities, budgets, checks), which never reads the server environment.',
      tags: ['scans'],
      requestBody: {
        required: true,
        ...jsonBody(obj([], { api: str, spec: { type: 'string', maxLength: 4194304 }, target: { type: 'string', format: 'uri' }, configYaml: { type: 'string', maxLength: 262144 } }, false)),
      },
      responses: {
        '202': ok('Queued.', ref('Scan')),
        '400': problem('Nothing to scan, an unknown API, a bad target.'),
        '422': problem('configYaml is not a valid scan configuration (`issues`).'),
        '429': problem('The queue is full.'),
        ...COMMON,
      },
    },
  },
  '/scans/{id}': {
    get: {
      summary: 'One scan with its live progress (written every second while it runs)',
      tags: ['scans'],
      parameters: [scanId],
      responses: { '200': ok('The scan.', ref('Scan')), '404': problem('No such scan.'), ...COMMON },
    },
  },
  '/scans/{id}/report.html': {
    get: {
      summary: 'The HTML report of a finished scan',
      tags: ['scans'],
      parameters: [scanId],
      responses: { '200': { description: 'Self-contained HTML, served sandboxed.', content: { 'text/html': { schema: { type: 'string' } } } }, '404': problem('No such scan, or no report yet.'), ...COMMON },
    },
  },
  '/scans/{id}/cancel': {
    post: {
      summary: 'Cancel a queued or running scan',
      tags: ['scans'],
      parameters: [scanId],
      responses: { '200': ok('The scan (a running one ends as cancelled within a moment).', ref('Scan')), '404': problem('No such scan.'), '409': problem('The scan already ended.'), ...COMMON },
    },
  },
  '/apis': {
    get: {
      summary: 'The configured APIs with their OpenAPI documents and audit scores',
      tags: ['settings'],
      responses: { '200': ok('APIs.', obj(['apis'], { apis: { type: 'array', items: ref('ApiDescription') } })), ...COMMON },
    },
  },
  '/config': {
    get: {
      summary: 'palisade.yaml, secrets redacted, with its validation (admin)',
      tags: ['settings'],
      responses: { '200': ok('The configuration.', ref('ConfigView')), '503': unavailable, ...COMMON },
    },
    put: {
      summary: 'Save palisade.yaml (admin): validated, written atomically, previous text kept as a config change, Shield reloaded',
      tags: ['settings'],
      requestBody: { required: true, ...jsonBody(obj(['yaml'], { yaml: { type: 'string', maxLength: 262144 } })) },
      responses: {
        '200': ok('Saved and applied, or unchanged.', obj(['saved', 'changed', 'reloaded'], { saved: { type: 'boolean' }, changed: { type: 'boolean' }, reloaded: { type: 'boolean' }, changeId: str })),
        '400': problem('No yaml.'),
        '413': problem('Over 256 KiB.'),
        '422': invalid,
        '503': unavailable,
        ...COMMON,
      },
    },
  },
  '/config/validate': {
    post: {
      summary: 'Validate a palisade.yaml text without saving it (admin)',
      tags: ['settings'],
      requestBody: { required: true, ...jsonBody(obj(['yaml'], { yaml: { type: 'string', maxLength: 262144 } })) },
      responses: { '200': ok('Valid or not, with every issue located.', ref('ConfigValidation')), '400': problem('No yaml.'), '503': unavailable, ...COMMON },
    },
  },
  '/keys': {
    get: {
      summary: 'API keys, newest first (never a secret or a hash; admin)',
      tags: ['settings'],
      parameters: [
        { name: 'api', in: 'query', schema: str },
        { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 10000 } },
      ],
      responses: { '200': ok('Keys.', obj(['keys'], { keys: { type: 'array', items: ref('ApiKeySummary') } })), '503': unavailable, ...COMMON },
    },
    post: {
      summary: 'Issue an API key (admin): the key is in this answer only',
      tags: ['settings'],
      requestBody: {
        required: true,
        ...jsonBody(obj(['api', 'name'], { api: str, name: str, scopes: strings, roles: strings, tenant: str, expires: { type: 'string', description: 'A duration from now (30d, 12h) or a date.' } })),
      },
      responses: { '201': ok('Issued.', ref('IssuedApiKey')), '400': problem('Unknown API, bad name or expiry.'), '503': unavailable, ...COMMON },
    },
  },
  '/keys/{id}/rotate': {
    post: {
      summary: 'Rotate an API key (admin): a new key, shown once; the old one works during the grace period',
      tags: ['settings'],
      parameters: [keyId],
      requestBody: { ...jsonBody(obj([], { grace: { type: 'string', description: 'Default 24h.' }, expires: str })) },
      responses: { '201': ok('Rotated.', ref('IssuedApiKey')), '404': problem('No such key.'), '409': problem('The key was revoked or already rotated.'), '503': unavailable, ...COMMON },
    },
  },
  '/keys/{id}': {
    delete: {
      summary: 'Revoke an API key (admin); the record stays for audit',
      tags: ['settings'],
      parameters: [keyId],
      responses: { '200': ok('Revoked.', obj(['apiKey', 'alreadyRevoked'], { apiKey: ref('ApiKeySummary'), alreadyRevoked: { type: 'boolean' } })), '404': problem('No such key.'), '503': unavailable, ...COMMON },
    },
  },
  '/oauth/clients': {
    get: {
      summary: 'OAuth clients of the built-in authorization server (admin)',
      tags: ['settings'],
      responses: { '200': ok('Clients.', obj(['clients'], { clients: { type: 'array', items: ref('OAuthClientSummary') } })), '503': unavailable, ...COMMON },
    },
    post: {
      summary: 'Register an OAuth client (admin): its secret is in this answer only',
      tags: ['settings'],
      requestBody: {
        required: true,
        ...jsonBody(obj(['name'], { name: str, redirectUris: strings, grantTypes: { type: 'array', items: { type: 'string', enum: ['authorization_code', 'refresh_token', 'client_credentials'] } }, scopes: strings, public: { type: 'boolean' } })),
      },
      responses: { '201': ok('Registered.', ref('IssuedOAuthClient')), '400': problem('A bad grant, redirect URI or scope.'), '503': unavailable, ...COMMON },
    },
  },
  '/oauth/clients/{id}/rotate': {
    post: {
      summary: "Give a confidential client a new secret (admin), shown once; the old one stops working",
      tags: ['settings'],
      parameters: [clientId],
      responses: { '200': ok('Rotated.', ref('IssuedOAuthClient')), '400': problem('A public client has no secret.'), '404': problem('No such client.'), '503': unavailable, ...COMMON },
    },
  },
  '/oauth/clients/{id}': {
    delete: {
      summary: 'Delete an OAuth client (admin)',
      tags: ['settings'],
      parameters: [clientId],
      responses: { '204': { description: 'Deleted.' }, '404': problem('No such client.'), '503': unavailable, ...COMMON },
    },
  },
  '/sinks': {
    get: {
      summary: 'Alert sinks of watch.alerts, secrets redacted, with delivery counts when Watch runs (admin)',
      tags: ['settings'],
      responses: { '200': ok('Sinks.', obj(['minSeverity', 'sinks'], { minSeverity: str, sinks: { type: 'array', items: ref('AlertSink') } })), ...COMMON },
    },
  },
};

export const openapiPart: OpenApiPart = { paths, schemas };

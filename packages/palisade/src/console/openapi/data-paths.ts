// OpenAPI paths and schemas of the console API's data endpoints (data-routes.ts): overview,
// inventory, findings with triage and "apply protection", configuration changes, threats, blocks.
import type { JsonObject, OpenApiPart } from './types.js';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const jsonBody = (schema: JsonObject) => ({ content: { 'application/json': { schema } } });
const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: ref('Problem') } } });
const ok = (description: string, schema: JsonObject) => ({ description, ...jsonBody(schema) });
const obj = (required: string[], properties: Record<string, unknown>): JsonObject => ({ type: 'object', additionalProperties: false, required, properties });
const int = { type: 'integer' };
const num = { type: 'number' };
const str = { type: 'string' };
const bool = { type: 'boolean' };
const epoch = { type: 'integer', description: 'Epoch milliseconds.' };
const strings = { type: 'array', items: str };
const nullable = (s: JsonObject) => ({ anyOf: [s, { type: 'null' }] });
const arr = (items: JsonObject, maxItems?: number) => ({ type: 'array', items, ...(maxItems !== undefined ? { maxItems } : {}) });
const pathParam = (name: string, description: string) => ({ name, in: 'path', required: true, description, schema: { type: 'string', maxLength: 4000 } });
const queryParam = (name: string, description: string, schema: JsonObject) => ({ name, in: 'query', required: false, description, schema });

const COMMON = {
  '401': problem('No session, or it ended.'),
  '403': problem('The role is too low, the CSRF token is missing or wrong, or the request came from another origin.'),
};
const badRequest = problem('A parameter or body field is missing or malformed; `detail` names it.');
const notFound = problem('No such item.');
const severity = { type: 'string', enum: ['critical', 'high', 'medium', 'low', 'info'] };
const findingStatus = { type: 'string', enum: ['new', 'confirmed', 'accepted-risk', 'false-positive', 'fixed'] };
const hours = queryParam('hours', 'Window, in hours back from now (1 to 744).', { type: 'integer', minimum: 1, maximum: 744, default: 24 });
const headers = { type: 'object', additionalProperties: str };

const ENDPOINT_REQUIRED = ['key', 'host', 'method', 'template', 'authMethods', 'sensitive', 'risk', 'flags', 'volume', 'errorRate', 'p50', 'p95', 'firstSeen', 'lastSeen'];
const ENDPOINT_PROPS: Record<string, unknown> = {
  key: { type: 'string', description: 'Opaque id of the endpoint (for /inventory/endpoints/{key}).' },
  host: { type: 'string', description: 'The API (apis[].name) the endpoint belongs to; empty when unknown.' },
  method: str,
  template: { type: 'string', description: 'Path template, e.g. /orders/{orderId}.' },
  operationId: { type: 'string', description: 'The documented operation it is.' },
  authMethods: { ...strings, description: 'Authentication seen: none, bearer, jwt, apiKey, basic, cookie, mtls, unknown.' },
  sensitive: { ...strings, description: 'Sensitive-data classes seen in requests or responses.' },
  risk: obj(['score', 'level'], { score: { type: 'integer', minimum: 0, maximum: 100 }, level: ref('RiskLevel') }),
  flags: obj(['new', 'shadow', 'zombie', 'orphan'], {
    new: { type: 'boolean', description: 'First seen within the last 24 hours.' },
    shadow: { type: 'boolean', description: 'Seen, not in the API description.' },
    zombie: { type: 'boolean', description: 'Deprecated or retired, still called.' },
    orphan: { type: 'boolean', description: 'Documented, never seen.' },
  }),
  volume: int,
  errorRate: { type: 'number', minimum: 0, maximum: 1 },
  p50: nullable(num),
  p95: nullable(num),
  firstSeen: nullable(epoch),
  lastSeen: nullable(epoch),
};

const FINDING_REQUIRED = ['id', 'fingerprint', 'source', 'checkId', 'title', 'severity', 'category', 'status', 'firstSeenAt', 'lastSeenAt', 'protectable'];
const FINDING_PROPS: Record<string, unknown> = {
  id: { type: 'string', description: 'The fingerprint: stable across runs.' },
  fingerprint: str,
  source: { type: 'string', enum: ['scan', 'audit', 'watch'] },
  checkId: str,
  title: str,
  severity,
  category: { type: 'string', description: 'OWASP API Security Top 10 2023 category.' },
  cwe: int,
  status: findingStatus,
  api: str,
  operation: { type: 'string', description: "'METHOD /path/{param}'." },
  firstSeenAt: epoch,
  lastSeenAt: epoch,
  scanId: { type: 'string', description: 'The scan (or alert) that reported it last.' },
  protectable: { type: 'boolean', description: 'A palisade.yaml change is known for it (see the finding page for the preview).' },
};

const schemas: Record<string, JsonObject> = {
  Overview: obj(['window', 'traffic', 'blockedByReason', 'findingsBySeverity', 'alertsOverTime', 'topEndpoints', 'topActors', 'totals'], {
    window: obj(['from', 'to', 'bucketMs', 'truncated'], {
      from: epoch,
      to: epoch,
      bucketMs: int,
      truncated: { type: 'boolean', description: 'More exchanges than the overview reads (20,000) fell in the window: the figures cover the most recent ones.' },
    }),
    traffic: arr(obj(['t', 'total', 'blocked', 'errors'], { t: epoch, total: int, blocked: int, errors: { ...int, description: 'Answers with a 5xx status.' } })),
    blockedByReason: arr(obj(['reason', 'count'], { reason: { type: 'string', description: "The refusal's code (rate-limited, waf-blocked, ...) or the stage." }, count: int })),
    findingsBySeverity: obj(['critical', 'high', 'medium', 'low', 'info'], { critical: int, high: int, medium: int, low: int, info: int }),
    alertsOverTime: arr(obj(['t', 'count'], { t: epoch, count: int })),
    topEndpoints: arr(obj(['endpoint', 'attacks', 'requests'], { endpoint: str, attacks: { ...int, description: 'Refused requests plus alerts.' }, requests: int }), 10),
    topActors: arr(obj(['kind', 'id', 'alerts', 'blocked', 'lastSeen'], { kind: str, id: str, alerts: int, blocked: { ...int, description: 'Requests of the actor Shield refused.' }, lastSeen: epoch }), 10),
    totals: obj(['requests', 'blocked', 'openFindings', 'openAlerts', 'endpoints'], { requests: int, blocked: int, openFindings: int, openAlerts: int, endpoints: int }),
  }),
  RiskLevel: { type: 'string', enum: ['critical', 'high', 'medium', 'low', 'none'] },
  InventoryEndpoint: obj(ENDPOINT_REQUIRED, ENDPOINT_PROPS),
  Inventory: obj(['generatedAt', 'live', 'endpoints'], {
    generatedAt: epoch,
    live: { type: 'boolean', description: 'False when this Palisade keeps no live inventory (the list is then empty).' },
    endpoints: arr(ref('InventoryEndpoint')),
  }),
  LearntParameter: obj(['name', 'required', 'schema'], { name: str, required: bool, schema: { type: 'object' } }),
  AlertRecord: {
    type: 'object',
    required: ['id', 'detector', 'title', 'severity', 'category', 'actor', 'figures', 'sampleExchangeIds', 'remediation', 'firstSeenAt', 'lastSeenAt', 'count'],
    additionalProperties: false,
    properties: {
      id: str,
      detector: str,
      title: str,
      severity,
      category: str,
      actor: obj(['kind', 'id'], { kind: str, id: str }),
      endpoint: str,
      figures: { type: 'object', additionalProperties: num, description: 'The detector figures that fired it.' },
      sampleExchangeIds: strings,
      remediation: str,
      firstSeenAt: epoch,
      lastSeenAt: epoch,
      count: int,
      response: obj(['action', 'targets', 'until'], { action: { type: 'string', enum: ['block', 'rate-limit'] }, targets: strings, until: epoch }),
    },
  },
  InventoryEndpointDetail: {
    type: 'object',
    additionalProperties: false,
    required: [...ENDPOINT_REQUIRED, 'requestSchema', 'responses', 'query', 'headers', 'riskReasons', 'series', 'findings', 'alerts'],
    properties: {
      ...ENDPOINT_PROPS,
      requestSchema: nullable({ type: 'object' }),
      responses: { type: 'object', additionalProperties: obj(['count', 'schema', 'samples'], { count: int, schema: nullable({ type: 'object' }), samples: { ...strings, description: 'Recorded response bodies, sensitive values replaced by their class.' } }) },
      query: arr(ref('LearntParameter')),
      headers: arr(ref('LearntParameter')),
      riskReasons: arr(obj(['reason', 'points'], { reason: str, points: int })),
      series: obj(['t', 'requests', 'errors', 'p95'], { t: arr(epoch), requests: arr(int), errors: arr(int), p95: arr(nullable(num)) }),
      findings: arr(ref('FindingSummary')),
      alerts: arr(ref('AlertRecord')),
    },
  },
  FindingSummary: obj(FINDING_REQUIRED, FINDING_PROPS),
  FindingEvidence: obj([], {
    request: obj(['method', 'url'], { method: str, url: str, headers, body: str }),
    response: obj(['status'], { status: int, headers, bodyExcerpt: str }),
    matched: { type: 'string', description: 'What matched: a pattern, a field, a difference.' },
    exchangeIds: strings,
  }),
  ProtectionPreview: obj(['before', 'after', 'diff'], { before: str, after: str, diff: { type: 'string', description: 'Unified diff of palisade.yaml.' } }),
  Finding: {
    type: 'object',
    additionalProperties: false,
    required: [...FINDING_REQUIRED, 'confidence', 'description', 'evidence', 'remediation', 'protection'],
    properties: {
      ...FINDING_PROPS,
      confidence: nullable({ type: 'string', enum: ['confirmed', 'firm', 'tentative'] }),
      description: nullable(str),
      evidence: arr(ref('FindingEvidence')),
      remediation: obj(['summary'], { summary: str, details: str, shieldPolicy: str }),
      statusBy: str,
      statusAt: epoch,
      statusNote: str,
      protection: obj(['available', 'description'], { available: bool, description: str, preview: ref('ProtectionPreview') }),
    },
  },
  ConfigChange: obj(['id', 'at', 'actor', 'path', 'summary', 'diff'], {
    id: str,
    at: epoch,
    actor: str,
    findingId: str,
    path: { type: 'string', description: 'The file changed.' },
    summary: str,
    diff: { type: 'string', description: 'Unified diff of the change.' },
    undoneAt: epoch,
    undoneBy: str,
  }),
  ConfigProblem: {
    type: 'object',
    required: ['type', 'title', 'status'],
    properties: {
      type: str,
      title: str,
      status: int,
      detail: str,
      issues: arr(obj(['path', 'message'], { path: str, line: int, column: int, message: str })),
    },
  },
  BlockEntry: obj(['entry', 'reason', 'createdBy', 'createdAt'], { entry: { type: 'string', description: 'Canonical address or CIDR range.' }, reason: str, createdBy: str, createdAt: epoch, expiresAt: epoch }),
  ThreatActor: obj(['kind', 'id', 'severity', 'alerts', 'firstSeen', 'lastSeen', 'blocked'], {
    kind: str,
    id: str,
    severity,
    alerts: arr(ref('AlertRecord'), 50),
    firstSeen: epoch,
    lastSeen: epoch,
    blocked: bool,
    blockEntry: ref('BlockEntry'),
  }),
  TimelineEvent: obj(['t', 'type', 'summary'], { t: epoch, type: { type: 'string', enum: ['exchange', 'alert', 'block'] }, summary: str, exchangeId: str, alertId: str }),
};

const configProblem = (description: string) => ({ description, content: { 'application/problem+json': { schema: ref('ConfigProblem') } } });

const paths: Record<string, JsonObject> = {
  '/overview': {
    get: { summary: 'Traffic, refusals, findings, alerts, top endpoints and actors', tags: ['overview'], parameters: [hours], responses: { '200': ok('The overview.', ref('Overview')), '400': badRequest, ...COMMON } },
  },
  '/inventory': {
    get: { summary: 'Endpoints learnt from traffic, with the documented ones never seen (orphans)', tags: ['inventory'], responses: { '200': ok('The inventory, riskiest first.', ref('Inventory')), ...COMMON } },
  },
  '/inventory/endpoints/{key}': {
    get: {
      summary: 'One endpoint: learnt schemas, masked samples, figures, findings and alerts',
      tags: ['inventory'],
      parameters: [pathParam('key', 'The endpoint key from GET /inventory.')],
      responses: { '200': ok('The endpoint.', ref('InventoryEndpointDetail')), '404': notFound, ...COMMON },
    },
  },
  '/inventory/split': {
    post: {
      summary: 'Split a template at one of its parameters (operator)',
      tags: ['inventory'],
      requestBody: { required: true, ...jsonBody(obj(['key', 'segment'], { key: str, segment: { oneOf: [{ type: 'integer', minimum: 0 }, { type: 'string' }], description: 'Index of the path segment (0 for the first) or the name of the {parameter}.' } })) },
      responses: { '200': ok('The API\'s templates after the split.', obj(['templates'], { templates: strings })), '400': badRequest, '404': notFound, '409': problem('No live inventory is kept.'), ...COMMON },
    },
  },
  '/inventory/openapi.json': {
    get: { summary: 'The learnt API as an OpenAPI 3.1 document (download)', tags: ['inventory'], responses: { '200': ok('OpenAPI 3.1.', { type: 'object' }), '409': problem('No live inventory is kept.'), ...COMMON } },
  },
  '/findings': {
    get: {
      summary: 'The findings queue: scans, audits and Watch, most severe first',
      tags: ['findings'],
      parameters: [
        queryParam('status', 'Comma-separated statuses.', str),
        queryParam('severity', 'Comma-separated severities.', str),
        queryParam('source', 'scan, audit or watch.', { type: 'string', enum: ['scan', 'audit', 'watch'] }),
        queryParam('q', 'Text searched in the title, check id, operation and fingerprint.', { type: 'string', maxLength: 200 }),
        queryParam('limit', 'Most findings returned (default 1000).', { type: 'integer', minimum: 1, maximum: 5000 }),
      ],
      responses: { '200': ok('The findings.', obj(['findings'], { findings: arr(ref('FindingSummary')) })), '400': badRequest, ...COMMON },
    },
  },
  '/findings/{id}': {
    get: {
      summary: 'A finding: evidence, remediation and the palisade.yaml change that would block it',
      tags: ['findings'],
      parameters: [pathParam('id', 'The finding id (fingerprint).')],
      responses: { '200': ok('The finding.', ref('Finding')), '404': notFound, ...COMMON },
    },
    patch: {
      summary: 'Triage a finding (operator)',
      tags: ['findings'],
      parameters: [pathParam('id', 'The finding id (fingerprint).')],
      requestBody: { required: true, ...jsonBody(obj(['status'], { status: findingStatus, note: { type: 'string', maxLength: 2000 } })) },
      responses: { '200': ok('The finding as updated.', ref('FindingSummary')), '400': badRequest, '404': notFound, ...COMMON },
    },
  },
  '/findings/{id}/protection': {
    post: {
      summary: "Apply the finding's protection: validate, write palisade.yaml, reload Shield (operator)",
      tags: ['findings'],
      parameters: [pathParam('id', 'The finding id (fingerprint).')],
      responses: {
        '200': ok('Applied; the change can be undone.', obj(['change'], { change: ref('ConfigChange') })),
        '404': notFound,
        '409': problem('No protection is available for this finding, or palisade.yaml changed since the preview.'),
        '422': configProblem('The changed configuration is invalid or Shield refused it on reload; the file is as it was. `issues` lists the problems.'),
        ...COMMON,
      },
    },
  },
  '/changes': {
    get: {
      summary: 'Configuration changes made from the console, newest first',
      tags: ['findings'],
      parameters: [queryParam('limit', 'Most changes (default 50).', { type: 'integer', minimum: 1, maximum: 500 })],
      responses: { '200': ok('The changes.', obj(['changes'], { changes: arr(ref('ConfigChange')) })), ...COMMON },
    },
  },
  '/changes/{id}/undo': {
    post: {
      summary: 'Undo a change: the previous palisade.yaml back, validated and reloaded (operator)',
      tags: ['findings'],
      parameters: [pathParam('id', 'The change id.')],
      responses: {
        '200': ok('Undone.', obj(['change'], { change: ref('ConfigChange') })),
        '404': notFound,
        '409': problem('Already undone, made to another file, or palisade.yaml changed since.'),
        '422': configProblem('The previous configuration no longer validates or Shield refused it; nothing changed.'),
        ...COMMON,
      },
    },
  },
  '/threats': {
    get: {
      summary: 'Alerts grouped by actor, most severe first',
      tags: ['threats'],
      parameters: [hours],
      responses: { '200': ok('The actors.', obj(['actors'], { actors: arr(ref('ThreatActor')) })), '400': badRequest, ...COMMON },
    },
  },
  '/threats/{kind}/{id}/timeline': {
    get: {
      summary: 'What one actor did: exchanges, alerts and blocks, newest first',
      tags: ['threats'],
      parameters: [pathParam('kind', 'ip, principal, apiKey, token, session, account...'), pathParam('id', 'The actor id (URL-encoded).')],
      responses: { '200': ok('The timeline.', obj(['events'], { events: arr(ref('TimelineEvent'), 300) })), '400': badRequest, ...COMMON },
    },
  },
  '/blocks': {
    get: { summary: "Shield's dynamic block list", tags: ['threats'], responses: { '200': ok('Blocks in force.', obj(['blocks'], { blocks: arr(ref('BlockEntry')) })), ...COMMON } },
    post: {
      summary: 'Block an address or range (operator)',
      tags: ['threats'],
      requestBody: { required: true, ...jsonBody(obj(['entry', 'reason'], { entry: { type: 'string', description: 'IP address or CIDR range.' }, reason: str, ttlSeconds: { type: 'integer', minimum: 1, maximum: 31622400 } })) },
      responses: { '201': ok('Placed.', obj(['block'], { block: nullable(ref('BlockEntry')) })), '400': badRequest, ...COMMON },
    },
  },
  '/blocks/{entry}': {
    delete: {
      summary: 'Lift a block (operator)',
      tags: ['threats'],
      parameters: [pathParam('entry', 'The address or range, URL-encoded (/ as %2F).')],
      responses: { '204': { description: 'Lifted.' }, '404': notFound, ...COMMON },
    },
  },
};

export const openapiPart: OpenApiPart = { paths, schemas };

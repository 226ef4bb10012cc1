// The `authorize` stage settings: function level (roles, scopes, admin operations), object level
// (owner conditions, owner lookups), property level (writable and readable properties) and
// business flows. Kept apart from schema.ts because the block is large; schema.ts includes it like
// any other stage. Conditions are parsed here, so a malformed one is refused with its option path.
//
// Every option sits directly in the block (no nested objects with defaults): a route override of
// one option must not reset its siblings (see authenticate.ts).
import { z } from 'zod';
import { parseExpression } from './authorize-expr.js';

const MiB = 1024 * 1024;

/**
 * How a rule, flow or admin list names operations:
 * `getOrder` (operationId), `GET /orders/{orderId}` (method and path template; `*` for any
 * method), `tag:admin` (OpenAPI tag), `prefix:/admin` (path prefix), `*` (every operation).
 */
export const OPERATION_SELECTOR = /^(?:\*|[A-Za-z_][\w.-]{0,127}|(?:[A-Z]{1,16}|\*) \/[^\s?#]{0,512}|tag:[^\s]{1,128}|prefix:\/[^\s?#]{0,512})$/;
const selector = z
  .string()
  .regex(OPERATION_SELECTOR, "an operation: an operationId, 'METHOD /path/{param}', 'tag:<tag>', 'prefix:/path' or '*'");
const selectors = z.array(selector).min(1);

/** Dot paths with `[]` for array items and `*` for any name: address.street, items[].email, [].id, *. */
export const PROPERTY_PATTERN = /^(?:\[\]|\*|[A-Za-z0-9_$@-]{1,128}(?:\[\])?)(?:\.(?:\*|[A-Za-z0-9_$@-]{1,128})(?:\[\])?){0,15}$/;
const propertyList = z.array(z.string().regex(PROPERTY_PATTERN, 'a property path: name, a.b, items[].email, [].id or *')).max(500);
const perRole = z.record(z.string().regex(/^(?:\*|[^\s]{1,128})$/, "a role name, or '*' for every caller"), propertyList);
const role = z.string().regex(/^[^\s,]{1,128}$/, 'a role or scope name');

function condition(roots: ReadonlyArray<string>, what: string) {
  return z
    .string()
    .max(1000)
    .superRefine((src, ctx) => {
      const r = parseExpression(src);
      if (!r.ok) return void ctx.addIssue({ code: 'custom', message: `invalid ${what}: ${r.error}` });
      const bad = [...r.roots].filter((x) => !roots.includes(x));
      if (bad.length > 0) ctx.addIssue({ code: 'custom', message: `invalid ${what}: ${bad.map((b) => `${b}.`).join(', ')} cannot be used here (allowed: ${roots.map((x) => `${x}.`).join(', ')})` });
    });
}

const ownerLookup = z
  .strictObject({
    path: z
      .string()
      .regex(/^\/[^\s?#]{0,512}$/, 'a path starting with / with {param} placeholders')
      .optional()
      .describe("Path requested from the API's upstream (GET, relative to apis[].upstream), e.g. /internal/owners/orders/{orderId}; {name} is the request's path parameter, URL-encoded. The JSON object answered is `lookup` in the owner condition; 404 means no such object (not the owner)."),
    sql: z
      .strictObject({
        database: z
          .string()
          .regex(/^(?:sqlite:.+|postgres(?:ql)?:\/\/.+)$/i, 'sqlite:<path> or postgres://user@host:5432/db')
          .optional()
          .describe('The database: sqlite:<path> (relative to the config file; opened read-only) or a PostgreSQL URL (read-only sessions). Prefer databaseEnv for URLs with passwords.'),
        databaseEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name').optional().describe('Environment variable holding the database URL; read when the configuration loads.'),
        query: z
          .string()
          .min(1)
          .max(2000)
          .describe(
            'One SELECT whose first row is `lookup` in the owner condition, e.g. `SELECT customer_id AS owner FROM orders WHERE id = {orderId}`. {name} is the request\'s path parameter, always bound as a parameter, never spliced into the text. No row means no such object (not the owner).',
          ),
      })
      .optional()
      .describe("Ownership read from the API's database instead of asked over HTTP: set either path or sql."),
    headers: z.record(z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'an HTTP header name'), z.string()).default({}).describe('Headers sent with the lookup (e.g. an internal token).'),
    cacheSeconds: z.int().min(0).max(86400).default(60).describe('How long an answer is reused for the same rule and object; 0 asks every time.'),
    timeoutMs: z.int().min(50).max(30000).default(2000).describe('Time allowed for one lookup.'),
    maxBytes: z.int().min(64).max(MiB).default(64 * 1024).describe('Largest answer read.'),
    onFailure: z.enum(['unavailable', 'not-owner']).default('unavailable').describe(
      "When the lookup fails (unreachable, timeout, an answer other than 2xx/404, not a JSON object): 'unavailable' refuses with 503 owner-lookup-failed, 'not-owner' refuses as if the caller were not the owner. Never allowed.",
    ),
  })
  .superRefine((l, ctx) => {
    if ((l.path === undefined) === (l.sql === undefined)) ctx.addIssue({ code: 'custom', message: 'set exactly one of path (ask the upstream) or sql (query its database)' });
    if (l.sql && (l.sql.database === undefined) === (l.sql.databaseEnv === undefined)) ctx.addIssue({ code: 'custom', path: ['sql'], message: 'set exactly one of database or databaseEnv' });
  })
  .describe('Ownership kept in the API\'s own data: asked from the upstream (path) or queried from its database (sql), answers cached per (rule, object).');

const rule = z
  .strictObject({
    name: z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'letters, digits, _ . : -').optional().describe('Name recorded with each decision (default rules[<index>]).'),
    operations: selectors.describe('Operations the rule governs. For each request the first rule that selects its operation decides.'),
    anonymous: z.boolean().default(false).describe('Allow callers without a principal. Without it, an anonymous caller is refused 401.'),
    roles: z.array(role).default([]).describe('The principal needs one of these roles (empty: any).'),
    scopes: z.array(role).default([]).describe('The principal needs all of these scopes.'),
    owner: condition(['path', 'query', 'body', 'principal', 'lookup'], 'owner condition')
      .optional()
      .describe(
        "Object-level condition, e.g. `path.accountId == principal.id`, `path.orderId in principal.claims.orders`, `body.userId == principal.id and query.tenant == principal.tenant`, `lookup.owner == principal.id or 'admin' in principal.roles`. Operators ==, != and in; and, or, parentheses. A missing value makes a comparison false.",
      ),
    ownerLookup: ownerLookup.optional(),
    writable: perRole.optional().describe(
      "Request-body properties each role may write (`'*'`: every caller): dot paths, items[].name for array items, * for any name; a listed property allows everything under it. Any other property is refused (403 property-not-writable). Absent: bodies are not checked.",
    ),
    readable: perRole.optional().describe(
      "Response properties each role may read (same paths): the rest is removed from JSON responses (2xx), nested objects and arrays included. Absent: responses are not filtered.",
    ),
  })
  .superRefine((r, ctx) => {
    const parsed = r.owner !== undefined ? parseExpression(r.owner) : undefined;
    // A malformed condition is reported on the field itself; nothing more to say here.
    if (parsed && !parsed.ok) return;
    const usesLookup = parsed?.roots.has('lookup') === true;
    if (r.anonymous && (r.roles.length > 0 || r.scopes.length > 0 || r.owner !== undefined)) {
      ctx.addIssue({ code: 'custom', path: ['anonymous'], message: 'an anonymous rule cannot require roles, scopes or ownership: anonymous callers have none' });
    }
    if (r.ownerLookup && !usesLookup) ctx.addIssue({ code: 'custom', path: ['ownerLookup'], message: 'ownerLookup needs an owner condition that reads its answer, e.g. owner: "lookup.owner == principal.id"' });
    if (!r.ownerLookup && usesLookup) ctx.addIssue({ code: 'custom', path: ['owner'], message: 'the owner condition reads lookup. but the rule has no ownerLookup' });
  });

const flow = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'letters, digits, _ . : -').describe('Name of the flow, recorded and told to the client (e.g. flash-sale).'),
  operations: selectors.describe('Operations that make up the flow, e.g. [createOrder] or [POST /orders].'),
  when: condition(['path', 'query', 'body', 'principal'], 'flow condition').optional().describe('Count only requests meeting this condition, e.g. `body.productId == 1`.'),
  quota: z.int().min(1).max(1_000_000).describe('Requests allowed per caller per period.'),
  periodSeconds: z.int().min(1).max(366 * 86400).describe('Length of the period (fixed window).'),
  per: z.enum(['principal', 'tenant', 'ip']).default('principal').describe('Who a quota belongs to: the principal (the client address when anonymous), the principal\'s tenant, or the client address.'),
  refundRejected: z.boolean().default(true).describe('Give the request back to the quota when it is answered 4xx (the API refused it, nothing happened).'),
});

export function authorizeSchema() {
  const d = <T extends z.ZodType>(schema: T, value: z.input<T>) => schema.default(value as never);
  return z
    .strictObject({
      enabled: d(z.boolean(), false).describe('Run the authorization stage.'),
      defaultPolicy: d(z.enum(['deny', 'authenticated', 'allow']), 'deny').describe(
        "For operations no rule selects: 'deny' (403, the safe default: a new endpoint is closed until a rule opens it), 'authenticated' (any principal; anonymous callers 401) or 'allow'.",
      ),
      adminOperations: d(z.array(selector), ['tag:admin']).describe(
        'Operations only adminRoles may call, whatever the rules say (function level, API5). Default: the operations tagged admin in the OpenAPI document.',
      ),
      adminRoles: d(z.array(role).min(1), ['admin']).describe('Roles allowed to call adminOperations.'),
      openapiRoles: d(z.boolean(), true).describe('Also require the roles an operation lists in the OpenAPI extension x-palisade-roles (any of).'),
      methodOverride: d(z.enum(['check', 'refuse']), 'check').describe(
        "Requests carrying X-HTTP-Method-Override, X-HTTP-Method, X-Method-Override or a _method query parameter: 'check' authorizes them under the overriding method too (both must pass), 'refuse' answers 400 method-override-refused.",
      ),
      notOwnerStatus: d(z.union([z.literal(403), z.literal(404)]), 404).describe('Status of not-owner refusals: 404 (default) does not confirm that the object exists; 403 is plainer.'),
      rules: d(z.array(rule).max(1000), []).describe('Authorization rules, in order: for each request, the first rule that selects its operation decides.'),
      flows: d(z.array(flow).max(200), []).describe('Sensitive business flows (API6): quotas per caller per period on top of rate limits, counted in memory or in Redis (store.redis).'),
      flowFailMode: d(z.enum(['open', 'closed']), 'closed').describe("When the shared counter store (Redis) fails: 'closed' refuses flow requests (503 flow-quota-unavailable), 'open' lets them through. Logged either way."),
      maxBodyBytes: d(z.int().min(1024).max(64 * MiB), MiB).describe('Largest JSON request body checked (writable properties, body conditions); larger is 413.'),
      maxResponseBytes: d(z.int().min(1024).max(64 * MiB), MiB).describe('Largest JSON response filtered (readable properties).'),
      oversizeResponse: d(z.enum(['refuse', 'pass']), 'refuse').describe(
        "A response to filter that is larger than maxResponseBytes: 'refuse' (502 response-not-filterable) or 'pass' unfiltered and recorded — possible only when the upstream announces its length; a longer body without Content-Length is always refused.",
      ),
      ownerCacheEntries: d(z.int().min(0).max(1_000_000), 10000).describe('Most owner-lookup answers kept (least recently used go first).'),
    })
    .describe(
      'Authorization (API1, API3, API5, API6): per-operation rules with roles, scopes and ownership conditions, owner lookups, writable and readable properties, admin operations, and business-flow quotas. Each decision is recorded with the rule that made it.',
    )
    .prefault({} as never);
}

export type AuthorizeSettings = z.output<ReturnType<typeof authorizeSchema>>;
export type AuthorizeRule = AuthorizeSettings['rules'][number];
export type AuthorizeFlow = AuthorizeSettings['flows'][number];

// The one schema of palisade.yaml: types, defaults and documentation in one place.
// `palisade config schema` prints it as JSON Schema; docs/configuration.md is generated from it.
import { z } from 'zod';
import { authenticateSchema } from './authenticate.js';
import { authorizeSchema } from './authorize.js';
import { wafSchema } from './waf.js';
import { oauthSchema } from './oauth.js';
import { watchDetectSchema, watchAlertsSchema } from './watch-detect.js';

const MiB = 1024 * 1024;

/**
 * Stage settings exist twice: globally with defaults (`defaults:`) and per route as partial
 * overrides without defaults (`routes[].stages:`), so that an override names only what it changes.
 * The override schema is derived from this one (withoutDefaults below), never written twice.
 */
function stageSchemas() {
  const d = <T extends z.ZodType>(schema: T, value: z.input<T>) => schema.default(value as never);
  const obj = <S extends z.ZodRawShape>(shape: S, doc: string) => z.strictObject(shape).describe(doc).prefault({} as never);

  const ipFilter = obj(
    {
      enabled: d(z.boolean(), true).describe('Run the IP allow/deny stage.'),
      allow: d(z.array(z.string()), []).describe(
        'IPv4/IPv6 addresses or CIDR blocks allowed to call. Empty means every address not denied.',
      ),
      deny: d(z.array(z.string()), []).describe('IPv4/IPv6 addresses or CIDR blocks always refused (403).'),
      dynamicBlocklist: d(z.boolean(), true).describe(
        'Also refuse addresses on the dynamic block list (filled by Watch responses and the admin API).',
      ),
    },
    'Connection stage: IP allow and deny lists (IPv4 and IPv6 CIDR) and the dynamic block list.',
  );

  const limits = obj(
    {
      enabled: d(z.boolean(), true).describe('Run the limits stage.'),
      maxUrlLength: d(z.int().min(16).max(1 * MiB), 8192).describe('Longest request target (path and query) in bytes; longer is 414.'),
      maxHeaderCount: d(z.int().min(1).max(10000), 100).describe('Most request headers; more is 431.'),
      maxHeaderBytes: d(z.int().min(256).max(1 * MiB), 16384).describe('Largest total size of request header names and values in bytes; larger is 431.'),
      maxBodyBytes: d(z.int().min(0).max(1024 * MiB), 1 * MiB).describe('Largest request body in bytes, enforced while streaming; larger is 413.'),
      maxJsonDepth: d(z.int().min(1).max(10000), 32).describe('Deepest nesting of a JSON request body, enforced while streaming; deeper is 400.'),
      maxJsonKeys: d(z.int().min(1).max(10_000_000), 1000).describe('Most object keys in a JSON request body, enforced while streaming; more is 400.'),
      maxPageSize: d(z.int().min(0).max(1_000_000_000), 0).describe(
        'Largest value accepted in the page-size query parameters (pageSizeParams); larger or non-numeric values are 400. 0 turns the check off.',
      ),
      pageSizeParams: d(z.array(z.string()), ['limit', 'page_size', 'pageSize', 'per_page', 'perPage', '$top']).describe(
        'Query parameters that set a page size, checked against maxPageSize.',
      ),
    },
    'Limits stage: URL, header and body sizes, JSON depth and key count, page sizes.',
  );

  const methods = obj(
    {
      enabled: d(z.boolean(), true).describe('Run the method allow-list stage.'),
      allow: d(z.array(z.string().regex(/^[A-Z]+$/, 'an HTTP method in capitals')), [
        'GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS',
      ]).describe('Methods allowed on the route; others are 405. TRACE and TRACK are off unless listed.'),
    },
    'Method allow-list per route.',
  );

  const cors = obj(
    {
      enabled: d(z.boolean(), false).describe('Answer CORS preflights and add CORS headers.'),
      origins: d(z.array(z.string()), []).describe(
        "Allowed origins, exactly as browsers send them (scheme://host[:port]). '*' allows any origin and cannot be combined with credentials.",
      ),
      methods: d(z.array(z.string()), ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']).describe('Methods allowed in preflights.'),
      allowHeaders: d(z.array(z.string()), ['authorization', 'content-type']).describe('Request headers allowed in preflights (lower case).'),
      exposeHeaders: d(z.array(z.string()), []).describe('Response headers exposed to scripts.'),
      credentials: d(z.boolean(), false).describe('Send Access-Control-Allow-Credentials: true.'),
      maxAgeSeconds: d(z.int().min(0).max(86400), 600).describe('How long browsers may cache a preflight.'),
    },
    'CORS: explicit origin allow-list and preflight handling.',
  );

  const securityHeaders = obj(
    {
      enabled: d(z.boolean(), true).describe('Add security response headers and remove revealing ones.'),
      hsts: d(z.string(), 'max-age=31536000; includeSubDomains').describe('Strict-Transport-Security value, sent on TLS only. Empty string disables.'),
      contentSecurityPolicy: d(z.string(), "default-src 'none'; frame-ancestors 'none'").describe('Content-Security-Policy value. Empty string disables.'),
      referrerPolicy: d(z.string(), 'no-referrer').describe('Referrer-Policy value. Empty string disables.'),
      noSniff: d(z.boolean(), true).describe('Send X-Content-Type-Options: nosniff.'),
      noStoreWhenAuthenticated: d(z.boolean(), true).describe(
        'Send Cache-Control: no-store on responses to requests that carried credentials, unless the upstream set Cache-Control itself.',
      ),
      remove: d(z.array(z.string()), ['server', 'x-powered-by', 'x-aspnet-version', 'x-aspnetmvc-version']).describe(
        'Response headers removed before the response reaches the client (lower case).',
      ),
    },
    'Security response headers with API defaults.',
  );

  const errorScrubbing = obj(
    {
      enabled: d(z.boolean(), true).describe('Replace leaky upstream 5xx bodies with a generic problem response.'),
      mode: d(z.enum(['leaky', 'all']), 'leaky').describe(
        "'leaky' replaces bodies that show a stack trace, SQL error or framework debug page; 'all' replaces every 5xx body.",
      ),
      maxInspectBytes: d(z.int().min(1024).max(16 * MiB), 256 * 1024).describe(
        'How much of a 5xx body is buffered for inspection; a longer 5xx body is replaced unread.',
      ),
    },
    'Error scrubbing: hide stack traces and internal errors from clients (the original goes to the log).',
  );

  const record = obj(
    {
      enabled: d(z.boolean(), true).describe('Record exchanges on this route to the store.'),
    },
    'Exchange recording for the route (global recording settings live under `recording`).',
  );

  const ssrfGuard = obj(
    {
      enabled: d(z.boolean(), false).describe('Check URLs that clients send in requests before they reach the upstream.'),
      queryParams: d(z.array(z.string()), []).describe('Query parameters that carry URLs (checked whatever their shape).'),
      jsonPaths: d(z.array(z.string()), []).describe(
        'JSON body fields that carry URLs, as dot paths with [] for array items (e.g. webhook.url, links[].href); form fields by name.',
      ),
      detectByShape: d(z.boolean(), true).describe('Also check every query, JSON and form value that looks like an absolute URL (scheme://...).'),
      schemes: d(z.array(z.string()), ['http', 'https']).describe('URL schemes allowed.'),
      allowHosts: d(z.array(z.string()), []).describe("When not empty, the only hosts URLs may name ('*.example.com' for subdomains)."),
      allowClasses: d(z.array(z.enum(['loopback', 'private', 'link-local', 'metadata', 'multicast', 'unspecified', 'broadcast', 'carrier-grade-nat', 'reserved'])), []).describe(
        'Internal address classes allowed anyway (e.g. private, for webhooks inside the company network). Loopback and metadata stay refused unless listed.',
      ),
      resolveDns: d(z.boolean(), true).describe('Resolve host names and refuse those that resolve to a refused address.'),
      maxInspectBytes: d(z.int().min(1024).max(64 * MiB), MiB).describe('Largest JSON or form body inspected; a larger one is refused (413).'),
    },
    'SSRF guard: URLs in requests may not point at loopback, private, link-local, metadata or other internal addresses, however they are spelled.',
  );

  const xml = obj(
    {
      enabled: d(z.boolean(), true).describe('Parse XML request bodies (text/xml, application/xml, */*+xml) while they stream and refuse unsafe ones.'),
      maxDepth: d(z.int().min(1).max(10000), 64).describe('Deepest element nesting; deeper is 400.'),
      maxAttributes: d(z.int().min(1).max(100000), 256).describe('Most attributes on one element; more is 400.'),
      maxElements: d(z.int().min(1).max(100_000_000), 100000).describe('Most elements in one body; more is 400.'),
    },
    'XML bodies: DTDs and entity declarations refused (XXE, entity expansion), nesting, attribute and element limits, well-formedness.',
  );

  const soapOperation = z.union([
    z.string().regex(/^(?:\{[^{}\s]*\})?[A-Za-z_][\w.-]*$/, 'an element name, optionally with its namespace in braces: GetQuote or {urn:example:stock}GetQuote'),
    z.strictObject({
      name: z
        .string()
        .regex(/^(?:\{[^{}\s]*\})?[A-Za-z_][\w.-]*$/, 'an element name, optionally with its namespace in braces: GetQuote or {urn:example:stock}GetQuote')
        .describe('The Body element: GetQuote (any namespace) or {urn:example:stock}GetQuote.'),
      soapAction: z.string().optional().describe("The action (SOAPAction header, SOAP 1.2 action parameter, wsa:Action) it must carry when it carries one; '' allows only an empty one. Not with wsdl."),
    }),
  ]);
  const soap = obj(
    {
      enabled: d(z.boolean(), false).describe(
        'Check SOAP requests (text/xml: SOAP 1.1, application/soap+xml: SOAP 1.2) while they stream: the envelope, and that the operation in the Body and the action are allowed.',
      ),
      wsdl: z
        .string()
        .optional()
        .describe("Path (relative to the config file) of a WSDL 1.1 document whose SOAP binding operations (Body element, soapAction) are the allow-list. Read when the configuration loads; a broken one rejects it."),
      operations: d(z.array(soapOperation), []).describe(
        "The operations allowed, by Body element: a name (GetQuote: any namespace; {urn:example:stock}GetQuote) or { name, soapAction }. Without wsdl: the allow-list itself; a non-empty action must be the entry's soapAction, or end with its name when it has none. With wsdl: only these of the WSDL's operations (by operation or element name).",
      ),
      otherBodies: d(z.enum(['refuse', 'pass']), 'refuse').describe(
        "Request bodies that are not SOAP (neither text/xml nor application/soap+xml: JSON, forms, MTOM multipart...): 'refuse' answers 415, since many SOAP stacks dispatch those to operations too; 'pass' lets them through unchecked.",
      ),
    },
    'SOAP 1.1/1.2: envelope structure (one Header, one Body with exactly one element, right namespace for the content type), operations and SOAPAction allowed by a WSDL or a list.',
  );

  const contract = obj(
    {
      enabled: d(z.boolean(), false).describe("Validate requests against the API's OpenAPI document (apis[].openapi): parameters, content types and bodies."),
      strict: d(z.boolean(), false).describe('Also refuse operations the document does not describe: unknown paths 404, undocumented methods 405 (undocumented endpoints are an API9 risk).'),
      rejectUnknownProperties: d(z.boolean(), false).describe('Refuse request-body properties the schemas do not declare (mass assignment), even where the document leaves objects open.'),
      maxBodyBytes: d(z.int().min(1024).max(64 * MiB), MiB).describe('Largest JSON body validated; a larger one is refused (413).'),
      responses: d(z.enum(['off', 'report', 'block']), 'off').describe(
        "Also validate the upstream's responses to documented operations (status, content type, JSON body; API10 unsafe consumption, data leaks): 'report' lets them through and records and logs each violation, 'block' replaces them with 502 response-contract-violation.",
      ),
      rejectUnknownResponseProperties: d(z.boolean(), true).describe(
        'With responses on: response-body properties the schemas do not declare are violations, even where the document leaves objects open (additionalProperties unsaid).',
      ),
      maxResponseBytes: d(z.int().min(1024).max(64 * MiB), MiB).describe(
        "Largest response body validated, as received and once decoded (Content-Encoding). A larger one is not validated: 'report' lets it through whole and reports it, 'block' refuses it (502), since padding a response must not be a way around the check.",
      ),
    },
    'Contract enforcement: requests (and optionally responses) must match the OpenAPI document; every violation is listed with its JSON pointer.',
  );

  const rateLimitKey = z
    .union([z.enum(['ip', 'route', 'operation', 'principal', 'apiKey', 'plan']), z.string().regex(/^header:[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'ip, route, operation, principal, apiKey, plan or header:<name>')])
    .describe(
      "What identifies a caller: ip (client address), route (the route name), operation (the OpenAPI operation — operationId, else method and path template — or method and route without a document), plan (the caller's plan, see `plan`), principal (the authenticated principal's id, the client address when there is none), apiKey (the X-Api-Key header, hashed; the client address when absent) or header:<name> (that header's value, hashed; the client address when absent).",
    );
  const limitWindow = z.strictObject({
    name: z.string().regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, - and _').describe('Name of the window; routes that configure the same window (name, key, points, burst, durations) share its counters.'),
    key: z
      .union([rateLimitKey, z.array(rateLimitKey).min(1)])
      .default('ip')
      .describe(
        'One key part or several, combined. Counters are kept per route only when `route` is one of the parts; without it the window is shared by every route that configures the same window (same name, key, points, burst and durations).',
      ),
    points: z.int().min(1).max(1_000_000_000).describe('Requests allowed per window.'),
    durationSeconds: z.int().min(1).max(31 * 24 * 3600).describe('Window length in seconds (fixed window).'),
    burst: z.int().min(0).max(1_000_000_000).default(0).describe('Extra requests allowed on top of points in the same window; advertised as part of the limit.'),
    blockDurationSeconds: z.int().min(1).max(31 * 24 * 3600).optional().describe('Once the window is exhausted, refuse the key for this long instead of until the window ends.'),
  });
  const rateLimit = obj(
    {
      enabled: d(z.boolean(), false).describe('Run the rate-limit stage.'),
      limits: d(z.array(limitWindow), []).describe('Windows checked on every request (for callers on a plan: unless the plan has its own); the request is refused (429) when any of them is exhausted.'),
      plan: z
        .string()
        .regex(/^(?:claim:[A-Za-z0-9_.:/-]+|scope:[A-Za-z0-9_.:/-]*)$/, 'claim:<name> or scope:<prefix>')
        .optional()
        .describe(
          "Where a caller's plan (tier) is read from: claim:<name> (a claim of the authenticated principal, e.g. claim:plan) or scope:<prefix> (the first scope starting with the prefix, the rest being the plan: scope:plan. reads gold from plan.gold).",
        ),
      plans: d(z.record(z.string().regex(/^[A-Za-z0-9_.-]+$/), z.array(limitWindow).min(1)), {}).describe(
        'Windows per plan, instead of `limits` for callers on that plan; callers with no plan or an unknown one get `limits`.',
      ),
      delayMs: z.int().min(1).max(60_000).optional().describe('Throttle instead of refusing: when every exhausted window frees within this many milliseconds, wait and try once more.'),
      failMode: d(z.enum(['open', 'closed']), 'open').describe(
        "When the shared counter store (store.redis) fails: 'open' lets requests through, 'closed' refuses them (503 rate-limit-unavailable). Either way it is logged and counted.",
      ),
      headers: d(z.boolean(), true).describe('Send RateLimit-Policy and RateLimit headers (IETF draft) on allowed responses too, not only on refusals.'),
      dynamicOverrides: d(z.boolean(), true).describe(
        'Apply the stricter per-actor limits placed at run time (Watch\'s rate-limit responses, POST /rate-overrides on the admin API), even when `enabled` is false; false ignores them on this route.',
      ),
    },
    'Rate limits per client, key, API key or principal: several fixed windows at once, counted in memory or in Redis (store.redis) across processes.',
  );

  const failureWindow = (maxFailures: number, windowSeconds: number, doc: string) =>
    d(
      z.strictObject({
        maxFailures: z.int().min(1).max(1_000_000).describe('Failed logins allowed within the window; the next one locks the key out.'),
        windowSeconds: z.int().min(1).max(31 * 24 * 3600).describe('How long failures are remembered.'),
      }),
      { maxFailures, windowSeconds },
    ).describe(doc);
  const loginGuard = obj(
    {
      enabled: d(z.boolean(), false).describe('Run the login brute-force guard.'),
      endpoints: d(
        z.array(
          z.strictObject({
            method: z.string().regex(/^[A-Z]+$/, 'an upper-case HTTP method').default('POST').describe('Method of the login request.'),
            path: z.string().regex(/^\//, 'a path starting with /').describe('Path of the login request as clients send it (exact match, query ignored).'),
            usernameField: z
              .string()
              .regex(/^[A-Za-z0-9_.$-]+$/, 'a field name or dot path')
              .default('username')
              .describe('JSON body field (dot path) or form field holding the account name; matched case-insensitively after trimming.'),
          }),
        ),
        [],
      ).describe('The login operations watched. Their failures (failureStatuses in the response) are counted per client address, per account and per account from one address.'),
      failureStatuses: d(z.array(z.int().min(400).max(599)).min(1), [401, 403]).describe('Response statuses that mean a failed login (add 404 for APIs that answer an unknown account with 404).'),
      perIp: failureWindow(100, 3600, 'Failures from one client address, whatever the account (credential stuffing, password spraying).'),
      perAccount: failureWindow(50, 3600, 'Failures for one account, whatever the address (distributed guessing). Set higher than perAccountIp: anyone can lock an account out by failing on purpose.'),
      perAccountIp: failureWindow(5, 900, 'Consecutive failures for one account from one address (plain password guessing); a successful login resets it.'),
      uniformFailures: d(z.boolean(), true).describe(
        'Replace every failed-login response (failureStatuses) with the same 401 problem, so that "no such account" and "wrong password" cannot be told apart (user enumeration).',
      ),
      lockoutSeconds: d(z.int().min(1).max(24 * 3600), 60).describe('First lockout length; each further lockout of the same key within lockoutMemorySeconds doubles it.'),
      maxLockoutSeconds: d(z.int().min(1).max(31 * 24 * 3600), 3600).describe('Longest lockout.'),
      lockoutMemorySeconds: d(z.int().min(60).max(31 * 24 * 3600), 86400).describe('How long earlier lockouts count towards doubling the next.'),
    },
    'Login brute-force protection: failed logins counted per address, account and account-from-address, with progressive lockouts (429), in memory or in Redis (store.redis). Unknown accounts are locked like known ones, so lockouts reveal nothing.',
  );

  const authenticate = authenticateSchema();
  const authorize = authorizeSchema();
  const waf = wafSchema();

  return z.strictObject({ ipFilter, limits, methods, cors, securityHeaders, errorScrubbing, record, ssrfGuard, xml, soap, contract, rateLimit, loginGuard, authenticate, authorize, waf });
}

export const StageSettingsSchema = stageSchemas().prefault({}).describe('Stage settings applied to every route unless the route overrides them.');
/** Per-route overrides: every stage and option optional, no defaults. */
export type StageOverrides = { [K in keyof StageSettings]?: Partial<StageSettings[K]> };

function withoutDefaults(): z.ZodType<StageOverrides> {
  const stages = stageSchemas().shape;
  const out: Record<string, z.ZodType> = {};
  for (const [name, stage] of Object.entries(stages)) {
    const object = stage.unwrap();
    const fields: Record<string, z.ZodType> = {};
    for (const [key, field] of Object.entries(object.shape as Record<string, z.ZodType>)) {
      const inner = field instanceof z.ZodDefault ? (field.unwrap() as z.ZodType) : field;
      fields[key] = inner.optional().describe(field.description ?? '');
    }
    out[name] = z.strictObject(fields).optional().describe(object.description ?? '');
  }
  return z.strictObject(out) as unknown as z.ZodType<StageOverrides>;
}

export const StageOverridesSchema = withoutDefaults().describe('Per-route overrides of `defaults`: only the options named change.');

const ListenSchema = (port: number) =>
  z
    .strictObject({
      host: z.string().default('127.0.0.1').describe('Address to bind; use :: for all IPv6 and IPv4 addresses.'),
      port: z.int().min(0).max(65535).default(port).describe('TCP port; 0 picks a free one.'),
    })
    .prefault({});

const duration = z
  .int()
  .min(1)
  .max(24 * 3600 * 1000);

export const ApiSchema = z
  .strictObject({
    // Spelled out rather than /i: JSON Schema patterns carry no flags, and editors must agree with zod.
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]*$/, 'a name of letters, digits, - and _ (starting with a letter or digit)').describe('Unique API name, used in routes, records and findings.'),
    upstream: z.url({ protocol: /^https?$/ }).describe('Base URL of the API behind Palisade (http or https).'),
    openapi: z.string().optional().describe('Path (relative to the config file) or URL of the API\'s OpenAPI document.'),
    versions: z
      .array(
        z
          .strictObject({
            name: z.string().describe('Version name, e.g. v1.'),
            state: z.enum(['active', 'deprecated', 'retired']).default('active').describe('Lifecycle state: deprecated versions get Deprecation/Sunset headers, retired ones are refused with 410.'),
            pathPrefix: z.string().startsWith('/', 'must start with /').optional().describe('Requests whose path starts with this prefix belong to the version (e.g. /api/v1).'),
            header: z
              .strictObject({ name: z.string().describe('Header name, e.g. Api-Version.'), value: z.string().describe('Value naming this version.') })
              .optional()
              .describe('Requests carrying this header value belong to the version.'),
            deprecatedSince: z.iso.datetime({ offset: true }).optional().describe('RFC 3339 date the version was deprecated (sent as the Deprecation header, RFC 9745). Required when state is deprecated.'),
            sunset: z.iso.datetime({ offset: true }).optional().describe('RFC 3339 date after which the version stops answering (sent as the Sunset header, RFC 8594).'),
            successor: z.string().optional().describe('URL of the version replacing this one (sent as a successor-version link).'),
          })
          .refine((v) => v.state !== 'deprecated' || v.deprecatedSince !== undefined, {
            message: 'a deprecated version needs deprecatedSince (the Deprecation header carries that date)',
            path: ['deprecatedSince'],
          }),
      )
      .default([])
      .describe('Declared versions of the API.'),
    connections: z.int().min(1).max(10000).default(128).describe('Most keep-alive connections to the upstream per gateway process.'),
    timeouts: z
      .strictObject({
        connectMs: duration.default(5000).describe('Time to open a connection to the upstream; exceeded is 502.'),
        headersMs: duration.default(30000).describe('Time to receive the upstream response head; exceeded is 504.'),
        bodyMs: duration.default(30000).describe('Longest pause between two chunks of the upstream body; exceeded aborts the response.'),
        idleMs: duration.default(60000).describe('How long an idle keep-alive connection to the upstream is kept.'),
      })
      .prefault({})
      .describe('Upstream timeouts.'),
  })
  .describe('An API protected by Palisade.');

export const RouteSchema = z
  .strictObject({
    api: z.string().describe('Name of the API this route forwards to.'),
    host: z.string().optional().describe('Host header to match (without port); absent matches any host. `*.example.com` matches subdomains.'),
    pathPrefix: z.string().startsWith('/', 'a path starting with /').default('/').describe('Path prefix to match; the longest matching prefix wins.'),
    stripPrefix: z.boolean().default(false).describe('Remove the prefix before forwarding.'),
    stages: StageOverridesSchema.optional(),
  })
  .describe('Which requests go to which API, with per-route stage settings.');

export const ConfigSchema = z
  .strictObject({
    version: z.literal(1).default(1).describe('Configuration format version.'),
    gateway: z
      .strictObject({
        listen: ListenSchema(8080).describe('Where the gateway listens.'),
        tls: z
          .strictObject({
            cert: z.string().describe('PEM certificate chain file (relative to the config file).'),
            key: z.string().describe('PEM private key file (relative to the config file).'),
            minVersion: z.enum(['TLSv1.2', 'TLSv1.3']).default('TLSv1.2').describe('Oldest TLS version accepted.'),
            redirectHttpPort: z.int().min(0).max(65535).optional().describe('Also listen on this plain-HTTP port and redirect every request to HTTPS.'),
            clientCa: z.string().optional().describe('PEM file of the CAs that sign client certificates (relative to the config file). When set, clients are asked for a certificate (not required at the TLS level: routes with authenticate method mtls decide).'),
          })
          .optional()
          .describe('TLS termination. Absent means plain HTTP.'),
        workers: z
          .union([z.literal('auto'), z.int().min(1).max(256)])
          .default(1)
          .describe("Gateway processes sharing the port; 'auto' runs one per core."),
        trustedProxies: z
          .array(z.string())
          .default([])
          .describe('Addresses or CIDR blocks of proxies in front of Palisade whose X-Forwarded-For/Forwarded headers are believed.'),
        requestIdHeader: z.string().default('x-request-id').describe('Header carrying the request id to the upstream and back to the client.'),
        trustRequestId: z.boolean().default(false).describe('Keep a request id sent by a trusted proxy instead of minting one.'),
        shutdownGraceMs: duration.default(10000).describe('How long a graceful shutdown waits for in-flight requests.'),
        requestTimeoutMs: duration.default(60000).describe('Longest time to receive a whole request from a client.'),
        keepAliveTimeoutMs: duration.default(5000).describe('How long an idle client connection is kept open.'),
      })
      .prefault({})
      .describe('The Shield gateway server.'),
    admin: z
      .strictObject({
        enabled: z.boolean().default(true).describe('Run the admin API.'),
        listen: ListenSchema(9000).describe('Where the admin API listens. Keep it on a private address.'),
        token: z.string().min(32, 'at least 32 characters').optional().describe(
          'Bearer token for the admin API. Prefer the PALISADE_ADMIN_TOKEN environment variable; `palisade start` generates one when neither is set.',
        ),
      })
      .prefault({})
      .describe('The admin API: health, readiness, configuration, recent exchanges, Prometheus metrics.'),
    console: z
      .strictObject({
        enabled: z.boolean().default(true).describe('Serve the web console under /console on the admin API\'s address (it needs admin.enabled).'),
        sessionIdleMinutes: z.int().min(1).max(24 * 60).default(30).describe('A console session ends after this many minutes without a request.'),
        sessionMaxHours: z.int().min(1).max(24 * 30).default(12).describe('A console session ends this many hours after sign-in, however active.'),
        secureCookies: z
          .boolean()
          .default(false)
          .describe('Mark the session cookie Secure even on plain HTTP (set it when a TLS proxy sits in front of the admin address). It is always Secure over TLS.'),
        sso: z
          .strictObject({
            issuer: z.url().describe('The OpenID Connect provider\'s issuer URL (its discovery document is read from <issuer>/.well-known/openid-configuration).'),
            clientId: z.string().min(1).describe('The console\'s client id at the provider.'),
            clientSecretEnv: z
              .string()
              .regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name')
              .optional()
              .describe('Name of the environment variable holding the client secret; absent for a public client (PKCE only).'),
            scopes: z.array(z.string()).default(['openid', 'profile', 'email']).describe('Scopes requested at sign-in.'),
            roleClaim: z.string().default('groups').describe('ID token or userinfo claim (a string or an array of strings) whose values are mapped to console roles.'),
            roleMap: z
              .record(z.string(), z.enum(['viewer', 'operator', 'admin']))
              .default({})
              .describe('Claim value to console role; the highest role matched wins.'),
            defaultRole: z
              .enum(['none', 'viewer', 'operator', 'admin'])
              .default('none')
              .describe("Role of a user whose claim matches nothing in roleMap; 'none' refuses them."),
            name: z.string().max(60).default('Single sign-on').describe('Label of the sign-in button.'),
          })
          .optional()
          .describe('Sign-in through an OpenID Connect provider; users are created on first sign-in (source oidc). The redirect URI to register is <console origin>/console/api/sso/callback.'),
      })
      .prefault({})
      .describe('The web console: local users (palisade users create), optional single sign-on, sessions.'),
    store: z
      .strictObject({
        driver: z.enum(['sqlite', 'postgres']).default('sqlite').describe('sqlite is embedded; postgres is for clusters.'),
        path: z.string().default('.palisade/palisade.db').describe('SQLite file (relative to the working directory).'),
        url: z.string().optional().describe('PostgreSQL connection URL (postgres driver). Prefer PALISADE_STORE_URL for credentials.'),
        redis: z
          .strictObject({
            url: z.string().regex(/^rediss?:\/\//, 'a redis:// or rediss:// URL').describe('Redis connection URL. Prefer PALISADE_REDIS_URL for credentials.'),
            keyPrefix: z.string().default('palisade:').describe('Prefix of every Redis key Palisade writes, to share one Redis between deployments.'),
          })
          .optional()
          .describe('Redis for counters shared by every gateway process (rate limits). Absent means counters are kept in each process.'),
        retention: z
          .strictObject({
            maxAgeDays: z.number().positive().max(3650).default(30).describe('Exchanges older than this are deleted.'),
            maxExchanges: z.int().min(1000).default(1_000_000).describe('At most this many exchanges are kept; the oldest go first.'),
            intervalMs: duration.default(10 * 60 * 1000).describe('How often retention runs.'),
          })
          .prefault({})
          .describe('How long recorded exchanges are kept.'),
      })
      .prefault({})
      .describe('Where Palisade keeps exchanges, findings and state.'),
    recording: z
      .strictObject({
        queueSize: z.int().min(1).max(1_000_000).default(10000).describe('Exchanges waiting to be written; beyond this they are dropped and counted.'),
        batchSize: z.int().min(1).max(10000).default(100).describe('Exchanges written per store transaction.'),
        flushIntervalMs: duration.default(250).describe('Longest wait before a partial batch is written.'),
        bodySampleBytes: z.int().min(0).max(64 * 1024).default(0).describe('Bytes of request/response bodies kept as samples (after redaction); 0 keeps none.'),
        redactHeaders: z
          .array(z.string())
          .default([])
          .describe('Extra header names (lower case) redacted in records; authorization, cookies and API-key headers are always redacted.'),
        redactQueryParams: z.array(z.string()).default([]).describe('Extra query parameter names whose values are redacted in records.'),
        redactBodyFields: z.array(z.string()).default([]).describe('Extra JSON field names redacted in body samples; password, token and secret-like fields always are.'),
      })
      .prefault({})
      .describe('How exchanges are recorded to the store: asynchronously, batched, bounded.'),
    log: z
      .strictObject({
        level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info').describe('Least severe level logged.'),
        accessLog: z.boolean().default(false).describe('Log one line per exchange (costs throughput).'),
      })
      .prefault({})
      .describe('Logging (pino, JSON lines on stdout).'),
    oauth: oauthSchema(ListenSchema(9100)),
    watch: z
      .strictObject({
        inventory: z
          .strictObject({
            maxEndpoints: z.int().min(10).max(1_000_000).default(5000).describe('Endpoints the inventory tracks; traffic to further ones is only counted.'),
            internalNetworks: z
              .array(z.string().regex(/^[0-9A-Fa-f:.]+(\/\d{1,3})?$/, 'an IP address or CIDR range'))
              .default([])
              .describe('Client ranges counted as internal callers, besides private, loopback, link-local and CGNAT ranges.'),
            sensitiveClasses: z
              .array(
                z
                  .strictObject({
                    name: z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, 'lower-case letters, digits and -').describe('Reported as custom:<name>.'),
                    keyPattern: z.string().min(1).max(512).optional().describe('RE2 pattern for the field or parameter name (linear-time matching).'),
                    valuePattern: z.string().min(1).max(512).optional().describe('RE2 pattern for the value (linear-time matching).'),
                  })
                  .refine((c) => c.keyPattern !== undefined || c.valuePattern !== undefined, 'give keyPattern, valuePattern or both'),
              )
              .default([])
              .describe('Your own sensitive-data classes, besides the built-in ones (docs/watch.md).'),
          })
          .prefault({})
          .describe('Endpoint inventory learnt from traffic.'),
        detect: watchDetectSchema(),
        alerts: watchAlertsSchema(),
      })
      .prefault({})
      .describe('Watch: inventory of the APIs from their traffic, attack detection and alerts.'),
    defaults: StageSettingsSchema,
    apis: z.array(ApiSchema).default([]).describe('The APIs behind the gateway.'),
    routes: z.array(RouteSchema).default([]).describe('Routes from requests to APIs. Without routes, a single API gets every request.'),
  })
  .describe('Palisade configuration (palisade.yaml).');

export type PalisadeConfig = z.output<typeof ConfigSchema>;
export type PalisadeConfigInput = z.input<typeof ConfigSchema>;
export type StageSettings = z.output<typeof StageSettingsSchema>;
export type ApiConfig = z.output<typeof ApiSchema>;
export type RouteConfig = z.output<typeof RouteSchema>;
export type WatchDetectSettings = PalisadeConfig['watch']['detect'];
export type WatchAlertSettings = PalisadeConfig['watch']['alerts'];

// Authentication and authorization as the document declares them: schemes, flows, scopes and
// which operations require what.
import type { AuditRule, Occurrence } from '../rule.js';
import { hostOf, isInternalHost, isSecured, occurrence } from '../rule.js';
import type { AuditModel, Operation } from '../model.js';
import { childLoc } from '../source.js';

const AUTH_POLICY = `defaults:
  authenticate:
    enabled: true
    methods: [jwt]          # or apiKey, introspection, mtls
    jwt: { issuer: https://issuer.example, audience: my-api, jwksUrl: https://issuer.example/jwks.json, algorithms: [RS256] }`;

function opLoc(op: Operation) {
  return op.node.loc;
}

function reqLoc(model: AuditModel, op: Operation) {
  return op.securityLoc ?? model.globalSecurity?.loc ?? op.node.loc;
}

function isLoopback(url: string): boolean {
  const h = hostOf(url);
  return h !== undefined && (h === 'localhost' || h === '::1' || h.startsWith('127.'));
}

const ADMIN_PATH = /\/(admin|administration|internal|debug|manage|management|actuator|ops|superuser|sudo|root|backoffice|staff)(\/|$)/i;

export const authRules: AuditRule[] = [
  {
    id: 'PAL-AUDIT-001',
    title: 'No security scheme is defined',
    severity: 'high',
    category: 'API2:2023',
    cwe: 306,
    confidence: 'firm',
    description: 'The document declares no security scheme, so no operation can say how callers authenticate: either the API is entirely public or its authentication is undocumented and cannot be enforced or tested from the contract.',
    remediation: 'Declare the schemes the API accepts under components.securitySchemes (securityDefinitions in Swagger 2.0) and require one with a top-level `security` list.',
    shieldPolicy: AUTH_POLICY,
    check: (m) => (m.schemes.length === 0 && m.operations.length > 0 ? [{ loc: m.doc.loc, key: 'document', message: 'no securitySchemes / securityDefinitions', affects: m.operations }] : []),
  },
  {
    id: 'PAL-AUDIT-002',
    title: 'Operation without any security requirement',
    severity: 'high',
    category: 'API2:2023',
    cwe: 306,
    confidence: 'firm',
    description: 'Neither the operation nor the document requires a credential, so anyone who can reach the API can call it.',
    remediation: 'Add a top-level `security` requirement (or one on the operation). If the operation is public on purpose, say so with an explicit `security: []`.',
    shieldPolicy: AUTH_POLICY,
    check: (m) => m.operations.filter((op) => op.securitySource === 'none' || (op.securitySource === 'document' && op.security.length === 0)).map((op) => occurrence(m, opLoc(op), 'no-security', `${op.method} ${op.path} requires no credential`)),
  },
  {
    id: 'PAL-AUDIT-003',
    title: 'Global security switched off for an operation',
    severity: 'low',
    category: 'API2:2023',
    cwe: 306,
    confidence: 'firm',
    description: 'The document requires authentication, but this operation overrides it with `security: []` (or an empty alternative `{}`) and is public. That is often right (login, health, a public catalogue) and sometimes a leftover.',
    remediation: 'Confirm the operation must be public; otherwise remove the override. Keep public operations few and read-only.',
    shieldPolicy: `routes:
  - api: my-api
    pathPrefix: /the/public/path
    stages: { authenticate: { enabled: false } }   # public on purpose, and visibly so`,
    check: (m) =>
      m.globalSecurity && m.globalSecurity.value.length > 0
        ? m.operations.filter((op) => op.securitySource === 'operation' && !isSecured(op)).map((op) => occurrence(m, reqLoc(m, op), 'security-opt-out', `${op.method} ${op.path} overrides the document's security with an anonymous requirement`))
        : [],
  },
  {
    id: 'PAL-AUDIT-004',
    title: 'Security requirement names an undefined scheme',
    severity: 'high',
    category: 'API2:2023',
    cwe: 287,
    confidence: 'firm',
    description: 'A security requirement refers to a scheme that is not defined. Tools that enforce the contract cannot know what credential is meant, and some treat the operation as unprotected.',
    remediation: 'Define the scheme under components.securitySchemes or correct the name in the requirement.',
    check: (m) => {
      const names = new Set(m.schemes.map((s) => s.name));
      const out: Occurrence[] = [];
      const seen = new Set<string>();
      for (const op of m.operations)
        for (const r of op.security)
          for (const n of Object.keys(r)) {
            const loc = reqLoc(m, op);
            const k = `${loc.pointer}:${n}`;
            if (!names.has(n) && !seen.has(k)) {
              seen.add(k);
              out.push(occurrence(m, loc, `scheme:${n}`, `requirement names "${n}", which is not defined`, op.securitySource === 'document' ? m.operations.filter((o) => o.securitySource === 'document') : [op]));
            }
          }
      return out;
    },
  },
  {
    id: 'PAL-AUDIT-005',
    title: 'HTTP Basic authentication',
    severity: 'medium',
    category: 'API2:2023',
    cwe: 522,
    confidence: 'firm',
    description: 'Basic authentication sends a reusable password with every request, base64-encoded but not protected; it cannot be scoped, expires never and invites credential stuffing.',
    remediation: 'Use short-lived bearer tokens (OAuth 2.0 client credentials or authorization code) or API keys issued per client.',
    shieldPolicy: AUTH_POLICY,
    check: (m) => m.schemes.filter((s) => s.type === 'http' && s.httpScheme === 'basic').map((s) => occurrence(m, s.node.loc, `scheme:${s.name}`, `scheme "${s.name}" is HTTP Basic`, m.operations)),
  },
  {
    id: 'PAL-AUDIT-006',
    title: 'API key sent in the query string',
    severity: 'high',
    category: 'API2:2023',
    cwe: 598,
    confidence: 'firm',
    description: 'A key in the URL ends up in access logs, proxy logs, browser history and Referer headers, where it outlives its purpose and leaks to third parties.',
    remediation: 'Send the key in a header (`in: header`, e.g. X-API-Key or Authorization).',
    shieldPolicy: `defaults:
  authenticate:
    enabled: true
    methods: [apiKey]
    apiKey: { header: x-api-key }   # no queryParam: keys in URLs are not accepted`,
    check: (m) => m.schemes.filter((s) => s.type === 'apiKey' && s.in === 'query').map((s) => occurrence(m, s.node.loc, `scheme:${s.name}`, `scheme "${s.name}" reads the key from query parameter "${s.paramName ?? '?'}"`, m.operations)),
  },
  {
    id: 'PAL-AUDIT-007',
    title: 'API key sent in a cookie',
    severity: 'medium',
    category: 'API2:2023',
    cwe: 352,
    confidence: 'firm',
    description: 'Browsers attach cookies to cross-site requests on their own, so a cookie credential exposes the API to cross-site request forgery unless every state-changing operation is protected against it.',
    remediation: 'Use a header credential for APIs; if a cookie is required, make it SameSite=Strict, HttpOnly, Secure and add CSRF protection.',
    check: (m) => m.schemes.filter((s) => s.type === 'apiKey' && s.in === 'cookie').map((s) => occurrence(m, s.node.loc, `scheme:${s.name}`, `scheme "${s.name}" reads the key from cookie "${s.paramName ?? '?'}"`, m.operations)),
  },
  {
    id: 'PAL-AUDIT-008',
    title: 'OAuth 2.0 implicit flow',
    severity: 'high',
    category: 'API2:2023',
    cwe: 1390,
    confidence: 'firm',
    description: 'The implicit flow returns access tokens in the redirect URL, where they leak through history, logs and Referer headers and cannot be bound to the client. OAuth 2.0 Security BCP (RFC 9700) says not to use it.',
    remediation: 'Use the authorization code flow with PKCE.',
    check: (m) => m.schemes.flatMap((s) => s.flows.filter((f) => f.kind === 'implicit').map((f) => occurrence(m, f.loc, `scheme:${s.name}:implicit`, `scheme "${s.name}" offers the implicit flow`, m.operations))),
  },
  {
    id: 'PAL-AUDIT-009',
    title: 'OAuth 2.0 resource owner password flow',
    severity: 'medium',
    category: 'API2:2023',
    cwe: 522,
    confidence: 'firm',
    description: "The password flow hands the user's password to the client application, defeating the point of delegated authorization and ruling out multi-factor sign-in. RFC 9700 says it must not be used.",
    remediation: 'Use the authorization code flow with PKCE for users, client credentials for services.',
    check: (m) => m.schemes.flatMap((s) => s.flows.filter((f) => f.kind === 'password').map((f) => occurrence(m, f.loc, `scheme:${s.name}:password`, `scheme "${s.name}" offers the password flow`, m.operations))),
  },
  {
    id: 'PAL-AUDIT-010',
    title: 'OAuth 2.0 flow without scopes',
    severity: 'medium',
    category: 'API5:2023',
    cwe: 285,
    confidence: 'firm',
    description: 'A flow that defines no scopes grants every token the same power: a token obtained for reading can also write and administer.',
    remediation: 'Define scopes per capability (orders:read, orders:write, admin) and require them on the operations.',
    shieldPolicy: `defaults:
  authorize:
    enabled: true
    rules:
      - { operations: ['POST /orders'], scopes: ['orders:write'] }`,
    check: (m) => m.schemes.flatMap((s) => s.flows.filter((f) => Object.keys(f.scopes).length === 0 && f.kind !== 'unknown').map((f) => occurrence(m, f.loc, `scheme:${s.name}:${f.kind}`, `flow "${f.kind}" of scheme "${s.name}" defines no scopes`, m.operations))),
  },
  {
    id: 'PAL-AUDIT-011',
    title: 'OAuth 2.0 requirement without scopes',
    severity: 'low',
    category: 'API5:2023',
    cwe: 285,
    confidence: 'firm',
    description: 'The operation requires an OAuth 2.0 / OpenID Connect scheme that defines scopes, but asks for none of them: any valid token, whatever it was granted for, can call it.',
    remediation: 'List the scope the operation needs in its security requirement.',
    check: (m) => {
      const scoped = new Set(m.schemes.filter((s) => s.flows.some((f) => Object.keys(f.scopes).length > 0)).map((s) => s.name));
      const out: Occurrence[] = [];
      for (const op of m.operations) {
        const names = op.security.flatMap((r) => Object.entries(r).filter(([n, sc]) => scoped.has(n) && sc.length === 0).map(([n]) => n));
        for (const n of new Set(names)) out.push(occurrence(m, reqLoc(m, op), `${op.method} ${op.path}:${n}`, `${op.method} ${op.path} requires "${n}" with no scope`, [op]));
      }
      return out;
    },
  },
  {
    id: 'PAL-AUDIT-012',
    title: 'OAuth 2.0 scope defined but never required',
    severity: 'low',
    category: 'API9:2023',
    cwe: 1059,
    confidence: 'firm',
    description: 'A scope that no operation requires is either dead (and may still be granted) or the operations that should require it do not: the contract and the authorization model have drifted apart.',
    remediation: 'Require the scope on the operations it is meant to protect, or remove it.',
    check: (m) => {
      const used = new Set(m.operations.flatMap((op) => op.security.flatMap((r) => Object.entries(r).flatMap(([n, sc]) => sc.map((x) => `${n} ${x}`)))));
      if (m.globalSecurity) for (const r of m.globalSecurity.value) if (r && typeof r === 'object') for (const [n, sc] of Object.entries(r)) if (Array.isArray(sc)) for (const x of sc) used.add(`${n} ${String(x)}`);
      return m.schemes.flatMap((s) => s.flows.flatMap((f) => Object.keys(f.scopes).filter((sc) => !used.has(`${s.name} ${sc}`)).map((sc) => occurrence(m, childLoc(f.loc, 'scopes', sc), `scheme:${s.name}:scope:${sc}`, `scope "${sc}" of scheme "${s.name}" is required by no operation`, []))));
    },
  },
  {
    id: 'PAL-AUDIT-013',
    title: 'Bearer scheme without bearerFormat',
    severity: 'low',
    category: 'API2:2023',
    cwe: 287,
    confidence: 'firm',
    description: "The document does not say what the bearer token is (a JWT, an opaque token to introspect), so clients, gateways and scanners cannot know how it must be validated.",
    remediation: 'Add `bearerFormat: JWT` (or the format used) and describe the issuer and audience.',
    check: (m) => m.schemes.filter((s) => s.type === 'http' && s.httpScheme === 'bearer' && !s.bearerFormat).map((s) => occurrence(m, s.node.loc, `scheme:${s.name}`, `scheme "${s.name}" is a bearer scheme without bearerFormat`, m.operations)),
  },
  {
    id: 'PAL-AUDIT-014',
    title: 'OpenID Connect discovery URL over plain HTTP',
    severity: 'high',
    category: 'API2:2023',
    cwe: 319,
    confidence: 'firm',
    description: "Whoever can tamper with the discovery document over plain HTTP chooses the issuer's keys and endpoints, and can have clients accept tokens they minted.",
    remediation: 'Use an https:// openIdConnectUrl.',
    check: (m) => m.schemes.filter((s) => s.type === 'openIdConnect' && s.openIdConnectUrl?.toLowerCase().startsWith('http:') && !isLoopback(s.openIdConnectUrl)).map((s) => occurrence(m, childLoc(s.node.loc, 'openIdConnectUrl'), `scheme:${s.name}`, `openIdConnectUrl ${s.openIdConnectUrl}`, m.operations)),
  },
  {
    id: 'PAL-AUDIT-015',
    title: 'OAuth 2.0 endpoint over plain HTTP',
    severity: 'high',
    category: 'API2:2023',
    cwe: 319,
    confidence: 'firm',
    description: 'Authorization codes, client secrets, passwords and tokens cross the authorization and token endpoints: over plain HTTP anyone on the path reads them.',
    remediation: 'Use https:// for authorizationUrl, tokenUrl and refreshUrl.',
    check: (m) => m.schemes.flatMap((s) => s.flows.flatMap((f) => f.urls.filter((u) => u.url.toLowerCase().startsWith('http:') && !isLoopback(u.url)).map((u) => occurrence(m, u.loc, `scheme:${s.name}:${f.kind}:${u.name}`, `${u.name} ${u.url}`, m.operations)))),
  },
  {
    id: 'PAL-AUDIT-016',
    title: 'DELETE or PUT without security',
    severity: 'high',
    category: 'API5:2023',
    cwe: 285,
    confidence: 'firm',
    description: 'An operation that replaces or deletes data requires no credential: anyone can change or destroy it.',
    remediation: 'Require authentication and an authorization scope or role on every state-changing operation.',
    shieldPolicy: AUTH_POLICY,
    check: (m) => m.operations.filter((op) => (op.method === 'DELETE' || op.method === 'PUT') && !isSecured(op)).map((op) => occurrence(m, op.securityLoc ?? opLoc(op), 'unsecured-write', `${op.method} ${op.path} is callable without a credential`)),
  },
  {
    id: 'PAL-AUDIT-017',
    title: 'Administrative path without a distinct requirement',
    severity: 'high',
    category: 'API5:2023',
    cwe: 285,
    confidence: 'tentative',
    description: 'The path looks administrative (/admin, /internal, /debug, /manage, /actuator...) but the operation asks for nothing more than ordinary operations do: no extra scope, no other scheme, no role (x-palisade-roles). Function-level authorization then depends on code the contract cannot show.',
    remediation: 'Require an admin scope (or a separate scheme) on administrative operations, and list the roles in x-palisade-roles so Shield can enforce them.',
    shieldPolicy: `defaults:
  authorize:
    enabled: true
    rules:
      - { operations: ['prefix:/admin'], roles: [admin] }`,
    check: (m) => {
      const sig = (op: Operation): string => JSON.stringify(op.security.map((r) => Object.entries(r).map(([n, s]) => [n, [...s].sort()]).sort()));
      const ordinary = new Set(m.operations.filter((op) => !ADMIN_PATH.test(op.path)).map(sig));
      return m.operations
        .filter((op) => ADMIN_PATH.test(op.path))
        .filter((op) => {
          const roles = op.node.value['x-palisade-roles'];
          if (Array.isArray(roles) && roles.length > 0) return false;
          return !isSecured(op) || ordinary.has(sig(op));
        })
        .map((op) => occurrence(m, opLoc(op), 'admin-path', isSecured(op) ? `${op.method} ${op.path} requires the same as ordinary operations` : `${op.method} ${op.path} requires no credential`));
    },
  },
  {
    id: 'PAL-AUDIT-018',
    title: 'Secured operation does not document 401',
    severity: 'low',
    category: 'API8:2023',
    cwe: 1059,
    confidence: 'firm',
    description: 'The operation requires a credential but does not say what happens without one. Clients cannot handle it, and contract tests and response validation cannot tell a correct refusal from an error.',
    remediation: "Document a 401 response (with WWW-Authenticate and an error schema).",
    check: (m) => m.operations.filter((op) => isSecured(op) && !op.responses.some((r) => ['401', '4xx'].includes(r.status.toLowerCase()))).map((op) => occurrence(m, childLoc(op.node.loc, 'responses'), 'missing-401', `${op.method} ${op.path} has no 401 response`, [op])),
  },
  {
    id: 'PAL-AUDIT-019',
    title: 'Operation needing a scope or role does not document 403',
    severity: 'low',
    category: 'API5:2023',
    cwe: 1059,
    confidence: 'firm',
    description: 'The operation requires a scope or role, so some authenticated callers must be refused; without a documented 403 that refusal is untested and clients cannot tell it from other failures.',
    remediation: 'Document a 403 response with an error schema.',
    check: (m) =>
      m.operations
        .filter((op) => {
          const roles = op.node.value['x-palisade-roles'];
          const needs = op.security.some((r) => Object.values(r).some((s) => s.length > 0)) || (Array.isArray(roles) && roles.length > 0);
          return needs && !op.responses.some((r) => ['403', '4xx'].includes(r.status.toLowerCase()));
        })
        .map((op) => occurrence(m, childLoc(op.node.loc, 'responses'), 'missing-403', `${op.method} ${op.path} has no 403 response`, [op])),
  },
  {
    id: 'PAL-AUDIT-020',
    title: 'Server over plain HTTP',
    severity: 'high',
    category: 'API8:2023',
    cwe: 319,
    confidence: 'firm',
    description: 'Credentials, tokens and data sent to an http:// server cross the network in clear text and can be read or changed on the way.',
    remediation: 'List https:// servers only (loopback development servers excepted) and redirect or refuse plain HTTP.',
    shieldPolicy: `gateway:
  tls: { cert: tls.crt, key: tls.key, redirectHttpPort: 80 }   # HTTPS only; Strict-Transport-Security is sent by default`,
    check: (m) => m.servers.filter((s) => /^http:/i.test(s.url) && !isLoopback(s.url)).map((s) => occurrence(m, s.loc, `server:${s.url}`, `server ${s.url}`, m.operations)),
  },
  {
    id: 'PAL-AUDIT-021',
    title: 'Server on a local or private address',
    severity: 'low',
    category: 'API9:2023',
    cwe: 200,
    confidence: 'firm',
    description: 'The published document lists a server on localhost, a loopback, private (RFC 1918 / ULA) or link-local address, or an internal host name: it reveals internal topology, and clients or scanners pointed at it from outside reach nothing (or the wrong thing).',
    remediation: 'Publish the public servers only; keep development servers in a separate, unpublished document or an environment-specific server variable.',
    check: (m) => m.servers.filter((s) => {
      const h = hostOf(s.url);
      return h !== undefined && isInternalHost(h);
    }).map((s) => occurrence(m, s.loc, `server:${s.url}`, `server ${s.url}`, [])),
  },
  {
    id: 'PAL-AUDIT-022',
    title: 'Credentials in a server URL',
    severity: 'high',
    category: 'API2:2023',
    cwe: 798,
    confidence: 'firm',
    description: 'A server URL carries a user name and password or a key in its query: anyone who reads the document has them.',
    remediation: 'Remove the credential from the document and rotate it.',
    check: (m) => m.servers.filter((s) => {
      try {
        const u = new URL(s.url);
        return u.username !== '' || u.password !== '' || [...u.searchParams.keys()].some((k) => /key|token|secret|pass|sig/i.test(k));
      } catch {
        return false;
      }
    }).map((s) => occurrence(m, s.loc, `server:${s.loc.pointer}`, `server ${s.url.replace(/\/\/[^@/]*@/, '//***@')} carries a credential`, m.operations)),
  },
];

// What the API answers: documented error responses, response schemas, and what they reveal.
import type { AuditRule, Occurrence } from '../rule.js';
import { isSecured, occurrence, outputSchemas, stableKey } from '../rule.js';
import type { Operation } from '../model.js';
import { typesOf } from '../model.js';
import { childLoc } from '../source.js';

const SENSITIVE_FIELD = /^(password|passwd|pass|pwd|password_?hash|pass_?hash|hash|hashed_?password|salt|secret|client_?secret|secret_?key|private_?key|api_?key|apikey|token|access_?token|refresh_?token|id_?token|session_?token|session_?id|otp|totp_?secret|mfa_?secret|pin|cvv|cvc|card_?number|pan|ssn|social_?security_?number)$/i;
const CREDENTIAL_ISSUED = /^(token|access_?token|refresh_?token|id_?token|api_?key|apikey|session_?token|client_?secret)$/i;

function norm(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/-/g, '_').toLowerCase();
}

function has(op: Operation, ...statuses: string[]): boolean {
  return op.responses.some((r) => statuses.includes(r.status.toLowerCase()));
}

function responsesLoc(op: Operation) {
  return childLoc(op.node.loc, 'responses');
}

/** Operations that hand out credentials: public, or named like login/token endpoints. */
function issuesCredentials(op: Operation): boolean {
  return (!isSecured(op) && op.method === 'POST') || /\/(token|oauth|login|sign-?in|sessions?|auth|api-?keys?|keys)(\/|$)/i.test(op.path);
}

export const responseRules: AuditRule[] = [
  {
    id: 'PAL-AUDIT-037',
    title: 'No 429 response documented',
    severity: 'low',
    category: 'API4:2023',
    cwe: 770,
    confidence: 'firm',
    description: 'The operation does not document 429 Too Many Requests: either it is not rate limited, or clients do not know to back off and retry later (Retry-After).',
    remediation: 'Rate-limit the operation and document 429 with a Retry-After header.',
    shieldPolicy: `defaults:
  rateLimit:
    enabled: true
    limits:
      - { name: per-client, key: ip, points: 100, durationSeconds: 1 }`,
    check: (m) => m.operations.filter((op) => !has(op, '429', '4xx')).map((op) => occurrence(m, responsesLoc(op), 'missing-429', `${op.method} ${op.path} has no 429 response`, [op])),
  },
  {
    id: 'PAL-AUDIT-038',
    title: 'Operation with inputs does not document 400 or 422',
    severity: 'low',
    category: 'API8:2023',
    cwe: 20,
    confidence: 'firm',
    description: 'The operation takes parameters or a body but documents no 400/422: invalid input has no specified answer, which usually means it is not validated, or fails as a 500.',
    remediation: 'Validate inputs and document 400 (or 422) with an error schema.',
    shieldPolicy: `defaults:
  contract:
    enabled: true   # invalid requests are answered 400 with the list of violations`,
    check: (m) =>
      m.operations
        .filter((op) => (op.parameters.length > 0 || op.requestBody.length > 0 || op.formData.length > 0) && !has(op, '400', '422', '4xx'))
        .map((op) => occurrence(m, responsesLoc(op), 'missing-400', `${op.method} ${op.path} has inputs but no 400/422 response`, [op])),
  },
  {
    id: 'PAL-AUDIT-039',
    title: 'No error response schema',
    severity: 'low',
    category: 'API8:2023',
    cwe: 209,
    confidence: 'firm',
    description: 'No 4xx or default response of the operation has a schema: the shape of errors is unspecified, so leaking stack traces and internal messages cannot be told from correct errors.',
    remediation: 'Document error responses with a schema (RFC 9457 application/problem+json) and a default response.',
    shieldPolicy: `defaults:
  errorScrubbing:
    enabled: true
    mode: all   # upstream 5xx bodies are replaced by a generic problem response`,
    check: (m) =>
      m.operations
        .filter((op) => !op.responses.some((r) => (/^4/.test(r.status) || r.status === 'default') && r.content.some((c) => c.schema)))
        .map((op) => occurrence(m, responsesLoc(op), 'no-error-schema', `${op.method} ${op.path} documents no error response with a schema`, [op])),
  },
  {
    id: 'PAL-AUDIT-040',
    title: 'Successful response without a schema',
    severity: 'low',
    category: 'API3:2023',
    cwe: 213,
    confidence: 'firm',
    description: 'A 2xx response has a body (or a media type) without a schema, or documents no body at all where one is expected: nothing says which properties may be returned, so excessive data exposure cannot be detected or filtered.',
    remediation: 'Give every successful response body a schema listing exactly the properties returned.',
    shieldPolicy: `defaults:
  contract:
    enabled: true
    responses: block                     # answers that do not match the document are refused (502)
    rejectUnknownResponseProperties: true`,
    check: (m) => {
      const out: Occurrence[] = [];
      for (const op of m.operations)
        for (const r of op.responses) {
          if (!/^2/.test(r.status) || ['204', '205'].includes(r.status)) continue;
          if (m.version === '2.0' ? r.node.value.schema === undefined && op.method === 'GET' : r.content.length > 0 && r.content.every((c) => !c.schema))
            out.push(occurrence(m, r.node.loc, `${op.method} ${op.path}:${r.status}`, `${op.method} ${op.path} → ${r.status} has no schema`, [op]));
          else if (m.version !== '2.0' && r.content.length === 0 && op.method === 'GET')
            out.push(occurrence(m, r.node.loc, `${op.method} ${op.path}:${r.status}`, `${op.method} ${op.path} → ${r.status} documents no content`, [op]));
        }
      return out;
    },
  },
  {
    id: 'PAL-AUDIT-041',
    title: 'Response object open to undeclared properties',
    severity: 'low',
    category: 'API3:2023',
    cwe: 213,
    confidence: 'firm',
    description: 'A successful response object does not set additionalProperties: false, so the contract allows the API to return anything beyond the listed properties — internal fields, other users\' data — and response validation cannot flag it.',
    remediation: 'Close response objects with additionalProperties: false and list exactly what is returned.',
    shieldPolicy: `defaults:
  contract:
    enabled: true
    responses: block
    rejectUnknownResponseProperties: true   # undeclared response properties are refused even where the document leaves objects open`,
    check: (m) =>
      outputSchemas(m, (s) => /^2/.test(s))
        .filter(({ visit }) => {
          const s = visit.schema.value;
          return s.properties !== undefined && s.additionalProperties !== false && s.unevaluatedProperties !== false && (typesOf(s).length === 0 || typesOf(s).includes('object'));
        })
        .map(({ visit, ops }) => occurrence(m, visit.schema.loc, stableKey(m, visit.schema.loc), `response ${visit.path ? `property "${visit.path}"` : 'body'} allows undeclared properties`, ops)),
  },
  {
    id: 'PAL-AUDIT-042',
    title: 'Sensitive field in a response',
    severity: 'high',
    category: 'API3:2023',
    cwe: 213,
    confidence: 'tentative',
    description: 'A response schema declares a field whose name says it holds a password, hash, secret, key, token, card number or national id. Credentials handed out by login or token endpoints are expected; anywhere else such a field is excessive data exposure.',
    remediation: 'Remove the field from the response (use separate read and write schemas; mark write-only fields writeOnly: true).',
    shieldPolicy: `defaults:
  authorize:
    enabled: true
    rules:
      - { operations: ['*'], readable: { '*': [id, name, email] } }   # only these properties reach clients`,
    check: (m) =>
      outputSchemas(m, (s) => /^[23]/.test(s) || s === 'default')
        .filter(({ visit, ops }) => {
          const name = visit.property;
          if (!name || !SENSITIVE_FIELD.test(norm(name)) || visit.schema.value.writeOnly === true) return false;
          if (CREDENTIAL_ISSUED.test(norm(name)) && ops.every(issuesCredentials)) return false;
          return true;
        })
        .map(({ visit, ops }) => occurrence(m, visit.schema.loc, stableKey(m, visit.schema.loc), `response property "${visit.path}" looks sensitive`, ops)),
  },
];

// What clients send: parameters, bodies and form fields — their bounds, their shapes, and the
// names that say they carry secrets, personal data or URLs.
import type { AuditRule, InputSchema, Occurrence } from '../rule.js';
import { inputName, inputSchemas, occurrence, stableKey } from '../rule.js';
import type { AuditModel, Obj } from '../model.js';
import { typesOf } from '../model.js';
import { childLoc } from '../source.js';

const SECRET_NAME = /^(pass(word|wd|phrase)?|pwd|secret|client_?secret|token|access_?token|refresh_?token|id_?token|auth_?token|api_?key|apikey|access_?key|secret_?key|private_?key|session_?(id|token)?|sid|jwt|bearer|credentials?|otp|pin)$/i;
const PII_NAME = /^(e_?mail(_?address)?|phone(_?number)?|mobile|ssn|social_?security(_?number)?|tax_?id|national_?id|passport(_?number)?|dob|date_?of_?birth|birth_?date|card_?number|credit_?card|iban)$/i;
const PAGE_SIZE_NAME = /^(\$?top|limit|page_?size|per_?page|size|count|first|last|take|max|max_?results|max_?items|results_?per_?page|page_?limit)$/i;
const URL_NAME = /(^|_)(url|uri|href|link|callback|callback_?url|webhook|webhook_?url|redirect|redirect_?uri|redirect_?url|return_?url|endpoint|feed|image_?url|avatar_?url|target|dest(ination)?)$/i;
const ID_NAME = /^(id|uuid|guid)$|(Id|_id|Uuid|_uuid)$/;
const EMAIL_NAME = /^e_?mail(_?address)?$|_email$|Email$/i;
const BOUNDED_FORMATS = new Set(['date', 'date-time', 'time', 'uuid', 'ipv4', 'ipv6', 'duration', 'int32', 'int64']);
const BINARY_FORMATS = new Set(['binary', 'byte', 'base64']);

function norm(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/-/g, '_').toLowerCase();
}

function hasChoice(s: Obj): boolean {
  return Array.isArray(s.enum) || 'const' in s;
}

function isString(s: Obj): boolean {
  return typesOf(s).includes('string') || (typesOf(s).length === 0 && (typeof s.maxLength === 'number' || typeof s.pattern === 'string' || typeof s.format === 'string'));
}

function isFile(s: Obj): boolean {
  return typesOf(s).includes('file') || (isString(s) && (BINARY_FORMATS.has(String(s.format)) || typeof s.contentMediaType === 'string' || typeof s.contentEncoding === 'string'));
}

function forInputs(m: AuditModel, pick: (i: InputSchema) => string | undefined): Occurrence[] {
  const out: Occurrence[] = [];
  for (const i of inputSchemas(m)) {
    const msg = pick(i);
    if (msg === undefined) continue;
    out.push(occurrence(m, i.visit.schema.loc, stableKey(m, i.visit.schema.loc), msg, i.ops));
  }
  return out;
}

/** Parameters (not bodies) in the URL: query and path. */
function urlParams(m: AuditModel, test: (name: string, s: Obj | undefined) => boolean, what: string): Occurrence[] {
  const out: Occurrence[] = [];
  const seen = new Map<string, Occurrence>();
  for (const op of m.operations)
    for (const p of op.parameters) {
      if (p.in !== 'query' && p.in !== 'path') continue;
      if (!test(p.name, p.schema?.value)) continue;
      const k = `${p.node.loc.file}#${p.node.loc.pointer}`;
      const have = seen.get(k);
      if (have) {
        have.affects?.push(op);
        continue;
      }
      const o = occurrence(m, p.node.loc, `${p.in}:${p.name}:${stableKey(m, p.node.loc)}`, `${p.in} parameter "${p.name}" ${what}`, [op]);
      seen.set(k, o);
      out.push(o);
    }
  return out;
}

const CONTRACT = `defaults:
  contract:
    enabled: true   # requests are validated against the OpenAPI document, bounds included`;

export const inputRules: AuditRule[] = [
  {
    id: 'PAL-AUDIT-023',
    title: 'Secret carried in a URL parameter',
    severity: 'high',
    category: 'API2:2023',
    cwe: 598,
    confidence: 'tentative',
    description: 'A parameter whose name says it is a password, token, key or session id travels in the path or query string, which is written to access logs, proxy logs, browser history and Referer headers.',
    remediation: 'Move the secret to a header (Authorization) or the request body.',
    shieldPolicy: `defaults:
  record: { enabled: true }   # recorded URLs have configured query secrets redacted; still move the secret out of the URL`,
    check: (m) => urlParams(m, (n) => SECRET_NAME.test(norm(n)), 'looks like a secret'),
  },
  {
    id: 'PAL-AUDIT-024',
    title: 'Personal data in a URL parameter',
    severity: 'medium',
    category: 'API3:2023',
    cwe: 598,
    confidence: 'tentative',
    description: 'E-mail addresses, phone numbers, national ids or card numbers in the path or query string are written to logs, caches and analytics along the way, and are hard to erase there.',
    remediation: 'Send personal data in the body of a POST (a search request) or look it up by an opaque id.',
    check: (m) => urlParams(m, (n, s) => PII_NAME.test(norm(n)) || s?.format === 'email', 'carries personal data'),
  },
  {
    id: 'PAL-AUDIT-025',
    title: 'String input without maxLength',
    severity: 'medium',
    category: 'API4:2023',
    cwe: 770,
    confidence: 'firm',
    description: 'A string the client controls has no maximum length, so the API (and everything it stores or forwards the value to) accepts arbitrarily large values. Query and body values are checked; path, header and cookie values are bounded by URL and header size limits.',
    remediation: 'Give every string input a maxLength that fits its meaning (names 100, e-mail 254, free text a few thousand), or an enum.',
    shieldPolicy: CONTRACT,
    check: (m) =>
      forInputs(m, (i) => {
        const s = i.visit.schema.value;
        if (i.param && !['query', 'formData'].includes(i.param.in) && i.source === 'parameter') return undefined;
        if (!isString(s) || isFile(s) || hasChoice(s) || typeof s.maxLength === 'number' || BOUNDED_FORMATS.has(String(s.format))) return undefined;
        if (typesOf(s).length > 1 && !typesOf(s).every((t) => t === 'string')) return undefined;
        return `${inputName(i)} has no maxLength`;
      }),
  },
  {
    id: 'PAL-AUDIT-026',
    title: 'Array input without maxItems',
    severity: 'medium',
    category: 'API4:2023',
    cwe: 770,
    confidence: 'firm',
    description: 'An array the client sends has no maximum size: one request can carry millions of items, each processed, stored or fanned out to other services (batch amplification).',
    remediation: 'Set maxItems on every array input.',
    shieldPolicy: CONTRACT,
    check: (m) => forInputs(m, (i) => (typesOf(i.visit.schema.value).includes('array') && typeof i.visit.schema.value.maxItems !== 'number' ? `${inputName(i)} is an array without maxItems` : undefined)),
  },
  {
    id: 'PAL-AUDIT-027',
    title: 'Numeric input without minimum or maximum',
    severity: 'low',
    category: 'API4:2023',
    cwe: 20,
    confidence: 'firm',
    description: 'A number the client controls is unbounded on at least one side: negative quantities, huge amounts and overflowing ids reach the business logic unchecked.',
    remediation: 'Set minimum and maximum (or exclusive bounds) that fit the meaning of the value.',
    shieldPolicy: CONTRACT,
    check: (m) =>
      forInputs(m, (i) => {
        const s = i.visit.schema.value;
        const t = typesOf(s);
        if (!(t.includes('integer') || t.includes('number')) || hasChoice(s)) return undefined;
        if (i.param && PAGE_SIZE_NAME.test(i.param.name) && i.param.in === 'query') return undefined; // PAL-AUDIT-032's
        const lo = typeof s.minimum === 'number' || typeof s.exclusiveMinimum === 'number' || s.exclusiveMinimum === true;
        const hi = typeof s.maximum === 'number' || typeof s.exclusiveMaximum === 'number' || s.exclusiveMaximum === true;
        if (lo && hi) return undefined;
        return `${inputName(i)} has no ${!lo && !hi ? 'minimum or maximum' : !lo ? 'minimum' : 'maximum'}`;
      }),
  },
  {
    id: 'PAL-AUDIT-028',
    title: 'String identifier without format or pattern',
    severity: 'low',
    category: 'API8:2023',
    cwe: 20,
    confidence: 'tentative',
    description: 'An identifier input is any string: the API accepts path traversal, wildcards, injection payloads and absurd lengths where it expects a UUID or a short code.',
    remediation: 'Give identifiers a format (uuid) or an anchored pattern (^[A-Za-z0-9_-]{1,64}$).',
    shieldPolicy: CONTRACT,
    check: (m) =>
      forInputs(m, (i) => {
        const s = i.visit.schema.value;
        const name = i.visit.property ?? i.param?.name;
        if (!name || !ID_NAME.test(name) || !isString(s) || hasChoice(s) || typeof s.format === 'string' || typeof s.pattern === 'string') return undefined;
        return `${inputName(i)} is an identifier without format or pattern`;
      }),
  },
  {
    id: 'PAL-AUDIT-029',
    title: 'E-mail or URL input without format or pattern',
    severity: 'low',
    category: 'API8:2023',
    cwe: 20,
    confidence: 'tentative',
    description: 'An input named like an e-mail address or a URL accepts any string, so malformed and hostile values (other schemes, header injection, markup) reach the application.',
    remediation: 'Use format: email / format: uri, or an anchored pattern such as ^https://.',
    shieldPolicy: CONTRACT,
    check: (m) =>
      forInputs(m, (i) => {
        const s = i.visit.schema.value;
        const name = i.visit.property ?? i.param?.name;
        if (!name || !isString(s) || hasChoice(s) || typeof s.format === 'string' || typeof s.pattern === 'string') return undefined;
        if (EMAIL_NAME.test(name)) return `${inputName(i)} looks like an e-mail address but has no format or pattern`;
        if (URL_NAME.test(norm(name))) return `${inputName(i)} looks like a URL but has no format or pattern`;
        return undefined;
      }),
  },
  {
    id: 'PAL-AUDIT-030',
    title: 'Request body object open to unknown properties',
    severity: 'medium',
    category: 'API3:2023',
    cwe: 915,
    confidence: 'firm',
    description: 'A request body object does not set additionalProperties: false (or unevaluatedProperties: false), so properties the API never meant clients to write — role, balance, owner_id, is_admin — pass validation: mass assignment.',
    remediation: 'Set additionalProperties: false on request body objects (unevaluatedProperties: false when composing with allOf in 3.1), and use separate read and write schemas.',
    shieldPolicy: `defaults:
  contract:
    enabled: true
    rejectUnknownProperties: true   # undeclared body properties are refused even where the document leaves objects open`,
    check: (m) =>
      forInputs(m, (i) => {
        const s = i.visit.schema.value;
        if (i.source !== 'body' || !(typesOf(s).includes('object') || s.properties !== undefined)) return undefined;
        if (s.additionalProperties === false || s.unevaluatedProperties === false) return undefined;
        if (s.properties === undefined && s.additionalProperties !== undefined && s.additionalProperties !== true) return undefined; // a map with typed values
        if (s.properties === undefined && !Array.isArray(s.allOf)) return undefined; // PAL-AUDIT-031's
        return `${inputName(i)} accepts undeclared properties (additionalProperties is ${s.additionalProperties === true ? 'true' : 'not set'})`;
      }),
  },
  {
    id: 'PAL-AUDIT-031',
    title: 'Request body object without properties',
    severity: 'medium',
    category: 'API8:2023',
    cwe: 20,
    confidence: 'firm',
    description: 'A request body object declares no properties and no typed additionalProperties: any JSON object is valid, so the contract validates nothing and mass assignment and injection go unchecked.',
    remediation: 'Describe the properties the operation accepts, with additionalProperties: false.',
    shieldPolicy: CONTRACT,
    check: (m) =>
      forInputs(m, (i) => {
        const s = i.visit.schema.value;
        if (i.source !== 'body' || !typesOf(s).includes('object')) return undefined;
        if (s.properties !== undefined || s.patternProperties !== undefined || ['allOf', 'anyOf', 'oneOf', '$ref'].some((k) => k in s)) return undefined;
        if (s.additionalProperties !== undefined && s.additionalProperties !== true) return undefined;
        return `${inputName(i)} is an object with no declared properties`;
      }),
  },
  {
    id: 'PAL-AUDIT-032',
    title: 'Page-size parameter without maximum',
    severity: 'medium',
    category: 'API4:2023',
    cwe: 770,
    confidence: 'tentative',
    description: 'A page-size parameter (limit, page_size, per_page, $top...) has no maximum: one request can ask for the whole collection, which costs the database, the memory and the bandwidth of a dump.',
    remediation: 'Set a maximum (e.g. 100) on page-size parameters and enforce it in the API.',
    shieldPolicy: `defaults:
  limits:
    maxPageSize: 100   # larger values of limit, page_size, per_page, $top... are refused (400)`,
    check: (m) =>
      urlParams(
        m,
        (n, s) => {
          if (!PAGE_SIZE_NAME.test(n)) return false;
          if (!s) return true;
          const t = typesOf(s);
          if (hasChoice(s)) return false;
          if (t.includes('integer') || t.includes('number')) return typeof s.maximum !== 'number' && typeof s.exclusiveMaximum !== 'number';
          return !(typeof s.maxLength === 'number' && s.maxLength <= 4) && !(typeof s.pattern === 'string' && /\{\d,?\d?\}\$?$/.test(s.pattern));
        },
        'sets a page size without a maximum',
      ).filter((o) => o.key.startsWith('query:')),
  },
  {
    id: 'PAL-AUDIT-033',
    title: 'File upload without a size limit',
    severity: 'medium',
    category: 'API4:2023',
    cwe: 400,
    confidence: 'firm',
    description: 'A binary or base64 input (an upload) has no maxLength, so the document puts no bound on what clients may send and storage, memory and processing (image decoding, virus scanning) are at their mercy.',
    remediation: 'Set maxLength on binary fields (and maxItems on lists of files); enforce the same bound at the edge.',
    shieldPolicy: `defaults:
  limits:
    maxBodyBytes: 10485760   # 10 MiB: larger bodies are refused (413) while streaming`,
    check: (m) => {
      const out = forInputs(m, (i) => (isFile(i.visit.schema.value) && typeof i.visit.schema.value.maxLength !== 'number' ? `${inputName(i)} is a file without maxLength` : undefined));
      // Raw binary bodies (application/octet-stream, image/*) declared without any schema.
      for (const op of m.operations)
        for (const b of op.requestBody)
          if (!b.schema && /^(application\/octet-stream|image\/|video\/|audio\/|application\/pdf|application\/zip)/i.test(b.contentType))
            out.push(occurrence(m, b.node.loc, `${op.method} ${op.path}:${b.contentType}`, `${op.method} ${op.path} accepts ${b.contentType} with no schema and no size`, [op]));
      return out;
    },
  },
  {
    id: 'PAL-AUDIT-034',
    title: 'URL input (server-side request forgery risk)',
    severity: 'medium',
    category: 'API7:2023',
    cwe: 918,
    confidence: 'tentative',
    description: 'The client sends a URL (format uri, or a name such as url, callback, webhook, redirect_uri). If the server fetches it — previews, imports, webhooks — an attacker points it at internal services or cloud metadata (169.254.169.254).',
    remediation: 'Fetch only from an allow-list of hosts and schemes, resolve the name and refuse internal addresses, do not follow redirects, and never echo the fetched content.',
    shieldPolicy: `defaults:
  ssrfGuard:
    enabled: true
    jsonPaths: [url]   # the body fields carrying URLs; detectByShape also checks every URL-like value`,
    check: (m) =>
      forInputs(m, (i) => {
        const s = i.visit.schema.value;
        const name = i.visit.property ?? i.param?.name ?? '';
        if (!isString(s) && typesOf(s).length > 0) return undefined;
        const byFormat = ['uri', 'url', 'iri', 'uri-reference', 'iri-reference', 'uri-template'].includes(String(s.format));
        if (!byFormat && !URL_NAME.test(norm(name))) return undefined;
        return `${inputName(i)} takes a URL${byFormat ? ` (format ${String(s.format)})` : ''}`;
      }),
  },
  {
    id: 'PAL-AUDIT-035',
    title: 'Request body accepts any content type',
    severity: 'medium',
    category: 'API8:2023',
    cwe: 20,
    confidence: 'firm',
    description: 'The operation accepts */* (or a wildcard such as application/*): any parser the framework has — XML, form, YAML, serialized objects — can be reached, and the schema does not apply to most of them.',
    remediation: 'List the exact media types the operation accepts (application/json).',
    shieldPolicy: CONTRACT,
    check: (m) => {
      const out: Occurrence[] = [];
      for (const op of m.operations)
        for (const b of op.requestBody)
          if (/^\*\/\*|^[a-z]+\/\*(;|$)/i.test(b.contentType.trim())) {
            const loc = m.version === '2.0' ? (Array.isArray(op.node.value.consumes) ? childLoc(op.node.loc, 'consumes') : childLoc(m.doc.loc, 'consumes')) : b.node.loc;
            out.push(occurrence(m, loc, `${op.method} ${op.path}:${b.contentType}`, `${op.method} ${op.path} accepts ${b.contentType}`, [op]));
          }
      return out;
    },
  },
  {
    id: 'PAL-AUDIT-036',
    title: 'XML request body (XML external entity risk)',
    severity: 'low',
    category: 'API8:2023',
    cwe: 611,
    confidence: 'tentative',
    description: 'The operation accepts XML. XML parsers that resolve external entities or expand internal ones can be made to read local files, call internal URLs (SSRF) or exhaust memory (billion laughs).',
    remediation: 'Prefer JSON; otherwise disable DTDs and external entity resolution in the XML parser and bound depth and size.',
    shieldPolicy: `defaults:
  xml:
    enabled: true   # XML bodies with a DTD or entities are refused; depth, attributes and elements are bounded`,
    check: (m) => {
      const out: Occurrence[] = [];
      for (const op of m.operations)
        for (const b of op.requestBody)
          if (/[/+]xml(;|$)/i.test(b.contentType.trim())) out.push(occurrence(m, b.node.loc, `${op.method} ${op.path}:${b.contentType}`, `${op.method} ${op.path} accepts ${b.contentType}`, [op]));
      return out;
    },
  },
];

// What the document itself gives away (examples, descriptions, CORS hints) and identifier shapes
// that invite enumeration.
import type { AuditRule, Occurrence } from '../rule.js';
import { isSecured, lastSegment, occurrence, stringsIn } from '../rule.js';
import type { AuditModel } from '../model.js';
import { typesOf } from '../model.js';
import type { Loc } from '../source.js';
import { childLoc, isObject, pointerSegments } from '../source.js';

const SECRET_KEY = /^(password|passwd|pass|pwd|secret|client_?secret|api_?key|apikey|access_?token|refresh_?token|token|private_?key|ssn|card_?number|cvv|cvc)$/i;

function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** What a value is, when it looks like a secret or sensitive data; undefined when it does not. */
export function sensitiveValue(value: string, key: string | undefined): string | undefined {
  if (/-----BEGIN (RSA |EC |OPENSSH |ENCRYPTED )?PRIVATE KEY-----/.test(value)) return 'a private key';
  if (/\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/.test(value)) return 'a JSON Web Token';
  if (/\b(AKIA|ASIA)[0-9A-Z]{16}\b/.test(value)) return 'an AWS access key id';
  if (/\b(ghp|gho|ghs|ghu|github_pat)_[A-Za-z0-9_]{20,}\b/.test(value)) return 'a GitHub token';
  if (/\b(sk|rk)_(live|test)_[A-Za-z0-9]{16,}\b/.test(value)) return 'a Stripe key';
  if (/\bxox[abposr]-[A-Za-z0-9-]{10,}\b/.test(value)) return 'a Slack token';
  if (/\b\d{3}-\d{2}-\d{4}\b/.test(value) && /ssn|social/i.test(key ?? '')) return 'a social security number';
  for (const m of value.matchAll(/\b(?:\d[ -]?){13,19}\b/g)) {
    const digits = m[0].replace(/[ -]/g, '');
    if (digits.length >= 13 && digits.length <= 19 && /^[3-6]/.test(digits) && luhn(digits)) return 'a payment card number';
  }
  if (key && SECRET_KEY.test(key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/-/g, '_')) && value.trim().length >= 4 && !/^(string|\*+|x+|<.*>|\{.*\}|\$\{.*\}|redacted|\.\.\.|changeme)$/i.test(value.trim()))
    return `a value for "${key}"`;
  return undefined;
}

/** Every example in the document: `example`, `examples` (values or Example objects), `x-example`, `default` of secret-named schemas. */
function examples(m: AuditModel): Array<{ value: unknown; loc: Loc }> {
  const out: Array<{ value: unknown; loc: Loc }> = [];
  let budget = 200_000;
  const visit = (v: unknown, loc: Loc, depth: number): void => {
    if (--budget < 0 || depth > 64) return;
    if (Array.isArray(v)) v.forEach((x, i) => visit(x, childLoc(loc, i), depth + 1));
    else if (isObject(v))
      for (const [k, x] of Object.entries(v)) {
        const l = childLoc(loc, k);
        if (k === 'example' || k === 'x-example') out.push({ value: x, loc: l });
        else if (k === 'examples' && isObject(x))
          for (const [n, e] of Object.entries(x)) out.push(isObject(e) && 'value' in e ? { value: e.value, loc: childLoc(l, n, 'value') } : { value: e, loc: childLoc(l, n) });
        else if (k === 'examples' && Array.isArray(x)) x.forEach((e, i) => out.push({ value: e, loc: childLoc(l, i) }));
        else visit(x, l, depth + 1);
      }
  };
  visit(m.doc.value, m.doc.loc, 0);
  return out;
}

/** Every prose string: description, summary, title, and x-* extension text. */
function prose(m: AuditModel): Array<{ value: string; loc: Loc }> {
  const out: Array<{ value: string; loc: Loc }> = [];
  let budget = 200_000;
  const visit = (v: unknown, loc: Loc, depth: number): void => {
    if (--budget < 0 || depth > 64) return;
    if (Array.isArray(v)) v.forEach((x, i) => visit(x, childLoc(loc, i), depth + 1));
    else if (isObject(v))
      for (const [k, x] of Object.entries(v)) {
        if (k === 'example' || k === 'examples' || k === 'x-example') continue;
        const l = childLoc(loc, k);
        if (typeof x === 'string' && (k === 'description' || k === 'summary' || k === 'title' || k.startsWith('x-'))) out.push({ value: x, loc: l });
        else visit(x, l, depth + 1);
      }
  };
  visit(m.doc.value, m.doc.loc, 0);
  return out;
}

const INTERNAL_DETAIL: Array<[RegExp, string]> = [
  [/\b(?:10|127)\.\d{1,3}\.\d{1,3}\.\d{1,3}\b|\b192\.168\.\d{1,3}\.\d{1,3}\b|\b172\.(?:1[6-9]|2\d|3[01])\.\d{1,3}\.\d{1,3}\b/, 'a private IP address'],
  [/\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:internal|corp|lan|intranet|local)\b/i, 'an internal host name'],
  [/\b(?:TODO|FIXME|XXX|HACK)\b/, 'a TODO/FIXME note'],
  [/\bat [\w$.<>]+ \([^)]*:\d+:\d+\)|Traceback \(most recent call last\)|Exception in thread|\.java:\d+\)|NullPointerException/, 'a stack trace'],
  [/\bdebug(?:ging)?\b/i, 'a mention of debugging'],
  [/\b(?:jdbc|postgres(?:ql)?|mysql|mongodb(?:\+srv)?|redis):\/\/[^\s]+/i, 'a database connection string'],
];

export const disclosureRules: AuditRule[] = [
  {
    id: 'PAL-AUDIT-043',
    title: 'Secret or sensitive data in an example',
    severity: 'medium',
    category: 'API8:2023',
    cwe: 200,
    confidence: 'tentative',
    description: 'An example holds what looks like a real password, token, key, card number or national id. Published documents end up in portals, SDKs and search engines; examples copied from real traffic leak real data and real credentials.',
    remediation: 'Use obviously fake placeholders (<password>, 4111-1111-1111-1111 marked as a test card) and rotate any real credential that was published.',
    check: (m) => {
      const out: Occurrence[] = [];
      for (const ex of examples(m)) {
        const base = lastSegment(ex.loc);
        for (const s of stringsIn(ex.value, ex.loc)) {
          const what = sensitiveValue(s.value, s.key ?? (s.loc.pointer === ex.loc.pointer ? undefined : base));
          if (what) out.push(occurrence(m, s.loc, `${ex.loc.pointer}:${s.loc.pointer.slice(ex.loc.pointer.length)}`, `example holds ${what}`));
        }
      }
      return out;
    },
  },
  {
    id: 'PAL-AUDIT-044',
    title: 'Internal detail in the documentation',
    severity: 'low',
    category: 'API8:2023',
    cwe: 615,
    confidence: 'tentative',
    description: 'A description, summary or extension mentions private addresses, internal host names, TODO notes, stack traces, connection strings or debugging. Public documents should not map the inside of the system or point at unfinished or debug functionality.',
    remediation: 'Remove internal notes from the published document (keep them in code or an internal copy).',
    check: (m) => {
      const out: Occurrence[] = [];
      for (const p of prose(m))
        for (const [re, what] of INTERNAL_DETAIL) {
          const hit = re.exec(p.value);
          if (hit) out.push(occurrence(m, p.loc, `${what}`, `${pointerSegments(p.loc.pointer).slice(-1)[0] ?? 'text'} contains ${what}: "${hit[0].slice(0, 60)}"`));
        }
      return out;
    },
  },
  {
    id: 'PAL-AUDIT-045',
    title: 'Wildcard CORS origin',
    severity: 'medium',
    category: 'API8:2023',
    cwe: 942,
    confidence: 'tentative',
    description: 'The document shows Access-Control-Allow-Origin: * (or says any origin is allowed). With credentials that lets any web site act as the signed-in user; without, it still exposes every response to every site.',
    remediation: 'Allow only the origins of your own front ends, never * together with credentials.',
    shieldPolicy: `defaults:
  cors:
    enabled: true
    origins: [https://app.example.com]   # upstream CORS headers are dropped; only these origins get them`,
    check: (m) => {
      const out: Occurrence[] = [];
      for (const op of m.operations)
        for (const r of op.responses)
          for (const h of r.headers) {
            if (h.name.toLowerCase() !== 'access-control-allow-origin') continue;
            const vals = stringsIn(h.node.value, h.node.loc).filter((s) => s.value.trim() === '*');
            if (vals.length > 0) out.push(occurrence(m, h.node.loc, `${op.method} ${op.path}:${r.status}`, `${op.method} ${op.path} → ${r.status} documents Access-Control-Allow-Origin: *`, [op]));
          }
      for (const p of prose(m))
        if (/access-control-allow-origin\W{0,5}\*|cors[^.\n]{0,40}\b(any|all|every)\s+origins?|origins?:\s*['"]?\*/i.test(p.value))
          out.push(occurrence(m, p.loc, `prose:${p.loc.pointer}`, `text says every origin is allowed`));
      const ext = m.doc.value['x-cors'] ?? m.doc.value['x-amazon-apigateway-cors'];
      if (isObject(ext)) for (const s of stringsIn(ext, childLoc(m.doc.loc, 'x-cors' in m.doc.value ? 'x-cors' : 'x-amazon-apigateway-cors'))) if (s.value.trim() === '*') out.push(occurrence(m, s.loc, `ext:${s.loc.pointer}`, 'CORS extension allows origin *', m.operations));
      return out;
    },
  },
  {
    id: 'PAL-AUDIT-046',
    title: 'Sequential numeric identifier in the path of a secured operation',
    severity: 'info',
    category: 'API1:2023',
    cwe: 639,
    confidence: 'tentative',
    description: 'The operation addresses an object by an integer id in its path. Sequential ids are trivially enumerable; whether that is exploitable depends on an object-level authorization check the document cannot show. This is a pointer for review and for the scanner\'s BOLA checks, not a defect by itself.',
    remediation: 'Check ownership of the object on every request; consider opaque identifiers (UUIDs) for objects owned by users.',
    shieldPolicy: `defaults:
  authorize:
    enabled: true
    rules:
      - { operations: ['GET /orders/{orderId}'], owner: 'lookup.owner == principal.id', ownerLookup: { path: '/internal/orders/{orderId}/owner' } }`,
    check: (m) => {
      const out: Occurrence[] = [];
      for (const op of m.operations) {
        if (!isSecured(op)) continue;
        for (const p of op.parameters)
          if (p.in === 'path' && p.schema && typesOf(p.schema.value).includes('integer')) out.push({ ...occurrence(m, p.node.loc, `path:${p.name}`, `${op.method} ${op.path} takes integer "${p.name}"`, [op]), operation: op });
      }
      return out;
    },
  },
];

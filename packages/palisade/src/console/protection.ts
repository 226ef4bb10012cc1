// "Apply protection": a finding's virtual patch as a palisade.yaml change. The intent (what to
// change: require authentication on an operation, a rate limit, contract validation, the WAF, an
// authorization rule, a blocked address...) is chosen when the finding is stored; the YAML is
// written here, against the file in force, with the `yaml` Document API so the operator's
// comments and layout survive. Applying validates with the configuration loader, writes the file
// atomically (temporary file + rename), reloads Shield and, when the reload fails, puts the old
// text back: a failed change never stays on disk. Undo is the same with the old text.
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { isMap, isScalar, isSeq, parseDocument } from 'yaml';
import type { Document, YAMLMap, YAMLSeq } from 'yaml';
import { isPalisadeError, loadDocument, parseConfig } from '../core/index.js';
import type { PalisadeConfig, ProtectionIntent, StoredFinding } from '../core/index.js';
import { carryEdit, unifiedDiff } from './yaml-diff.js';
import { writeAtomically } from './settings.js';

export interface ConfigIssue {
  path: string;
  line?: number;
  column?: number;
  message: string;
}

export interface ProtectionPlan {
  available: boolean;
  /** What the change does, or why none is offered. */
  description: string;
  preview?: { before: string; after: string; diff: string };
}

export interface PlanContext {
  /** The current text of palisade.yaml. */
  text: string;
  /** The configuration in force (resolved, defaults applied). */
  config: PalisadeConfig;
  /** Reads an API's OpenAPI document (dereferenced), for property rules. */
  loadSpec?: (source: string) => Promise<Record<string, unknown>>;
}

type Json = Record<string, unknown>;

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const YAML_OPTIONS = { merge: true, uniqueKeys: true, prettyErrors: false } as const;

/** The rule selector of an operation: its operationId, else 'METHOD /path'. */
export function operationSelector(op: { method: string; path: string; operationId?: string } | undefined): string | undefined {
  if (!op) return undefined;
  if (op.operationId && /^[A-Za-z_][\w.-]{0,127}$/.test(op.operationId)) return op.operationId;
  if (!/^\/[^\s?#]{0,512}$/.test(op.path)) return undefined;
  return `${op.method.toUpperCase()} ${op.path}`;
}

const SELECTOR_OF = (f: Pick<StoredFinding, 'operation'>) => operationSelector(f.operation);

/**
 * The protection for a finding, from its check and operation; undefined when Shield has no
 * configuration that blocks it (the API itself must change).
 */
export function protectionIntent(f: Pick<StoredFinding, 'checkId' | 'operation'>): ProtectionIntent | undefined {
  const op = SELECTOR_OF(f);
  const id = f.checkId;
  switch (id) {
    case 'PAL-SCAN-AUTH-001':
    case 'PAL-AUDIT-002':
    case 'PAL-AUDIT-003':
    case 'PAL-AUDIT-016':
      return op ? { kind: 'require-auth', operation: op } : undefined;
    case 'PAL-SCAN-BFLA-001':
    case 'PAL-SCAN-BFLA-002':
      return op ? { kind: 'admin-only', operation: op } : undefined;
    case 'PAL-SCAN-AUTH-002':
    case 'PAL-SCAN-AUTH-003':
      return f.operation ? { kind: 'login-guard', method: f.operation.method.toUpperCase(), path: f.operation.path } : undefined;
    case 'PAL-SCAN-RATE-001':
    case 'PAL-SCAN-FLOW-001':
    case 'PAL-AUDIT-037':
    case 'PAL-WATCH-SCRAPING':
    case 'PAL-WATCH-ORACLE-001':
      return { kind: 'rate-limit', ...(f.operation ? { operation: `${f.operation.method.toUpperCase()} ${f.operation.path}` } : {}), points: 60, durationSeconds: 60 };
    case 'PAL-SCAN-RATE-002':
    case 'PAL-AUDIT-032':
      return { kind: 'max-page-size', max: 100 };
    case 'PAL-SCAN-BOLA-001':
    case 'PAL-SCAN-BOLA-002':
    case 'PAL-WATCH-BOLA': {
      const param = f.operation ? lastParam(f.operation.path) : undefined;
      return op && param ? { kind: 'owner-rule', operation: op, owner: `path.${param} == principal.id or 'admin' in principal.roles` } : undefined;
    }
    case 'PAL-SCAN-PROP-002':
    case 'PAL-SCAN-PROP-003':
      return op ? { kind: 'property-rule', operation: op, side: 'readable', properties: [] } : undefined;
    case 'PAL-SCAN-PROP-001':
      return op ? { kind: 'property-rule', operation: op, side: 'writable', properties: [] } : { kind: 'contract', rejectUnknownProperties: true };
    case 'PAL-AUDIT-030':
      return { kind: 'contract', rejectUnknownProperties: true };
    case 'PAL-SCAN-INV-001':
    case 'PAL-SCAN-INV-002':
    case 'PAL-SCAN-INV-003':
      return { kind: 'contract', strict: true };
    case 'PAL-SCAN-SSRF-001':
    case 'PAL-SCAN-SSRF-002':
    case 'PAL-AUDIT-034':
      return { kind: 'ssrf-guard', jsonPaths: [] };
    case 'PAL-WATCH-INJECTION':
      return { kind: 'waf' };
    default:
      if (/^PAL-SCAN-INJ-\d+$/.test(id)) return { kind: 'waf' };
      return undefined;
  }
}

function lastParam(template: string): string | undefined {
  const all = [...template.matchAll(/\{([A-Za-z_][\w.-]*)\}/g)];
  return all.at(-1)?.[1];
}

function slug(s: string): string {
  return s.replace(/[^A-Za-z0-9_.:-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 48) || 'rule';
}

class Unavailable extends Error {}

/** Turns an intent into the changed text, or says why it cannot. */
async function change(doc: Document, intent: ProtectionIntent, ctx: PlanContext, finding: Pick<StoredFinding, 'operation' | 'api'>): Promise<string> {
  const cfg = ctx.config;
  const d = cfg.defaults;
  switch (intent.kind) {
    case 'require-auth': {
      if (!d.authenticate.enabled || d.authenticate.methods.length === 0) {
        throw new Unavailable('Authentication is not configured: set defaults.authenticate (enabled, methods and their keys) first; then a rule can require it for this operation.');
      }
      const rule = dedicatedRule(doc, cfg, intent.operation);
      rule.delete('anonymous');
      return `Require an authenticated caller for ${intent.operation}: an authorization rule for this operation alone, without anonymous access (anonymous callers get 401).`;
    }
    case 'owner-rule': {
      const rule = dedicatedRule(doc, cfg, intent.operation);
      rule.delete('anonymous');
      if (rule.has('owner')) throw new Unavailable(`The rule for ${intent.operation} already has an owner condition (${String(rule.get('owner'))}); review it by hand.`);
      rule.set('owner', intent.owner);
      return `Only the object's owner (or an administrator) may call ${intent.operation}: owner condition \`${intent.owner}\`. Adjust it to an ownerLookup when the path names an object rather than the caller.`;
    }
    case 'property-rule': {
      const props = intent.properties.length > 0 ? intent.properties : await documentedProperties(ctx, cfg, finding, intent.side);
      if (props.length === 0) throw new Unavailable(`The API's OpenAPI document names no ${intent.side === 'readable' ? 'response' : 'request-body'} properties for ${intent.operation}: list them in an authorization rule by hand.`);
      const rule = dedicatedRule(doc, cfg, intent.operation);
      rule.set(intent.side, doc.createNode({ '*': props }, { flow: true }));
      return intent.side === 'readable'
        ? `Responses of ${intent.operation} carry only the documented properties (${props.join(', ')}); everything else is removed before it reaches the client.`
        : `Request bodies of ${intent.operation} may write only the documented properties (${props.join(', ')}); any other is refused (403).`;
    }
    case 'rate-limit':
      return rateLimit(doc, cfg, intent, finding.api);
    case 'contract': {
      if (!cfg.apis.some((a) => a.openapi !== undefined)) throw new Unavailable('No API has an OpenAPI document (apis[].openapi): contract validation needs one.');
      setIn(doc, ['defaults', 'contract', 'enabled'], true);
      const what = ['requests are validated against the OpenAPI document'];
      if (intent.strict) {
        setIn(doc, ['defaults', 'contract', 'strict'], true);
        what.push('undocumented paths and methods are refused (strict mode)');
      }
      if (intent.rejectUnknownProperties) {
        setIn(doc, ['defaults', 'contract', 'rejectUnknownProperties'], true);
        what.push('request-body properties the schemas do not declare are refused');
      }
      return `Contract enforcement: ${what.join('; ')}.`;
    }
    case 'waf': {
      // Shield refuses a WAF without rules at reload, so offering it would only fail at apply.
      const rules = d.waf.crs !== undefined || d.waf.rulesBefore.length > 0 || d.waf.rulesAfter.length > 0;
      if (!rules) throw new Unavailable('The WAF has no rule set yet: install the OWASP CRS v4 (`palisade crs fetch --version 4.28.0`) and set defaults.waf.crs to its folder; then this protection can turn the WAF on in blocking mode.');
      setIn(doc, ['defaults', 'waf', 'enabled'], true);
      if (d.waf.mode !== 'blocking') setIn(doc, ['defaults', 'waf', 'mode'], 'blocking');
      return 'Turn on the WAF in blocking mode.';
    }
    case 'block-ip': {
      const deny = ensureSeq(doc, ['defaults', 'ipFilter', 'deny']);
      if (!deny.items.some((i) => isScalar(i) && i.value === intent.entry)) deny.add(doc.createNode(intent.entry));
      if (!d.ipFilter.enabled) setIn(doc, ['defaults', 'ipFilter', 'enabled'], true);
      return `Refuse every request from ${intent.entry} (defaults.ipFilter.deny), permanently and across restarts.`;
    }
    case 'login-guard': {
      setIn(doc, ['defaults', 'loginGuard', 'enabled'], true);
      if (!d.loginGuard.endpoints.some((e) => e.method === intent.method && e.path === intent.path)) {
        const eps = ensureSeq(doc, ['defaults', 'loginGuard', 'endpoints']);
        eps.add(doc.createNode({ method: intent.method, path: intent.path, usernameField: intent.usernameField ?? 'username' }, { flow: true }));
      }
      return `Throttle failed logins on ${intent.method} ${intent.path} per account and per client address, with lockouts (loginGuard).`;
    }
    case 'ssrf-guard': {
      setIn(doc, ['defaults', 'ssrfGuard', 'enabled'], true);
      if (intent.jsonPaths.length > 0) {
        const paths = ensureSeq(doc, ['defaults', 'ssrfGuard', 'jsonPaths']);
        for (const p of intent.jsonPaths) if (!paths.items.some((i) => isScalar(i) && i.value === p)) paths.add(doc.createNode(p));
      }
      return 'Check URLs clients send before they reach the API: internal, loopback and metadata addresses are refused (ssrfGuard).';
    }
    case 'admin-only': {
      const az = cfg.defaults.authorize;
      const m = /^([A-Z]+) (\/.*)$/.exec(intent.operation);
      if (az.enabled && az.adminOperations.some((sel) => selects(sel, intent.operation, m?.[1], m?.[2]))) {
        throw new Unavailable(`Already in place: ${intent.operation} is one of authorize.adminOperations.`);
      }
      if (!az.enabled) {
        setIn(doc, ['defaults', 'authorize', 'enabled'], true);
        if (doc.getIn(['defaults', 'authorize', 'defaultPolicy']) === undefined) setIn(doc, ['defaults', 'authorize', 'defaultPolicy'], 'allow');
      }
      // The list replaces the default (tag:admin) when written: keep what is in force, then add.
      if (doc.getIn(['defaults', 'authorize', 'adminOperations']) === undefined) setIn(doc, ['defaults', 'authorize', 'adminOperations'], doc.createNode([...az.adminOperations], { flow: true }));
      ensureSeq(doc, ['defaults', 'authorize', 'adminOperations']).add(doc.createNode(intent.operation));
      return `Only ${az.adminRoles.join(' or ')} may call ${intent.operation}, whatever the other rules say (authorize.adminOperations; others get 403).`;
    }
    case 'max-page-size': {
      setIn(doc, ['defaults', 'limits', 'maxPageSize'], intent.max);
      return `Refuse page sizes above ${intent.max} (limits.maxPageSize).`;
    }
  }
}

function setIn(doc: Document, path: readonly (string | number)[], value: unknown): void {
  if (doc.contents === null || !isMap(doc.contents)) {
    if (doc.contents !== null && !isMap(doc.contents)) throw new Unavailable('palisade.yaml is not a mapping at its top level.');
    doc.contents = doc.createNode({}) as unknown as typeof doc.contents;
  }
  doc.setIn(path, typeof value === 'object' && value !== null ? doc.createNode(value) : value);
}

function ensureSeq(doc: Document, path: readonly string[]): YAMLSeq {
  const node = doc.getIn(path, true);
  if (isSeq(node)) return node;
  if (node !== undefined && node !== null && !(isScalar(node) && node.value === null)) throw new Unavailable(`${path.join('.')} is not a list in palisade.yaml.`);
  setIn(doc, path, []);
  return doc.getIn(path, true) as YAMLSeq;
}

/** Whether a rule's selector picks the operation (tags are not known here, so they never match). */
function selects(sel: string, op: string, method: string | undefined, path: string | undefined): boolean {
  if (sel === op || sel === '*') return true;
  if (!method || !path) return false;
  if (sel === `${method} ${path}` || sel === `* ${path}`) return true;
  if (sel.startsWith('prefix:')) return path.startsWith(sel.slice(7));
  return false;
}

/**
 * The authorization rule that decides `op` alone, so a change to it touches no other operation:
 * an existing rule naming only this operation, else a copy of the first rule that selects it
 * (inserted just before it, so it wins), else a new rule at the head of the list. Turns the
 * authorization stage on when it was off (with defaultPolicy allow, so nothing else changes).
 */
function dedicatedRule(doc: Document, cfg: PalisadeConfig, op: string): YAMLMap {
  const az = cfg.defaults.authorize;
  if (!az.enabled) {
    setIn(doc, ['defaults', 'authorize', 'enabled'], true);
    const explicit = doc.getIn(['defaults', 'authorize', 'defaultPolicy']);
    if (explicit === undefined) setIn(doc, ['defaults', 'authorize', 'defaultPolicy'], 'allow');
  }
  const m = /^([A-Z]+) (\/.*)$/.exec(op);
  const method = m?.[1];
  const path = m?.[2];
  const rules = ensureSeq(doc, ['defaults', 'authorize', 'rules']);
  for (let i = 0; i < rules.items.length; i++) {
    const r = rules.items[i];
    if (!isMap(r)) continue;
    const opsNode = r.get('operations', true);
    const ops = isSeq(opsNode) ? (opsNode.toJSON() as unknown[]).map(String) : [];
    if (!ops.some((s) => selects(s, op, method, path))) continue;
    if (ops.length === 1 && ops[0] === op) return r;
    const copy = r.clone() as YAMLMap;
    copy.set('operations', doc.createNode([op], { flow: true }));
    const name = r.get('name');
    copy.set('name', slug(`${typeof name === 'string' ? name : 'rule'}-${op}`));
    // A rule that names this operation among others gives it up; a broader selector (prefix, *) stays.
    if (isSeq(opsNode)) {
      const idx = opsNode.items.findIndex((it) => isScalar(it) && it.value === op);
      if (idx >= 0) opsNode.items.splice(idx, 1);
    }
    rules.items.splice(i, 0, copy);
    return copy;
  }
  const fresh = doc.createNode({ name: slug(`console-${op}`), operations: [op] }) as YAMLMap;
  const opsNode = fresh.get('operations', true);
  if (isSeq(opsNode)) opsNode.flow = true;
  rules.items.unshift(fresh);
  return fresh;
}

function rateLimit(doc: Document, cfg: PalisadeConfig, intent: Extract<ProtectionIntent, { kind: 'rate-limit' }>, api: string | undefined): string {
  const window = { name: slug(`console-${intent.operation ?? 'all'}`), key: ['ip', 'route'], points: intent.points, durationSeconds: intent.durationSeconds };
  const defaultsLimits = cfg.defaults.rateLimit.limits.map((l) => ({ ...l }));
  const path = intent.operation ? /^[A-Z]+ (\/\S*)$/.exec(intent.operation)?.[1] : undefined;
  const prefix = path ? literalPrefix(path) : undefined;
  const routes = cfg.routes;
  const matched = prefix
    ? routes
        .map((r, i) => ({ r, i }))
        .filter(({ r }) => (api === undefined || r.api === api) && prefix.startsWith(r.pathPrefix))
        .sort((a, b) => b.r.pathPrefix.length - a.r.pathPrefix.length)[0]
    : undefined;
  // Per-route limits need a route of their own; where that cannot be done safely, the window goes to defaults keyed per operation.
  if (!prefix || prefix === '/' || (routes.length > 0 && (!matched || matched.r.stripPrefix))) {
    if (!cfg.defaults.rateLimit.limits.some((l) => l.name === window.name)) {
      const limits = ensureSeq(doc, ['defaults', 'rateLimit', 'limits']);
      limits.add(doc.createNode({ ...window, key: ['ip', 'operation'] }, { flow: true }));
    }
    setIn(doc, ['defaults', 'rateLimit', 'enabled'], true);
    return `Rate limit: at most ${intent.points} requests per ${intent.durationSeconds} s per client address and operation, on every operation (defaults.rateLimit).`;
  }
  const routeLimits = (r: { stages?: { rateLimit?: { limits?: unknown[] } } } | undefined) => r?.stages?.rateLimit?.limits ?? defaultsLimits;
  const describe = `Rate limit on ${prefix}: at most ${intent.points} requests per ${intent.durationSeconds} s per client address (a route of its own, keeping the other limits in force).`;
  if (routes.length === 0) {
    const apiName = api ?? cfg.apis[0]?.name;
    if (!apiName) throw new Unavailable('No API is configured.');
    const seq = ensureSeq(doc, ['routes']);
    seq.add(doc.createNode({ api: apiName, pathPrefix: '/' }, { flow: true }));
    const route = doc.createNode({ api: apiName, pathPrefix: prefix, stages: {} }) as YAMLMap;
    (route.get('stages', true) as unknown as YAMLMap).set('rateLimit', rateLimitNode(doc, [...defaultsLimits, window]));
    seq.add(route);
  } else if (matched!.r.pathPrefix === prefix) {
    if (matched!.r.stages?.rateLimit?.enabled === true && (matched!.r.stages.rateLimit.limits ?? []).some((l) => l.name === window.name)) return describe;
    const node = (doc.getIn(['routes'], true) as YAMLSeq).items[matched!.i] as YAMLMap;
    const limits = [...routeLimits(matched!.r), window];
    node.setIn(['stages', 'rateLimit'], rateLimitNode(doc, limits));
  } else {
    const seq = doc.getIn(['routes'], true) as YAMLSeq;
    const base = seq.items[matched!.i] as YAMLMap;
    const copy = base.clone() as YAMLMap;
    copy.set('pathPrefix', prefix);
    const existing: unknown = copy.get('stages', true);
    let stages: YAMLMap;
    if (isMap(existing)) stages = existing;
    else {
      stages = doc.createNode({}) as YAMLMap;
      copy.set('stages', stages);
    }
    stages.set('rateLimit', rateLimitNode(doc, [...routeLimits(matched!.r), window]));
    seq.items.splice(matched!.i + 1, 0, copy);
  }
  return describe;
}

/** A rateLimit override with one window per line, as people write them. */
function rateLimitNode(doc: Document, limits: readonly unknown[]): YAMLMap {
  const node = doc.createNode({ enabled: true, limits }) as YAMLMap;
  const seq = node.get('limits', true);
  if (isSeq(seq)) for (const item of seq.items) if (isMap(item)) item.flow = true;
  return node;
}

/** The path up to its first {parameter}, without a trailing slash: /orders/{id}/items → /orders. */
function literalPrefix(path: string): string {
  const i = path.indexOf('{');
  const head = i >= 0 ? path.slice(0, i) : path;
  const trimmed = head.replace(/\/+$/, '');
  return trimmed === '' ? '/' : trimmed;
}

/** Top-level properties the OpenAPI document gives the operation's 2xx JSON response (readable) or JSON request body (writable). */
async function documentedProperties(ctx: PlanContext, cfg: PalisadeConfig, f: Pick<StoredFinding, 'operation' | 'api'>, side: 'readable' | 'writable'): Promise<string[]> {
  if (!f.operation || !ctx.loadSpec) return [];
  const api = cfg.apis.find((a) => a.name === f.api) ?? cfg.apis.find((a) => a.openapi !== undefined);
  if (!api?.openapi) return [];
  let doc: Json;
  try {
    doc = await ctx.loadSpec(api.openapi);
  } catch {
    return [];
  }
  const paths = isObj(doc.paths) ? doc.paths : {};
  const item = paths[f.operation.path];
  const op = isObj(item) ? item[f.operation.method.toLowerCase()] : undefined;
  if (!isObj(op)) return [];
  const jsonSchema = (content: unknown): Json | undefined => {
    if (!isObj(content)) return undefined;
    for (const [media, m] of Object.entries(content)) if (/json/i.test(media) && isObj(m) && isObj(m.schema)) return m.schema;
    return undefined;
  };
  let schema: Json | undefined;
  if (side === 'writable') schema = isObj(op.requestBody) ? jsonSchema(op.requestBody.content) : undefined;
  else if (isObj(op.responses)) {
    for (const [status, r] of Object.entries(op.responses)) if (/^2/.test(status) && isObj(r) && (schema = jsonSchema(r.content))) break;
  }
  const props = new Set<string>();
  const collect = (s: unknown, prefix: string, depth: number) => {
    if (!isObj(s) || depth > 2) return;
    for (const k of ['allOf', 'oneOf', 'anyOf']) if (Array.isArray(s[k])) for (const x of s[k] as unknown[]) collect(x, prefix, depth + 1);
    if (isObj(s.properties)) for (const k of Object.keys(s.properties)) if (/^[A-Za-z0-9_$@-]{1,128}$/.test(k)) props.add(prefix + k);
    if (s.type === 'array' && prefix === '') collect(s.items, '[].', depth + 1);
  };
  collect(schema, '', 0);
  return [...props].slice(0, 500);
}

/** Reads the OpenAPI document of an API, for the preview (see documentedProperties). */
export const defaultSpecLoader = (source: string): Promise<Json> => loadDocument(source);

const PRINT = { lineWidth: 0, flowCollectionPadding: false } as const;

/** The changed document as text, with every untouched line exactly as the operator wrote it. */
function printKeepingLayout(original: string, changed: Document): string {
  const printed = changed.toString(PRINT);
  const printedBefore = parseDocument(original, YAML_OPTIONS).toString(PRINT);
  return carryEdit(original, printedBefore, printed) ?? printed;
}

/** The preview of a finding's protection against the current file. */
export async function planProtection(finding: StoredFinding, ctx: PlanContext): Promise<ProtectionPlan> {
  const intent = finding.protection;
  if (!intent) return { available: false, description: finding.remediation.shieldPolicy ? `No automatic change for this finding; Shield policy to configure by hand: ${finding.remediation.shieldPolicy}.` : 'No Shield configuration blocks this finding: the API itself must be fixed.' };
  const doc = parseDocument(ctx.text, YAML_OPTIONS);
  if (doc.errors.length > 0) return { available: false, description: `palisade.yaml does not parse (${doc.errors[0]!.message}); fix it first.` };
  let description: string;
  try {
    description = await change(doc, intent, ctx, finding);
  } catch (e) {
    if (e instanceof Unavailable) return { available: false, description: e.message };
    throw e;
  }
  const after = printKeepingLayout(ctx.text, doc);
  if (after === ctx.text) return { available: false, description: `Already in place: ${description}` };
  return { available: true, description, preview: { before: ctx.text, after, diff: unifiedDiff(ctx.text, after) } };
}

/** Parses "palisade.yaml:14:7 defaults.waf.mode: message" lines of a configuration error into issues. */
export function issuesOf(e: unknown): ConfigIssue[] {
  if (!isPalisadeError(e)) return [{ path: '', message: e instanceof Error ? e.message : String(e) }];
  const details = e.details.length > 0 ? e.details : [e.message];
  return details.map((d) => {
    const m = /^(?:.*?):(\d+):(\d+) (?:(\S+): )?(.*)$/s.exec(d);
    if (m) return { path: m[3] ?? '', line: Number(m[1]), column: Number(m[2]), message: m[4]! };
    const env = /^(\S+) \(environment\) (\S+): (.*)$/s.exec(d);
    if (env) return { path: env[2]!, message: `${env[3]!} (from ${env[1]!})` };
    return { path: '', message: d };
  });
}

/** Validates a palisade.yaml text as the loader would; the issues when it is not valid. */
export function validateConfigText(text: string, path: string): ConfigIssue[] {
  try {
    parseConfig(text, basename(path), { baseDir: dirname(path) });
    return [];
  } catch (e) {
    return issuesOf(e);
  }
}

export type SwapResult = { ok: true } | { ok: false; status: 409 | 422 | 500; code: string; detail: string; issues?: ConfigIssue[] };

/**
 * Replaces `expected` (the text the change was computed from) with `next` in the file at `path`:
 * validated first, written atomically, then reloaded; a reload failure puts `expected` back
 * (and reloads again). Nothing is written when the file no longer holds `expected`.
 */
export async function swapConfig(path: string, expected: string, next: string, reload: (() => Promise<{ ok: boolean; error?: string; details?: readonly string[] }>) | undefined): Promise<SwapResult> {
  const issues = validateConfigText(next, path);
  if (issues.length > 0) return { ok: false, status: 422, code: 'config-invalid', detail: 'The changed configuration is not valid; nothing was written.', issues };
  const current = await readFile(path, 'utf8');
  if (current !== expected) return { ok: false, status: 409, code: 'config-changed', detail: 'palisade.yaml changed since this change was prepared; preview it again.' };
  await writeAtomically(path, next);
  if (!reload) return { ok: true };
  let outcome: { ok: boolean; error?: string; details?: readonly string[] };
  try {
    outcome = await reload();
  } catch (e) {
    outcome = { ok: false, error: e instanceof Error ? e.message : String(e) };
  }
  if (outcome.ok) return { ok: true };
  await writeAtomically(path, expected);
  await reload().catch(() => undefined);
  const reasons = [outcome.error, ...(outcome.details ?? [])].filter((x): x is string => typeof x === 'string');
  return { ok: false, status: 422, code: 'reload-failed', detail: `Shield refused the changed configuration (${reasons[0] ?? 'reload failed'}); the previous file was put back.`, issues: reasons.map((message) => ({ path: '', message })) };
}

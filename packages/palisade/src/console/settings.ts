// The console's settings logic, apart from HTTP: palisade.yaml shown with its secrets redacted (as
// written, comments kept), validated with every issue located, saved atomically with the previous
// text kept, and the APIs and alert sinks of the configuration described.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { isMap, isScalar, isSeq, parseDocument } from 'yaml';
import type { Document, Node as YamlNode } from 'yaml';
import { REDACTED, isPalisadeError, isSecretKey, parseConfig, redactUrl } from '../core/index.js';
import type { PalisadeConfig } from '../core/index.js';
import { auditFile, importApi } from '../probe/index.js';

/** One problem of a configuration text, located where the text allows. */
export interface ConfigIssue {
  /** Option path ('gateway.listen.port'); absent for a syntax problem. */
  path?: string;
  /** 1-based line and column in the text; absent when the problem has no place in it (an environment override). */
  line?: number;
  column?: number;
  message: string;
}

export interface Validation {
  valid: boolean;
  issues: ConfigIssue[];
}

/** The name configuration texts are parsed under, so details can be read back reliably. */
const SOURCE = 'palisade.yaml';
const YAML_OPTIONS = { merge: true, uniqueKeys: false, prettyErrors: false } as const;

type KeyPath = Array<string | number>;

/** Every scalar of a YAML document with its key path (aliases are not followed: they repeat an anchored value). */
function scalars(doc: Document.Parsed): Array<{ path: KeyPath; node: YamlNode & { value: unknown; range?: [number, number, number] | null } }> {
  const out: Array<{ path: KeyPath; node: YamlNode & { value: unknown; range?: [number, number, number] | null } }> = [];
  const walk = (node: unknown, path: KeyPath): void => {
    if (isMap(node)) {
      for (const pair of node.items) {
        const k = isScalar(pair.key) ? pair.key.value : pair.key;
        if (typeof k !== 'string' && typeof k !== 'number') continue;
        walk(pair.value, [...path, k]);
      }
    } else if (isSeq(node)) node.items.forEach((item, i) => walk(item, [...path, i]));
    else if (isScalar(node)) out.push({ path, node: node as YamlNode & { value: unknown; range?: [number, number, number] | null } });
  };
  walk(doc.contents, []);
  return out;
}

/** Replaces text ranges, last first so earlier offsets stay valid. */
function splice(text: string, edits: Array<{ from: number; to: number; insert: string }>): string {
  let out = text;
  for (const e of edits.sort((a, b) => b.from - a.from)) out = out.slice(0, e.from) + e.insert + out.slice(e.to);
  return out;
}

function secretValue(path: KeyPath, value: unknown): boolean {
  const last = path.at(-1);
  return typeof last === 'string' && isSecretKey(last) && value !== null && value !== undefined && typeof value !== 'boolean';
}

/**
 * The configuration text with every secret replaced by '[redacted]', as the loader's redaction
 * decides (secret-named options, passwords in URLs); comments and layout are kept. A text that
 * is not YAML is not shown at all: its secrets could not be found.
 */
export function redactYaml(text: string): string {
  const doc = parseDocument(text, YAML_OPTIONS);
  if (doc.errors.length > 0) return `# ${SOURCE} is not valid YAML, so it is not shown here (its secrets could not be redacted).\n`;
  const edits: Array<{ from: number; to: number; insert: string }> = [];
  for (const { path, node } of scalars(doc)) {
    const range = node.range;
    if (!range) continue;
    if (secretValue(path, node.value)) edits.push({ from: range[0], to: range[1], insert: JSON.stringify(REDACTED) });
    else if (typeof node.value === 'string') {
      const r = redactUrl(node.value);
      if (r !== node.value) edits.push({ from: range[0], to: range[1], insert: JSON.stringify(r) });
    }
  }
  return splice(text, edits);
}

/**
 * A text edited from its redacted form gets its secrets back: a value still reading '[redacted]'
 * (or a URL still carrying the redacted password) takes the value written at the same option path
 * of `current`. One with no secret there to keep is an issue: the person must write the value.
 */
export function restoreRedacted(edited: string, current: string): { text: string; issues: ConfigIssue[] } {
  if (!edited.includes(REDACTED)) return { text: edited, issues: [] };
  const doc = parseDocument(edited, YAML_OPTIONS);
  if (doc.errors.length > 0) return { text: edited, issues: [] };
  const old = parseDocument(current, YAML_OPTIONS);
  const oldByPath = new Map<string, { value: unknown; source: string }>();
  if (old.errors.length === 0) {
    for (const { path, node } of scalars(old)) {
      if (node.range) oldByPath.set(JSON.stringify(path), { value: node.value, source: current.slice(node.range[0], node.range[1]) });
    }
  }
  const edits: Array<{ from: number; to: number; insert: string }> = [];
  const issues: ConfigIssue[] = [];
  const lines = lineStarts(edited);
  for (const { path, node } of scalars(doc)) {
    if (typeof node.value !== 'string' || !node.value.includes(REDACTED) || !node.range) continue;
    const before = oldByPath.get(JSON.stringify(path));
    const keep = before && typeof before.value === 'string' && (node.value === REDACTED ? secretValue(path, before.value) : redactUrl(before.value) === node.value);
    if (keep) edits.push({ from: node.range[0], to: node.range[1], insert: before.source });
    else issues.push({ path: formatKeyPath(path), ...position(lines, node.range[0]), message: `holds ${REDACTED}, but the configuration on disk has no secret at this option to keep: write the value` });
  }
  return { text: splice(edited, edits), issues };
}

function formatKeyPath(path: KeyPath): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out || '(top level)';
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return starts;
}

function position(starts: number[], offset: number): { line: number; column: number } {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: offset - starts[lo]! + 1 };
}

/** Reads one of the loader's details ("palisade.yaml:14:7 gateway.port: message") back into parts. */
export function issueFromDetail(detail: string): ConfigIssue {
  let rest = detail;
  const out: ConfigIssue = { message: detail };
  const file = /^palisade\.yaml(?::(\d+):(\d+))? ([\s\S]*)$/.exec(detail);
  const env = /^([A-Z_][A-Z0-9_]*) \(environment\) ([\s\S]*)$/.exec(detail);
  if (file) {
    if (file[1] !== undefined && Number(file[1]) > 0) {
      out.line = Number(file[1]);
      out.column = Number(file[2]);
    }
    rest = file[3]!;
  } else if (env) rest = `${env[2]!} (set by the environment variable ${env[1]!})`;
  const p = /^(\(top level\)|[A-Za-z_$[][^\s:]*): ([\s\S]*)$/.exec(rest);
  if (p) {
    out.path = p[1]!;
    out.message = p[2]!;
  } else out.message = rest;
  return out;
}

/** Validates a configuration text exactly as loading it would, against the environment of this process. */
export function validateConfigText(text: string, opts: { baseDir: string; env?: NodeJS.ProcessEnv }): Validation & { config?: PalisadeConfig } {
  try {
    const config = parseConfig(text, SOURCE, { baseDir: opts.baseDir, ...(opts.env ? { env: opts.env } : {}) });
    return { valid: true, issues: [], config };
  } catch (err) {
    if (!isPalisadeError(err)) throw err;
    const issues = err.details.length > 0 ? err.details.map(issueFromDetail) : [{ message: err.message }];
    return { valid: false, issues };
  }
}

/**
 * Writes `text` to `path` atomically: a temporary file beside it, flushed, then renamed over it,
 * so a reader (the config watcher, a crash) sees the old file or the new one, never half of one.
 */
export async function writeAtomically(path: string, text: string): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  let mode: number | undefined;
  try {
    mode = (await stat(path)).mode & 0o777;
  } catch {
    // A new file gets the default mode.
  }
  const fh = await open(tmp, 'wx', mode ?? 0o644);
  try {
    await fh.writeFile(text, 'utf8');
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}

export async function readConfigText(path: string): Promise<string> {
  return readFile(path, 'utf8');
}

/** An API of the configuration as the console shows it. */
export interface ApiInfo {
  name: string;
  upstream: string;
  /** The OpenAPI document's path or URL, when the API names one. */
  openapi?: string;
  spec?: { title?: string; operations: number; defects: number };
  /** Why the document could not be read. */
  specError?: string;
  /** `palisade audit` of the document: score 0-100 and findings per severity. */
  audit?: { score: number; findings: number; bySeverity: Record<string, number> };
  /** A palisade-scan.yaml usable for this API (picked by POST /scans {api}). */
  scanConfig?: string;
}

const auditCache = new Map<string, { key: string; info: Pick<ApiInfo, 'spec' | 'specError' | 'audit'> }>();

async function describeSpec(path: string): Promise<Pick<ApiInfo, 'spec' | 'specError' | 'audit'>> {
  let key = path;
  if (!/^https?:\/\//i.test(path)) {
    try {
      const s = await stat(path);
      key = `${path}:${s.mtimeMs}:${s.size}`;
    } catch (err) {
      return { specError: `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` };
    }
  } else {
    // Remote documents are not fetched from here: the console would become a way to make requests.
    return { specError: 'the document is a URL: it is read by Shield, not by the console' };
  }
  const cached = auditCache.get(path);
  if (cached?.key === key) return cached.info;
  let info: Pick<ApiInfo, 'spec' | 'specError' | 'audit'>;
  try {
    const model = await importApi(path);
    const { report } = await auditFile(path);
    const bySeverity: Record<string, number> = { critical: 0, high: 0, medium: 0, low: 0, info: 0 };
    for (const f of report.findings) bySeverity[f.severity] = (bySeverity[f.severity] ?? 0) + 1;
    info = {
      spec: { ...(model.title ? { title: model.title } : {}), operations: model.operations.length, defects: model.defects.length },
      audit: { score: report.score ?? 0, findings: report.findings.length, bySeverity },
    };
  } catch (err) {
    info = { specError: (err as Error).message.slice(0, 500) };
  }
  auditCache.set(path, { key, info });
  return info;
}

/** The palisade-scan.yaml for an API: the one the cli named, else one beside its OpenAPI document. */
export function scanConfigFor(api: PalisadeConfig['apis'][number], named?: Readonly<Record<string, string>>): string | undefined {
  const n = named?.[api.name];
  if (n) return n;
  if (!api.openapi || /^https?:\/\//i.test(api.openapi)) return undefined;
  const beside = join(dirname(api.openapi), 'palisade-scan.yaml');
  return existsSync(beside) ? beside : undefined;
}

export async function describeApis(config: PalisadeConfig, scanConfigs?: Readonly<Record<string, string>>): Promise<ApiInfo[]> {
  const out: ApiInfo[] = [];
  for (const api of config.apis) {
    const info: ApiInfo = { name: api.name, upstream: redactUrl(api.upstream) };
    if (api.openapi) {
      info.openapi = api.openapi;
      Object.assign(info, await describeSpec(api.openapi));
    }
    const sc = scanConfigFor(api, scanConfigs);
    if (sc) info.scanConfig = sc;
    out.push(info);
  }
  return out;
}

export interface SinkInfo {
  index: number;
  type: string;
  /** Where alerts go, secrets redacted: a URL, host:port, an environment variable's name. */
  destination: string;
  /** For sinks whose secret comes from the environment: whether it is set (never its value). */
  secretSet?: boolean;
  /** Deliveries since start, when Watch runs (per sink type). */
  delivery?: { sent: number; failed: number; dropped: number };
  settings: Record<string, unknown>;
}

export function describeSinks(config: PalisadeConfig, env: NodeJS.ProcessEnv, stats?: Record<string, { sent: number; failed: number; dropped: number }>): { minSeverity: string; sinks: SinkInfo[] } {
  const alerts = config.watch.alerts;
  const sinks = alerts.sinks.map((s, index): SinkInfo => {
    const delivery = stats?.[s.type];
    const base = { index, type: s.type, ...(delivery ? { delivery: { ...delivery } } : {}) };
    switch (s.type) {
      case 'webhook':
        return { ...base, destination: redactUrl(s.url), ...(s.secretEnv ? { secretSet: (env[s.secretEnv]?.length ?? 0) >= 16 } : {}), settings: { secretEnv: s.secretEnv ?? null, timeoutMs: s.timeoutMs, retries: s.retries, queueSize: s.queueSize } };
      case 'slack':
        return { ...base, destination: `URL in $${s.urlEnv}`, secretSet: /^https?:\/\//.test(env[s.urlEnv] ?? ''), settings: { urlEnv: s.urlEnv, timeoutMs: s.timeoutMs, retries: s.retries, queueSize: s.queueSize } };
      case 'syslog':
        return { ...base, destination: `${s.protocol}://${s.host}:${s.port}`, settings: { facility: s.facility, appName: s.appName } };
      case 'stdout':
        return { ...base, destination: 'standard output', settings: {} };
    }
  });
  return { minSeverity: alerts.minSeverity, sinks };
}

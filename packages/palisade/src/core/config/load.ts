// palisade.yaml → an immutable, validated PalisadeConfig, or one error listing every problem
// with its option path and line.
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { LineCounter, parseDocument, type YAMLError } from 'yaml';
import { PalisadeError } from '../errors.js';
import { applyEnvOverrides } from './env.js';
import { issueDetails } from './issues.js';
import { Locator, sortDetails } from './locate.js';
import { deepFreeze } from './merge.js';
import { ConfigSchema, type PalisadeConfig } from './schema.js';
import { semanticChecks } from './semantic.js';

export interface ParseOptions {
  /** Variables for the PALISADE_* overrides; defaults to process.env. */
  readonly env?: NodeJS.ProcessEnv;
  /** Directory relative file paths are resolved against (the config file's); defaults to the working directory. */
  readonly baseDir?: string;
}

export interface LoadedConfig {
  readonly config: PalisadeConfig;
  /** Absolute path of the file read. */
  readonly path: string;
  /** The file's text, so that a watcher can tell whether it changed. */
  readonly text: string;
}

// "<<" merge keys are YAML 1.1 and off by default in yaml 2; configs written by people used to
// docker-compose use them, and their meaning is unambiguous. prettyErrors off: we print our own
// file:line:col prefix.
const YAML_OPTIONS = { merge: true, uniqueKeys: true, prettyErrors: false } as const;

// Bounds alias expansion ("billion laughs"): a config never needs more.
const MAX_ALIAS_COUNT = 100;

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function yamlMessage(e: YAMLError, text: string): string {
  switch (e.code) {
    case 'DUPLICATE_KEY': {
      // yaml marks only the key's first character; read the key up to its colon.
      const key = /^("(?:[^"\\\n]|\\.)*"|'(?:[^'\n]|'')*'|[^:#\n{},[\]]+?)\s*:/.exec(text.slice(e.pos[0]))?.[1] ?? text.slice(e.pos[0], e.pos[1]);
      const name = /^["']/.test(key) ? key : JSON.stringify(key);
      return `duplicate key ${name}: each option may appear once per mapping`;
    }
    case 'MULTIPLE_DOCS':
      return 'the file holds several YAML documents (---); a configuration is one document';
    case 'TAB_AS_INDENT':
      return 'tab used for indentation; indent with spaces';
    default:
      return e.message;
  }
}

const URL_LIKE = /^[a-z][a-z0-9+.-]*:\/\//i;

function resolvePaths(cfg: PalisadeConfig, baseDir: string): void {
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));
  for (const api of cfg.apis) {
    if (api.openapi !== undefined && !URL_LIKE.test(api.openapi)) api.openapi = abs(api.openapi);
  }
  if (cfg.gateway.tls) {
    cfg.gateway.tls.cert = abs(cfg.gateway.tls.cert);
    cfg.gateway.tls.key = abs(cfg.gateway.tls.key);
    if (cfg.gateway.tls.clientCa !== undefined) cfg.gateway.tls.clientCa = abs(cfg.gateway.tls.clientCa);
  }
  const jwt = cfg.defaults.authenticate.jwt;
  if (jwt?.publicKeyFile !== undefined) jwt.publicKeyFile = abs(jwt.publicKeyFile);
  for (const r of cfg.routes) {
    const rj = r.stages?.authenticate?.jwt;
    if (rj?.publicKeyFile !== undefined) rj.publicKeyFile = abs(rj.publicKeyFile);
  }
  // sqlite:<relative path> owner databases sit beside the config file, like every other file it names.
  for (const stages of [cfg.defaults, ...cfg.routes.map((r) => r.stages)]) {
    for (const rule of stages?.authorize?.rules ?? []) {
      const sql = rule.ownerLookup?.sql;
      const m = sql?.database !== undefined ? /^sqlite:(?!\/\/)(.+)$/i.exec(sql.database) : null;
      if (sql && m && !isAbsolute(m[1]!)) sql.database = `sqlite:${abs(m[1]!)}`;
    }
  }
  // WAF rule files, the CRS folder and the audit log sit beside the config file too (globs keep their pattern).
  for (const w of [cfg.defaults.waf, ...cfg.routes.map((r) => r.stages?.waf)]) {
    if (!w) continue;
    if (w.crs !== undefined) w.crs = abs(w.crs);
    if (w.auditLog !== undefined) w.auditLog = abs(w.auditLog);
    if (w.rulesBefore) w.rulesBefore = w.rulesBefore.map(abs);
    if (w.rulesAfter) w.rulesAfter = w.rulesAfter.map(abs);
  }
  // URLs stay as written: the WSDL loader refuses them with a clear message.
  const soap = cfg.defaults.soap;
  if (soap.wsdl !== undefined && !URL_LIKE.test(soap.wsdl)) soap.wsdl = abs(soap.wsdl);
  for (const r of cfg.routes) {
    const rs = r.stages?.soap;
    if (rs?.wsdl !== undefined && !URL_LIKE.test(rs.wsdl)) rs.wsdl = abs(rs.wsdl);
  }
}

/**
 * Parses and validates the text of palisade.yaml. `source` names the file in messages.
 * Throws PalisadeError PALISADE_ERR_CONFIG_SYNTAX (not YAML, duplicate keys),
 * PALISADE_ERR_CONFIG_INVALID (every schema and consistency problem, each with path and line) or
 * PALISADE_ERR_CONFIG_UNSAFE. An empty text is the all-defaults configuration. The result is
 * deep-frozen.
 */
export function parseConfig(text: string, source: string, opts: ParseOptions = {}): PalisadeConfig {
  const env = opts.env ?? process.env;
  const baseDir = resolve(opts.baseDir ?? process.cwd());

  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { ...YAML_OPTIONS, lineCounter });
  const yamlProblems = [...doc.errors, ...doc.warnings];
  if (yamlProblems.length > 0) {
    const details = yamlProblems
      .map((e) => ({ pos: lineCounter.linePos(e.pos[0]), msg: yamlMessage(e, text) }))
      .sort((a, b) => a.pos.line - b.pos.line || a.pos.col - b.pos.col)
      .map((p) => `${source}:${p.pos.line}:${p.pos.col} ${p.msg}`);
    throw new PalisadeError('PALISADE_ERR_CONFIG_SYNTAX', `${source} is not valid YAML (${plural(details.length, 'problem')})`, details);
  }

  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    throw new PalisadeError('PALISADE_ERR_CONFIG_SYNTAX', `${source} could not be read as data: ${(e as Error).message}`, [], { cause: e });
  }
  if (raw === null || raw === undefined) raw = {};

  const applied = raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? applyEnvOverrides(raw as Record<string, unknown>, env) : new Map();
  const loc = new Locator(doc, lineCounter, source, applied);

  const parsed = ConfigSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) {
    const details = sortDetails(issueDetails(ConfigSchema, parsed.error.issues, loc));
    throw new PalisadeError('PALISADE_ERR_CONFIG_INVALID', `${source} is not a valid configuration (${plural(details.length, 'problem')})`, details);
  }

  const cfg = parsed.data;
  const { invalid, unsafe } = semanticChecks(cfg, loc);
  if (invalid.length > 0) {
    // Unsafe settings are listed too, so one round of fixes addresses everything.
    const details = sortDetails([...invalid, ...unsafe]);
    throw new PalisadeError('PALISADE_ERR_CONFIG_INVALID', `${source} is not a valid configuration (${plural(details.length, 'problem')})`, details);
  }
  if (unsafe.length > 0) {
    const details = sortDetails(unsafe);
    throw new PalisadeError('PALISADE_ERR_CONFIG_UNSAFE', `${source} is unsafe (${plural(details.length, 'problem')})`, details);
  }

  resolvePaths(cfg, baseDir);
  return deepFreeze(cfg);
}

/** Reads and parses a configuration file; relative paths in it resolve against its directory. */
export async function loadConfigFile(path: string, opts: ParseOptions = {}): Promise<LoadedConfig> {
  const abs = resolve(path);
  let text: string;
  try {
    text = await readFile(abs, 'utf8');
  } catch (e) {
    throw new PalisadeError('PALISADE_ERR_CONFIG_READ', `cannot read ${path}: ${(e as Error).message}`, [], { cause: e });
  }
  const config = parseConfig(text, path, { ...opts, baseDir: opts.baseDir ?? dirname(abs) });
  return { config, path: abs, text };
}

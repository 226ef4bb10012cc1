// The WAF rule sets of a configuration: loaded when the configuration loads (never on a request),
// one engine per distinct rule set shared by every route that uses it, kept across reloads while
// the settings that shape it are unchanged. A broken rule file refuses the configuration with its
// file and line; the previous configuration keeps serving (Gateway.reload compiles before it swaps).
//
// What may differ between routes that share an engine — mode and rule exclusions — is compiled
// into it as one `ctl:` rule per distinct route profile, selected per transaction by the TX
// variable palisade_profile (decision 0028): a route's exclusion never reloads CRS for the others.
import { closeSync, existsSync, openSync, readFileSync, renameSync, statSync, writeSync } from 'node:fs';
import type { PalisadeConfig, StageSettings } from '../core/index.js';
import { PalisadeError, credentialLocations, mergeStageSettings } from '../core/index.js';
import { RECOMMENDED_SETUP, WafRuleError, createAuditLogger, loadWaf, warmWaf } from '../waf/index.js';
import type { RuleSource, Transaction, WafEngine } from '../waf/index.js';

export type WafSettings = StageSettings['waf'];

/** Ids of the rules Palisade generates: profile selectors and the setup action. Documented in docs/waf.md. */
export const WAF_SETUP_RULE_ID = 19_000_001;
export const WAF_PROFILE_RULE_BASE = 19_000_100;
const MAX_PROFILES = 899;

export interface AuditSink {
  log(tx: Transaction): void;
}

/** What a route's WAF stage needs, compiled. */
export interface RouteWaf {
  readonly engine: WafEngine;
  /** Value of TX:palisade_profile that selects this route's mode and exclusions; undefined when it has none. */
  readonly profile: number | undefined;
  readonly mode: 'blocking' | 'detection-only';
  readonly settings: WafSettings;
  readonly audit: AuditSink | undefined;
  /** Field names whose matched values are never recorded (audit redaction fields and recording.redactBodyFields). */
  readonly redactFields: ReadonlySet<string>;
  /** Header names whose matched values are never recorded. */
  readonly redactHeaders: ReadonlySet<string>;
}

export interface WafRouteInput {
  /** Names the route in errors, e.g. `route /api (shop)`. */
  readonly label: string;
  readonly settings: WafSettings;
}

export interface WafCompileResult {
  /** Per input route, in order: null when the WAF is off there. */
  readonly routes: readonly (RouteWaf | null)[];
  /** Makes this result the cache the next compile reuses (call once the configuration is live). */
  commit(): void;
  /**
   * The configuration will not go live (a later part of it failed): closes the audit files this
   * compile opened that the live configuration does not use. Call instead of commit().
   */
  discard(): void;
}

type Log = (level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void;

/** The part of the settings that shapes the rule text (all but mode, exclusions and the audit log). */
function baseKey(s: WafSettings): string {
  const blocking = s.blockingParanoiaLevel ?? s.paranoiaLevel;
  const detection = s.detectionParanoiaLevel ?? Math.max(blocking, s.paranoiaLevel);
  return JSON.stringify([
    s.crs ?? null, s.rulesBefore, s.rulesAfter, blocking, detection, s.inboundAnomalyThreshold, s.outboundAnomalyThreshold,
    Object.entries(s.setup).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    s.requestBodyLimit, s.requestBodyLimitAction, s.responseInspection, s.responseBodyLimit, s.responseMimeTypes,
  ]);
}

/** The ctl: actions of a route's profile: empty when the route runs the rule set as it is. */
function profileActions(s: WafSettings): string[] {
  const out: string[] = [];
  if (s.mode === 'detection-only') out.push('ctl:ruleEngine=DetectionOnly');
  for (const id of s.ruleRemoveById) out.push(`ctl:ruleRemoveById=${id}`);
  for (const t of s.ruleRemoveByTag) out.push(`ctl:ruleRemoveByTag=${t}`);
  for (const x of s.ruleRemoveTargetById) out.push(`ctl:ruleRemoveTargetById=${x.id};${x.target}`);
  for (const x of s.ruleRemoveTargetByTag) out.push(`ctl:ruleRemoveTargetByTag=${x.tag};${x.target}`);
  return out;
}

function setupAction(s: WafSettings): string {
  const blocking = s.blockingParanoiaLevel ?? s.paranoiaLevel;
  const detection = s.detectionParanoiaLevel ?? Math.max(blocking, s.paranoiaLevel);
  const vars: [string, string | number][] = [
    ...Object.entries(s.setup),
    // Palisade's own options last, so that they win over the same names in `setup`.
    ['blocking_paranoia_level', blocking],
    ['detection_paranoia_level', detection],
    ['inbound_anomaly_score_threshold', s.inboundAnomalyThreshold],
    ['outbound_anomaly_score_threshold', s.outboundAnomalyThreshold],
  ];
  const setvars = vars.map(([k, v]) => `setvar:'tx.${k}=${v}'`).join(',');
  return `SecAction "id:${WAF_SETUP_RULE_ID},phase:1,pass,nolog,noauditlog,t:none,${setvars}"`;
}

function engineDirectives(s: WafSettings): string {
  return [
    `SecRequestBodyLimit ${s.requestBodyLimit}`,
    // One limit: API bodies are JSON, not file uploads, and ModSecurity's 128 KiB default without files would refuse ordinary payloads.
    `SecRequestBodyNoFilesLimit ${s.requestBodyLimit}`,
    `SecRequestBodyLimitAction ${s.requestBodyLimitAction === 'reject' ? 'Reject' : 'ProcessPartial'}`,
    `SecResponseBodyAccess ${s.responseInspection ? 'On' : 'Off'}`,
    'SecResponseBodyMimeTypesClear',
    ...(s.responseMimeTypes.length > 0 ? [`SecResponseBodyMimeType ${s.responseMimeTypes.join(' ')}`] : []),
    `SecResponseBodyLimit ${s.responseBodyLimit}`,
    'SecResponseBodyLimitAction ProcessPartial',
  ].join('\n');
}

/** Checks the CRS folder and returns its setup file; throws naming the path and what is missing. */
function crsSetupFile(crs: string, label: string): string {
  if (!existsSync(`${crs}/rules`) || !statSync(`${crs}/rules`).isDirectory()) {
    throw new PalisadeError('PALISADE_ERR_WAF_RULES', `${label}: waf.crs ${crs} has no rules/ folder (expected an OWASP CRS v4 release: crs-setup.conf.example and rules/)`);
  }
  const setup = [`${crs}/crs-setup.conf`, `${crs}/crs-setup.conf.example`].find((f) => existsSync(f));
  if (!setup) throw new PalisadeError('PALISADE_ERR_WAF_RULES', `${label}: waf.crs ${crs} has neither crs-setup.conf nor crs-setup.conf.example`);
  // CRS 3 (Debian's modsecurity-crs) runs, but its setup variables differ (paranoia_level): refuse it plainly.
  const version = /setvar:'?tx\.crs_setup_version=(\d+)/.exec(readFileSync(setup, 'latin1'))?.[1];
  if (version !== undefined && Number(version) < 400) {
    throw new PalisadeError('PALISADE_ERR_WAF_RULES', `${label}: waf.crs ${crs} is CRS ${version[0]}.${version.slice(1, -1)}.${version.slice(-1)}; Palisade needs CRS v4 (palisade crs fetch --version 4.28.0)`);
  }
  return setup;
}

function sources(s: WafSettings, profiles: readonly string[][], label: string): RuleSource[] {
  const out: RuleSource[] = [];
  // First in phase 1, so that a route's exclusions apply to every rule after them, setup included.
  if (profiles.length > 0) {
    const text = profiles
      .map((acts, i) => `SecRule TX:palisade_profile "@eq ${i + 1}" "id:${WAF_PROFILE_RULE_BASE + i + 1},phase:1,pass,nolog,noauditlog,t:none,${acts.join(',')}"`)
      .join('\n');
    out.push({ text, name: '<palisade:waf route profiles>' });
  }
  out.push({ text: RECOMMENDED_SETUP, name: '<palisade:recommended setup>' });
  out.push({ text: engineDirectives(s), name: '<palisade:waf settings>' });
  if (s.crs !== undefined) out.push({ file: crsSetupFile(s.crs, label) });
  out.push({ text: setupAction(s), name: '<palisade:waf setup>' });
  for (const f of s.rulesBefore) out.push({ file: f });
  if (s.crs !== undefined) out.push({ file: `${s.crs}/rules/*.conf` });
  for (const f of s.rulesAfter) out.push({ file: f });
  return out;
}

/** A size-bounded JSON-lines file: rotated to `<path>.1` when it would pass maxBytes. */
class AuditFile {
  private fd: number;
  private size: number;
  private dropped = 0;
  constructor(
    readonly path: string,
    readonly maxBytes: number,
    private readonly log: Log,
  ) {
    this.fd = openSync(path, 'a', 0o600);
    this.size = statSync(path).size;
  }

  write(line: string): void {
    const data = `${line}\n`;
    const n = Buffer.byteLength(data);
    try {
      if (this.size + n > this.maxBytes && this.size > 0) {
        closeSync(this.fd);
        renameSync(this.path, `${this.path}.1`);
        this.fd = openSync(this.path, 'a', 0o600);
        this.size = 0;
      }
      // Synchronous and small: only exchanges the WAF matched are written, and a record that
      // is lost when the process dies is worse than a write on the request's tail.
      writeSync(this.fd, data);
      this.size += n;
    } catch (err) {
      if (this.dropped++ % 1000 === 0) this.log('error', 'waf audit log write failed', { path: this.path, err: (err as Error).message, dropped: this.dropped });
    }
  }

  close(): void {
    try {
      closeSync(this.fd);
    } catch {
      // Already closed: nothing left to flush.
    }
  }
}

/** Owns the loaded engines and audit files of one gateway process. */
export class WafRuleSets {
  private engines = new Map<string, WafEngine>();
  private auditFiles = new Map<string, AuditFile>();
  private readonly validated = new Set<string>();

  constructor(private readonly log: Log) {}

  /** Rule sets currently in use (for tests and the admin API). */
  get loaded(): number {
    return this.engines.size;
  }

  /**
   * Loads the rule sets of these routes, reusing engines of the committed configuration whose
   * rule text is unchanged. Throws PalisadeError PALISADE_ERR_WAF_RULES naming the route, file
   * and line when a rule set does not load; nothing changes then.
   */
  compile(config: PalisadeConfig, inputs: readonly WafRouteInput[]): WafCompileResult {
    const groups = new Map<string, { settings: WafSettings; label: string; profiles: Map<string, number> }>();
    const placed: ({ base: string; profile: number | undefined } | null)[] = [];
    for (const { label, settings: s } of inputs) {
      if (!s.enabled || s.mode === 'off') {
        placed.push(null);
        continue;
      }
      if (s.crs === undefined && s.rulesBefore.length === 0 && s.rulesAfter.length === 0) {
        throw new PalisadeError('PALISADE_ERR_WAF_RULES', `${label}: waf is enabled but has no rules: set waf.crs (an OWASP CRS v4 folder) or waf.rulesBefore/rulesAfter`);
      }
      const blocking = s.blockingParanoiaLevel ?? s.paranoiaLevel;
      if (s.detectionParanoiaLevel !== undefined && s.detectionParanoiaLevel < blocking) {
        throw new PalisadeError('PALISADE_ERR_WAF_RULES', `${label}: waf.detectionParanoiaLevel (${s.detectionParanoiaLevel}) is below the blocking paranoia level (${blocking})`);
      }
      const base = baseKey(s);
      let g = groups.get(base);
      if (!g) groups.set(base, (g = { settings: s, label, profiles: new Map() }));
      const acts = profileActions(s);
      let profile: number | undefined;
      if (acts.length > 0) {
        const pk = acts.join(',');
        profile = g.profiles.get(pk);
        if (profile === undefined) {
          profile = g.profiles.size + 1;
          if (profile > MAX_PROFILES) throw new PalisadeError('PALISADE_ERR_WAF_RULES', `${label}: more than ${MAX_PROFILES} distinct WAF exclusion sets share one rule set`);
          g.profiles.set(pk, profile);
        }
      }
      placed.push({ base, profile });
    }

    const next = new Map<string, WafEngine>();
    const byBase = new Map<string, WafEngine>();
    for (const [base, g] of groups) {
      const profiles = [...g.profiles.keys()].map((k) => k.split(','));
      const key = `${base}|${JSON.stringify(profiles)}`;
      let engine = this.engines.get(key) ?? next.get(key);
      if (!engine) {
        engine = this.load(g.settings, profiles, g.label);
        this.log('info', 'waf rule set loaded', { route: g.label, loadMs: Math.round(engine.loadMs), warnings: engine.warnings.length });
        warmInIdleSlices();
      }
      next.set(key, engine);
      byBase.set(base, engine);
    }

    const credentials = credentialLocations(config);
    const redactHeaders = new Set([...config.recording.redactHeaders, ...credentials.headers, 'authorization', 'cookie', 'set-cookie', 'proxy-authorization'].map((h) => h.toLowerCase()));
    const auditNext = new Map<string, AuditFile>();
    const routes = inputs.map((input, i): RouteWaf | null => {
      const p = placed[i];
      if (!p) return null;
      const s = input.settings;
      const redactFields = new Set([...s.auditRedactFields, ...config.recording.redactBodyFields, ...credentials.queryParams].map((f) => f.toLowerCase()));
      let audit: AuditSink | undefined;
      if (s.auditLog !== undefined) {
        const fileKey = `${s.auditLog}|${s.auditLogMaxBytes}`;
        let file = auditNext.get(fileKey) ?? this.auditFiles.get(fileKey);
        if (!file) {
          try {
            file = new AuditFile(s.auditLog, s.auditLogMaxBytes, this.log);
          } catch (err) {
            for (const f of auditNext.values()) if (![...this.auditFiles.values()].includes(f)) f.close();
            throw new PalisadeError('PALISADE_ERR_WAF_RULES', `${input.label}: waf.auditLog ${s.auditLog} cannot be opened: ${(err as Error).message}`, [], { cause: err });
          }
        }
        auditNext.set(fileKey, file);
        const f = file;
        audit = createAuditLogger({ write: (line) => f.write(line), redactHeaders: [...redactHeaders], redactFields: [...redactFields] });
      }
      return { engine: byBase.get(p.base)!, profile: p.profile, mode: s.mode === 'detection-only' ? 'detection-only' : 'blocking', settings: s, audit, redactFields, redactHeaders };
    });

    return {
      routes,
      commit: () => {
        this.engines = next;
        for (const [k, f] of this.auditFiles) if (!auditNext.has(k)) f.close();
        this.auditFiles = auditNext;
      },
      discard: () => {
        const live = new Set(this.auditFiles.values());
        for (const f of auditNext.values()) if (!live.has(f)) f.close();
      },
    };
  }

  /**
   * Checks that the rule sets of a configuration load, without keeping them (the cluster primary
   * refuses a broken rule file before any worker sees it). Rule sets already checked are skipped.
   */
  validate(config: PalisadeConfig): void {
    const routes = config.routes.length > 0 ? config.routes : [{ api: config.apis[0]?.name ?? '', pathPrefix: '/', stages: undefined }];
    const inputs = routes.map((r) => ({ label: `route ${r.pathPrefix} (${r.api})`, settings: mergeStageSettings(config.defaults, r.stages).waf }));
    for (const { label, settings: s } of inputs) {
      if (!s.enabled || s.mode === 'off') continue;
      const key = `${baseKey(s)}|${profileActions(s).join(',')}`;
      if (this.validated.has(key)) continue;
      // One route at a time: each rule set loads with its own profile, then is dropped.
      const acts = profileActions(s);
      this.load(s, acts.length > 0 ? [acts] : [], label);
      this.validated.add(key);
    }
  }

  private load(s: WafSettings, profiles: readonly string[][], label: string): WafEngine {
    try {
      return loadWaf(sources(s, profiles, label));
    } catch (err) {
      if (err instanceof PalisadeError) throw err;
      if (err instanceof WafRuleError) {
        throw new PalisadeError('PALISADE_ERR_WAF_RULES', `${label}: WAF rules do not load: ${err.message}`, [`${err.file}:${err.line}: ${err.message.slice(err.file.length + String(err.line).length + 3)}`], { cause: err });
      }
      throw new PalisadeError('PALISADE_ERR_WAF_RULES', `${label}: WAF rules do not load: ${(err as Error).message}`, [], { cause: err });
    }
  }

  close(): void {
    for (const f of this.auditFiles.values()) f.close();
    this.auditFiles.clear();
  }
}

/**
 * `@rx` prefilters are found on first use (waf/regex/compile.ts); after a load, this finds them in
 * 5 ms slices between I/O events, so the first requests do not pay for them either.
 */
function warmInIdleSlices(): void {
  const tick = (): void => {
    if (!warmWaf(5)) setImmediate(tick).unref();
  };
  setImmediate(tick).unref();
}

/**
 * The SecLang parser: turns rule files into a RuleSet. Errors are WafRuleErrors naming file, line
 * and the problem; harmless directives that Palisade does not implement (audit/debug log files,
 * temp and data directories…) are accepted and listed in `warnings`.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve, sep } from 'node:path';
import type { OperatorFactory, Transformation } from '../types.js';
import { WafRuleError } from '../types.js';
import type { ActionSet, IdRange } from '../actions/actions.js';
import { emptyActionSet, inRanges, parseActionList, parseIdRanges } from '../actions/actions.js';
import type { Target } from '../variables/targets.js';
import { parseTargets, targetSource } from '../variables/targets.js';
import { lexDirectives, splitActions } from './lexer.js';
import type { RawDirective } from './lexer.js';
import type { PhaseEntry, Rule, RuleSet, WafConfig } from './rule.js';
import { defaultConfig } from './rule.js';
import { findSegments } from './segments.js';
import { PURE_OPERATORS } from '../operators/index.js';

export interface ParserOptions {
  readonly operators: ReadonlyMap<string, OperatorFactory>;
  readonly transformations: ReadonlyMap<string, Transformation>;
  /** Starting configuration (defaults: defaultConfig()). Directives in the files override it. */
  readonly config?: Partial<WafConfig>;
}

export const PARSER_LIMITS = {
  /** Include nesting. */
  maxIncludeDepth: 16,
  /** Files read in one load (CRS: ~30). */
  maxFiles: 2000,
  /** One rule or data file. CRS's largest is ~150 KB. */
  maxFileBytes: 16 * 1024 * 1024,
} as const;

/** Directives accepted without effect; each use adds a warning. */
const IGNORED = new Set(
  [
    'SecAuditEngine', 'SecAuditLog', 'SecAuditLog2', 'SecAuditLogDirMode', 'SecAuditLogFileMode', 'SecAuditLogFormat',
    'SecAuditLogRelevantStatus', 'SecAuditLogStorageDir', 'SecAuditLogType', 'SecDebugLog', 'SecDebugLogLevel',
    'SecTmpDir', 'SecDataDir', 'SecUploadDir', 'SecUploadKeepFiles', 'SecUploadFileMode', 'SecUploadFileLimit',
    'SecTmpSaveUploadedFiles', 'SecPcreMatchLimit', 'SecPcreMatchLimitRecursion', 'SecStatusEngine',
    'SecUnicodeMapFile', 'SecCookieFormat', 'SecCookieV0Separator', 'SecWebAppId', 'SecServerSignature',
    'SecSensorId', 'SecHttpBlKey', 'SecGeoLookupDb', 'SecXmlExternalEntity', 'SecRequestBodyInMemoryLimit',
    'SecConnEngine', 'SecRemoteRules', 'SecRemoteRulesFailAction', 'SecHashEngine', 'SecHashKey', 'SecHashParam',
    'SecHashMethodRx', 'SecHashMethodPm', 'SecInterceptOnError', 'SecStreamInBodyInspection', 'SecDisableBackendCompression',
    'SecGsbLookupDb', 'SecGuardianLog', 'SecChrootDir', 'SecContentInjection', 'SecStreamOutBodyInspection',
  ].map((s) => s.toLowerCase()),
);

interface Draft {
  readonly file: string;
  readonly line: number;
  readonly actions: ActionSet;
  readonly defaults: ActionSet | undefined;
  readonly targets: Target[];
  readonly exclusions: Target[];
  readonly operatorName: string;
  readonly operatorParam: string;
  readonly negated: boolean;
  readonly operator: ReturnType<OperatorFactory['create']>;
  /** Whether non-matches of the operator may be remembered (Rule.memoSlot). */
  readonly pure: boolean;
  readonly chained: Draft[];
  readonly marker?: string;
}

export class SecLangParser {
  private readonly config: WafConfig;
  private readonly defaults = new Map<number, ActionSet>();
  private readonly drafts: Draft[] = [];
  private readonly byId = new Map<number, Draft>();
  /** The chain starter whose chain is still open (its last rule had `chain`). */
  private openChain: Draft | undefined;
  private readonly warnings: string[] = [];
  private readonly transformIds = new Map<Transformation, number>();
  private memoSlots = 0;
  private files = 0;
  private readonly removeIds: IdRange[] = [];
  private readonly removeTags: string[] = [];
  private readonly removeMsgs: string[] = [];
  private readonly targetUpdates: { by: 'id' | 'tag' | 'msg'; ranges?: IdRange[]; text?: string; targets: Target[]; file: string; line: number }[] = [];

  constructor(private readonly options: ParserOptions) {
    this.config = { ...defaultConfig(), ...options.config };
  }

  /** Parses a file (and what it includes). */
  loadFile(path: string): this {
    this.includeFile(resolve(path), 0, path, 0);
    return this;
  }

  /** Parses rule text; `file` names it in errors and `baseDir` resolves Include and data files. */
  loadText(text: string, file = '<inline>', baseDir = process.cwd()): this {
    this.parseText(text, file, baseDir, 0);
    return this;
  }

  private includeFile(path: string, depth: number, fromFile: string, fromLine: number): void {
    if (depth > PARSER_LIMITS.maxIncludeDepth) throw new WafRuleError(`Include nested deeper than ${PARSER_LIMITS.maxIncludeDepth} levels`, fromFile, fromLine);
    if (++this.files > PARSER_LIMITS.maxFiles) throw new WafRuleError(`more than ${PARSER_LIMITS.maxFiles} rule files`, fromFile, fromLine);
    let text: string;
    try {
      text = readBounded(path);
    } catch (e) {
      throw new WafRuleError(`cannot read rule file ${path}: ${(e as Error).message}`, fromFile, fromLine);
    }
    this.parseText(text, path, dirname(path), depth);
  }

  private parseText(text: string, file: string, baseDir: string, depth: number): void {
    for (const d of lexDirectives(text, file)) {
      try {
        this.directive(d, baseDir, depth);
      } catch (e) {
        if (e instanceof WafRuleError) throw e;
        throw new WafRuleError(`${d.name}: ${(e as Error).message}`, file, d.line);
      }
    }
  }

  private directive(d: RawDirective, baseDir: string, depth: number): void {
    const name = d.name.toLowerCase();
    const args = d.args;
    const arg = (i: number, what: string): string => {
      const v = args[i];
      if (v === undefined) throw new Error(`missing ${what}`);
      return v;
    };
    if (this.openChain && name !== 'secrule') {
      throw new Error(`the chain started by the rule at line ${this.openChain.line} needs a SecRule next, not ${d.name}`);
    }
    switch (name) {
      case 'include': {
        const pattern = arg(0, 'file name or glob');
        const abs = isAbsolute(pattern) ? pattern : join(baseDir, pattern);
        const files = expandGlob(abs);
        // As libmodsecurity: a glob that matches nothing is an error like a missing file ("Not able
        // to open file"), so a mistyped CRS path cannot load a rule set without its rules.
        if (files.length === 0) throw new Error(/[*?[]/.test(pattern) ? `no file matches ${abs}` : `no such file: ${abs}`);
        for (const f of files) this.includeFile(f, depth + 1, d.file, d.line);
        return;
      }
      case 'secrule':
        return this.secRule(d, baseDir, arg(0, 'variables'), arg(1, 'operator'), args[2] ?? '');
      case 'secaction':
        return this.secRule(d, baseDir, undefined, undefined, arg(0, 'actions'));
      case 'secmarker':
        this.drafts.push({ ...markerDraft(d), marker: arg(0, 'marker name') });
        return;
      case 'secdefaultaction': {
        const a = parseActionList(splitActions(arg(0, 'actions'), d.file, d.line));
        if (a.phase === undefined) throw new Error('SecDefaultAction needs a phase');
        if (a.id !== undefined || a.chain || a.skip || a.skipAfter !== undefined) throw new Error('SecDefaultAction may not carry id, chain, skip or skipAfter');
        if (a.disruptive === undefined) throw new Error('SecDefaultAction needs a disruptive action (pass, deny, block…)');
        this.defaults.set(a.phase, a);
        return;
      }
      case 'secruleengine': {
        const v = arg(0, 'On, Off or DetectionOnly').toLowerCase();
        const m = ({ on: 'On', off: 'Off', detectiononly: 'DetectionOnly' } as const)[v as 'on'];
        if (!m) throw new Error(`expects On, Off or DetectionOnly, got "${args[0]}"`);
        this.config.ruleEngine = m;
        return;
      }
      case 'secrequestbodyaccess':
        this.config.requestBodyAccess = onOff(arg(0, 'On or Off'));
        return;
      case 'secresponsebodyaccess':
        this.config.responseBodyAccess = onOff(arg(0, 'On or Off'));
        return;
      case 'secrequestbodylimit':
        this.config.requestBodyLimit = bytes(arg(0, 'a byte count'));
        return;
      case 'secrequestbodynofileslimit':
        this.config.requestBodyNoFilesLimit = bytes(arg(0, 'a byte count'));
        return;
      case 'secresponsebodylimit':
        this.config.responseBodyLimit = bytes(arg(0, 'a byte count'));
        return;
      case 'secrequestbodylimitaction':
        this.config.requestBodyLimitAction = limitAction(arg(0, 'Reject or ProcessPartial'));
        return;
      case 'secresponsebodylimitaction':
        this.config.responseBodyLimitAction = limitAction(arg(0, 'Reject or ProcessPartial'));
        return;
      case 'secresponsebodymimetype':
        for (const a of args) for (const t of a.split(/\s+/)) if (t) this.config.responseBodyMimeTypes.push(t.toLowerCase());
        return;
      case 'secresponsebodymimetypesclear':
        this.config.responseBodyMimeTypes = [];
        return;
      case 'secargumentslimit':
        this.config.argumentsLimit = bytes(arg(0, 'a number'));
        return;
      case 'secrequestbodyjsondepthlimit':
        this.config.jsonDepthLimit = bytes(arg(0, 'a number'));
        return;
      case 'secargumentseparator': {
        const s = arg(0, 'a separator');
        if (s.length !== 1) throw new Error(`the separator must be one character, got "${s}"`);
        this.config.argumentSeparator = s;
        return;
      }
      case 'seccomponentsignature':
        this.config.componentSignatures.push(arg(0, 'a signature'));
        return;
      case 'seccollectiontimeout':
        this.config.collectionTimeout = bytes(arg(0, 'seconds'));
        return;
      case 'secruleremovebyid':
        if (args.length === 0) throw new Error('missing rule ids');
        for (const a of args) this.removeIds.push(...parseIdRanges(a));
        return;
      case 'secruleremovebytag':
        this.removeTags.push(arg(0, 'tag').toLowerCase());
        return;
      case 'secruleremovebymsg':
        this.removeMsgs.push(arg(0, 'message'));
        return;
      case 'secruleupdatetargetbyid':
      case 'secruleupdatetargetbytag':
      case 'secruleupdatetargetbymsg': {
        const what = arg(0, name.endsWith('byid') ? 'rule id' : name.endsWith('bytag') ? 'tag' : 'message');
        const targets = parseTargets(arg(1, 'targets'));
        if (args[2] !== undefined) throw new Error('replacing a target (third argument) is not supported; remove it and add the new one');
        if (name.endsWith('byid')) this.targetUpdates.push({ by: 'id', ranges: parseIdRanges(what), targets, file: d.file, line: d.line });
        else this.targetUpdates.push({ by: name.endsWith('bytag') ? 'tag' : 'msg', text: what, targets, file: d.file, line: d.line });
        return;
      }
      case 'secruleupdateactionbyid': {
        const idSpec = arg(0, 'rule id');
        const m = /^(\d+)(?::(\d+))?$/.exec(idSpec);
        if (!m) throw new Error(`invalid rule id "${idSpec}"`);
        const draft = this.byId.get(Number(m[1]));
        if (!draft) throw new Error(`no rule with id ${m[1]} (SecRuleUpdateActionById must come after the rule)`);
        const offset = m[2] === undefined ? 0 : Number(m[2]);
        const target = offset === 0 ? draft : draft.chained[offset - 1];
        if (!target) throw new Error(`rule ${m[1]} has no chained rule ${offset}`);
        const upd = parseActionList(splitActions(arg(1, 'actions'), d.file, d.line));
        if (upd.id !== undefined || upd.phase !== undefined) throw new Error('SecRuleUpdateActionById cannot change id or phase');
        mergeActions(target.actions, upd);
        return;
      }
      default:
        if (IGNORED.has(name)) {
          this.warnings.push(`${d.file}:${d.line}: ${d.name} is accepted but has no effect in Palisade`);
          return;
        }
        throw new Error(`unknown directive "${d.name}"`);
    }
  }

  private secRule(d: RawDirective, baseDir: string, vars: string | undefined, op: string | undefined, actionText: string): void {
    const actions = parseActionList(splitActions(actionText, d.file, d.line));
    const parent = this.openChain;
    if (parent) {
      if (actions.id !== undefined && actions.id !== 0) throw new Error('a chained rule may not have an id');
      if (actions.phase !== undefined) throw new Error('a chained rule may not set a phase');
      if (actions.disruptive !== undefined && actions.disruptive !== 'pass') throw new Error('a chained rule may not have a disruptive action');
      if (actions.skip || actions.skipAfter !== undefined) throw new Error('a chained rule may not skip');
    } else {
      if (actions.id === undefined) throw new Error('the rule needs an id');
      if (this.byId.has(actions.id)) {
        const other = this.byId.get(actions.id)!;
        throw new Error(`duplicate rule id ${actions.id} (first at ${other.file}:${other.line})`);
      }
    }
    let targets: Target[] = [];
    const exclusions: Target[] = [];
    if (vars !== undefined) {
      for (const t of parseTargets(vars)) (t.exclude ? exclusions : targets).push(t);
      if (targets.length === 0) throw new Error(`"${vars}" names no variable to inspect, only exclusions`);
    } else targets = [];
    let negated = false;
    let opName = 'unconditionalMatch';
    let param = '';
    if (op !== undefined) {
      let s = op;
      if (s.startsWith('!')) {
        negated = true;
        s = s.slice(1);
      }
      if (s.startsWith('@')) {
        const m = /^@(\S+)\s?([\s\S]*)$/.exec(s)!;
        opName = m[1]!;
        param = m[2]!.replace(/^\s+/, '');
      } else {
        opName = 'rx';
        param = s;
      }
    }
    const factory = this.options.operators.get(opName.toLowerCase());
    if (!factory) throw new Error(`unknown operator @${opName}`);
    let operator;
    try {
      operator = factory.create(param, {
        baseDir,
        readFile: (p: string) => {
          const full = isAbsolute(p) ? p : join(baseDir, p);
          try {
            return readBounded(full);
          } catch (e) {
            throw new Error(`cannot read data file ${full}: ${(e as Error).message}`);
          }
        },
      });
    } catch (e) {
      throw new Error(`@${opName}: ${(e as Error).message}`);
    }
    const draft: Draft = {
      file: d.file,
      line: d.line,
      actions,
      defaults: parent ? parent.defaults : this.defaults.get(actions.phase ?? 2),
      targets,
      exclusions,
      operatorName: opName,
      operatorParam: param,
      negated,
      operator,
      pure: PURE_OPERATORS.has(factory) && !param.includes('%{'),
      chained: [],
    };
    if (parent) {
      parent.chained.push(draft);
      if (!actions.chain) this.openChain = undefined;
    } else {
      this.drafts.push(draft);
      this.byId.set(actions.id!, draft);
      if (actions.chain) this.openChain = draft;
    }
  }

  /** Finishes the load: applies removals and target updates, compiles transformations, orders phases. */
  build(): RuleSet {
    if (this.openChain) throw new WafRuleError('the last rule ends with "chain" but no rule follows', this.openChain.file, this.openChain.line);
    const slots = new Map<string, number>();
    this.transformIds.clear();
    this.memoSlots = 0;
    const rules: Rule[] = [];
    const phases: PhaseEntry[][] = [[], [], [], [], [], []];
    for (const draft of this.drafts) {
      if (draft.marker !== undefined) {
        for (let p = 1; p <= 5; p++) phases[p]!.push({ kind: 'marker', name: draft.marker });
        continue;
      }
      if (this.removed(draft)) continue;
      const rule = this.compile(draft, slots);
      rules.push(rule);
      phases[rule.phase]!.push({ kind: 'rule', rule });
    }
    for (const u of this.targetUpdates) {
      let hit = 0;
      for (const r of rules) {
        const match = u.by === 'id' ? inRanges(r.id, u.ranges!) : u.by === 'tag' ? r.tagsLower.includes(u.text!.toLowerCase()) : r.msgText === u.text;
        if (!match) continue;
        hit++;
        for (const t of u.targets) (t.exclude ? r.exclusions : r.targets).push(t);
      }
      if (hit === 0 && u.by === 'id') this.warnings.push(`${u.file}:${u.line}: SecRuleUpdateTargetById names no loaded rule`);
    }
    for (const r of rules) {
      for (let x: Rule | undefined = r; x; x = x.chained) {
        const ex = x.exclusions;
        x.targetExclusions = x.targets.map((t) => {
          const same = ex.filter((e) => e.name === t.name);
          return same.length ? same : undefined;
        });
        x.targetSources = x.targets.map(targetSource);
        x.mayGatherNothing = x.targets.length > 0 && x.targetSources.every((src) => src >= 0);
      }
    }
    const markers = phases.map((list) => {
      const m = new Map<string, number>();
      list.forEach((e, i) => {
        if (e.kind === 'marker' && !m.has(e.name)) m.set(e.name, i);
      });
      return m;
    });
    // Where each skipAfter lands: the first marker of that name, or (ModSecurity) a rule of that
    // id, found at or after the rule; the end of the phase when there is none.
    phases.forEach((list, phase) => {
      list.forEach((e, i) => {
        if (e.kind !== 'rule' || e.rule.actions.skipAfter === undefined) return;
        const after = e.rule.actions.skipAfter;
        let idx = markers[phase]!.get(after);
        if (idx === undefined || idx <= i) {
          idx = list.length;
          for (let j = i + 1; j < list.length; j++) {
            const x = list[j]!;
            if ((x.kind === 'marker' && x.name === after) || (x.kind === 'rule' && String(x.rule.id) === after)) {
              idx = j;
              break;
            }
          }
        }
        e.rule.skipAfterIndex = idx;
      });
    });
    return {
      config: this.config,
      phases,
      markers,
      rules,
      warnings: this.warnings,
      transformSlotCount: slots.size,
      transformCount: this.transformIds.size,
      memoSlotCount: this.memoSlots,
      segments: phases.map(findSegments),
    };
  }

  private removed(d: Draft): boolean {
    const id = d.actions.id ?? 0;
    if (inRanges(id, this.removeIds)) return true;
    if (this.removeTags.length && d.actions.tags.some((t) => this.removeTags.includes(t.toLowerCase()))) return true;
    if (this.removeMsgs.length && d.actions.msg && this.removeMsgs.includes(d.actions.msg.text)) return true;
    return false;
  }

  private compile(d: Draft, slots: Map<string, number>, starter?: Rule): Rule {
    const a = d.actions;
    const def = d.defaults;
    const names = [...(a.tNone || !def ? [] : def.transforms), ...a.transforms];
    const transforms: Transformation[] = [];
    const transformSlots: number[] = [];
    const transformIds: number[] = [];
    let prefix = '';
    for (const n of names) {
      const t = this.options.transformations.get(n.toLowerCase());
      if (!t) throw new WafRuleError(`unknown transformation t:${n}`, d.file, d.line);
      transforms.push(t);
      prefix += (prefix ? ',' : '') + n.toLowerCase();
      let slot = slots.get(prefix);
      if (slot === undefined) {
        slot = slots.size;
        slots.set(prefix, slot);
      }
      transformSlots.push(slot);
      let tid = this.transformIds.get(t);
      if (tid === undefined) this.transformIds.set(t, (tid = this.transformIds.size));
      transformIds.push(tid);
    }
    const isStarter = starter === undefined;
    const phase = isStarter ? (a.phase ?? 2) : starter.phase;
    let disruptive = a.disruptive ?? def?.disruptive ?? 'pass';
    if (disruptive === 'block') disruptive = def?.disruptive && def.disruptive !== 'block' ? def.disruptive : 'pass';
    const rule: Rule = {
      id: isStarter ? (a.id ?? 0) : 0,
      phase,
      file: d.file,
      line: d.line,
      targets: [...d.targets],
      exclusions: [...d.exclusions],
      targetExclusions: [],
      operator: d.operator,
      operatorName: d.operatorName,
      operatorParam: d.operatorParam,
      negated: d.negated,
      memoSlot: d.pure ? this.memoSlots++ : -1,
      transforms,
      transformSlots,
      transformIds,
      actions: a,
      disruptive,
      allowScope: a.allowScope ?? (a.disruptive === undefined ? (def?.allowScope ?? 'all') : 'all'),
      status: a.status ?? def?.status,
      log: a.log ?? def?.log ?? true,
      auditlog: a.auditlog ?? def?.auditlog ?? a.log ?? true,
      chained: undefined,
      starter: undefined as unknown as Rule, // set just below: a rule is its own chain's starter
      tagsLower: a.tags.map((t) => t.toLowerCase()),
      tagSet: new Set(a.tags.map((t) => t.toLowerCase())),
      msgText: a.msg?.text ?? '',
      targetSources: [],
      mayGatherNothing: false,
      skipAfterIndex: -1,
      exclMemo: undefined,
    };
    rule.starter = starter ?? rule;
    let prev = rule;
    if (isStarter) {
      for (const c of d.chained) {
        const child = this.compile(c, slots, rule);
        prev.chained = child;
        prev = child;
      }
    }
    return rule;
  }
}

function markerDraft(d: RawDirective): Omit<Draft, 'marker'> {
  return {
    file: d.file,
    line: d.line,
    actions: emptyActionSet(),
    defaults: undefined,
    targets: [],
    exclusions: [],
    operatorName: '',
    operatorParam: '',
    negated: false,
    operator: { execute: () => ({ matched: false }) },
    pure: false,
    chained: [],
  };
}

/** SecRuleUpdateActionById: the update's actions replace or extend the rule's. */
function mergeActions(into: ActionSet, upd: ActionSet): void {
  if (upd.msg) into.msg = upd.msg;
  if (upd.logdata) into.logdata = upd.logdata;
  if (upd.severity !== undefined) into.severity = upd.severity;
  into.tags.push(...upd.tags);
  if (upd.disruptive) {
    into.disruptive = upd.disruptive;
    if (upd.allowScope) into.allowScope = upd.allowScope;
  }
  if (upd.redirect) into.redirect = upd.redirect;
  if (upd.status !== undefined) into.status = upd.status;
  if (upd.log !== undefined) into.log = upd.log;
  if (upd.auditlog !== undefined) into.auditlog = upd.auditlog;
  into.setvars.push(...upd.setvars);
  into.setenvs.push(...upd.setenvs);
  into.ctls.push(...upd.ctls);
  if (upd.capture) into.capture = true;
  if (upd.multiMatch) into.multiMatch = true;
  if (upd.tNone) {
    into.tNone = true;
    into.transforms = [...upd.transforms];
  } else into.transforms.push(...upd.transforms);
}

function onOff(v: string): boolean {
  const l = v.toLowerCase();
  if (l === 'on') return true;
  if (l === 'off') return false;
  throw new Error(`expects On or Off, got "${v}"`);
}

function bytes(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`expects a non-negative integer, got "${v}"`);
  return n;
}

function limitAction(v: string): 'Reject' | 'ProcessPartial' {
  const l = v.toLowerCase();
  if (l === 'reject') return 'Reject';
  if (l === 'processpartial') return 'ProcessPartial';
  throw new Error(`expects Reject or ProcessPartial, got "${v}"`);
}

function readBounded(path: string): string {
  const st = statSync(path);
  if (!st.isFile()) throw new Error('not a file');
  if (st.size > PARSER_LIMITS.maxFileBytes) throw new Error(`larger than ${PARSER_LIMITS.maxFileBytes} bytes`);
  return readFileSync(path, 'utf8');
}

/**
 * Expands `*`, `?` and `[...]` in any path segment, sorted like Apache's Include. No `**`.
 */
export function expandGlob(pattern: string): string[] {
  if (!/[*?[]/.test(pattern)) return [pattern];
  const parts = pattern.split(sep);
  let bases = [parts[0] === '' ? sep : parts[0]!];
  for (let i = 1; i < parts.length; i++) {
    const seg = parts[i]!;
    if (seg === '') continue;
    const next: string[] = [];
    if (!/[*?[]/.test(seg)) {
      for (const b of bases) next.push(join(b, seg));
    } else {
      const re = new RegExp('^' + seg.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]') + '$');
      for (const b of bases) {
        let names: string[];
        try {
          names = readdirSync(b);
        } catch {
          continue;
        }
        for (const n of names.sort()) if (re.test(n) && !n.startsWith('.')) next.push(join(b, n));
      }
    }
    bases = next;
  }
  return bases.filter((p) => {
    try {
      return statSync(p).isFile();
    } catch {
      return false;
    }
  });
}

/**
 * SecLang actions, compiled at load: metadata (id, msg, tag…), the disruptive action, flow
 * (chain, skip, skipAfter), data actions (setvar, capture, ctl) and transformations.
 */
import type { RawAction } from '../seclang/lexer.js';
import type { Target } from '../variables/targets.js';
import { parseTargets } from '../variables/targets.js';
import { Macro } from './macro.js';

export type DisruptiveKind = 'pass' | 'deny' | 'drop' | 'block' | 'allow' | 'redirect';
export type AllowScope = 'all' | 'phase' | 'request';

export interface SetVar {
  /** Upper-case collection: TX, IP, GLOBAL, SESSION, USER, RESOURCE. */
  readonly collection: string;
  readonly key: Macro;
  /** `=` set, `+` add, `-` subtract, `!` delete. */
  readonly op: '=' | '+' | '-' | '!';
  readonly value: Macro;
}

export type Ctl =
  | { readonly kind: 'ruleEngine'; readonly mode: EngineMode }
  | { readonly kind: 'ruleRemoveById'; readonly ranges: readonly IdRange[] }
  | { readonly kind: 'ruleRemoveByTag'; readonly tag: string }
  | { readonly kind: 'ruleRemoveByMsg'; readonly msg: string }
  | { readonly kind: 'ruleRemoveTargetById'; readonly ranges: readonly IdRange[]; readonly targets: readonly Target[] }
  | { readonly kind: 'ruleRemoveTargetByTag'; readonly tag: string; readonly targets: readonly Target[] }
  | { readonly kind: 'ruleRemoveTargetByMsg'; readonly msg: string; readonly targets: readonly Target[] }
  | { readonly kind: 'requestBodyProcessor'; readonly processor: BodyProcessorName }
  | { readonly kind: 'forceRequestBodyVariable'; readonly on: boolean }
  | { readonly kind: 'requestBodyAccess'; readonly on: boolean }
  | { readonly kind: 'responseBodyAccess'; readonly on: boolean }
  | { readonly kind: 'requestBodyLimit'; readonly bytes: number }
  | { readonly kind: 'auditEngine'; readonly mode: 'On' | 'Off' | 'RelevantOnly' }
  | { readonly kind: 'auditLogParts'; readonly parts: string }
  | { readonly kind: 'noop' };

export type EngineMode = 'On' | 'Off' | 'DetectionOnly';
export type BodyProcessorName = 'URLENCODED' | 'MULTIPART' | 'JSON' | 'XML' | 'RAW';
export type IdRange = readonly [number, number];

/** Everything the action list of one rule (or SecDefaultAction) says. */
export interface ActionSet {
  id?: number;
  phase?: number;
  msg?: Macro;
  logdata?: Macro;
  severity?: number;
  tags: string[];
  ver?: string;
  rev?: string;
  maturity?: number;
  accuracy?: number;
  disruptive?: DisruptiveKind;
  allowScope?: AllowScope;
  status?: number;
  redirect?: Macro;
  log?: boolean;
  auditlog?: boolean;
  chain: boolean;
  skip: number;
  skipAfter?: string;
  setvars: SetVar[];
  setenvs: { readonly name: Macro; readonly value: Macro; readonly remove: boolean }[];
  ctls: Ctl[];
  capture: boolean;
  multiMatch: boolean;
  /** Whether `t:none` appears: the default action's transformations are then dropped. */
  tNone: boolean;
  /** Transformation names after the last `t:none`, as written. */
  transforms: string[];
}

export function emptyActionSet(): ActionSet {
  return { tags: [], chain: false, skip: 0, setvars: [], setenvs: [], ctls: [], capture: false, multiMatch: false, tNone: false, transforms: [] };
}

const SEVERITIES: Record<string, number> = {
  EMERGENCY: 0, ALERT: 1, CRITICAL: 2, ERROR: 3, WARNING: 4, NOTICE: 5, INFO: 6, DEBUG: 7,
};
export const SEVERITY_NAMES = ['EMERGENCY', 'ALERT', 'CRITICAL', 'ERROR', 'WARNING', 'NOTICE', 'INFO', 'DEBUG'] as const;

/** Actions accepted for compatibility that do nothing here (no persistent collections, no GeoIP…). */
const ACCEPTED_NOOP = new Set(['expirevar', 'initcol', 'setsid', 'setuid', 'setrsc', 'sanitisearg', 'sanitisematched', 'sanitisematchedbytes', 'sanitiserequestheader', 'sanitiseresponseheader', 'deprecatevar', 'append', 'prepend', 'xmlns', 'sanitizearg', 'sanitizematched']);

/**
 * Compiles an action list. Throws an Error naming the offending action; the parser adds file/line.
 */
export function parseActionList(raw: readonly RawAction[], into: ActionSet = emptyActionSet()): ActionSet {
  const a = into;
  for (const { name: rawName, value } of raw) {
    const name = rawName.toLowerCase();
    const need = (): string => {
      if (value === undefined || value === '') throw new Error(`action "${rawName}" needs a value`);
      return value;
    };
    switch (name) {
      case 'id': {
        const id = Number(need());
        if (!Number.isInteger(id) || id < 1) throw new Error(`invalid rule id "${value}" (a positive integer is required)`);
        a.id = id;
        break;
      }
      case 'phase': {
        const v = need().toLowerCase();
        const p = v === 'request' ? 2 : v === 'response' ? 4 : v === 'logging' ? 5 : Number(v);
        if (!Number.isInteger(p) || p < 1 || p > 5) throw new Error(`invalid phase "${value}" (1–5, request, response or logging)`);
        a.phase = p;
        break;
      }
      case 'msg':
        a.msg = Macro.compile(need());
        break;
      case 'logdata':
        a.logdata = Macro.compile(value ?? '');
        break;
      case 'severity': {
        const v = need();
        const n = /^\d$/.test(v) ? Number(v) : SEVERITIES[v.toUpperCase()];
        if (n === undefined || n > 7) throw new Error(`invalid severity "${v}"`);
        a.severity = n;
        break;
      }
      case 'tag':
        a.tags.push(need());
        break;
      case 'ver':
        a.ver = need();
        break;
      case 'rev':
        a.rev = need();
        break;
      case 'maturity':
        a.maturity = Number(need());
        break;
      case 'accuracy':
        a.accuracy = Number(need());
        break;
      case 'pass':
      case 'deny':
      case 'drop':
      case 'block':
        a.disruptive = name;
        break;
      case 'allow': {
        a.disruptive = 'allow';
        const v = value?.toLowerCase();
        if (v === undefined || v === '') a.allowScope = 'all';
        else if (v === 'phase' || v === 'request') a.allowScope = v;
        else throw new Error(`invalid allow scope "${value}" (phase or request)`);
        break;
      }
      case 'redirect':
        a.disruptive = 'redirect';
        a.redirect = Macro.compile(need());
        break;
      case 'status': {
        const s = Number(need());
        if (!Number.isInteger(s) || s < 100 || s > 599) throw new Error(`invalid status "${value}"`);
        a.status = s;
        break;
      }
      case 'log':
        a.log = true;
        break;
      case 'nolog':
        a.log = false;
        a.auditlog = false;
        break;
      case 'auditlog':
        a.auditlog = true;
        break;
      case 'noauditlog':
        a.auditlog = false;
        break;
      case 'chain':
        a.chain = true;
        break;
      case 'skip': {
        const n = Number(need());
        if (!Number.isInteger(n) || n < 1) throw new Error(`invalid skip "${value}" (a positive integer)`);
        a.skip = n;
        break;
      }
      case 'skipafter':
        a.skipAfter = need();
        break;
      case 'setvar':
        a.setvars.push(parseSetVar(need()));
        break;
      case 'setenv': {
        let v = need();
        const remove = v.startsWith('!');
        if (remove) v = v.slice(1);
        const eq = v.indexOf('=');
        a.setenvs.push({ name: Macro.compile(eq < 0 ? v : v.slice(0, eq)), value: Macro.compile(eq < 0 ? '1' : v.slice(eq + 1)), remove });
        break;
      }
      case 'ctl':
        a.ctls.push(parseCtl(need()));
        break;
      case 'capture':
        a.capture = true;
        break;
      case 'multimatch':
        a.multiMatch = true;
        break;
      case 't': {
        const v = need();
        if (v.toLowerCase() === 'none') {
          a.tNone = true;
          a.transforms.length = 0;
        } else a.transforms.push(v);
        break;
      }
      case 'exec':
        throw new Error('action "exec" is refused: Palisade does not run external programs or scripts from rules');
      case 'proxy':
        throw new Error('action "proxy" is not supported (Palisade forwards requests itself)');
      default:
        if (ACCEPTED_NOOP.has(name)) break;
        throw new Error(`unknown action "${rawName}"`);
    }
  }
  return a;
}

function parseSetVar(v: string): SetVar {
  let s = v.trim();
  let del = false;
  if (s.startsWith('!')) {
    del = true;
    s = s.slice(1);
  }
  const eq = s.indexOf('=');
  const lhs = eq < 0 ? s : s.slice(0, eq);
  const dot = lhs.indexOf('.');
  if (dot < 1) throw new Error(`setvar "${v}" needs collection.name (e.g. tx.score=1)`);
  const collection = lhs.slice(0, dot).toUpperCase();
  if (!['TX', 'IP', 'GLOBAL', 'SESSION', 'USER', 'RESOURCE'].includes(collection)) {
    throw new Error(`setvar "${v}": collection ${collection} cannot be written (TX, IP, GLOBAL, SESSION, USER, RESOURCE)`);
  }
  const key = Macro.compile(lhs.slice(dot + 1));
  if (del) return { collection, key, op: '!', value: Macro.compile('') };
  if (eq < 0) return { collection, key, op: '=', value: Macro.compile('1') };
  let rhs = s.slice(eq + 1);
  let op: SetVar['op'] = '=';
  if (rhs.startsWith('+')) {
    op = '+';
    rhs = rhs.slice(1);
  } else if (rhs.startsWith('-')) {
    op = '-';
    rhs = rhs.slice(1);
  }
  return { collection, key, op, value: Macro.compile(rhs) };
}

/** Parses `942100`, `942100-942199` or a space/comma separated list of those. */
export function parseIdRanges(s: string): IdRange[] {
  const out: IdRange[] = [];
  for (const part of s.split(/[\s,]+/)) {
    if (part === '') continue;
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) throw new Error(`invalid rule id or range "${part}"`);
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (hi < lo) throw new Error(`invalid range "${part}" (end before start)`);
    out.push([lo, hi]);
  }
  if (out.length === 0) throw new Error('no rule id given');
  return out;
}

export function inRanges(id: number, ranges: readonly IdRange[]): boolean {
  for (const [lo, hi] of ranges) if (id >= lo && id <= hi) return true;
  return false;
}

function onOff(v: string, what: string): boolean {
  const l = v.toLowerCase();
  if (l === 'on') return true;
  if (l === 'off') return false;
  throw new Error(`ctl:${what} expects On or Off, got "${v}"`);
}

function parseCtl(v: string): Ctl {
  const eq = v.indexOf('=');
  if (eq < 0) throw new Error(`ctl "${v}" needs name=value`);
  const name = v.slice(0, eq).trim().toLowerCase();
  const val = v.slice(eq + 1).trim();
  const withTargets = (): [string, Target[]] => {
    const semi = val.indexOf(';');
    if (semi < 0) throw new Error(`ctl "${v}" needs a target after ";" (e.g. 942100;ARGS:password)`);
    return [val.slice(0, semi).trim(), parseTargets(val.slice(semi + 1))];
  };
  switch (name) {
    case 'ruleengine': {
      const m = ({ on: 'On', off: 'Off', detectiononly: 'DetectionOnly' } as const)[val.toLowerCase() as 'on'];
      if (!m) throw new Error(`ctl:ruleEngine expects On, Off or DetectionOnly, got "${val}"`);
      return { kind: 'ruleEngine', mode: m };
    }
    case 'ruleremovebyid':
      return { kind: 'ruleRemoveById', ranges: parseIdRanges(val) };
    case 'ruleremovebytag':
      return { kind: 'ruleRemoveByTag', tag: val };
    case 'ruleremovebymsg':
      return { kind: 'ruleRemoveByMsg', msg: val };
    case 'ruleremovetargetbyid': {
      const [id, targets] = withTargets();
      return { kind: 'ruleRemoveTargetById', ranges: parseIdRanges(id), targets };
    }
    case 'ruleremovetargetbytag': {
      const [tag, targets] = withTargets();
      return { kind: 'ruleRemoveTargetByTag', tag, targets };
    }
    case 'ruleremovetargetbymsg': {
      const [msg, targets] = withTargets();
      return { kind: 'ruleRemoveTargetByMsg', msg, targets };
    }
    case 'requestbodyprocessor': {
      const p = val.toUpperCase();
      if (!['URLENCODED', 'MULTIPART', 'JSON', 'XML', 'RAW'].includes(p)) throw new Error(`ctl:requestBodyProcessor: unknown processor "${val}" (URLENCODED, MULTIPART, JSON, XML, RAW)`);
      return { kind: 'requestBodyProcessor', processor: p as BodyProcessorName };
    }
    case 'forcerequestbodyvariable':
      return { kind: 'forceRequestBodyVariable', on: onOff(val, 'forceRequestBodyVariable') };
    case 'requestbodyaccess':
      return { kind: 'requestBodyAccess', on: onOff(val, 'requestBodyAccess') };
    case 'responsebodyaccess':
      return { kind: 'responseBodyAccess', on: onOff(val, 'responseBodyAccess') };
    case 'requestbodylimit': {
      const n = Number(val);
      if (!Number.isInteger(n) || n < 0) throw new Error(`ctl:requestBodyLimit expects a byte count, got "${val}"`);
      return { kind: 'requestBodyLimit', bytes: n };
    }
    case 'auditengine': {
      const m = ({ on: 'On', off: 'Off', relevantonly: 'RelevantOnly' } as const)[val.toLowerCase() as 'on'];
      if (!m) throw new Error(`ctl:auditEngine expects On, Off or RelevantOnly, got "${val}"`);
      return { kind: 'auditEngine', mode: m };
    }
    case 'auditlogparts':
      return { kind: 'auditLogParts', parts: val };
    case 'debugloglevel':
    case 'hashengine':
      return { kind: 'noop' };
    default:
      throw new Error(`unknown ctl "${v.slice(0, eq)}"`);
  }
}

/**
 * TX-only segments: runs of consecutive rules whose outcome depends on nothing but TX. CRS starts
 * every request with ~27 such rules (901xxx: `&TX:x @eq 0` defaults, 901200's setvars) and ends
 * its phases with more (949xxx, 959xxx, 980xxx: scores summed per paranoia level). Given the same
 * values of the TX keys a segment reads and writes (and the same last match before it, which a
 * SecAction's record names), running it again does exactly the same: same
 * rules match, same TX writes in the same order, same records. The transaction remembers what a
 * run did per input (Segment.memo) and replays it (decision 0044).
 *
 * A rule qualifies when everything it reads is a constant TX key and everything it does is a TX
 * setvar or a jump: targets `TX:key` or `&TX:key` (no regex key, no other variable), an operator
 * that is a function of its input and parameter, macros (parameter, setvar, msg, logdata) that
 * name only TX keys, setvars `=`, `=+`, `=-` on constant TX keys, no ctl, setenv, capture,
 * severity, or disruptive action other than pass; its chain, if any, likewise.
 */
import { Macro } from '../actions/macro.js';
import type { PhaseEntry, Rule } from './rule.js';

/** Operators whose answer depends only on the (transformed) input and the expanded parameter. */
const PURE_OPERATOR_NAMES = new Set([
  'eq', 'ge', 'gt', 'le', 'lt', 'streq', 'within', 'contains', 'containsword', 'beginswith', 'endswith', 'unconditionalmatch',
  'nomatch', 'rx', 'pm', 'strmatch',
]);

/** Fewest rules worth a segment: the memo key costs about as much as one rule. */
const MIN_RULES = 2;

export interface SegmentKey {
  /** Lower-cased TX key. */
  readonly lower: string;
}

export interface SegmentOutcome {
  /** The inputs it was found for: the last match before the segment, then the values of Segment.keys. */
  readonly lastName: string;
  readonly lastKey: string;
  readonly lastValue: string | undefined;
  readonly inputs: readonly (string | undefined)[];
  /** TX writes to replay, in order: [key as written, value]. */
  readonly writes: readonly (readonly [string, string])[];
  /** The matched-rule records the run pushed (shared: records are never mutated). */
  readonly records: readonly object[];
  /** Where the walk went on after the segment (an index in the phase's list). */
  readonly exit: number;
  /** The transaction's match state after the run (MATCHED_VAR and friends). */
  readonly last: unknown;
}

export interface Segment {
  /** Index of the first rule and one past the last entry, in the phase's list. */
  readonly start: number;
  readonly end: number;
  readonly rules: readonly Rule[];
  /** TX keys read or written by the segment's rules: their values are the memo key. */
  readonly keys: readonly string[];
  /**
   * Outcomes, newest first, at most SEGMENT_MEMO_ENTRIES: found by comparing inputs, which for a
   * handful of entries is cheaper than hashing a key built from them.
   */
  readonly memo: SegmentOutcome[];
  /** The current inputs, gathered here to be compared (reused; no allocation per request). */
  readonly scratch: (string | undefined)[];
  /** Whether a runtime removal (ctl:ruleRemove*) touches a rule of the segment, by the ctl's list or object. */
  readonly touched: WeakMap<object, boolean>;
}

export const SEGMENT_MEMO_ENTRIES = 16;
/** The last matched value before a segment is one of its inputs up to this length; past it the segment just runs. */
export const SEGMENT_MAX_LAST_VALUE = 256;

function txRefsOnly(m: Macro | undefined, keys: Set<string>): boolean {
  if (m === undefined) return true;
  for (const r of m.refs()) {
    if (r.name !== 'TX' || r.key === undefined) return false;
    keys.add(r.key);
  }
  return true;
}

/** Whether one rule (and its chain) depends on TX alone; adds the TX keys it reads or writes. */
function txOnly(r: Rule, keys: Set<string>, starter: boolean): boolean {
  const a = r.actions;
  if (starter && r.disruptive !== 'pass') return false;
  if (a.disruptive !== undefined && a.disruptive !== 'pass' && a.disruptive !== 'block') return false;
  if (a.ctls.length > 0 || a.setenvs.length > 0 || a.capture || a.severity !== undefined || a.redirect !== undefined) return false;
  if (!PURE_OPERATOR_NAMES.has(r.operatorName.toLowerCase())) return false;
  for (const t of r.targets) {
    if (t.name !== 'TX' || t.key === undefined || t.keyRegex !== undefined) return false;
    keys.add(t.key);
  }
  if (!txRefsOnly(Macro.compile(r.operatorParam), keys)) return false;
  if (!txRefsOnly(a.msg, keys) || !txRefsOnly(a.logdata, keys)) return false;
  for (const sv of a.setvars) {
    if (sv.collection !== 'TX' || sv.key.dynamic || sv.op === '!') return false;
    keys.add(sv.key.text.toLowerCase());
    if (!txRefsOnly(sv.value, keys)) return false;
  }
  return r.chained === undefined || txOnly(r.chained, keys, false);
}

/** The segments of one phase's list, indexed by their start (undefined elsewhere). */
export function findSegments(list: readonly PhaseEntry[]): (Segment | undefined)[] {
  const out: (Segment | undefined)[] = new Array<Segment | undefined>(list.length);
  let i = 0;
  while (i < list.length) {
    const keys = new Set<string>();
    const rules: Rule[] = [];
    let j = i;
    while (j < list.length) {
      const e = list[j]!;
      if (e.kind === 'rule') {
        if (!txOnly(e.rule, keys, true)) break;
        rules.push(e.rule);
      }
      j++;
    }
    // Leading markers are not part of a segment: it starts at its first rule.
    let start = i;
    while (start < j && list[start]!.kind === 'marker') start++;
    if (rules.length >= MIN_RULES) out[start] = { start, end: j, rules, keys: [...keys], memo: [], scratch: new Array<string | undefined>(keys.size), touched: new WeakMap() };
    i = j === i ? i + 1 : j;
  }
  return out;
}

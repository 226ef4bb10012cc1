/**
 * The compiled form of rules: what the parser produces and the transaction runs.
 */
import type { Operator, Transformation } from '../types.js';
import type { ActionSet, BodyProcessorName, DisruptiveKind, EngineMode, AllowScope } from '../actions/actions.js';
import type { Target } from '../variables/targets.js';
import type { Segment } from './segments.js';

export interface Rule {
  /** 0 for chained rules and id-less SecActions. */
  readonly id: number;
  readonly phase: number;
  readonly file: string;
  readonly line: number;
  /** Targets whose values are inspected (no `!` exclusions). Empty for SecAction. */
  targets: Target[];
  /** `!` exclusions written in the rule or added by SecRuleUpdateTargetBy*. */
  exclusions: Target[];
  /**
   * Per target (same index), the exclusions of the same variable, or undefined when none: set
   * once the load is complete, so a value is checked only against exclusions that can remove it.
   */
  targetExclusions: (readonly Target[] | undefined)[];
  readonly operator: Operator;
  /** For logs: `rx`, `pm`…; `unconditionalMatch` for SecAction. */
  readonly operatorName: string;
  readonly operatorParam: string;
  readonly negated: boolean;
  /**
   * Index of this rule's slot in the engine's memo of inputs its operator did not match, or -1.
   * Only for built-in operators that are pure functions of the input (no macro in the parameter,
   * no state, no side effect on a non-match), so a remembered non-match is exactly what running
   * the operator again would return.
   */
  memoSlot: number;
  /** The effective transformations (default action's, unless `t:none`, then the rule's). */
  transforms: readonly Transformation[];
  /** Cache slot per transformation step: same slot = same chain prefix, so results are shared. */
  transformSlots: readonly number[];
  /** Per step, the index of the transformation itself, for the per-transformation memo. */
  transformIds: readonly number[];
  readonly actions: ActionSet;
  /** Resolved for the chain starter: the rule's own action, else SecDefaultAction's for the phase. */
  disruptive: DisruptiveKind;
  allowScope: AllowScope;
  status: number | undefined;
  log: boolean;
  auditlog: boolean;
  /** The next rule of the chain, if this one has `chain`. */
  chained: Rule | undefined;
  /** The chain starter (itself for a starter). */
  starter: Rule;
  /** Lower-cased tags, for ByTag lookups. */
  readonly tagsLower: readonly string[];
  /** The same as a set: ctl:ruleRemove*ByTag asks every rule of the phase, per request. */
  readonly tagSet: ReadonlySet<string>;
  /** Unexpanded msg text, for ByMsg lookups. */
  readonly msgText: string;
  /**
   * Per target (same index), where its values come from when the transaction may hold none of
   * them (a `TARGET_SOURCE` index), or -1 when the target always yields a value (`&` counts,
   * scalars other than REQUEST_BODY, derived collections). Set once the load is complete.
   */
  targetSources: number[];
  /**
   * For a chain starter with `skipAfter`: the index, in its phase's list, of the entry evaluation
   * resumes after (the marker or rule it names, else the list's length). Set once the load is
   * complete; -1 otherwise.
   */
  skipAfterIndex: number;
  /** Whether every target has a source (>= 0): the rule is skipped when all of them are empty. */
  mayGatherNothing: boolean;
  /**
   * The last `ctl:ruleRemoveTargetBy*` list this rule's exclusions were merged for, and the
   * result: rules and ctl actions are both compiled once, so the merge is the same on the next
   * request that runs the same ctls (CRS 941010 adds one on almost every request).
   */
  exclMemo: { readonly ctls: readonly object[]; readonly out: readonly Target[] | undefined } | undefined;
}

/** One entry of a phase's list: a rule (chain starter) or a SecMarker. */
export type PhaseEntry = { readonly kind: 'rule'; readonly rule: Rule } | { readonly kind: 'marker'; readonly name: string };

export interface WafConfig {
  ruleEngine: EngineMode;
  requestBodyAccess: boolean;
  responseBodyAccess: boolean;
  requestBodyLimit: number;
  requestBodyNoFilesLimit: number;
  requestBodyLimitAction: 'Reject' | 'ProcessPartial';
  responseBodyLimit: number;
  responseBodyLimitAction: 'Reject' | 'ProcessPartial';
  responseBodyMimeTypes: string[];
  /** Most arguments one request may carry (ModSecurity's SecArgumentsLimit). */
  argumentsLimit: number;
  /** Deepest JSON nesting the JSON body processor accepts. */
  jsonDepthLimit: number;
  argumentSeparator: string;
  componentSignatures: string[];
  collectionTimeout: number;
  auditEngine: 'On' | 'Off' | 'RelevantOnly';
  auditLogParts: string;
  /** Body processor chosen by Content-Type when no rule picks one. */
  defaultBodyProcessors: Record<string, BodyProcessorName>;
}

export function defaultConfig(): WafConfig {
  return {
    ruleEngine: 'On',
    requestBodyAccess: false,
    responseBodyAccess: false,
    requestBodyLimit: 13_107_200,
    requestBodyNoFilesLimit: 131_072,
    requestBodyLimitAction: 'Reject',
    responseBodyLimit: 524_288,
    responseBodyLimitAction: 'ProcessPartial',
    responseBodyMimeTypes: ['text/plain', 'text/html'],
    argumentsLimit: 1000,
    jsonDepthLimit: 512,
    argumentSeparator: '&',
    componentSignatures: [],
    collectionTimeout: 3600,
    auditEngine: 'RelevantOnly',
    auditLogParts: 'ABIJDEFHZ',
    defaultBodyProcessors: { 'application/x-www-form-urlencoded': 'URLENCODED', 'multipart/form-data': 'MULTIPART' },
  };
}

/** A loaded rule set: immutable after load, shared by every transaction. */
export interface RuleSet {
  readonly config: Readonly<WafConfig>;
  /** Index 1–5; index 0 unused. */
  readonly phases: readonly (readonly PhaseEntry[])[];
  /** Per phase: marker name → index of the marker entry. */
  readonly markers: readonly ReadonlyMap<string, number>[];
  /** Every chain starter, in order. */
  readonly rules: readonly Rule[];
  readonly warnings: readonly string[];
  /** Number of distinct transformation chain prefixes (size of a transaction's cache). */
  readonly transformSlotCount: number;
  /** Number of distinct transformations used (size of a transaction's per-transformation memo). */
  readonly transformCount: number;
  /** Number of rules (chain members included) with a memoSlot. */
  readonly memoSlotCount: number;
  /** Per phase, the TX-only segments by the index of their first rule (seclang/segments.ts). */
  readonly segments: readonly (readonly (Segment | undefined)[])[];
}

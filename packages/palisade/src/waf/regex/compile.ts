/**
 * Compiles an RE2-syntax pattern for byte strings, choosing the back end per pattern: V8's
 * RegExp when the static check (safety.ts) proves a backtracking search linear, RE2 (the `re2`
 * native binding, linear by construction) otherwise. Both get source re-emitted from one parse,
 * so they agree on every match. See docs/decisions/0018-regex-engine.md.
 */
import RE2 from 're2';
import { parseRegex } from './parse.js';
import { toJsSource, toRe2Source } from './emit.js';
import { checkBacktrackingSafety } from './safety.js';
import { prefilterOf } from './prefilter.js';

export type RegexEngine = 'js' | 're2';

export interface CompiledRegex {
  readonly pattern: string;
  readonly engine: RegexEngine;
  /** Capturing groups in the pattern. */
  readonly groups: number;
  /** The source handed to the back end. */
  readonly source: string;
  /** For RE2-routed patterns: the JS source of the prefilter that gates RE2, if any (found on first use). */
  readonly prefilter: string | null;
  /** First match (leftmost, Perl/RE2 preference order), or null. */
  exec(input: string): RegExpExecArray | null;
  test(input: string): boolean;
}

export interface CompileOptions {
  /**
   * Flags in force at the start of the pattern. The default `s` is what ModSecurity (PCRE_DOTALL)
   * and Coraza use for `@rx`: `.` matches a newline. `^`/`$` stay whole-input anchors unless the
   * pattern says `(?m)`.
   */
  readonly flags?: string;
  /** Force a back end (tests, benchmarks). */
  readonly engine?: RegexEngine;
  /** Gate RE2 with a JS prefilter when one exists (default true; false for tests, benchmarks). */
  readonly prefilter?: boolean;
}

export function compileRegex(pattern: string, options: CompileOptions = {}): CompiledRegex {
  const parsed = parseRegex(pattern, { flags: options.flags ?? 's' });
  const engine = options.engine ?? (checkBacktrackingSafety(parsed.root).safe ? 'js' : 're2');
  if (engine === 'js') {
    const source = toJsSource(parsed.root);
    const re = new RegExp(source);
    return {
      pattern,
      engine,
      groups: parsed.groups,
      source,
      prefilter: null,
      exec: (input) => re.exec(input),
      test: (input) => re.test(input),
    };
  }
  const source = toRe2Source(parsed.root);
  let re: RegExp;
  try {
    re = new RE2(source);
  } catch (e) {
    throw new Error(`RE2 rejected the pattern (${(e as Error).message}): ${pattern.slice(0, 120)}`);
  }
  if (options.prefilter === false) {
    return { pattern, engine, groups: parsed.groups, source, prefilter: null, exec: (input) => re.exec(input), test: (input) => re.test(input) };
  }
  // The prefilter only saves time, and finding it is a fifth of loading CRS: it is found when the
  // pattern first runs (from a new parse: the tree is not kept alive for patterns never run).
  let gate: RegExp | null | undefined;
  let preSource: string | null = null;
  const gateOf = (): RegExp | null => {
    if (gate === undefined) {
      COLD.delete(gateOf);
      const pre = prefilterOf(parseRegex(pattern, { flags: options.flags ?? 's' }).root);
      preSource = pre === null ? null : toJsSource(pre);
      gate = preSource === null ? null : new RegExp(preSource);
    }
    return gate;
  };
  COLD.add(gateOf);
  return {
    pattern,
    engine,
    groups: parsed.groups,
    source,
    get prefilter(): string | null {
      gateOf();
      return preSource;
    },
    exec: (input) => {
      const g = gate === undefined ? gateOf() : gate;
      return g === null || g.test(input) ? re.exec(input) : null;
    },
    test: (input) => {
      const g = gate === undefined ? gateOf() : gate;
      return (g === null || g.test(input)) && re.test(input);
    },
  };
}

/** Prefilters not found yet (their patterns have not run): warmPrefilters finds them ahead of use. */
const COLD = new Set<() => unknown>();

/**
 * Finds prefilters of patterns that have not run yet, for at most `budgetMs`: a server calls it in
 * idle slices after loading rules, so first requests do not pay for it. True when none is left.
 */
export function warmPrefilters(budgetMs: number): boolean {
  const end = performance.now() + budgetMs;
  for (const find of COLD) {
    find();
    if (performance.now() >= end) break;
  }
  return COLD.size === 0;
}

/**
 * A bounded cache of compiled patterns, for patterns known only at run time (macro-expanded
 * `@rx` parameters) and for rule sets that repeat a pattern (CRS uses 294 distinct patterns in
 * 318 rules). Evicts the oldest entry when full.
 */
export class RegexCache {
  private readonly map = new Map<string, CompiledRegex>();
  constructor(private readonly capacity = 4096) {}

  get(pattern: string, options: CompileOptions = {}): CompiledRegex {
    const key = `${options.flags ?? 's'}\0${options.engine ?? ''}\0${options.prefilter ?? ''}\0${pattern}`;
    const hit = this.map.get(key);
    if (hit) return hit;
    const re = compileRegex(pattern, options);
    if (this.map.size >= this.capacity) this.map.delete(this.map.keys().next().value as string);
    this.map.set(key, re);
    return re;
  }

  get size(): number {
    return this.map.size;
  }
}

/** The process-wide cache shared by `@rx` operators. */
export const REGEX_CACHE = new RegexCache();

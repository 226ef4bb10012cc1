/**
 * The WAF engine: a loaded, immutable rule set and the factory of transactions. Loading compiles
 * everything (targets, operators, transformation chains, macros) so that a transaction only runs.
 */
import type { OperatorFactory, Transformation } from './types.js';
import { SecLangParser } from './seclang/parser.js';
import type { RuleSet, WafConfig } from './seclang/rule.js';
import type { ConnectionInfo } from './transaction.js';
import { SharedTransformMemo, Transaction } from './transaction.js';

export interface WafLoadOptions {
  /** Operator registry (lower-cased names). */
  readonly operators: ReadonlyMap<string, OperatorFactory>;
  /** Transformation registry (lower-cased names). */
  readonly transformations: ReadonlyMap<string, Transformation>;
  /** Starting configuration; directives in the rules override it. */
  readonly config?: Partial<WafConfig>;
}

/** What to load, in order: files (globs allowed, as for Include) and inline rule text. */
export type RuleSource = { readonly file: string } | { readonly text: string; readonly name?: string; readonly baseDir?: string };

export class WafEngine {
  private readonly memo = new SharedTransformMemo();
  private constructor(
    readonly rules: RuleSet,
    /** Milliseconds the load took. */
    readonly loadMs: number,
  ) {}

  static load(sources: readonly RuleSource[], options: WafLoadOptions): WafEngine {
    const t0 = performance.now();
    const p = new SecLangParser(options);
    for (const s of sources) {
      if ('file' in s) p.loadText(`Include "${s.file.replace(/"/g, '\\"')}"`, '<load>', process.cwd());
      else p.loadText(s.text, s.name ?? '<inline>', s.baseDir ?? process.cwd());
    }
    const rules = p.build();
    return new WafEngine(rules, performance.now() - t0);
  }

  get warnings(): readonly string[] {
    return this.rules.warnings;
  }

  newTransaction(conn: ConnectionInfo): Transaction {
    return new Transaction(this.rules, conn, this.memo);
  }
}

/**
 * The seams inside the WAF engine: what an operator and a transformation are, and what they may
 * ask of the transaction. Written first so that the parser/engine, the operators and
 * transformations, and the injection detectors can be built side by side.
 *
 * Values are "byte strings": every char code is 0–255 and stands for one byte, as ModSecurity
 * sees request data. Request parts are decoded with `Buffer#toString('latin1')`. This keeps
 * `t:urlDecodeUni`, `t:utf8toUnicode`, `@validateUtf8Encoding`, `@validateByteRange` and the
 * `\x{..}` escapes of CRS patterns faithful to the reference engines.
 */

/** A transformation (`t:name`): a pure function of a byte string. */
export interface Transformation {
  /** The SecLang name, e.g. `urlDecodeUni` (matched case-insensitively by the parser). */
  readonly name: string;
  readonly fn: (input: string) => string;
}

/** What an operator may ask of the running transaction. */
export interface OperatorTx {
  /** Expands macros such as `%{tx.paranoia_level}` or `%{MATCHED_VAR}` in a parameter. */
  expand(text: string): string;
  /**
   * Whether the rule carries the `capture` action. When it does, an operator that captures
   * (`@rx`, `@pm`, `@detectSQLi`…) calls `setCapture` for TX:0–9.
   */
  readonly capturing: boolean;
  setCapture(index: number, value: string): void;
}

/** The result of running an operator on one value. */
export interface OperatorResult {
  matched: boolean;
  /** The part of the input that matched, for `MATCHED_VAR` / logs (`@rx`'s match, `@pm`'s phrase). */
  data?: string;
}

/** What an operator needs at load time. */
export interface OperatorInit {
  /** The directory of the rule file, for `@pmFromFile`/`@ipMatchFromFile` relative paths. */
  readonly baseDir: string;
  /** Reads a data file (relative to baseDir, or absolute), bounded in size; throws with the path when unreadable. */
  readFile(path: string): string;
}

/** A compiled operator: created once at load, executed per value. Must be linear-time on attacker input. */
export interface Operator {
  execute(tx: OperatorTx, input: string): OperatorResult;
}

/** An operator definition (`@name param`), one per file under `operators/`. */
export interface OperatorFactory {
  /** The SecLang name without `@`, e.g. `rx`, `pmFromFile` (matched case-insensitively). */
  readonly name: string;
  /**
   * Compiles the parameter. Parameters that contain macros (`%{...}`) are expanded at execution
   * time through `tx.expand`; the factory decides whether it can precompile. Throws an Error with
   * a message naming what is wrong when the parameter is invalid (the parser adds file and line).
   */
  create(param: string, init: OperatorInit): Operator;
}

/** Error raised while parsing or loading rules: names the file and line. */
export class WafRuleError extends Error {
  constructor(
    message: string,
    readonly file: string,
    readonly line: number,
  ) {
    super(`${file}:${line}: ${message}`);
    this.name = 'WafRuleError';
  }
}

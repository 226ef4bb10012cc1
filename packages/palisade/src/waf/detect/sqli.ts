/**
 * SQL injection detection (`@detectSQLi`).
 *
 * The input is read as SQL from the three places a value usually lands in a query: as written
 * (a number position), and as the tail of a single- or double-quoted string. In each context the
 * tokens are folded (whitespace and inner comments dropped, unary signs dropped, `1+1` and
 * `'a' 'b'` merged) and the folded sequence is judged by a small grammar of *break-outs*: a value
 * that ends the application's operand, optionally closing parentheses, then SQL that changes the
 * query — a logical operator with a second operand, UNION SELECT, a stacked statement, a clause
 * such as ORDER BY, or a comment that cuts the rest of the query off. Sequences that could only
 * be prose (two names in a row, a word list joined by "or") are not break-outs.
 *
 * This is a grammar, not a table of known-bad fingerprints (see docs/decisions/0020). The
 * fingerprint (the first five folded token classes) is still computed, because ModSecurity
 * reports it as the match data.
 *
 * Limits: at most MAX_RAW tokens are read per context and MAX_FOLDED judged; each token is
 * scanned once (a few look-aheads per token, such as finding the end of a `--` line, are bounded
 * by the token cap), so the work is linear in the input whatever it contains.
 */
import {
  COMMENT_BLOCK,
  COMMENT_DASH,
  COMMENT_HASH,
  OP_COMPARE,
  STRING_CLOSED,
  STRING_EMPTY,
  STRING_HAS_LETTER,
  STRING_HAS_PUNCT,
  STRING_HAS_SPACE,
  STRING_SPACE_BEFORE_QUOTE,
  FOLDED_COMPARE,
  OP_ARITH,
  OP_UNARY,
  SqlContext,
  tokenizeSql,
  type SqlToken,
  type TokenType,
} from './sql-tokenizer.js';

/** Raw tokens read per context: enough for folding to fill MAX_FOLDED in real payloads. */
const MAX_RAW = 48;
/** Folded tokens judged: a break-out shows itself within its first few tokens. */
const MAX_FOLDED = 24;
/** Length of the reported fingerprint (as ModSecurity/libinjection report it). */
const FINGERPRINT_LENGTH = 5;

export interface SqliResult {
  readonly isSqli: boolean;
  /** The folded token classes of the context that matched (or of the as-is context). */
  readonly fingerprint: string;
}

function isValue(t: TokenType): boolean {
  return t === '1' || t === 's' || t === 'n' || t === 'v';
}

/** Positions after which an operator is a sign, not a binary operator. */
function unaryPosition(prev: SqlToken | undefined): boolean {
  if (prev === undefined) return true;
  switch (prev.type) {
    case '(':
    case ',':
    case '&':
    case 'o':
    case ';':
    case 'k':
    case 'B':
    case 'E':
    case 'U':
      return true;
    default:
      return false;
  }
}

/** Folds raw tokens into at most MAX_FOLDED tokens (see the module comment). */
export function foldSql(raw: readonly SqlToken[]): { tokens: SqlToken[]; innerComment: boolean; truncated: boolean } {
  const out: SqlToken[] = [];
  let innerComment = false;
  let i = 0;
  for (; i < raw.length && out.length < MAX_FOLDED; i++) {
    let t = raw[i]!;
    const next = raw[i + 1];
    if (t.type === 'c' && next !== undefined) {
      innerComment = true;
      continue;
    }
    if (t.type === 'o' && t.flags & OP_UNARY && unaryPosition(out[out.length - 1])) {
      if (next !== undefined && next.type !== 'c' && next.type !== ')' && next.type !== ',' && next.type !== ';') continue;
    }
    // A function name not called is a column or a word (`user`, `version`, `left`).
    if (t.type === 'f' && next?.type !== '(') t = { type: 'n', value: t.value, flags: 0 };
    if (isValue(t.type) && out.length >= 2) {
      const op = out[out.length - 1]!;
      const left = out[out.length - 2]!;
      // `1+pi()`: the right side is a call, not a value to fold.
      if (op.type === 'o' && isValue(left.type) && next?.type !== '(') {
        // Names in arithmetic are columns, and "1611-abc" is an identifier: keep them.
        const arith = (op.flags & OP_ARITH) !== 0 && left.type !== 'n' && t.type !== 's' && t.type !== 'n';
        if (arith || (left.type === '1' && t.type === '1')) {
          out.pop();
          if (!arith) out[out.length - 1] = { type: left.type, value: left.value, flags: left.flags | FOLDED_COMPARE };
          continue;
        }
      }
    }
    if (t.type === ';' && out.length > 0 && out[out.length - 1]!.type === ';') continue;
    if (t.type === 's' && out.length > 0 && out[out.length - 1]!.type === 's') {
      // Adjacent literals concatenate (MySQL): keep the later one, whose quote state matters.
      out[out.length - 1] = t;
      continue;
    }
    out.push(t);
  }
  return { tokens: out, innerComment, truncated: i < raw.length };
}

/** Index after the parenthesised group opening at `i` (or the end when it does not close). */
function skipGroup(f: readonly SqlToken[], i: number): number {
  let depth = 0;
  for (let j = i; j < f.length; j++) {
    if (f[j]!.type === '(') depth++;
    else if (f[j]!.type === ')' && --depth === 0) return j + 1;
  }
  return f.length;
}

/** Index after the `end` closing the CASE at `i` (or the end of the tokens). */
function skipCase(f: readonly SqlToken[], i: number): number {
  let depth = 0;
  for (let k = i; k < f.length; k++) {
    if (f[k]!.value === 'case') depth++;
    else if (f[k]!.value === 'end' && --depth === 0) return k + 1;
  }
  return f.length;
}

/** Whether `UNION [ALL] [(]* SELECT` occurs: a query of the attacker's own, whatever precedes it. */
function unionSelect(f: readonly SqlToken[]): boolean {
  // Input that starts with an operator (a path, `/a/b 24 union…`) is not a value breaking out.
  if (f[0]?.type === 'o') return false;
  for (let k = 0; k < f.length; k++) {
    // `q=union select` is a phrase in a parameter; an injected UNION follows a value.
    if (f[k]!.type !== 'U' || f[k - 1]?.type === 'o' || f[k - 1]?.type === '&') continue;
    let m = k + 1;
    while (f[m]?.type === '(' || f[m]?.value === 'all' || f[m]?.value === 'distinct') m++;
    if (f[m]?.type === 'E' && f[m]!.value === 'select') return true;
  }
  return false;
}

/** Index after an operand starting at `i`, or -1 when none starts there. */
function operand(f: readonly SqlToken[], i: number): number {
  const t = f[i];
  if (t === undefined) return -1;
  switch (t.type) {
    case '1':
    case 's':
    case 'v':
      return i + 1;
    case 'n':
    case 'f':
      return f[i + 1]?.type === '(' ? skipGroup(f, i + 1) : t.type === 'n' ? i + 1 : -1;
    case '(':
      return skipGroup(f, i);
    case 'k':
      // EXISTS(…), CASE … END, INTERVAL 1 DAY, BINARY x.
      if (f[i + 1]?.type === '(') return skipGroup(f, i + 1);
      if (t.value === 'case') return skipCase(f, i);
      if (t.value === 'binary' || t.value === 'interval') return operand(f, i + 1);
      return -1;
    default:
      return -1;
  }
}

interface Judge {
  readonly tokens: readonly SqlToken[];
  readonly quoted: boolean;
  readonly truncated: boolean;
  /** A comment sat between tokens: prose never does that, evasions do (a comment between 1 and UNION). */
  readonly innerComment: boolean;
}

/** Statements that start the input (as-is context): whole queries. */
function judgeStatement(j: Judge, i: number): boolean {
  const f = j.tokens;
  const t = f[i]!;
  const a = f[i + 1];
  const b = f[i + 2];
  if (t.type === 'U') return a?.type === 'E' && a.value === 'select';
  switch (t.value) {
    case 'select': {
      if (a === undefined) return false;
      if (a.type === 'v' || a.type === 'f') return true;
      // SELECT <list> FROM <name>. A list of bare words is prose ("select one, two"); SQL shows
      // itself by a literal, a call, an operator or `*`.
      let k = i + 1;
      let sqlish = false;
      for (;;) {
        if (f[k]?.type === 'k' && (f[k]!.value === 'distinct' || f[k]!.value === 'all')) k++;
        if (f[k]?.value === 'top') k += 2;
        if (f[k]?.type === 'o' && f[k]!.value === '*') {
          k++;
          sqlish = true;
        } else {
          const e = operand(f, k);
          if (e < 0) return false;
          for (let m = k; m < e; m++) if (f[m]!.type !== 'n') sqlish = true;
          k = e;
        }
        while ((f[k]?.type === 'o' || f[k]?.type === '&') && k + 1 < f.length) {
          const e = operand(f, k + 1);
          if (e < 0) return false;
          sqlish = true;
          k = e;
        }
        if (f[k]?.value === 'as') k += 2;
        else if (f[k]?.type === 'n') k++; // an alias without AS
        if (f[k]?.type !== ',') break;
        k++;
      }
      const next = f[k];
      // Out of tokens inside the list: judged on what was seen, also when a call never closed.
      if (next === undefined) return sqlish && (j.truncated || unbalanced(f, i));
      if (next.type === 'U' || next.type === ';' || next.type === 'c' || next.type === ')' || next.type === 'B') return sqlish;
      if (next.value !== 'from') return false;
      const after = operand(f, k + 1);
      if (after < 0) return false;
      const rest = f[after];
      if (rest !== undefined && isValue(rest.type)) return false;
      if (rest !== undefined && (rest.type === 'B' || rest.type === 'U' || rest.type === ';' || rest.type === 'c')) return true;
      // `select name from users where id=1` is SQL even with a list of plain names.
      return sqlish || (rest?.value === 'where' && f[after + 2]?.type === 'o');
    }
    case 'insert':
    case 'replace':
      return a?.value === 'into' && (b?.type === 'n' || b?.type === 'f');
    case 'delete':
      return a?.value === 'from' && b?.type === 'n';
    case 'update':
      return a?.type === 'n' && b?.value === 'set';
    case 'drop':
    case 'create':
    case 'alter':
    case 'truncate':
      return a !== undefined && ['table', 'database', 'schema', 'view', 'index', 'user', 'function', 'trigger'].includes(a.value);
    case 'exec':
    case 'execute':
      return a !== undefined && (a.type === 'f' || /^(xp|sp)_/.test(a.value) || a.type === '(' || a.type === 'v');
    case 'waitfor delay':
    case 'waitfor time':
      return a?.type === 's';
    case 'declare':
      return a?.type === 'v';
    case 'if exists':
    case 'if not':
      return a?.type === '(' || a?.value === 'exists';
    default:
      return false;
  }
}

/** Whether more parentheses open than close from `i` on. */
function unbalanced(f: readonly SqlToken[], i: number): boolean {
  let depth = 0;
  for (let k = i; k < f.length; k++) depth += f[k]!.type === '(' ? 1 : f[k]!.type === ')' ? -1 : 0;
  return depth > 0;
}

/** A statement that may follow `;` at f[i]. */
function stackedStatement(j: Judge, i: number): boolean {
  const f = j.tokens;
  const t = f[i];
  if (t === undefined) return false;
  // IF/WHILE <condition> <statement>.
  if (t.value === 'if' || t.value === 'while') return f.slice(i + 1).some((x) => x.type === 'E');
  if (t.type === 'f') return f[i + 1]?.type === '(' && ['sleep', 'benchmark', 'pg_sleep'].includes(t.value);
  if (t.type !== 'E') return false;
  if (judgeStatement(j, i) || t.value === 'shutdown' || (t.value === 'select' && juxtaposedSelect(f, i))) return true;
  if (t.value === 'begin') return f[i + 1]?.type === 'E' || stackedStatement(j, i + 1);
  // A statement word then its object, and SQL after it — not a sentence ("exec will create…").
  const a = f[i + 1];
  const b = f[i + 2];
  if (a === undefined || !(a.type === 'n' || a.type === 'k' || a.type === 'v' || a.type === 'f' || a.type === '(')) return false;
  if (b === undefined) return a.type !== 'k';
  return b.type === ';' || b.type === '(' || b.type === 's' || b.type === 'v' || b.type === '1' || b.type === 'o' || b.type === 'c' || (b.type === 'k' && a.type !== 'k' ? true : b.type === 'k');
}

/**
 * Functions that only an attack calls: time delays, file access, error-based extraction, OS
 * commands. A call of one is SQL even on its own (`sleep(20)`) or glued to a closed quote.
 */
const ATTACK_CALLS = new Set([
  'sleep', 'benchmark', 'pg_sleep', 'load_file', 'extractvalue', 'updatexml', 'xp_cmdshell',
  'sys_eval', 'sys_exec', 'dbms_pipe.receive_message', 'utl_inaddr.get_host_name', 'utl_http.request',
  'dbms_lock.sleep', 'pg_read_file', 'lo_import', 'xp_dirtree', 'xp_regread', 'sp_oacreate',
]);

function attackCall(f: readonly SqlToken[], i: number): boolean {
  const t = f[i];
  return t !== undefined && t.type === 'f' && f[i + 1]?.type === '(' && ATTACK_CALLS.has(t.value);
}

/** Statements MSSQL runs when written straight after another, without `;`. */
const JUXTAPOSED = new Set(['declare', 'exec', 'execute', 'waitfor delay', 'waitfor time', 'begin', 'shutdown', 'goto']);

/** `select <list>` followed by another statement, `;`, or a comment: a stacked query. */
function juxtaposedSelect(f: readonly SqlToken[], i: number): boolean {
  let k = operand(f, i + 1);
  while (k > 0 && f[k]?.type === ',') k = operand(f, k + 1);
  if (k < 0) return false;
  const t = f[k]?.type;
  return t === ';' || t === 'E' || t === 'c' || t === 'U';
}

/**
 * A number, then a call: of a known function on any operand (`1 sleep(5)`), or of another word on
 * a string, a variable, a call or an expression (`1 system('id')`, `1 foo(@x)`, `1 f(g(…`,
 * `1 f(2+…`). No statement continues that way, but an operator or a function the tables do not
 * know (a dialect's, a stored procedure) does; libinjection reads these as SQL too. A number then
 * another word called on a plain number or word (`2 pages (3)`) stays prose.
 */
function callOfUnknown(f: readonly SqlToken[], i: number): boolean {
  const t = f[i];
  if (t === undefined || (t.type !== 'n' && t.type !== 'f') || f[i + 1]?.type !== '(') return false;
  const a = f[i + 2];
  if (a === undefined) return false;
  // A known function (`1 sleep(5)`, `1 ascii(x)`) on any operand.
  if (t.type === 'f') return a.type === '1' || a.type === 's' || a.type === 'v' || a.type === 'n' || a.type === 'f';
  if (a.type === 's' || a.type === 'v') return true;
  if (a.type === 'f' || a.type === 'n') return f[i + 3]?.type === '(';
  return a.type === '1' && f[i + 3]?.type === 'o';
}

/** Whether a known function is called among f[from..to). */
function hasCall(f: readonly SqlToken[], from: number, to: number): boolean {
  for (let k = from; k < to; k++) if (f[k]!.type === 'f' && f[k + 1]?.type === '(') return true;
  return false;
}

/** Whether the folded tokens of one context are a break-out (see the module comment). */
function judge(j: Judge): boolean {
  const f = j.tokens;
  if (f.length === 0) return false;
  for (const t of f) if (t.type === 'X') return true;
  if (unionSelect(f)) return true;
  // In the as-is context the value may open groups of its own: `((SELECT 1))--`.
  let opens = 0;
  if (!j.quoted) while (f[opens]?.type === '(') opens++;
  const first = f[opens]?.type;
  if (first === undefined) return false;
  if (!j.quoted) {
    if (first === 'E' || first === 'U') return judgeStatement(j, opens);
    // `CASE WHEN … THEN … END` is SQL syntax, not prose.
    if (f[opens]!.value === 'case') return f.some((t) => t.value === 'when');
    // `AND f(…)`: a condition to append, written without the value before it.
    if (first === '&') return f[opens + 1]?.type === 'f' && f[opens + 2]?.type === '(';
    // A value that starts by closing the application's parentheses or statement.
    if (first === ')') return breakoutAfter(j, opens);
    if (first === ';') return stackedStatement(j, opens + 1);
    if (attackCall(f, opens)) return true;
    // A whole input that is a call of a known function around SQL: `ascii(substring(version()…`.
    if (first === 'f' && f[opens + 1]?.type === '(') {
      for (let k = opens + 2; k < f.length; k++) if ((f[k]!.type === 'f' && f[k + 1]?.type === '(') || f[k]!.type === 'E' || f[k]!.type === 'v') return true;
    }
  }
  const i = operand(f, opens);
  if (i < 0) return false;
  if (!j.quoted && first === '1' && callOfUnknown(f, i)) return true;
  // A first operand that is a name, or a whole string in the as-is context, is what prose looks
  // like: it needs stronger evidence than a number or the tail of a quoted value.
  const weakStart = first === 'n' || first === 'f' || first === '(' || (first === 's' && !j.quoted);
  return judgeTail(j, i, first, weakStart, opens > 0);
}

/** The as-is value starts by closing the application's parentheses: `) OR (SELECT …`. */
function breakoutAfter(j: Judge, i: number): boolean {
  return judgeTail(j, i, ')', false, false);
}

/** Whether a `(SELECT …)` subquery or a bare SELECT starts at `k`, and is SQL rather than prose. */
function subqueryAt(j: Judge, k: number): boolean {
  const f = j.tokens;
  let m = k;
  while (f[m]?.type === '(') m++;
  return f[m]?.type === 'E' && (judgeStatement(j, m) || (m > k && f[m]!.value === 'select' && f[m + 1] !== undefined && f[m + 1]!.type !== 'n' && f[m + 1]!.type !== 'k'));
}

/** Whether a parenthesised subquery that is SQL rather than prose opens within f[from..to). */
function containsSubquery(j: Judge, from: number, to: number): boolean {
  for (let k = Math.max(from, 1); k < to; k++) if (j.tokens[k - 1]!.type === '(' && j.tokens[k]!.type === 'E' && subqueryAt(j, k - 1)) return true;
  return false;
}

/** Operators that test equality: the `' = '` of a quoted tautology. */
const EQUALITY = new Set(['=', '==', '!=', '<>', '<=>']);

/** Clause keywords and what their operand must be (`LIMIT 1`, not "8-bit limit (brk)"). */
function clauseOperandOk(clause: string, t: SqlToken | undefined): boolean {
  if (t === undefined) return true;
  switch (clause) {
    case 'limit':
    case 'offset':
    case 'top':
      return t.type === '1' || t.type === 'v';
    case 'into':
      return t.type === 'v';
    default:
      return true;
  }
}

/**
 * Judges what follows the first operand at `start`: the grammar of break-outs (module comment).
 * `first` is the first operand's class; `weakStart` when it could be prose; `opened` when the
 * as-is value opened parentheses of its own.
 */
function judgeTail(j: Judge, start: number, first: string, weakStart: boolean, opened: boolean): boolean {
  const f = j.tokens;
  // Running out of tokens inside an expression is fine when only a prefix was judged.
  const operandAt = (k: number): number => (k >= f.length ? (j.truncated ? f.length : -1) : operand(f, k));
  const quote = j.quoted ? f[0]!.value : '';
  let i = start;
  let prevOperand = f[start - 1]?.type ?? '';
  let prevFolded = ((f[start - 1]?.flags ?? 0) & FOLDED_COMPARE) !== 0;
  let closers = 0;
  let logic = false; // a logical operator joined a second operand
  let weakLogicOnly = true; // every such join could be prose ("10 or less", "x' and white")
  let compared = false; // a comparison prose would not write
  let comparedAfterLogic = false;
  let equality = false; // that comparison tests equality
  let arith = false;
  let listed = false;
  let clause = false;
  let call = false; // a known function was called after the break-out
  // "price = 5 or less": from a prose start, the comparison must be on the joined side.
  const strong = (): boolean => (logic && !(weakLogicOnly && !(weakStart ? comparedAfterLogic : compared) && !call)) || (clause && !weakStart);
  // Where the grammar breaks, what came before decides: SQL noise after a complete break-out
  // (`1=@@version------snip`) does not undo it; prose never had one.
  const broken = (): boolean => !weakStart && strong() && (compared || call || clause || (!weakLogicOnly && prevFolded));
  while (i < f.length) {
    const t = f[i]!;
    switch (t.type) {
      case ')':
        closers++;
        i++;
        continue;
      case 'c': {
        // The rest of the query cut off after SQL: strong unless it could be prose ("rock or roll --").
        if (strong() || (compared && !weakStart)) return true;
        if (logic) return first !== 'n' || !weakLogicOnly || call;
        if (clause) return !weakStart;
        // `( 'a' ) --`: a group of the value's own holding SQL literals, then the rest cut off.
        if (closers > 0) return !weakStart || (opened && f.slice(0, i).some((x, k) => x.type === '1' || x.type === 's' || x.type === 'v' || x.type === 'E' || (x.type === 'f' && f[k + 1]?.type === '(')));
        if (arith && j.quoted && (call || f[i - 1]?.type === ')')) return true;
        if (arith || listed || compared) return false;
        if (first === '1' || first === 'v') return t.flags === COMMENT_DASH || (t.flags === COMMENT_BLOCK && t.value !== 'backtick');
        // `admin'#` cuts the query after a user name; "foo bar'# blah", `7" #2` and `f("#x")`
        // are text or code.
        if (first === 's' && j.quoted) return t.flags !== COMMENT_HASH || (f[0]!.flags & (STRING_HAS_SPACE | STRING_HAS_LETTER | STRING_HAS_PUNCT)) === STRING_HAS_LETTER;
        return first === 'n' && t.flags === COMMENT_BLOCK && t.value === 'closed';
      }
      case 'U': {
        let k = i + 1;
        while (f[k]?.type === '(') k++;
        if (f[k]?.type === 'E') return true;
        // UNION then a comment, or with comments around it: spaced out to slip past filters.
        return !weakStart && (f[k]?.type === 'c' || (j.innerComment && k >= f.length));
      }
      case ';': {
        if (stackedStatement(j, i + 1)) return true;
        const a = f[i + 1];
        if (a === undefined) return strong();
        return a.type === 'c' && !weakStart;
      }
      case 'E':
        if (judgeStatement(j, i)) return true;
        if (weakStart && !j.quoted) return false;
        return JUXTAPOSED.has(t.value) || (t.value === 'select' && juxtaposedSelect(f, i));
      case '(':
        // A subquery straight after the value: `9999' (select count(*) …`.
        return f[i + 1]?.type === 'E' && (j.quoted || !weakStart);
      case 'k':
        // `1) FROM users WHERE …`: the value closed a subquery the application opened.
        if ((t.value === 'from' || t.value === 'where') && (closers > 0 || first === '1') && operandAt(i + 1) > i + 1) {
          return !weakStart || ((f[i + 1]!.flags & FOLDED_COMPARE) !== 0 && closers > 0);
        }
        return false;
      case '&': {
        if (subqueryAt(j, i + 1) && !(weakStart && !j.quoted && f[i + 1]?.type !== '(')) return true;
        const end = operandAt(i + 1);
        if (end < 0) return broken();
        if (containsSubquery(j, i + 2, end)) return true;
        const rhs = f[i + 1];
        logic = true;
        if (end > i + 1 && hasCall(f, i + 1, end)) call = true;
        // What makes the join more than prose: a folded comparison (`1=1`), a group, a call; in a
        // quoted context also a literal or a variable (`x' OR 1`, `x' OR 'a`).
        let rhsStrong = rhs === undefined || prevFolded || (rhs.flags & FOLDED_COMPARE) !== 0 || rhs.type === '(' || call;
        // An empty string after AND is prose quoting ("select 'and'") unless the value itself
        // began by closing the quote (`'AND'`).
        // Nor is a quotation opened after a space ("the 'and' operator"): a break-out closes the
        // quote straight after the value.
        const emptyOk = (f[0]!.flags & STRING_EMPTY) !== 0;
        const quotation = (f[0]!.flags & STRING_SPACE_BEFORE_QUOTE) !== 0;
        if (j.quoted && rhs !== undefined && (rhs.type === '1' || rhs.type === 'v' || (rhs.type === 's' && !quotation && (emptyOk || !(rhs.flags & STRING_EMPTY))))) rhsStrong = true;
        if (rhsStrong) weakLogicOnly = false;
        prevOperand = rhs?.type ?? '';
        prevFolded = ((rhs?.flags ?? 0) & FOLDED_COMPARE) !== 0;
        i = end;
        continue;
      }
      case 'o':
      case ',': {
        if (subqueryAt(j, i + 1)) return true;
        const end = operandAt(i + 1);
        if (end < 0) return broken();
        if (containsSubquery(j, i + 2, end) && !(weakStart && !j.quoted && t.type === 'o' && f[i + 1]?.type === '(')) return true;
        const rhs = f[i + 1]?.type ?? '';
        if (t.type === ',') listed = true;
        else if (t.flags & OP_COMPARE) {
          // "this is that", "do or not do": word operators between plain words are prose.
          const wordOp = /^[a-z]/.test(t.value);
          if (!(wordOp && (prevOperand === 'n' || prevOperand === '') && (rhs === 'n' || rhs === ''))) {
            compared = true;
            // "x < y and y > z": from a prose start, comparing two names is still prose.
            if (logic && !(prevOperand === 'n' && rhs === 'n')) comparedAfterLogic = true;
            if (EQUALITY.has(t.value)) equality = true;
          }
        } else {
          arith = true;
          // `x' or column ^ '1`: after a quoted break-out, arithmetic on a literal is SQL.
          if (j.quoted && logic && (rhs === 's' || rhs === '1')) compared = true;
        }
        if (end > i + 1 && hasCall(f, i + 1, end)) call = true;
        prevOperand = rhs;
        prevFolded = ((f[i + 1]?.flags ?? 0) & FOLDED_COMPARE) !== 0;
        i = end;
        continue;
      }
      case 'B': {
        // INTO OUTFILE writes files: never prose.
        if (t.value === 'into outfile' || t.value === 'into dumpfile') return true;
        if (t.value === 'procedure analyse') return !weakStart;
        if (t.value === 'for update') {
          clause = true;
          i++;
          continue;
        }
        if (!clauseOperandOk(t.value, f[i + 1])) return broken();
        const end = operandAt(i + 1);
        if (end < 0) return broken();
        clause = true;
        i = end;
        continue;
      }
      default:
        // `x' sleep(10) '`: an attack function straight after the closed quote.
        if (j.quoted && i === start && attackCall(f, i)) return true;
        // Another operand right after an operand is prose ("Tom and 2 friends").
        return broken();
    }
  }
  if (call && (compared || logic || arith) && (j.quoted || !weakStart)) return true;
  if (j.truncated) return strong();
  const last = f[f.length - 1]!;
  // In a quoted context the tail must leave the application's closing quote harmless: an open
  // last string of the same quote consumes it; a balanced tail leaves it dangling.
  const closesQuote = last.type === 's' && (last.flags & STRING_CLOSED) === 0 && last.value === quote;
  if (strong()) {
    // `foo" OR "BAR"` leaves the closing quote dangling; `foo' OR "BAR` a string of another kind.
    const dangling = last.type === 's' && ((last.flags & STRING_CLOSED) !== 0 || (last.value !== quote && f[f.length - 2]?.type === '&'));
    return !(j.quoted && dangling);
  }
  // `A' & 'B`, `x' = 'x`: an operator between the closed value and a string that takes the
  // application's own closing quote. Double quotes delimit names outside MySQL: equality only.
  // A quotation opened after a space ("a '/' in the pattern") is prose.
  const quotation = (f[0]!.flags & STRING_SPACE_BEFORE_QUOTE) !== 0;
  if ((compared || arith) && j.quoted && f.length >= 3 && closesQuote && !quotation) return quote === "'" || equality;
  return false;
}

function fingerprintOf(tokens: readonly SqlToken[]): string {
  let fp = '';
  for (let i = 0; i < tokens.length && i < FINGERPRINT_LENGTH; i++) fp += tokens[i]!.type;
  return fp;
}

const CONTEXTS = [SqlContext.AsIs, SqlContext.SingleQuote, SqlContext.DoubleQuote] as const;

/** Per-context fingerprints and verdicts, for measurement and debugging. */
export function explainSqli(input: string): { context: string; fingerprint: string; isSqli: boolean }[] {
  const out: { context: string; fingerprint: string; isSqli: boolean }[] = [];
  for (const ctx of CONTEXTS) {
    const raw: SqlToken[] = [];
    tokenizeSql(input, ctx, raw, MAX_RAW);
    const folded = foldSql(raw);
    out.push({
      context: ctx === SqlContext.AsIs ? 'as-is' : ctx === SqlContext.SingleQuote ? "'" : '"',
      fingerprint: folded.tokens.map((t) => t.type).join(''),
      isSqli: judge({ tokens: folded.tokens, quoted: ctx !== SqlContext.AsIs, truncated: folded.truncated || raw.length >= MAX_RAW, innerComment: folded.innerComment }),
    });
  }
  return out;
}

/**
 * Whether the input is one run of name/number bytes (ids, tokens, words, dates, `a-b` codes):
 * such input folds to at most a value and arithmetic, never a break-out. `--` is excluded (a
 * trailing comment), and so are quotes, spaces and every other punctuation byte.
 */
function plainValue(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a) || c === 0x5f || c === 0x2e || (c >= 0x80 && c !== 0xa0)) continue;
    if (c === 0x2d && s.charCodeAt(i + 1) !== 0x2d) continue;
    return false;
  }
  return true;
}

const NOT_SQLI: SqliResult = Object.freeze({ isSqli: false, fingerprint: '' });

/** Detects SQL injection in a byte string (see the module comment). */
export function detectSqli(input: string): SqliResult {
  if (plainValue(input)) return NOT_SQLI;
  const lower = input.toLowerCase();
  let asIsFingerprint = '';
  const raw: SqlToken[] = [];
  for (const ctx of CONTEXTS) {
    // A quoted context only differs from as-is when the input can close that quote.
    if (ctx !== SqlContext.AsIs && !input.includes(ctx === SqlContext.SingleQuote ? "'" : '"')) continue;
    raw.length = 0;
    tokenizeSql(input, ctx, raw, MAX_RAW, lower);
    const folded = foldSql(raw);
    const fp = fingerprintOf(folded.tokens);
    if (ctx === SqlContext.AsIs) asIsFingerprint = fp;
    if (judge({ tokens: folded.tokens, quoted: ctx !== SqlContext.AsIs, truncated: folded.truncated || raw.length >= MAX_RAW, innerComment: folded.innerComment })) {
      return { isSqli: true, fingerprint: fp };
    }
  }
  return { isSqli: false, fingerprint: asIsFingerprint };
}

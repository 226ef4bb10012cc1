/**
 * A SQL tokenizer for injection detection: one pass over a byte string, in one of three starting
 * contexts (as written, or as the tail of a value the application wrapped in single or double
 * quotes). It reads a superset of the common dialects (MySQL, PostgreSQL, MSSQL, Oracle, SQLite)
 * because the attacker picks the dialect, not us.
 *
 * The token types are the one-letter classes the fingerprint is written in (see `TokenType`).
 * The keyword table is this project's own, from the dialects' reference manuals.
 *
 * Limits: the tokenizer stops after `maxTokens` tokens and every token is scanned once; the few
 * look-aheads (end of a `--` line, a second `/*`) run at most once per token, so the work is at
 * most `maxTokens` passes over the input whatever it contains.
 */

/**
 * Token classes, one character each so that a fingerprint is a short string:
 * `1` number/literal, `s` string, `n` name, `v` variable, `f` known function, `k` keyword,
 * `B` clause keyword that may follow an expression (ORDER BY, LIMIT…), `E` statement start,
 * `U` set operator (UNION…), `&` logical operator, `o` other operator, `c` comment,
 * `X` evasion construct (MySQL executable comment, nested comment),
 * and the punctuation `(`, `)`, `,`, `;`, `{`, `}`, `.`.
 */
export type TokenType =
  | '1' | 's' | 'n' | 'v' | 'f' | 'k' | 'B' | 'E' | 'U' | '&' | 'o' | 'c' | 'X'
  | '(' | ')' | ',' | ';' | '{' | '}' | '.';

/** Operator sub-classes, for folding. */
export const OP_ARITH = 1;
export const OP_COMPARE = 2;
/** Operators that may also be unary (`-1`, `NOT x`, `!x`, `~x`). */
export const OP_UNARY = 4;

/** On a folded value: it stood for a comparison of two literals (`8=3`), a tautology test. */
export const FOLDED_COMPARE = 0x100;

/** String flags: the closing quote was present; the string is empty. */
export const STRING_CLOSED = 1;
export const STRING_EMPTY = 2;
/** The closing quote follows whitespace: a quotation in prose rather than the end of a value. */
export const STRING_SPACE_BEFORE_QUOTE = 4;
/** The string holds whitespace: text rather than a single value such as a user name. */
export const STRING_HAS_SPACE = 8;
/** The string holds a letter (a name, not a measure like `7"`). */
export const STRING_HAS_LETTER = 16;
/** The string holds punctuation other than `_ . @ -` (code or text, not a user name or id). */
export const STRING_HAS_PUNCT = 32;

/** Comment styles. */
export const COMMENT_DASH = 1;
export const COMMENT_HASH = 2;
export const COMMENT_BLOCK = 3;

export interface SqlToken {
  type: TokenType;
  /**
   * Lower-cased word for words; the raw text for operators and punctuation; the quote character
   * for strings; for block comments 'closed' or 'open' (unterminated).
   */
  value: string;
  /** Operator class bits, comment style, or for strings 1 when the closing quote was present. */
  flags: number;
}

/** Where the input is assumed to sit in the application's query. */
export const enum SqlContext {
  AsIs = 0,
  SingleQuote = 0x27,
  DoubleQuote = 0x22,
}

const WORD_TYPES = new Map<string, TokenType>();
function words(type: TokenType, list: string): void {
  for (const w of list.split(/\s+/)) if (w !== '') WORD_TYPES.set(w, type);
}
// Statements an attacker starts after `;` or as a whole query.
words('E', `goto select insert update delete replace drop create alter truncate rename exec execute
  declare waitfor shutdown merge grant revoke handler call load show describe explain use
  begin commit rollback savepoint pragma attach backup restore dbcc kill reconfigure openrowset
  opendatasource openquery bulk prepare deallocate lock unlock`);
words('U', 'union intersect except minus');
// Object words that statements name (DROP TABLE…): names, listed so their value is kept.
words('n', 'table tables view index trigger procedure');
words('&', 'and or xor');
// Literal-like words that behave as values.
words('1', 'null true false unknown current_date current_time current_timestamp localtime localtimestamp');
// Clause keywords that can follow a complete expression.
// (Not WINDOW, FETCH, ROWS: too common as English words to mark a clause.)
words('B', 'order group limit having offset procedure into top returning');
WORD_TYPES.set('for', 'k');
words('k', `from where as by asc desc distinct distinctrow all any some exists set values case when
  then else end join inner outer cross natural using on with recursive outfile dumpfile nowait
  collate escape interval analyse analyze cascade restrict if while return returns go open
  close cursor output partition straight_join sql_cache sql_no_cache high_priority low_priority
  ignore duplicate binary`);
// Word operators (comparison), and arithmetic word operators.
words('o', 'like rlike regexp ilike similar glob match against is in between not div mod sounds');
// Functions that injection payloads lean on: timing, string building, error-based extraction,
// metadata and file access. Unknown words followed by `(` are names (`n`), as a column could be.
words('f', `sleep benchmark pg_sleep waitfor_delay char chr nchar concat concat_ws group_concat
  string_agg listagg substring substr mid left right ascii ord hex unhex bin conv length len
  char_length character_length octet_length bit_length lower upper lcase ucase trim ltrim rtrim
  reverse repeat space instr locate position strcmp soundex elt field make_set
  export_set lpad rpad quote md5 sha sha1 sha2 crc32 rand random randomblob floor ceil ceiling
  round abs count sum min max avg cast convert if ifnull nullif coalesce isnull nvl nvl2 decode
  iif choose case_when user current_user session_user system_user database schema version
  charset collation coercibility connection_id last_insert_id row_count found_rows load_file extractvalue updatexml
  name_const exp json_keys json_extract gtid_subset polygon linestring multipoint geometrycollection
  multilinestring multipolygon st_latfromgeohash st_longfromgeohash st_pointfromgeohash
  pg_read_file pg_ls_dir pg_read_binary_file current_database current_schema current_setting
  sqlite_version db_name host_name suser_name suser_sname is_srvrolemember is_member object_id
  object_name col_name serverproperty has_dbaccess fn_varbintohexstr xp_cmdshell xp_dirtree
  xp_regread sp_executesql sp_oacreate sp_makewebtask utl_inaddr utl_http dbms_pipe
  dbms_lock ctxsys sys_context to_char to_number to_date now sysdate getdate curdate curtime
  unix_timestamp from_unixtime date_format sys_eval sys_exec lo_import lo_export encode
  decode_base64 from_base64 to_base64 aes_encrypt aes_decrypt compress uncompress
  uuid database_name typeof unicode zeroblob hex_encode format inet_server_addr inet_server_port
  tdesencrypt regexp_substr regexp_like xmltype dbms_xmlgen dbms_utility`);

/** (first byte & 0x3f, length) pairs of the words in WORD_TYPES and PAIRS, for a quick miss. */
const KEY_SHAPES = new Uint8Array(64 * 32);
function shapes(): void {
  for (const w of [...WORD_TYPES.keys(), ...PAIRS.keys()]) if (w.length < 32) KEY_SHAPES[((w.charCodeAt(0) & 0x3f) << 5) | w.length] = 1;
}

/** Two-word keywords folded into one token (the first word, the second, the merged type). */
const PAIRS = new Map<string, Map<string, TokenType>>();
function pair(a: string, b: string, type: TokenType): void {
  let m = PAIRS.get(a);
  if (m === undefined) PAIRS.set(a, (m = new Map()));
  m.set(b, type);
}
pair('union', 'all', 'U');
pair('union', 'distinct', 'U');
pair('order', 'by', 'B');
pair('group', 'by', 'B');
pair('not', 'like', 'o');
pair('not', 'in', 'o');
pair('not', 'between', 'o');
pair('not', 'regexp', 'o');
pair('not', 'rlike', 'o');
pair('not', 'similar', 'o');
pair('not', 'exists', 'k');
pair('is', 'not', 'o');
pair('sounds', 'like', 'o');
pair('similar', 'to', 'o');
pair('into', 'outfile', 'B');
pair('into', 'dumpfile', 'B');
pair('waitfor', 'delay', 'E');
pair('waitfor', 'time', 'E');
pair('procedure', 'analyse', 'B');
pair('for', 'update', 'B');
pair('if', 'exists', 'E');
pair('if', 'not', 'E');
pair('for', 'xml', 'B');
pair('for', 'json', 'B');
shapes();

/** Character classes for the scanner. */
const C_WHITE = 1;
const C_WORD = 2;
const C_DIGIT = 4;
const CLASS = new Uint8Array(256);
for (const c of [0x00, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20, 0xa0]) CLASS[c] = C_WHITE;
for (let c = 0x30; c <= 0x39; c++) CLASS[c] = C_WORD | C_DIGIT;
for (let c = 0x41; c <= 0x5a; c++) CLASS[c] = C_WORD;
for (let c = 0x61; c <= 0x7a; c++) CLASS[c] = C_WORD;
CLASS[0x5f] = C_WORD; // _
CLASS[0x24] = C_WORD; // $ (MySQL and MSSQL allow it in names)
// Bytes above ASCII are letters of some encoding: part of a name, never an operator.
for (let c = 0x80; c <= 0xff; c++) if (c !== 0xa0) CLASS[c] = C_WORD;

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66);
}

function cls(s: string, i: number): number {
  return i < s.length ? CLASS[s.charCodeAt(i) & 0xff]! : 0;
}


function opFlags(op: string): number {
  switch (op) {
    case '+':
    case '-':
      return OP_ARITH | OP_UNARY;
    case '~':
    case '!':
      return OP_UNARY;
    case '*':
    case '/':
    case '%':
    case '^':
    case '|':
    case '&':
    case '<<':
    case '>>':
    case 'div':
    case 'mod':
      return OP_ARITH;
    case 'not':
      return OP_UNARY;
    default:
      return OP_COMPARE;
  }
}

/** Set by scanQuoted: the string flags of the run just read. */
let scannedFlags = 0;

/**
 * Reads a quoted run starting after the opening quote at `start`; returns the index after the
 * closing quote, or `s.length` when unterminated, and leaves the STRING_* flags in
 * `scannedFlags`. Backslash escapes the next byte (MySQL); a doubled quote is an escaped quote
 * (standard SQL).
 */
function scanQuoted(s: string, start: number, q: number): number {
  let flags = 0;
  let i = start;
  let end = s.length;
  let last = -1;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c === 0x5c) {
      i += 2;
      continue;
    }
    if (c === q) {
      if (s.charCodeAt(i + 1) === q) {
        i += 2;
        continue;
      }
      flags |= STRING_CLOSED;
      end = i + 1;
      break;
    }
    const k = CLASS[c & 0xff]!;
    if (k & C_WHITE) flags |= STRING_HAS_SPACE;
    else if ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a) flags |= STRING_HAS_LETTER;
    else if (c < 0x80 && !(k & C_WORD) && c !== 0x2e && c !== 0x40 && c !== 0x2d) flags |= STRING_HAS_PUNCT;
    last = c;
    i++;
  }
  if (i >= s.length) end = s.length;
  const bodyLength = end - start - (flags & STRING_CLOSED ? 1 : 0);
  if (bodyLength <= 0) flags |= STRING_EMPTY;
  else if (flags & STRING_CLOSED && last >= 0 && CLASS[s.charCodeAt(end - 2) & 0xff]! & C_WHITE) flags |= STRING_SPACE_BEFORE_QUOTE;
  scannedFlags = flags;
  return end;
}

/** The operator at `i`: the longest of the multi-byte operators, else one byte. */
function operatorAt(s: string, i: number): string {
  const c = s.charCodeAt(i);
  const d = s.charCodeAt(i + 1);
  const e = s.charCodeAt(i + 2);
  // <=> !<> ->>
  if ((c === 0x3c && d === 0x3d && e === 0x3e) || (c === 0x21 && d === 0x3c && e === 0x3e) || (c === 0x2d && d === 0x3e && e === 0x3e)) return s.slice(i, i + 3);
  if (d === 0x3d && (c === 0x21 || c === 0x3c || c === 0x3e || c === 0x3d || c === 0x3a || c === 0x5e || c === 0x7c || c === 0x26 || c === 0x2b || c === 0x2d || c === 0x2a || c === 0x2f || c === 0x25)) return s.slice(i, i + 2);
  if ((c === 0x3c && (d === 0x3e || d === 0x3c)) || (c === 0x3e && d === 0x3e) || (c === 0x7c && d === 0x7c) || (c === 0x26 && d === 0x26) || (c === 0x21 && (d === 0x3c || d === 0x3e)) || (c === 0x2d && d === 0x3e)) return s.slice(i, i + 2);
  return s[i]!;
}

const QUOTE_CHARS = ['', "'", '"'];

/**
 * Tokenizes `s` as seen from `ctx`, appending at most `maxTokens` tokens to `out`. Whitespace is
 * dropped; everything else, comments included, becomes a token. `lower` is `s` lower-cased,
 * passed in so that the three contexts share one copy.
 */
export function tokenizeSql(s: string, ctx: SqlContext, out: SqlToken[], maxTokens: number, lower: string = s.toLowerCase()): void {
  let i = 0;
  const n = s.length;
  if (ctx !== SqlContext.AsIs) {
    // The value began inside a quoted string the application opened: everything up to the first
    // unescaped quote of that kind is the rest of that string.
    i = scanQuoted(s, 0, ctx);
    out.push({ type: 's', value: QUOTE_CHARS[ctx === SqlContext.SingleQuote ? 1 : 2]!, flags: scannedFlags });
  }
  while (i < n && out.length < maxTokens) {
    const c = s.charCodeAt(i) & 0xff;
    const k = CLASS[c]!;
    if (k & C_WHITE) {
      i++;
      continue;
    }
    // Strings.
    if (c === 0x27 || c === 0x22) {
      const end = scanQuoted(s, i + 1, c);
      out.push({ type: 's', value: QUOTE_CHARS[c === 0x27 ? 1 : 2]!, flags: scannedFlags });
      i = end;
      continue;
    }
    // Quoted names: `name` (MySQL), [name] (MSSQL). An empty one is a name too: TeX-style
    // ``quotes'' are prose.
    if (c === 0x60) {
      const end = s.indexOf('`', i + 1);
      const stop = end < 0 ? n : end + 1;
      // An unterminated one swallows the rest of the query on MySQL, like a comment.
      if (end < 0) out.push({ type: 'c', value: 'backtick', flags: COMMENT_BLOCK });
      else out.push({ type: 'n', value: '', flags: 0 });
      i = stop;
      continue;
    }
    // Comments.
    // `--` opens a comment when followed by a space or the end (MySQL requires the space, and
    // prose like "--INFANT" has none), or when hiding a query from MSSQL's log (`--sp_password`).
    // A `--word` that runs to a line break is a comment too: prose does not break lines there.
    if (c === 0x2d && s.charCodeAt(i + 1) === 0x2d && (i + 2 >= n || cls(s, i + 2) & C_WHITE || s.indexOf('\n', i) >= 0 || lower.slice(i + 2, i + 400).includes('sp_password'))) {
      const nl = s.indexOf('\n', i);
      out.push({ type: 'c', value: '--', flags: COMMENT_DASH });
      i = nl < 0 ? n : nl + 1;
      continue;
    }
    if (c === 0x23) {
      const nl = s.indexOf('\n', i);
      out.push({ type: 'c', value: '#', flags: COMMENT_HASH });
      i = nl < 0 ? n : nl + 1;
      continue;
    }
    if (c === 0x2f && s.charCodeAt(i + 1) === 0x2a) {
      const end = s.indexOf('*/', i + 2);
      const stop = end < 0 ? n : end + 2;
      // `/*!` runs its content on MySQL; a comment opening another comment confuses parsers
      // that nest (PostgreSQL) against those that do not: both are evasions, never prose.
      // A second opener that starts before the first comment closes (`/*/*/`) counts too.
      const second = s.indexOf('/*', i + 2);
      const evil = s.charCodeAt(i + 2) === 0x21 || (second >= 0 && (end < 0 || second < end));
      out.push({ type: evil ? 'X' : 'c', value: end < 0 ? 'open' : 'closed', flags: COMMENT_BLOCK });
      i = stop;
      continue;
    }
    // Numbers: 12, 1.5, .5, 1e-3, 0x1F, 0b101, and Oracle's 1d / 1f suffixes.
    if (k & C_DIGIT || (c === 0x2e && cls(s, i + 1) & C_DIGIT)) {
      let j = i;
      if (c === 0x30 && (s.charCodeAt(i + 1) | 0x20) === 0x78) {
        j = i + 2;
        while (j < n && isHex(s.charCodeAt(j))) j++;
      } else if (c === 0x30 && (s.charCodeAt(i + 1) | 0x20) === 0x62 && (s[i + 2] === '0' || s[i + 2] === '1')) {
        j = i + 2;
        while (j < n && (s[j] === '0' || s[j] === '1')) j++;
      } else {
        while (cls(s, j) & C_DIGIT) j++;
        if (s.charCodeAt(j) === 0x2e) {
          j++;
          while (cls(s, j) & C_DIGIT) j++;
        }
        const e = s.charCodeAt(j) | 0x20;
        if (e === 0x65 && (cls(s, j + 1) & C_DIGIT || ((s[j + 1] === '+' || s[j + 1] === '-') && cls(s, j + 2) & C_DIGIT))) {
          j += 2;
          while (cls(s, j) & C_DIGIT) j++;
        }
        const suffix = s.charCodeAt(j) | 0x20;
        if ((suffix === 0x64 || suffix === 0x66) && !(cls(s, j + 1) & C_WORD)) j++;
        else if (suffix === 0x64 || suffix === 0x66) {
          // Oracle's `1f` glued to a keyword: `1fUNION`.
          let e = j + 1;
          while (cls(s, e) & C_WORD) e++;
          const glued = WORD_TYPES.get(lower.slice(j + 1, e));
          if (glued === 'U' || glued === '&' || glued === 'E' || glued === 'B') j++;
        }
        // "80% wool": a percentage, not the modulo operator.
        else if (s.charCodeAt(j) === 0x25 && (j + 1 >= n || cls(s, j + 1) & C_WHITE)) j++;
      }
      if (cls(s, j) & C_WORD && !(cls(s, j) & C_DIGIT)) {
        // MySQL reads `1a` as a name (names may start with digits), but `1union` as 1 UNION.
        // A glued word that is called (`713system('id')`: a number ahead of a call, as XML text
        // concatenation produces) reads as the number and the call, as libinjection reads it.
        let e = j;
        while (cls(s, e) & C_WORD) e++;
        const glued = WORD_TYPES.get(lower.slice(j, e));
        if ((glued === undefined || glued === 'n' || glued === 'f' || glued === '1') && s.charCodeAt(e) !== 0x28) {
          out.push({ type: 'n', value: lower.slice(i, e), flags: 0 });
          i = e;
          continue;
        }
      }
      out.push({ type: '1', value: '', flags: 0 });
      i = j;
      continue;
    }
    // Variables: @x, @@x, @`x`, @'x', and PostgreSQL/Oracle :x binds are names, not variables.
    if (c === 0x40) {
      let j = i + 1;
      if (s.charCodeAt(j) === 0x40) j++;
      const q = s.charCodeAt(j);
      if (q === 0x27 || q === 0x22 || q === 0x60) {
        j = scanQuoted(s, j + 1, q);
      } else {
        while (cls(s, j) & C_WORD || (s.charCodeAt(j) === 0x2e && cls(s, j + 1) & C_WORD)) j++;
      }
      out.push({ type: 'v', value: lower.slice(i, j), flags: 0 });
      i = j;
      continue;
    }
    // Words: keywords, functions, names; `a.b` qualified names stay one word.
    if (k & C_WORD) {
      let j = i + 1;
      while (cls(s, j) & C_WORD || (s.charCodeAt(j) === 0x2e && (cls(s, j + 1) & (C_WORD | C_DIGIT)) === C_WORD)) j++;
      const q = s.charCodeAt(j);
      // Introduced literals: N'..', X'..', B'..', E'..', _utf8'..'.
      if ((q === 0x27 || q === 0x22) && (j - i === 1 ? 'nNxXbBeE'.includes(s[i]!) : c === 0x5f)) {
        const end = scanQuoted(s, j + 1, q);
        out.push({ type: 's', value: QUOTE_CHARS[q === 0x27 ? 1 : 2]!, flags: scannedFlags });
        i = end;
        continue;
      }
      // Most words are not keywords: rule them out by first byte and length before slicing.
      const first = lower.charCodeAt(i);
      let dotted = false;
      for (let k = i + 1; k < j; k++) if (s.charCodeAt(k) === 0x2e) dotted = true;
      if (j - i < 32 && !dotted && !KEY_SHAPES[((first & 0x3f) << 5) | (j - i)]) {
        // Names only matter by value for MSSQL's xp_/sp_ procedures.
        const proc = (first === 0x78 || first === 0x73) && lower.charCodeAt(i + 1) === 0x70 && lower.charCodeAt(i + 2) === 0x5f;
        out.push({ type: 'n', value: proc ? lower.slice(i, j) : '', flags: 0 });
        i = j;
        continue;
      }
      const word = lower.slice(i, j);
      let type = WORD_TYPES.get(word) ?? 'n';
      i = j;
      if (type === 'n' && word.includes('.')) {
        // `dbms_pipe.receive_message`, `sys.fn_x`: a qualified function is a function.
        const head = word.slice(0, word.indexOf('.'));
        if (WORD_TYPES.get(head) === 'f') type = 'f';
      }
      let value = word;
      // Merge two-word keywords (UNION ALL, ORDER BY, NOT LIKE…).
      const pairs = PAIRS.get(word);
      if (pairs !== undefined) {
        let p = i;
        while (cls(s, p) & C_WHITE) p++;
        let e = p;
        while (cls(s, e) & C_WORD) e++;
        const merged = e > p ? pairs.get(lower.slice(p, e)) : undefined;
        if (merged !== undefined) {
          type = merged;
          value = `${word} ${lower.slice(p, e)}`;
          i = e;
        }
      }
      out.push({ type, value, flags: type === 'o' ? opFlags(value) : 0 });
      continue;
    }
    // Punctuation.
    if (c === 0x28 || c === 0x29 || c === 0x2c || c === 0x3b || c === 0x7b || c === 0x7d || c === 0x2e) {
      out.push({ type: s[i] as TokenType, value: s[i]!, flags: 0 });
      i++;
      continue;
    }
    // MSSQL [name].
    if (c === 0x5b) {
      const end = s.indexOf(']', i + 1);
      out.push({ type: 'n', value: '', flags: 0 });
      i = end < 0 ? n : end + 1;
      continue;
    }
    // MySQL's \N is NULL.
    if (c === 0x5c && s.charCodeAt(i + 1) === 0x4e) {
      out.push({ type: '1', value: '', flags: 0 });
      i += 2;
      continue;
    }
    // PostgreSQL casts (`1::text`) change nothing an injection test cares about: skip them.
    if (c === 0x3a && s.charCodeAt(i + 1) === 0x3a) {
      let j = i + 2;
      while (cls(s, j) & C_WHITE) j++;
      while (cls(s, j) & C_WORD) j++;
      i = j;
      continue;
    }
    // Operators, longest first.
    const op = operatorAt(s, i);
    i += op.length;
    if (op === '&&' || op === '||') out.push({ type: '&', value: op, flags: 0 });
    else out.push({ type: 'o', value: op, flags: opFlags(op) });
  }
}

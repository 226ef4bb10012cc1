// The condition language of the `authorize` stage (owner rules, flow conditions): a few
// comparisons between request values, principal values and constants, joined by `and` / `or`.
// Parsed once when the configuration loads; evaluated without eval, without functions, without
// loops. It lives in core because the schema refuses a malformed condition with its option path.
//
//   path.accountId == principal.id
//   path.orderId in principal.claims.orders
//   body.userId == principal.id and query.tenant == principal.tenant
//   lookup.owner == principal.id or 'admin' in principal.roles
//
// Semantics chosen for safety: a missing value (absent, null, an object where a scalar is needed,
// a repeated query parameter) makes every comparison that reads it false — `!=` included — so a
// request can never satisfy a rule by leaving something out.

/** Where a value comes from. */
export type ExprRoot = 'path' | 'query' | 'body' | 'principal' | 'lookup';

export type Operand =
  | { readonly kind: 'ref'; readonly root: ExprRoot; readonly segments: readonly string[]; readonly text: string }
  | { readonly kind: 'literal'; readonly value: string | number | boolean };

export type Expr =
  | { readonly kind: 'or' | 'and'; readonly items: readonly Expr[] }
  | { readonly kind: 'cmp'; readonly op: '==' | '!=' | 'in'; readonly left: Operand; readonly right: Operand };

export type ParseResult = { readonly ok: true; readonly expr: Expr; readonly roots: ReadonlySet<ExprRoot> } | { readonly ok: false; readonly error: string };

/** Limits: a condition is a line of configuration, not a program. */
export const EXPR_LIMITS = Object.freeze({ maxLength: 1000, maxComparisons: 16, maxDepth: 8, maxSegments: 8, maxLiteralLength: 256 });

const ROOTS: ReadonlySet<string> = new Set(['path', 'query', 'body', 'principal', 'lookup']);
const PRINCIPAL_FIELDS: ReadonlySet<string> = new Set(['id', 'sub', 'method', 'roles', 'scopes', 'tenant', 'claims']);

type Token =
  | { t: 'ident'; v: string; at: number }
  | { t: 'str'; v: string; at: number }
  | { t: 'num'; v: number; at: number }
  | { t: 'op'; v: '==' | '!=' | '(' | ')' | '.' | '[' | ']'; at: number }
  | { t: 'end'; at: number };

class ExprError extends Error {}

function fail(at: number, message: string): never {
  throw new ExprError(`at column ${at + 1}: ${message}`);
}

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (c === ' ' || c === '\t') {
      i++;
      continue;
    }
    if (c === '=' || c === '!') {
      if (src[i + 1] !== '=') fail(i, c === '=' ? "use '==' to compare" : "expected '!='");
      out.push({ t: 'op', v: c === '=' ? '==' : '!=', at: i });
      i += 2;
      continue;
    }
    if (c === '(' || c === ')' || c === '.' || c === '[' || c === ']') {
      out.push({ t: 'op', v: c, at: i });
      i++;
      continue;
    }
    if (c === "'" || c === '"') {
      const end = src.indexOf(c, i + 1);
      if (end < 0) fail(i, 'unterminated string');
      const v = src.slice(i + 1, end);
      // No escapes: a quote of the other kind covers every realistic constant, and there is nothing to unescape wrongly.
      if (v.length > EXPR_LIMITS.maxLiteralLength) fail(i, `string longer than ${EXPR_LIMITS.maxLiteralLength} characters`);
      out.push({ t: 'str', v, at: i });
      i = end + 1;
      continue;
    }
    const num = /^-?\d{1,15}(?:\.\d{1,15})?/.exec(src.slice(i, i + 40));
    if (num && (c === '-' || /\d/.test(c))) {
      out.push({ t: 'num', v: Number(num[0]), at: i });
      i += num[0].length;
      continue;
    }
    const id = /^[A-Za-z_$][\w$-]{0,127}/.exec(src.slice(i, i + 129));
    if (id) {
      out.push({ t: 'ident', v: id[0], at: i });
      i += id[0].length;
      continue;
    }
    fail(i, `unexpected character ${JSON.stringify(c)}`);
  }
  out.push({ t: 'end', at: src.length });
  return out;
}

function describe(tok: Token): string {
  switch (tok.t) {
    case 'end':
      return 'the end of the condition';
    case 'str':
      return `the string '${tok.v}'`;
    case 'num':
      return `the number ${tok.v}`;
    default:
      return `'${tok.v}'`;
  }
}

class Parser {
  private pos = 0;
  comparisons = 0;
  readonly roots = new Set<ExprRoot>();

  constructor(private readonly toks: Token[]) {}

  private peek(): Token {
    return this.toks[this.pos]!;
  }

  private next(): Token {
    return this.toks[this.pos++]!;
  }

  private isWord(tok: Token, word: string): boolean {
    return tok.t === 'ident' && tok.v === word;
  }

  parse(): Expr {
    const e = this.or(0);
    const tok = this.peek();
    if (tok.t !== 'end') fail(tok.at, `unexpected ${describe(tok)}; expected 'and', 'or' or the end`);
    return e;
  }

  private or(depth: number): Expr {
    const items = [this.and(depth)];
    while (this.isWord(this.peek(), 'or')) {
      this.next();
      items.push(this.and(depth));
    }
    return items.length === 1 ? items[0]! : { kind: 'or', items };
  }

  private and(depth: number): Expr {
    const items = [this.term(depth)];
    while (this.isWord(this.peek(), 'and')) {
      this.next();
      items.push(this.term(depth));
    }
    return items.length === 1 ? items[0]! : { kind: 'and', items };
  }

  private term(depth: number): Expr {
    const tok = this.peek();
    if (tok.t === 'op' && tok.v === '(') {
      if (depth >= EXPR_LIMITS.maxDepth) fail(tok.at, `parentheses nested deeper than ${EXPR_LIMITS.maxDepth}`);
      this.next();
      const e = this.or(depth + 1);
      const close = this.next();
      if (close.t !== 'op' || close.v !== ')') fail(close.at, `expected ')', found ${describe(close)}`);
      return e;
    }
    const left = this.operand();
    const opTok = this.next();
    let op: '==' | '!=' | 'in';
    if (opTok.t === 'op' && (opTok.v === '==' || opTok.v === '!=')) op = opTok.v;
    else if (this.isWord(opTok, 'in')) op = 'in';
    else fail(opTok.at, `expected '==', '!=' or 'in' after ${left.kind === 'ref' ? left.text : 'a constant'}, found ${describe(opTok)}`);
    const rightAt = this.peek().at;
    const right = this.operand();
    if (left.kind === 'literal' && right.kind === 'literal') fail(tok.at, 'compares two constants; one side must be a value from the request, the principal or the lookup');
    if (op === 'in' && right.kind !== 'ref') fail(rightAt, "the right side of 'in' must be a list value, such as principal.roles or principal.claims.orders");
    if (++this.comparisons > EXPR_LIMITS.maxComparisons) fail(tok.at, `more than ${EXPR_LIMITS.maxComparisons} comparisons`);
    return { kind: 'cmp', op, left, right };
  }

  private operand(): Operand {
    const tok = this.next();
    if (tok.t === 'str') return { kind: 'literal', value: tok.v };
    if (tok.t === 'num') return { kind: 'literal', value: tok.v };
    if (tok.t !== 'ident') fail(tok.at, `expected a value (path., query., body., principal., lookup., a 'string', a number, true or false), found ${describe(tok)}`);
    if (tok.v === 'true' || tok.v === 'false') return { kind: 'literal', value: tok.v === 'true' };
    if (!ROOTS.has(tok.v)) fail(tok.at, `unknown value '${tok.v}'; values start with path., query., body., principal. or lookup.`);
    const root = tok.v as ExprRoot;
    const segments: string[] = [];
    for (;;) {
      const sep = this.peek();
      if (sep.t === 'op' && sep.v === '.') {
        this.next();
        const seg = this.next();
        if (seg.t === 'ident') segments.push(seg.v);
        else if (seg.t === 'num' && Number.isInteger(seg.v) && seg.v >= 0) segments.push(String(seg.v));
        else fail(seg.at, `expected a name after '.', found ${describe(seg)}`);
      } else if (sep.t === 'op' && sep.v === '[') {
        // ['https://example.com/orders']: names that contain dots or slashes (namespaced claims).
        this.next();
        const seg = this.next();
        if (seg.t !== 'str') fail(seg.at, `expected a quoted name after '[', found ${describe(seg)}`);
        const close = this.next();
        if (close.t !== 'op' || close.v !== ']') fail(close.at, `expected ']', found ${describe(close)}`);
        segments.push(seg.v);
      } else break;
      if (segments.length > EXPR_LIMITS.maxSegments) fail(sep.at, `more than ${EXPR_LIMITS.maxSegments} names in one value`);
    }
    const text = [root, ...segments].join('.');
    if (segments.length === 0) fail(tok.at, `'${root}' needs a name, e.g. ${root === 'principal' ? 'principal.id' : `${root}.id`}`);
    if ((root === 'path' || root === 'query') && segments.length !== 1) fail(tok.at, `${root} values have exactly one name (${root}.<parameter>), got ${text}`);
    if (root === 'principal') {
      const field = segments[0]!;
      if (!PRINCIPAL_FIELDS.has(field)) fail(tok.at, `unknown principal value '${field}'; use id (or sub), method, roles, scopes, tenant or claims.<name>`);
      if (field === 'claims' && segments.length < 2) fail(tok.at, 'principal.claims needs a claim name, e.g. principal.claims.orders');
      if (field !== 'claims' && segments.length > 1) fail(tok.at, `principal.${field} has no members`);
    }
    this.roots.add(root);
    return { kind: 'ref', root, segments, text };
  }
}

/** Parses a condition; the error names the column and what was expected. */
export function parseExpression(src: string): ParseResult {
  if (src.length > EXPR_LIMITS.maxLength) return { ok: false, error: `condition longer than ${EXPR_LIMITS.maxLength} characters` };
  if (src.trim() === '') return { ok: false, error: 'empty condition' };
  try {
    const p = new Parser(tokenize(src));
    const expr = p.parse();
    return { ok: true, expr, roots: p.roots };
  } catch (err) {
    if (err instanceof ExprError) return { ok: false, error: err.message };
    throw err;
  }
}

/** The values a condition may read, gathered per request. */
export interface ExprScope {
  readonly path?: Readonly<Record<string, string>>;
  /** Query parameters; a repeated one is ambiguous and reads as missing. */
  readonly query?: URLSearchParams;
  readonly body?: unknown;
  readonly principal?: {
    readonly id: string;
    readonly method: string;
    readonly roles: readonly string[];
    readonly scopes: readonly string[];
    readonly tenant?: string;
    readonly claims?: Readonly<Record<string, unknown>>;
  };
  readonly lookup?: unknown;
}

function child(v: unknown, key: string): unknown {
  if (v === null || typeof v !== 'object') return undefined;
  if (Array.isArray(v)) return /^\d{1,9}$/.test(key) ? v[Number(key)] : undefined;
  // Own properties only: `__proto__` or `constructor` must never reach Object.prototype.
  return Object.hasOwn(v, key) ? (v as Record<string, unknown>)[key] : undefined;
}

function walk(v: unknown, segments: readonly string[], from: number): unknown {
  for (let i = from; i < segments.length && v !== undefined; i++) v = child(v, segments[i]!);
  return v;
}

function claim(claims: Readonly<Record<string, unknown>> | undefined, segments: readonly string[]): unknown {
  if (!claims) return undefined;
  // A claim whose own name contains dots (principal.claims.realm_access.roles as one name) wins, as in identity/.
  const joined = segments.slice(1).join('.');
  if (segments.length > 2 && Object.hasOwn(claims, joined)) return claims[joined];
  return walk(claims, segments, 1);
}

function resolve(o: Operand, scope: ExprScope): unknown {
  if (o.kind === 'literal') return o.value;
  const s = o.segments;
  switch (o.root) {
    case 'path':
      return scope.path && Object.hasOwn(scope.path, s[0]!) ? scope.path[s[0]!] : undefined;
    case 'query': {
      const all = scope.query?.getAll(s[0]!) ?? [];
      return all.length === 1 ? all[0] : undefined;
    }
    case 'body':
      return walk(scope.body, s, 0);
    case 'lookup':
      return walk(scope.lookup, s, 0);
    case 'principal': {
      const p = scope.principal;
      if (!p) return undefined;
      switch (s[0]) {
        case 'id':
        case 'sub':
          return p.id;
        case 'method':
          return p.method;
        case 'roles':
          return p.roles;
        case 'scopes':
          return p.scopes;
        case 'tenant':
          return p.tenant;
        default:
          return claim(p.claims, s);
      }
    }
  }
}

/** The comparable form of a scalar: numbers and booleans compare with their text, so path.id (text) == body.id (number). */
function scalar(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : undefined;
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return undefined;
}

export function evaluate(e: Expr, scope: ExprScope): boolean {
  switch (e.kind) {
    case 'or':
      return e.items.some((x) => evaluate(x, scope));
    case 'and':
      return e.items.every((x) => evaluate(x, scope));
    case 'cmp': {
      const l = scalar(resolve(e.left, scope));
      if (l === undefined) return false;
      const r = resolve(e.right, scope);
      if (e.op === 'in') return Array.isArray(r) && r.some((x) => scalar(x) === l);
      const rs = scalar(r);
      if (rs === undefined) return false;
      return e.op === '==' ? l === rs : l !== rs;
    }
  }
}

/**
 * SecLang lexing: physical lines → directives → arguments, the way Apache's config reader
 * (and so ModSecurity) does it.
 *
 * - A line whose last character is `\` continues on the next line; the backslash and the newline
 *   go, the next line's indentation stays (CRS writes `"id:1,\` + `    phase:1,\`).
 * - A line whose first non-blank character is `#` is a comment.
 * - Arguments are separated by blanks; an argument may be quoted with `"` or `'`; inside quotes
 *   only a backslash before the quote character is an escape (`\"` → `"`). Every other backslash
 *   stays, because regular expressions need them.
 */
import { WafRuleError } from '../types.js';

export interface RawDirective {
  readonly name: string;
  readonly args: readonly string[];
  readonly file: string;
  /** The line the directive starts on (1-based). */
  readonly line: number;
}

/** Limits that keep a hostile or broken rule file from exhausting memory. */
export const LEXER_LIMITS = {
  /** One logical line (after joining continuations). CRS's longest is ~9 KB. */
  maxLogicalLine: 1024 * 1024,
  /** Arguments of one directive (SecRuleRemoveById 1 2 3 … is the longest in practice). */
  maxArgs: 4096,
} as const;

export function lexDirectives(text: string, file: string): RawDirective[] {
  const out: RawDirective[] = [];
  const lines = text.split(/\r?\n/);
  let i = 0;
  while (i < lines.length) {
    const startLine = i + 1;
    let logical = lines[i]!;
    i++;
    if (/^\s*#/.test(logical)) {
      // A comment ending in `\` does not swallow the next line in ModSecurity v3; in Apache it
      // does. CRS never relies on either, so we follow v3 (safer: no rule vanishes silently).
      continue;
    }
    while (logical.endsWith('\\') && i < lines.length) {
      logical = logical.slice(0, -1) + lines[i]!;
      i++;
      if (logical.length > LEXER_LIMITS.maxLogicalLine) {
        throw new WafRuleError(`directive longer than ${LEXER_LIMITS.maxLogicalLine} bytes`, file, startLine);
      }
    }
    const trimmed = logical.trim();
    if (trimmed === '') continue;
    const args = splitArgs(trimmed, file, startLine);
    const name = args.shift()!;
    out.push({ name, args, file, line: startLine });
  }
  return out;
}

/** Splits one logical line into words, honouring quotes as Apache's ap_getword_conf does. */
export function splitArgs(s: string, file: string, line: number): string[] {
  const out: string[] = [];
  let p = 0;
  const n = s.length;
  while (p < n) {
    while (p < n && isBlank(s.charCodeAt(p))) p++;
    if (p >= n) break;
    const c = s[p];
    if (c === '"' || c === "'") {
      const quote = c;
      p++;
      let word = '';
      let closed = false;
      while (p < n) {
        const ch = s[p]!;
        if (ch === '\\' && s[p + 1] === quote) {
          word += quote;
          p += 2;
          continue;
        }
        if (ch === quote) {
          closed = true;
          p++;
          break;
        }
        word += ch;
        p++;
      }
      if (!closed) throw new WafRuleError(`unterminated ${quote === '"' ? 'double' : 'single'}-quoted argument`, file, line);
      out.push(word);
    } else {
      const start = p;
      while (p < n && !isBlank(s.charCodeAt(p))) p++;
      out.push(s.slice(start, p));
    }
    if (out.length > LEXER_LIMITS.maxArgs) throw new WafRuleError(`more than ${LEXER_LIMITS.maxArgs} arguments`, file, line);
  }
  return out;
}

function isBlank(c: number): boolean {
  return c === 32 || c === 9 || c === 13 || c === 11 || c === 12;
}

export interface RawAction {
  readonly name: string;
  /** The value after `:`, unquoted; undefined when the action has none (`nolog`). */
  readonly value: string | undefined;
}

/**
 * Splits an action list: `id:1,phase:2,msg:'a, b',t:none`. Values may be single-quoted (`\'` is
 * an escaped quote inside); commas inside quotes do not split.
 */
export function splitActions(s: string, file: string, line: number): RawAction[] {
  const out: RawAction[] = [];
  let p = 0;
  const n = s.length;
  while (p < n) {
    while (p < n && (isBlank(s.charCodeAt(p)) || s[p] === ',')) p++;
    if (p >= n) break;
    const nameStart = p;
    while (p < n && s[p] !== ':' && s[p] !== ',') p++;
    const name = s.slice(nameStart, p).trim();
    if (name === '') throw new WafRuleError(`empty action name in "${s.slice(0, 80)}"`, file, line);
    if (p >= n || s[p] === ',') {
      out.push({ name, value: undefined });
      continue;
    }
    p++; // ':'
    while (p < n && isBlank(s.charCodeAt(p))) p++;
    let value = '';
    if (s[p] === "'") {
      p++;
      let closed = false;
      while (p < n) {
        const ch = s[p]!;
        if (ch === '\\' && s[p + 1] === "'") {
          value += "'";
          p += 2;
          continue;
        }
        if (ch === "'") {
          closed = true;
          p++;
          break;
        }
        value += ch;
        p++;
      }
      if (!closed) throw new WafRuleError(`unterminated quote in the value of action "${name}"`, file, line);
      while (p < n && isBlank(s.charCodeAt(p))) p++;
      if (p < n && s[p] !== ',') throw new WafRuleError(`unexpected text after the quoted value of action "${name}"`, file, line);
    } else {
      const start = p;
      while (p < n && s[p] !== ',') p++;
      value = s.slice(start, p).trim();
    }
    out.push({ name, value });
  }
  return out;
}

/**
 * Reads the `@rx` patterns out of CRS rule files, for the tests and the benchmark that check
 * every CRS pattern (the product loads rules through the SecLang parser, not this).
 * Understands what CRS uses: `\` line continuations, double-quoted arguments with `\"`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface CorpusPattern {
  readonly file: string;
  readonly line: number;
  readonly id: string;
  readonly pattern: string;
}

function tokens(s: string, max: number): string[] {
  const out: string[] = [];
  let p = 0;
  while (p < s.length && out.length < max) {
    while (s[p] === ' ' || s[p] === '\t') p++;
    if (p >= s.length) break;
    let t = '';
    if (s[p] === '"') {
      p++;
      while (p < s.length && s[p] !== '"') {
        if (s[p] === '\\' && s[p + 1] === '"') {
          t += '"';
          p += 2;
          continue;
        }
        t += s[p++];
      }
      p++;
    } else {
      while (p < s.length && s[p] !== ' ' && s[p] !== '\t') t += s[p++];
    }
    out.push(t);
  }
  return out;
}

/** Every `@rx`/`!@rx` operator parameter in the `*.conf` files of `rulesDir`, as byte strings. */
export function readCrsRxPatterns(rulesDir: string): CorpusPattern[] {
  const out: CorpusPattern[] = [];
  for (const file of readdirSync(rulesDir).filter((f) => f.endsWith('.conf')).sort()) {
    const lines = readFileSync(join(rulesDir, file), 'latin1').split('\n');
    let buf = '';
    let start = 0;
    for (let i = 0; i < lines.length; i++) {
      const l = lines[i]!;
      if (buf === '') start = i + 1;
      if (l.endsWith('\\')) {
        buf += l.slice(0, -1);
        continue;
      }
      const stmt = (buf + l).trim();
      buf = '';
      if (!stmt.startsWith('SecRule')) continue;
      const [, , op] = tokens(stmt, 3);
      const m = /^!?@rx (.*)$/s.exec(op ?? '');
      if (m) out.push({ file, line: start, id: /id:(\d+)/.exec(stmt)?.[1] ?? '', pattern: m[1]! });
    }
  }
  return out;
}

/** The distinct patterns, in first-seen order. */
export function distinctPatterns(list: readonly CorpusPattern[]): CorpusPattern[] {
  const seen = new Set<string>();
  return list.filter((p) => (seen.has(p.pattern) ? false : (seen.add(p.pattern), true)));
}

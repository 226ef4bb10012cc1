/**
 * Readers for libinjection's published test vectors and samples, used by the detector tests and
 * `npm run measure:waf-detect` to measure agreement. The files are read in place from the shared
 * corpora folder and never copied into the repository.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HtmlState, tokenizeHtml } from './html5-tokenizer.js';

/** `../shared/corpora/libinjection-85e252a` from the repository root. */
export function libinjectionDir(repoRoot: string): string {
  return join(repoRoot, '..', 'shared', 'corpora', 'libinjection-85e252a');
}

export function corpusPresent(dir: string): boolean {
  return existsSync(join(dir, 'tests')) && existsSync(join(dir, 'data'));
}

export interface Vector {
  readonly file: string;
  readonly input: string;
  readonly expected: string;
}

/** Reads `--INPUT--` / `--EXPECTED--` blocks of the test files whose names start with `prefix`. */
export function readVectors(dir: string, prefix: string): Vector[] {
  const out: Vector[] = [];
  const testsDir = join(dir, 'tests');
  for (const file of readdirSync(testsDir).sort()) {
    if (!file.startsWith(prefix) || !file.endsWith('.txt')) continue;
    const text = readFileSync(join(testsDir, file), 'latin1');
    const inAt = text.indexOf('--INPUT--\n');
    const expAt = text.indexOf('--EXPECTED--');
    if (inAt < 0 || expAt < inAt) throw new Error(`${file}: no --INPUT-- / --EXPECTED-- blocks`);
    const input = text.slice(inAt + '--INPUT--\n'.length, expAt).replace(/\n$/, '');
    const expected = text.slice(expAt + '--EXPECTED--'.length).trim();
    out.push({ file, input, expected });
  }
  return out;
}

/** URL-decodes one sample line to a byte string (`+` is a space, `%XX` a byte). */
export function urlDecodeBytes(line: string): string {
  let out = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === '+') out += ' ';
    else if (c === '%' && /^[0-9a-fA-F]{2}$/.test(line.slice(i + 1, i + 3))) {
      out += String.fromCharCode(parseInt(line.slice(i + 1, i + 3), 16));
      i += 2;
    } else out += c;
  }
  return out;
}

export interface Sample {
  readonly file: string;
  readonly line: number;
  readonly input: string;
}

/** Reads the sample lines of `data/<prefix>*.txt`, URL-decoded; blank and `#` lines skipped. */
export function readSamples(dir: string, prefix: string): Sample[] {
  const out: Sample[] = [];
  const dataDir = join(dir, 'data');
  for (const file of readdirSync(dataDir).sort()) {
    if (!file.startsWith(prefix) || !file.endsWith('.txt')) continue;
    const lines = readFileSync(join(dataDir, file), 'latin1').split('\n');
    lines.forEach((raw, idx) => {
      const line = raw.replace(/\r$/, '');
      if (line.trim() === '' || line.startsWith('#')) return;
      out.push({ file, line: idx + 1, input: urlDecodeBytes(line) });
    });
  }
  return out;
}

export interface Figure {
  readonly hits: number;
  readonly total: number;
  /** Inputs on the wrong side, for inspection (file:line and input). */
  readonly misses: readonly string[];
}

const LIBINJECTION_NAMES: Readonly<Record<number, string>> = { 1: 'TAG_NAME_OPEN', 2: 'TAG_CLOSE', 3: 'ATTR_NAME', 4: 'ATTR_VALUE', 5: 'TAG_COMMENT' };

/** Palisade's HTML tokens from the data state as `TYPE,text` with libinjection's type names. */
export function htmlTokensAsLibinjection(input: string): string[] {
  const out: string[] = [];
  tokenizeHtml(input, HtmlState.Data, (type, text) => {
    out.push(`${LIBINJECTION_NAMES[type] ?? String(type)},${text}`);
    return false;
  });
  return out;
}

/**
 * libinjection's HTML5 tokenizer vectors (test-html5-*.txt), projected on the tokens Palisade's
 * tokenizer reports (tag opens and closes, attribute names and values, comments; not text or
 * the `>`/`/>` ends): a vector agrees when the projected sequences are equal, names compared
 * case-insensitively. `tokenize` returns `TYPE,text` strings with libinjection's type names.
 */
export function measureHtmlTokenizer(dir: string, tokenize: (input: string) => string[]): Figure {
  const f = { hits: 0, total: 0, misses: [] as string[] };
  const kept = new Set(['TAG_NAME_OPEN', 'TAG_CLOSE', 'ATTR_NAME', 'ATTR_VALUE', 'TAG_COMMENT', 'DOCTYPE']);
  for (const v of readVectors(dir, 'test-html5-')) {
    const expected: string[] = [];
    for (const line of v.expected.split('\n')) {
      const m = /^([A-Z_]+),(\d+),/.exec(line);
      if (m === null || !kept.has(m[1]!)) continue;
      const text = line.slice(m[0].length, m[0].length + Number(m[2]));
      // A doctype is a bogus comment to a tokenizer that does not build a tree.
      expected.push(`${m[1] === 'DOCTYPE' ? 'TAG_COMMENT' : m[1]},${text}`.toLowerCase());
    }
    const got = tokenize(v.input).map((t) => t.toLowerCase());
    f.total++;
    if (got.join('\n') === expected.join('\n')) f.hits++;
    else f.misses.push(`${v.file} ${JSON.stringify(v.input)}: expected [${expected.join(' | ')}] got [${got.join(' | ')}]`);
  }
  return f;
}

export interface DetectorFigures {
  /** libinjection's SQLi unit vectors: "is it SQLi" agreement. */
  readonly sqliVectors: Figure;
  /** Among the vectors libinjection calls SQLi, the same 5-token fingerprint. */
  readonly sqliFingerprints: Figure;
  readonly sqliRecall: Figure;
  /** False positives: hits are inputs flagged. */
  readonly sqliFalsePositives: Figure;
  readonly xssRecall: Figure;
  readonly xssFalsePositives: Figure;
}

/** Runs both detectors over the corpus in `dir`. */
export function measureDetectors(
  dir: string,
  sqli: (input: string) => { isSqli: boolean; fingerprint: string },
  xss: (input: string) => { isXss: boolean },
): DetectorFigures {
  const fig = () => ({ hits: 0, total: 0, misses: [] as string[] });
  const vectors = fig();
  const prints = fig();
  for (const v of readVectors(dir, 'test-sqli-')) {
    const r = sqli(v.input);
    const expected = v.expected !== '';
    vectors.total++;
    if (r.isSqli === expected) vectors.hits++;
    else vectors.misses.push(`${v.file} ${JSON.stringify(v.input)} expected ${expected ? v.expected : 'not SQLi'}, got ${r.isSqli ? r.fingerprint : 'not SQLi'}`);
    if (expected) {
      prints.total++;
      if (r.fingerprint === v.expected) prints.hits++;
      else prints.misses.push(`${v.file} ${JSON.stringify(v.input)} ${v.expected} vs ${r.fingerprint}`);
    }
  }
  const recall = (samples: Sample[], flagged: (s: string) => boolean) => {
    const f = fig();
    for (const s of samples) {
      f.total++;
      if (flagged(s.input)) f.hits++;
      else f.misses.push(`${s.file}:${s.line} ${JSON.stringify(s.input).slice(0, 160)}`);
    }
    return f;
  };
  const falsePositives = (samples: Sample[], flagged: (s: string) => boolean) => {
    const f = fig();
    for (const s of samples) {
      f.total++;
      if (flagged(s.input)) {
        f.hits++;
        f.misses.push(`${s.file}:${s.line} ${JSON.stringify(s.input).slice(0, 160)}`);
      }
    }
    return f;
  };
  const fps = readSamples(dir, 'false_positives');
  return {
    sqliVectors: vectors,
    sqliFingerprints: prints,
    sqliRecall: recall(readSamples(dir, 'sqli-'), (s) => sqli(s).isSqli),
    sqliFalsePositives: falsePositives(fps, (s) => sqli(s).isSqli),
    xssRecall: recall(readSamples(dir, 'xss-'), (s) => xss(s).isXss),
    xssFalsePositives: falsePositives(fps, (s) => xss(s).isXss),
  };
}

/** A figure as `hits/total (pct %)`. */
export function pct(f: Figure): string {
  return `${f.hits}/${f.total} (${f.total === 0 ? '–' : ((100 * f.hits) / f.total).toFixed(2)} %)`;
}

// The raw OpenAPI document as written, file by file, with line numbers. The audit reports where a
// problem is (file, JSON pointer, line), which the dereferenced document of core/openapi no longer
// knows, so the audit follows $refs itself and keeps every node's origin.
import { readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument } from 'yaml';
import type { Document, Node as YamlNode } from 'yaml';
import type { ImportDefect } from '../report.js';

/** Parser limits: a hostile or broken document must not exhaust memory or loop. */
export const SOURCE_LIMITS = {
  /** Largest file read, in bytes. */
  maxFileBytes: 16 * 1024 * 1024,
  /** Most files one document may pull in through $refs. */
  maxFiles: 200,
  /** Longest chain of $ref to $ref. */
  maxRefHops: 32,
  /** YAML aliases expanded per file (billion-laughs guard). */
  maxAliasCount: 10_000,
} as const;

/** Where a node is: an absolute file path and a JSON pointer into that file. */
export interface Loc {
  file: string;
  pointer: string;
}

export interface Located<T = unknown> {
  value: T;
  loc: Loc;
}

interface SpecFile {
  doc: Document;
  lines: LineCounter;
  data: unknown;
}

export type Reader = (absPath: string) => string;

export function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

export function escapeSegment(s: string): string {
  return s.replace(/~/g, '~0').replace(/\//g, '~1');
}

export function pointerSegments(pointer: string): string[] {
  if (pointer === '' || pointer === '/') return pointer === '/' ? [''] : [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

export function childLoc(loc: Loc, ...segments: Array<string | number>): Loc {
  return { file: loc.file, pointer: loc.pointer + segments.map((s) => '/' + escapeSegment(String(s))).join('') };
}

const defaultReader: Reader = (p) => {
  const size = statSync(p).size;
  if (size > SOURCE_LIMITS.maxFileBytes) throw new Error(`is ${size} bytes, above the ${SOURCE_LIMITS.maxFileBytes}-byte limit`);
  return readFileSync(p, 'utf8');
};

/**
 * A document and the files its $refs reach, parsed lazily. Problems (unreadable files, YAML
 * errors, broken or remote $refs) are collected as import defects, never thrown, so an audit
 * still reports on what could be read; only an unreadable root file throws.
 */
export class SpecSource {
  readonly root: string;
  readonly defects: ImportDefect[] = [];
  private readonly files = new Map<string, SpecFile | null>();
  private readonly reader: Reader;
  private readonly reported = new Set<string>();

  constructor(rootPath: string, reader: Reader = defaultReader) {
    this.root = resolve(rootPath);
    this.reader = reader;
    const f = this.load(this.root);
    if (!f) {
      const d = this.defects[0];
      throw new Error(d ? d.message : `${rootPath}: cannot be read`);
    }
  }

  /** A source over in-memory files (tests, documents received over HTTP): name → text. */
  static fromFiles(files: Record<string, string>, rootName: string): SpecSource {
    const base = resolve('/virtual-spec');
    const byPath = new Map(Object.entries(files).map(([n, t]) => [resolve(base, n), t]));
    return new SpecSource(resolve(base, rootName), (p) => {
      const t = byPath.get(p);
      if (t === undefined) throw new Error('no such file');
      return t;
    });
  }

  get rootData(): unknown {
    return this.files.get(this.root)?.data;
  }

  /** The path to show: relative to the working directory with forward slashes when below it. */
  displayPath(file: string): string {
    if (file.startsWith(resolve('/virtual-spec') + sep)) return relative(resolve('/virtual-spec'), file).split(sep).join('/');
    const rel = relative(process.cwd(), file);
    return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel.split(sep).join('/') : file;
  }

  private defect(d: ImportDefect, key: string): void {
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.defects.push(d);
  }

  private load(file: string): SpecFile | null {
    if (this.files.has(file)) return this.files.get(file) ?? null;
    const shown = this.displayPath(file);
    if (this.files.size >= SOURCE_LIMITS.maxFiles) {
      this.defect({ severity: 'error', message: `${shown}: not read, the document already spans ${SOURCE_LIMITS.maxFiles} files (the limit)` }, `limit:${file}`);
      this.files.set(file, null);
      return null;
    }
    let text: string;
    try {
      text = this.reader(file);
    } catch (err) {
      this.defect({ severity: 'error', message: `${shown}: cannot be read: ${(err as Error).message}` }, `read:${file}`);
      this.files.set(file, null);
      return null;
    }
    const lines = new LineCounter();
    // JSON is read by the YAML parser too, so JSON and YAML documents get line numbers alike.
    const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true, strict: false });
    for (const e of [...doc.errors, ...doc.warnings]) {
      const line = e.pos ? lines.linePos(e.pos[0]).line : undefined;
      this.defect(
        { severity: doc.errors.includes(e as never) ? 'error' : 'warning', message: `${shown}${line ? `:${line}` : ''}: ${e.message.split('\n')[0]}`, ...(line ? { line } : {}) },
        `yaml:${file}:${e.message}`,
      );
    }
    let data: unknown;
    try {
      data = doc.toJS({ maxAliasCount: SOURCE_LIMITS.maxAliasCount });
    } catch (err) {
      this.defect({ severity: 'error', message: `${shown}: ${(err as Error).message}` }, `js:${file}`);
      data = undefined;
    }
    const f: SpecFile = { doc, lines, data };
    this.files.set(file, f);
    return f;
  }

  /** The value at a location, or undefined. */
  get(loc: Loc): unknown {
    const f = this.load(loc.file);
    if (!f) return undefined;
    let cur: unknown = f.data;
    for (const seg of pointerSegments(loc.pointer)) {
      if (Array.isArray(cur)) cur = cur[Number(seg)];
      else if (isObject(cur)) cur = Object.prototype.hasOwnProperty.call(cur, seg) ? cur[seg] : undefined;
      else return undefined;
    }
    return cur;
  }

  /**
   * Follows `$ref` from a value found at `loc`, hop by hop, to the value it names. A broken, remote
   * or circular reference is recorded as an import defect and yields undefined.
   */
  deref(value: unknown, loc: Loc): Located | undefined {
    let cur: Located = { value, loc };
    for (let hop = 0; hop <= SOURCE_LIMITS.maxRefHops; hop++) {
      if (!isObject(cur.value) || typeof cur.value.$ref !== 'string') return cur;
      const ref = cur.value.$ref;
      const at = `${this.displayPath(cur.loc.file)}#${cur.loc.pointer}`;
      if (/^[a-z][a-z0-9+.-]*:/i.test(ref)) {
        this.defect({ severity: 'warning', message: `${at}: remote $ref ${ref} is not followed by the audit`, pointer: cur.loc.pointer, ...this.lineField(cur.loc) }, `remote:${ref}`);
        return undefined;
      }
      const hash = ref.indexOf('#');
      const filePart = hash < 0 ? ref : ref.slice(0, hash);
      let pointer: string;
      try {
        pointer = hash < 0 ? '' : decodeURIComponent(ref.slice(hash + 1));
      } catch {
        pointer = ref.slice(hash + 1);
      }
      const file = filePart === '' ? cur.loc.file : resolve(dirname(cur.loc.file), decodeURIComponent(filePart));
      const target: Loc = { file, pointer };
      const v = this.get(target);
      if (v === undefined) {
        this.defect(
          { severity: 'error', message: `${at}: $ref ${ref} points at nothing`, pointer: cur.loc.pointer, ...this.lineField(cur.loc) },
          `broken:${cur.loc.file}#${cur.loc.pointer}`,
        );
        return undefined;
      }
      cur = { value: v, loc: target };
    }
    this.defect({ severity: 'error', message: `${this.displayPath(loc.file)}#${loc.pointer}: more than ${SOURCE_LIMITS.maxRefHops} $ref hops (a cycle?)`, pointer: loc.pointer }, `hops:${loc.file}#${loc.pointer}`);
    return undefined;
  }

  /** The child `key` of the node at `loc`, dereferenced. */
  child(parent: Located, key: string | number): Located | undefined {
    const v = Array.isArray(parent.value) ? parent.value[Number(key)] : isObject(parent.value) ? parent.value[String(key)] : undefined;
    if (v === undefined) return undefined;
    return this.deref(v, childLoc(parent.loc, key));
  }

  private lineField(loc: Loc): { line?: number } {
    const line = this.line(loc);
    return line ? { line } : {};
  }

  /**
   * The 1-based line of a location: of the key when the pointer ends in an object member (where an
   * editor should put the cursor), else of the value.
   */
  line(loc: Loc): number | undefined {
    const f = this.files.get(loc.file);
    if (!f) return undefined;
    let node: unknown = f.doc.contents;
    let at: number | undefined = (node as YamlNode | null)?.range?.[0];
    for (const seg of pointerSegments(loc.pointer)) {
      if (isAlias(node)) node = node.resolve(f.doc);
      if (isMap(node)) {
        const pair = node.items.find((p) => (isScalar(p.key) ? String(p.key.value) : String(p.key)) === seg);
        if (!pair) return at === undefined ? undefined : f.lines.linePos(at).line;
        at = (pair.key as YamlNode | null)?.range?.[0] ?? at;
        node = pair.value;
      } else if (isSeq(node)) {
        node = node.items[Number(seg)];
        at = (node as YamlNode | null)?.range?.[0] ?? at;
      } else break;
    }
    return at === undefined ? undefined : f.lines.linePos(at).line;
  }
}

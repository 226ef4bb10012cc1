// Maps option paths back to where they were written: a file line and column, or the
// environment variable that set them.
import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter, type Pair } from 'yaml';
import type { EnvOverride } from './env.js';
import { formatPath, type OptionPath } from './walk.js';

export interface Where {
  /** 'palisade.yaml:14:7' or 'PALISADE_GATEWAY_PORT (environment)'. */
  readonly text: string;
  /** Sort keys; Infinity for the environment. */
  readonly line: number;
  readonly col: number;
}

/** One problem, ready to print: "<where> <option path>: <message>". */
export interface Detail {
  readonly where: Where;
  readonly text: string;
}

export function detail(where: Where, path: OptionPath, message: string): Detail {
  return { where, text: `${where.text} ${formatPath(path)}: ${message}` };
}

export function sortDetails(details: Detail[]): string[] {
  return details
    .slice()
    .sort((a, b) => a.where.line - b.where.line || a.where.col - b.where.col || a.text.localeCompare(b.text))
    .map((d) => d.text);
}

interface NodeLike {
  range?: readonly number[] | null;
}

function keyName(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  if (typeof key === 'string' || typeof key === 'number') return String(key);
  return undefined;
}

export class Locator {
  constructor(
    private readonly doc: Document.Parsed | undefined,
    private readonly lines: LineCounter | undefined,
    private readonly source: string,
    private readonly env: ReadonlyMap<string, EnvOverride> = new Map(),
  ) {}

  private at(offset: number | undefined): Where {
    if (offset === undefined || !this.lines) return { text: this.source, line: 0, col: 0 };
    const { line, col } = this.lines.linePos(offset);
    return { text: `${this.source}:${line}:${col}`, line, col };
  }

  private deref(node: unknown): unknown {
    return isAlias(node) && this.doc ? node.resolve(this.doc) : node;
  }

  /**
   * The deepest node and pair reached along `path` (a missing option stops at its parent);
   * `complete` tells whether the whole path was found.
   */
  private walk(path: OptionPath): { node: unknown; pair: Pair | undefined; complete: boolean } {
    let node: unknown = this.doc?.contents;
    let pair: Pair | undefined;
    for (const seg of path) {
      const current = this.deref(node);
      if (isMap(current)) {
        const p = current.items.find((it) => keyName(it.key) === String(seg));
        if (!p) return { node, pair, complete: false };
        pair = p;
        node = p.value;
      } else if (isSeq(current) && typeof seg === 'number' && seg < current.items.length) {
        pair = undefined;
        node = current.items[seg];
      } else {
        return { node, pair, complete: false };
      }
    }
    return { node, pair, complete: node !== undefined && node !== null };
  }

  /**
   * Where the option at `path` was set. A scalar value points at the value; a section or an
   * empty value points at its key, which is where a reader looks for it.
   */
  where(path: OptionPath): Where {
    const env = this.env.get(formatPath(path));
    if (env) return { text: `${env.name} (environment)`, line: Infinity, col: 0 };
    const { node, pair } = this.walk(path);
    const n = this.deref(node);
    const keyRange = (pair?.key as NodeLike | undefined)?.range;
    if (isScalar(n) && n.value !== null && n.range) return this.at(n.range[0]);
    if (keyRange) return this.at(keyRange[0]);
    const range = (n as NodeLike | undefined)?.range;
    return this.at(range?.[0] ?? (this.doc ? 0 : undefined));
  }

  /** Where the key `key` of the mapping at `path` is written (for unknown options). */
  whereKey(path: OptionPath, key: string): Where {
    const { node, complete } = this.walk(path);
    const map = this.deref(node);
    if (complete && isMap(map)) {
      const p = map.items.find((it) => keyName(it.key) === key);
      const range = (p?.key as NodeLike | undefined)?.range;
      if (range) return this.at(range[0]);
    }
    return this.where(path);
  }

  /** True when the option was written in the file or set by an environment variable. */
  isSet(path: OptionPath): boolean {
    return this.env.has(formatPath(path)) || this.walk(path).complete;
  }

  /**
   * The line alone, for cross references ("first at line 4"); 'its default' for an option that
   * was not written, whose nearest written ancestor would be a misleading place to look.
   */
  line(path: OptionPath): string {
    if (!this.isSet(path)) return 'its default';
    const w = this.where(path);
    if (w.line === Infinity) return w.text;
    return w.line > 0 ? `line ${w.line}` : this.source;
  }
}

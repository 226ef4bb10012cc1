/**
 * The storage behind SecLang variables: ordered multimaps with case-insensitive keys (ModSecurity
 * matches `ARGS:Foo`, `REQUEST_HEADERS:user-agent`, `TX:Score` without regard to case) and a
 * version counter so derived views (`ARGS_NAMES`, `&ARGS`) can be cached until the data changes.
 */

/** One value of a variable: `key` is the collection key (`''` for a scalar variable). */
export interface Entry {
  readonly key: string;
  readonly lower: string;
  value: string;
  /** Transformation results for `tcFor` (the value they were computed from), by chain-prefix slot. */
  tc?: (string | undefined)[];
  tcFor?: string;
  /**
   * For `nbFor` (the value they were found for): the engine's non-match bit sets of the value
   * after each chain prefix (slot + 1; 0 for the value itself), so the rules that share a chain
   * on this value look the memo up once.
   */
  nb?: (number[] | undefined)[];
  nbFor?: string;
}

export class Collection {
  readonly items: Entry[] = [];
  // Made on the first add: a transaction holds some twenty collections and most stay empty.
  private index: Map<string, Entry[]> | undefined = undefined;
  /** Bumped on every change, so views derived from this collection know when to rebuild. */
  version = 0;

  get size(): number {
    return this.items.length;
  }

  add(key: string, value: string): Entry {
    const lower = key.toLowerCase();
    // tc/tcFor present from the start: entries keep one shape when transformations are cached on them.
    const e: Entry = { key, lower, value, tc: undefined, tcFor: undefined, nb: undefined, nbFor: undefined };
    this.items.push(e);
    const index = (this.index ??= new Map());
    const list = index.get(lower);
    if (list) list.push(e);
    else index.set(lower, [e]);
    this.version++;
    return e;
  }

  // The last lookup, valid while `version` is unchanged: CRS reads TX:detection_paranoia_level
  // at each of its ~110 paranoia-level gates per request, with no TX change in between.
  private lastLower: string | undefined = undefined;
  private lastList: Entry[] | undefined = undefined;
  private lastVersion = -1;

  /** All entries whose key equals `lower` (already lower-cased). */
  get(lower: string): readonly Entry[] | undefined {
    if (lower === this.lastLower && this.version === this.lastVersion) return this.lastList;
    const list = this.index?.get(lower);
    this.lastLower = lower;
    this.lastList = list;
    this.lastVersion = this.version;
    return list;
  }

  first(lower: string): string | undefined {
    return this.get(lower)?.[0]?.value;
  }

  /** Replaces every value under the key with one (setvar semantics). */
  set(key: string, value: string): void {
    const lower = key.toLowerCase();
    const list = this.index?.get(lower);
    if (list && list.length === 1) {
      list[0]!.value = value;
      this.version++;
      return;
    }
    if (list) this.remove(lower);
    this.add(key, value);
  }

  remove(lower: string): void {
    if (!this.index?.delete(lower)) return;
    for (let i = this.items.length - 1; i >= 0; i--) if (this.items[i]!.lower === lower) this.items.splice(i, 1);
    this.version++;
  }

  clear(): void {
    this.items.length = 0;
    this.index?.clear();
    this.version++;
  }
}

/** A collection whose entries are the keys of another (`ARGS_NAMES`), rebuilt only when it changes. */
export class NamesView {
  private built = -1;
  private readonly out = new Collection();
  constructor(private readonly sources: readonly Collection[]) {}

  get(): Collection {
    let v = 0;
    for (const s of this.sources) v += s.version;
    if (v !== this.built) {
      this.out.clear();
      for (const s of this.sources) for (const e of s.items) this.out.add(e.key, e.key);
      this.built = v;
    }
    return this.out;
  }
}

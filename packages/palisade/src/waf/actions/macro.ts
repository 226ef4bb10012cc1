/**
 * Macro expansion: `%{tx.anomaly_score}`, `%{MATCHED_VAR}`, `%{REQUEST_HEADERS.host}`, `%{rule.id}`.
 * Text is compiled once at load into literal and variable parts; expanding is a walk over them.
 */

export interface MacroScope {
  /** The first value of variable `name` (upper-case) under `key` (lower-case), or '' when unset. */
  macroValue(name: string, key: string | undefined): string;
}

type Part = string | { readonly name: string; readonly key: string | undefined };

export class Macro {
  /** Whether the text contains any `%{…}` (most parameters do not: no work at run time). */
  readonly dynamic: boolean;
  private constructor(
    readonly text: string,
    private readonly parts: readonly Part[],
  ) {
    this.dynamic = parts.some((p) => typeof p !== 'string');
  }

  static compile(text: string): Macro {
    const parts: Part[] = [];
    const re = /%\{([^}]*)\}/g;
    let last = 0;
    let m: RegExpExecArray | null;
    while ((m = re.exec(text)) !== null) {
      if (m.index > last) parts.push(text.slice(last, m.index));
      const ref = m[1]!.trim();
      const sep = ref.search(/[.:]/);
      const name = (sep < 0 ? ref : ref.slice(0, sep)).toUpperCase();
      const key = sep < 0 ? undefined : ref.slice(sep + 1).toLowerCase();
      parts.push({ name, key });
      last = re.lastIndex;
    }
    if (last < text.length) parts.push(text.slice(last));
    return new Macro(text, parts);
  }

  /** The variables the text names, in order. */
  refs(): { readonly name: string; readonly key: string | undefined }[] {
    const out: { readonly name: string; readonly key: string | undefined }[] = [];
    for (const p of this.parts) if (typeof p !== 'string') out.push(p);
    return out;
  }

  expand(scope: MacroScope): string {
    if (!this.dynamic) return this.text;
    let out = '';
    for (const p of this.parts) out += typeof p === 'string' ? p : scope.macroValue(p.name, p.key);
    return out;
  }
}

/** Expands arbitrary text once (for operator parameters given to `OperatorTx.expand`). */
export function expandText(text: string, scope: MacroScope, cache: Map<string, Macro>): string {
  if (!text.includes('%{')) return text;
  let m = cache.get(text);
  if (!m) {
    m = Macro.compile(text);
    if (cache.size < 10_000) cache.set(text, m);
  }
  return m.expand(scope);
}

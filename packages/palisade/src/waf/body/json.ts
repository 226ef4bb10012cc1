/**
 * The JSON body processor: every scalar becomes an argument named by its path, as ModSecurity v3
 * and Coraza name them: `{"a":{"b":1},"c":[true,null]}` → `json.a.b=1`, `json.c.0=true`,
 * `json.c.1=` (null is empty). Nesting deeper than the limit is an error (REQBODY_ERROR), so is
 * invalid JSON.
 */

export interface JsonLimits {
  readonly maxDepth: number;
}

/**
 * Parses `text` (a byte string: UTF-8 bytes as latin1 chars) and calls `add` for each scalar.
 * `add` returns false to stop (arguments limit). Throws an Error naming the problem.
 */
export function parseJsonBody(text: string, limits: JsonLimits, add: (name: string, value: string) => boolean): void {
  // JSON.parse is linear and native; the byte string is decoded to UTF-16 first, then names and
  // values are re-encoded to byte strings so operators see the bytes the client sent.
  const utf = Buffer.from(text, 'latin1').toString('utf8');
  let doc: unknown;
  try {
    doc = JSON.parse(utf);
  } catch (e) {
    throw new Error(`invalid JSON: ${(e as Error).message}`);
  }
  let go = true;
  const walk = (v: unknown, path: string, depth: number): void => {
    if (!go) return;
    if (depth > limits.maxDepth) throw new Error(`JSON nested deeper than ${limits.maxDepth} levels`);
    if (Array.isArray(v)) {
      if (v.length === 0) go = add(path, '');
      for (let i = 0; i < v.length && go; i++) walk(v[i], `${path}.${i}`, depth + 1);
    } else if (v !== null && typeof v === 'object') {
      const keys = Object.keys(v);
      if (keys.length === 0) go = add(path, '');
      for (const k of keys) {
        if (!go) break;
        walk((v as Record<string, unknown>)[k], `${path}.${toBytes(k)}`, depth + 1);
      }
    } else {
      go = add(path, v === null ? '' : toBytes(String(v)));
    }
  };
  walk(doc, 'json', 0);
}

function toBytes(s: string): string {
  // Pure ASCII (the usual case) needs no re-encoding.
  // eslint-disable-next-line no-control-regex
  return /^[\x00-\x7f]*$/.test(s) ? s : Buffer.from(s, 'utf8').toString('latin1');
}

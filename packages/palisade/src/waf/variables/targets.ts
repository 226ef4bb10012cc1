/**
 * Rule targets: `ARGS|!ARGS:id|&REQUEST_HEADERS:Host|REQUEST_COOKIES:/^_ga/|XML:/*`.
 * Parsed once at load into `Target`s; the transaction resolves them to values.
 */

/** Variables that have keys. Everything else in VARIABLE_NAMES is a single value. */
export const COLLECTIONS: ReadonlySet<string> = new Set([
  'ARGS', 'ARGS_GET', 'ARGS_POST', 'ARGS_NAMES', 'ARGS_GET_NAMES', 'ARGS_POST_NAMES',
  'REQUEST_COOKIES', 'REQUEST_COOKIES_NAMES', 'REQUEST_HEADERS', 'REQUEST_HEADERS_NAMES',
  'RESPONSE_HEADERS', 'RESPONSE_HEADERS_NAMES', 'FILES', 'FILES_NAMES', 'FILES_SIZES',
  'FILES_TMPNAMES', 'FILES_TMP_CONTENT', 'MULTIPART_PART_HEADERS', 'TX', 'IP', 'GLOBAL', 'SESSION',
  'USER', 'RESOURCE', 'ENV', 'MATCHED_VARS', 'MATCHED_VARS_NAMES', 'XML', 'RULE', 'GEO',
]);

export const SCALARS: ReadonlySet<string> = new Set([
  'ARGS_COMBINED_SIZE', 'AUTH_TYPE', 'DURATION', 'FILES_COMBINED_SIZE', 'FULL_REQUEST',
  'FULL_REQUEST_LENGTH', 'HIGHEST_SEVERITY', 'INBOUND_DATA_ERROR', 'MATCHED_VAR', 'MATCHED_VAR_NAME',
  'MULTIPART_BOUNDARY_QUOTED', 'MULTIPART_BOUNDARY_WHITESPACE', 'MULTIPART_CRLF_LF_LINES',
  'MULTIPART_DATA_AFTER', 'MULTIPART_DATA_BEFORE', 'MULTIPART_FILE_LIMIT_EXCEEDED',
  'MULTIPART_FILENAME', 'MULTIPART_HEADER_FOLDING', 'MULTIPART_INVALID_HEADER_FOLDING',
  'MULTIPART_INVALID_PART', 'MULTIPART_INVALID_QUOTING', 'MULTIPART_LF_LINE', 'MULTIPART_MISSING_SEMICOLON',
  'MULTIPART_NAME', 'MULTIPART_SEMICOLON_MISSING', 'MULTIPART_STRICT_ERROR', 'MULTIPART_UNMATCHED_BOUNDARY',
  'OUTBOUND_DATA_ERROR', 'PATH_INFO', 'QUERY_STRING', 'REMOTE_ADDR', 'REMOTE_HOST', 'REMOTE_PORT',
  'REMOTE_USER', 'REQBODY_ERROR', 'REQBODY_ERROR_MSG', 'REQBODY_PROCESSOR', 'REQBODY_PROCESSOR_ERROR',
  'REQBODY_PROCESSOR_ERROR_MSG', 'REQUEST_BASENAME', 'REQUEST_BODY', 'REQUEST_BODY_LENGTH',
  'REQUEST_FILENAME', 'REQUEST_LINE', 'REQUEST_METHOD', 'REQUEST_PROTOCOL', 'REQUEST_URI',
  'REQUEST_URI_RAW', 'RESPONSE_BODY', 'RESPONSE_CONTENT_LENGTH', 'RESPONSE_CONTENT_TYPE',
  'RESPONSE_PROTOCOL', 'RESPONSE_STATUS', 'SERVER_ADDR', 'SERVER_NAME', 'SERVER_PORT', 'SESSIONID',
  'STATUS_LINE', 'TIME', 'TIME_DAY', 'TIME_EPOCH', 'TIME_HOUR', 'TIME_MIN', 'TIME_MON', 'TIME_SEC',
  'TIME_WDAY', 'TIME_YEAR', 'UNIQUE_ID', 'URLENCODED_ERROR', 'USERID', 'WEBAPPID', 'WEBSERVER_ERROR_LOG',
  'MSC_PCRE_LIMITS_EXCEEDED', 'RESPONSE_HEADERS_COUNT',
]);

/**
 * Variable names as the literals above, so that every Target carries the same (internalized)
 * string: the transaction switches on names per value, and equal literals compare by pointer.
 */
const CANONICAL: ReadonlyMap<string, string> = new Map([...COLLECTIONS, ...SCALARS].map((n) => [n, n]));

export interface Target {
  /** Upper-case variable name, e.g. `ARGS`. */
  readonly name: string;
  /** Exact key, lower-cased (`ARGS:id` → `id`); undefined for the whole collection. */
  readonly key?: string;
  /** The key as written, for messages and MATCHED_VAR_NAME of `&` counts. */
  readonly rawKey?: string;
  readonly keyRegex?: RegExp;
  /** When keyRegex is `^` and a literal (CRS's `TX:/^header_name_920450_/`): that literal, lower-cased. */
  readonly keyPrefix?: string;
  /** `&VAR`: the number of values instead of the values. */
  readonly count: boolean;
  /** `!VAR:key`: removes values from this rule's other targets of the same variable. */
  readonly exclude: boolean;
  /** Whether the variable is a single value (no keys), decided once at load. */
  readonly scalar?: boolean;
}

/** Splits `A|!B:x|C:/re|x/` on the `|`s that separate targets (not those inside a /regex/ key). */
export function splitTargets(s: string): string[] {
  const out: string[] = [];
  let start = 0;
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (c === ':' && s[i + 1] === '/' && !/XML$/i.test(s.slice(start, i).replace(/^[!&]+/, ''))) {
      // A regex key: skip to its closing, unescaped slash.
      i += 2;
      while (i < s.length && s[i] !== '/') i += s[i] === '\\' ? 2 : 1;
      i++;
      continue;
    }
    if (c === "'") {
      i++;
      while (i < s.length && s[i] !== "'") i += s[i] === '\\' ? 2 : 1;
      i++;
      continue;
    }
    if (c === '|') {
      out.push(s.slice(start, i));
      start = i + 1;
    }
    i++;
  }
  out.push(s.slice(start));
  return out.map((t) => t.trim()).filter((t) => t !== '');
}

/** Parses one target. Throws an Error naming the problem (the caller adds file and line). */
export function parseTarget(spec: string): Target {
  let s = spec.trim();
  let count = false;
  let exclude = false;
  for (;;) {
    if (s.startsWith('!')) exclude = true;
    else if (s.startsWith('&')) count = true;
    else break;
    s = s.slice(1);
  }
  const colon = s.indexOf(':');
  const upper = (colon < 0 ? s : s.slice(0, colon)).toUpperCase();
  const name = CANONICAL.get(upper);
  if (name === undefined) throw new Error(`unknown variable "${upper}" in target "${spec}"`);
  if (colon < 0) return target(name, count, exclude, undefined, undefined, undefined, SCALARS.has(name));
  let key = s.slice(colon + 1);
  if (!COLLECTIONS.has(name)) throw new Error(`variable ${name} has no keys, yet the target "${spec}" names one`);
  if (key.length >= 2 && key.startsWith("'") && key.endsWith("'")) key = key.slice(1, -1);
  if (key === '') throw new Error(`empty key in target "${spec}"`);
  if (name === 'XML') {
    if (key !== '/*' && key !== '//@*') throw new Error(`XPath "${key}" is not supported (only XML:/* and XML://@*)`);
    return target(name, count, exclude, key, key);
  }
  if (key.length >= 2 && key.startsWith('/') && key.endsWith('/')) {
    const source = key.slice(1, -1);
    let keyRegex: RegExp;
    try {
      // Keys are compared case-insensitively, so is the regex. Keys are short (names of arguments,
      // headers, cookies), bounded by the body and header limits.
      keyRegex = new RegExp(source, 'i');
    } catch (e) {
      throw new Error(`invalid key regex /${source}/ in target "${spec}": ${(e as Error).message}`);
    }
    const prefix = /^\^[A-Za-z0-9_-]+$/.test(source) ? source.slice(1).toLowerCase() : undefined;
    return target(name, count, exclude, undefined, key, keyRegex, false, prefix);
  }
  return target(name, count, exclude, key.toLowerCase(), key);
}

/** Every Target has every field (undefined when absent): one object shape keeps property reads monomorphic per value. */
function target(name: string, count: boolean, exclude: boolean, key?: string, rawKey?: string, keyRegex?: RegExp, scalar = false, keyPrefix?: string): Target {
  return { name, key, rawKey, keyRegex, keyPrefix, count, exclude, scalar };
}

export function parseTargets(s: string): Target[] {
  const parts = splitTargets(s);
  if (parts.length === 0) throw new Error('no variables');
  return parts.map(parseTarget);
}

/** Whether an exclusion (`!ARGS:id`, `!ARGS:/^x/`, `!ARGS`) removes the entry with this key. */
export function excludes(ex: Target, name: string, lowerKey: string): boolean {
  if (ex.name !== name) return false;
  if (ex.keyRegex) return ex.keyRegex.test(lowerKey);
  if (ex.key !== undefined) return ex.key === lowerKey;
  return true;
}

/**
 * Collections whose emptiness a transaction can test before gathering a rule's values (an index
 * here is a `Rule.targetSources` entry). A `_NAMES` view is empty exactly when its collection is.
 */
export const SOURCE_COLLECTIONS = [
  'ARGS', 'ARGS_GET', 'ARGS_POST', 'REQUEST_COOKIES', 'REQUEST_HEADERS', 'RESPONSE_HEADERS', 'FILES', 'FILES_NAMES',
  'FILES_SIZES', 'FILES_TMP_CONTENT', 'MULTIPART_PART_HEADERS',
] as const;
/** `XML:/*` and `XML://@*`: nothing without a parsed XML body. */
export const SOURCE_XML = SOURCE_COLLECTIONS.length;
/** A scalar that holds a value only once the transaction sets it (REQUEST_BODY, REQBODY_ERROR_MSG…). */
export const SOURCE_SCALAR = SOURCE_XML + 1;

const NAMES_OF: ReadonlyMap<string, string> = new Map([
  ['ARGS_NAMES', 'ARGS'], ['ARGS_GET_NAMES', 'ARGS_GET'], ['ARGS_POST_NAMES', 'ARGS_POST'],
  ['REQUEST_COOKIES_NAMES', 'REQUEST_COOKIES'], ['REQUEST_HEADERS_NAMES', 'REQUEST_HEADERS'],
  ['RESPONSE_HEADERS_NAMES', 'RESPONSE_HEADERS'],
]);

/** Scalars the transaction computes when asked (Transaction.scalar's switch): never known empty. */
export const COMPUTED_SCALARS: ReadonlySet<string> = new Set([
  'MATCHED_VAR', 'MATCHED_VAR_NAME', 'ARGS_COMBINED_SIZE', 'FULL_REQUEST', 'FULL_REQUEST_LENGTH', 'DURATION',
  'TIME', 'TIME_DAY', 'TIME_EPOCH', 'TIME_HOUR', 'TIME_MIN', 'TIME_MON', 'TIME_SEC', 'TIME_WDAY', 'TIME_YEAR',
  'RESPONSE_HEADERS_COUNT', 'WEBSERVER_ERROR_LOG',
]);

/**
 * Where the target's values come from when a transaction may hold none (see SOURCE_*), or -1
 * when it always yields one: `&` counts (0 is a value), computed scalars, derived collections.
 */
export function targetSource(t: Target): number {
  if (t.count) return -1;
  if (t.name === 'XML') return SOURCE_XML;
  if (t.scalar) return COMPUTED_SCALARS.has(t.name) ? -1 : SOURCE_SCALAR;
  return (SOURCE_COLLECTIONS as readonly string[]).indexOf(NAMES_OF.get(t.name) ?? t.name);
}

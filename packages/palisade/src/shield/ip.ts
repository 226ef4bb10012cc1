// IP address parsing and CIDR matching for the connection stage, trusted proxies and the block list.
// Matching runs on every request, so IPv4 stays in plain numbers and IPv6 in four 32-bit words:
// no bigint and no regular expression on the hot path.

/** An IPv4 address as an unsigned 32-bit number, or -1. */
type V4 = number;

/** A parsed CIDR block (an address is a block with the full prefix). */
export type Cidr =
  | { readonly v: 4; readonly network: number; readonly prefix: number }
  | { readonly v: 6; readonly network: Readonly<Uint32Array>; readonly prefix: number };

// Scratch space for the IPv6 parser. JavaScript is single-threaded and the parser is not
// re-entrant, so sharing these avoids an allocation per parse.
const groups = new Uint16Array(8);
const words = new Uint32Array(4);

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/**
 * Dotted-quad IPv4 in s[start, end). Leading zeros are refused: some resolvers read '010' as
 * octal, so an allow or deny list entry written that way is ambiguous.
 */
function parseV4(s: string, start: number, end: number): V4 {
  let n = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (isDigit(c)) {
      if (digits > 0 && octet === 0) return -1;
      octet = octet * 10 + (c - 48);
      if (octet > 255 || ++digits > 3) return -1;
    } else if (c === 46) {
      if (digits === 0 || dots === 3) return -1;
      n = n * 256 + octet;
      dots++;
      octet = 0;
      digits = 0;
    } else {
      return -1;
    }
  }
  if (digits === 0 || dots !== 3) return -1;
  return n * 256 + octet;
}

/** IPv6 in s[start, end) into `words`; a zone id ('%eth0') is ignored. */
function parseV6(s: string, start: number, end: number): boolean {
  const pct = s.indexOf('%', start);
  if (pct >= 0 && pct < end) {
    if (pct === end - 1) return false;
    end = pct;
  }
  if (end - start < 2) return false;
  let gi = 0;
  let gap = -1;
  let i = start;
  if (s.charCodeAt(i) === 58) {
    if (s.charCodeAt(i + 1) !== 58) return false;
    gap = 0;
    i += 2;
  }
  while (i < end) {
    let j = i;
    let value = 0;
    while (j < end && j - i < 4) {
      const h = hexValue(s.charCodeAt(j));
      if (h < 0) break;
      value = value * 16 + h;
      j++;
    }
    if (j < end && s.charCodeAt(j) === 46) {
      // Embedded IPv4 ('::ffff:1.2.3.4', '64:ff9b::1.2.3.4') fills the last two groups.
      if (gi > 6) return false;
      const v4 = parseV4(s, i, end);
      if (v4 < 0) return false;
      groups[gi++] = Math.floor(v4 / 65536);
      groups[gi++] = v4 % 65536;
      i = end;
      break;
    }
    if (j === i || gi === 8) return false;
    groups[gi++] = value;
    if (j === end) {
      i = end;
      break;
    }
    if (s.charCodeAt(j) !== 58) return false;
    if (s.charCodeAt(j + 1) === 58) {
      if (gap >= 0) return false;
      gap = gi;
      i = j + 2;
    } else {
      i = j + 1;
      if (i === end) return false;
    }
  }
  if (gap >= 0) {
    if (gi === 8) return false;
    const tail = gi - gap;
    for (let k = 0; k < tail; k++) groups[7 - k] = groups[gi - 1 - k]!;
    for (let k = gap; k < 8 - tail; k++) groups[k] = 0;
  } else if (gi !== 8) {
    return false;
  }
  for (let k = 0; k < 4; k++) words[k] = groups[2 * k]! * 65536 + groups[2 * k + 1]!;
  return true;
}

/** True when `words` holds an IPv4-mapped address (::ffff:a.b.c.d). */
function wordsAreMapped(): boolean {
  return words[0] === 0 && words[1] === 0 && words[2] === 0xffff;
}

const V6_FAMILY = 6;

/**
 * Parses s (no brackets, no port). Returns the IPv4 number, V6_FAMILY negated (-6) with `words`
 * filled for IPv6, or -1 when s is not an address. IPv4-mapped IPv6 comes back as IPv4.
 */
function parseAny(s: string, start = 0, end = s.length): number {
  if (end <= start) return -1;
  const colon = s.indexOf(':', start);
  if (colon < 0 || colon >= end) return parseV4(s, start, end);
  if (!parseV6(s, start, end)) return -1;
  return wordsAreMapped() ? words[3]! : -V6_FAMILY;
}

/**
 * Parses an IPv4 or IPv6 address. Zone ids are stripped and IPv4-mapped IPv6 ('::ffff:1.2.3.4')
 * is returned as IPv4, so the same client matches the same rules on dual-stack sockets.
 */
export function parseIp(s: string): { v: 4 | 6; value: bigint } | null {
  const r = parseAny(s);
  if (r === -1) return null;
  if (r >= 0) return { v: 4, value: BigInt(r) };
  let value = 0n;
  for (let k = 0; k < 4; k++) value = (value << 32n) | BigInt(words[k]!);
  return { v: 6, value };
}

function formatV4(n: number): string {
  return `${Math.floor(n / 16777216)}.${Math.floor(n / 65536) % 256}.${Math.floor(n / 256) % 256}.${n % 256}`;
}

/** RFC 5952 text: lower case, no leading zeros, the longest run of two or more zero groups as '::'. */
function formatV6(w: ArrayLike<number>): string {
  const g: number[] = [];
  for (let k = 0; k < 4; k++) g.push(Math.floor(w[k]! / 65536), w[k]! % 65536);
  let bestStart = -1;
  let bestLen = 1;
  for (let k = 0; k < 8; ) {
    if (g[k] !== 0) {
      k++;
      continue;
    }
    let e = k;
    while (e < 8 && g[e] === 0) e++;
    if (e - k > bestLen) {
      bestStart = k;
      bestLen = e - k;
    }
    k = e;
  }
  const hex = (a: number, b: number) => g.slice(a, b).map((x) => x.toString(16)).join(':');
  if (bestStart < 0) return hex(0, 8);
  return `${hex(0, bestStart)}::${hex(bestStart + bestLen, 8)}`;
}

/**
 * Canonical text of an address: IPv4 dotted quad (also for IPv4-mapped IPv6), IPv6 per RFC 5952
 * without zone id. Text that is not an address is returned unchanged, so a socket that reports
 * no address still yields a usable (unmatchable) key.
 */
export function normalizeIp(s: string): string {
  const r = parseAny(s);
  if (r === -1) return s;
  return r >= 0 ? formatV4(r) : formatV6(words);
}

function v4Mask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

function v6MaskWord(prefix: number, k: number): number {
  const bits = Math.min(32, Math.max(0, prefix - 32 * k));
  return v4Mask(bits);
}

/** Why `entry` is not an address or CIDR block, or the parsed block. */
function parseCidrOrReason(entry: string): Cidr | string {
  const s = entry.trim();
  const slash = s.indexOf('/');
  const addrEnd = slash < 0 ? s.length : slash;
  const r = parseAny(s, 0, addrEnd);
  if (r === -1) return 'not an IPv4 or IPv6 address';
  const mapped = r >= 0 && s.indexOf(':') >= 0 && s.indexOf(':') < addrEnd;
  let prefix: number;
  if (slash < 0) {
    prefix = r >= 0 ? 32 : 128;
  } else {
    const p = s.slice(slash + 1);
    if (!/^\d{1,3}$/.test(p)) return 'the prefix length after / must be a number';
    prefix = Number(p);
    const max = r >= 0 && !mapped ? 32 : 128;
    if (prefix > max) return `the prefix length must be at most ${max}`;
    if (mapped) {
      // An IPv4-mapped block is matched as IPv4; shorter prefixes would straddle both families.
      if (prefix < 96) return 'an IPv4-mapped block needs a prefix of at least /96 (write it as IPv4 instead)';
      prefix -= 96;
    }
  }
  if (r >= 0) return { v: 4, network: (r & v4Mask(prefix)) >>> 0, prefix };
  const network = new Uint32Array(4);
  for (let k = 0; k < 4; k++) network[k] = (words[k]! & v6MaskWord(prefix, k)) >>> 0;
  return { v: 6, network, prefix };
}

/** Parses an address or CIDR block ('10.0.0.0/8', '2001:db8::/32'); null when invalid. Host bits are cleared. */
export function parseCidr(entry: string): Cidr | null {
  const c = parseCidrOrReason(entry);
  return typeof c === 'string' ? null : c;
}

/** Canonical text of a block: an address alone for a full-length prefix, 'network/prefix' otherwise. */
export function formatCidr(c: Cidr): string {
  if (c.v === 4) return c.prefix === 32 ? formatV4(c.network) : `${formatV4(c.network)}/${c.prefix}`;
  return c.prefix === 128 ? formatV6(c.network) : `${formatV6(c.network)}/${c.prefix}`;
}

/** Canonical form of an address or CIDR entry (see formatCidr); null when invalid. */
export function normalizeCidr(entry: string): string | null {
  const c = parseCidr(entry);
  return c ? formatCidr(c) : null;
}

function v6Key(prefix: number, w: ArrayLike<number>): string {
  // Only the words the prefix covers take part, masked; the rest would always be zero.
  let key = '';
  for (let k = 0; k * 32 < prefix; k++) key += `${(w[k]! & v6MaskWord(prefix, k)) >>> 0},`;
  return key;
}

const CACHE_LIMIT = 1024;

/**
 * Matches addresses against a fixed list of addresses and CIDR blocks. One hash lookup per distinct
 * prefix length in the list (longest first), so it stays fast for long lists.
 */
export class IpMatcher {
  /** Number of entries. */
  readonly size: number;
  // Per prefix length: network → the entry as written (for reporting which rule matched).
  private readonly v4: Array<{ mask: number; nets: Map<number, string> }> = [];
  private readonly v6: Array<{ prefix: number; nets: Map<string, string> }> = [];
  // IPv6 text costs more to parse than to hash; clients repeat, so remember recent answers.
  // Bounded and evicted oldest-first so rotating addresses cannot grow it.
  private readonly cache = new Map<string, string | null>();

  /** Throws an Error naming the first entry that is not an address or CIDR block. */
  constructor(entries: Iterable<string>) {
    const v4 = new Map<number, Map<number, string>>();
    const v6 = new Map<number, Map<string, string>>();
    let n = 0;
    for (const entry of entries) {
      const c = parseCidrOrReason(entry);
      if (typeof c === 'string') throw new Error(`'${entry}' is not a valid IP address or CIDR block: ${c}`);
      n++;
      if (c.v === 4) {
        let m = v4.get(c.prefix);
        if (!m) v4.set(c.prefix, (m = new Map()));
        if (!m.has(c.network)) m.set(c.network, entry);
      } else {
        let m = v6.get(c.prefix);
        if (!m) v6.set(c.prefix, (m = new Map()));
        const key = v6Key(c.prefix, c.network);
        if (!m.has(key)) m.set(key, entry);
      }
    }
    this.size = n;
    for (const p of [...v4.keys()].sort((a, b) => b - a)) this.v4.push({ mask: v4Mask(p), nets: v4.get(p)! });
    for (const p of [...v6.keys()].sort((a, b) => b - a)) this.v6.push({ prefix: p, nets: v6.get(p)! });
  }

  /** The entry (as written) of the most specific block containing ip, or undefined. */
  match(ip: string): string | undefined {
    // Fast path without touching the cache: plain IPv4, the common case.
    if (ip.indexOf(':') < 0) {
      const n = parseV4(ip, 0, ip.length);
      return n < 0 ? undefined : this.matchV4(n);
    }
    const cached = this.cache.get(ip);
    if (cached !== undefined) return cached ?? undefined;
    const r = parseAny(ip);
    const found = r === -1 ? undefined : r >= 0 ? this.matchV4(r) : this.matchWords();
    if (this.cache.size >= CACHE_LIMIT) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(ip, found ?? null);
    return found;
  }

  matches(ip: string): boolean {
    return this.match(ip) !== undefined;
  }

  private matchV4(n: number): string | undefined {
    for (const { mask, nets } of this.v4) {
      const hit = nets.get((n & mask) >>> 0);
      if (hit !== undefined) return hit;
    }
    return undefined;
  }

  private matchWords(): string | undefined {
    for (const { prefix, nets } of this.v6) {
      const hit = nets.get(v6Key(prefix, words));
      if (hit !== undefined) return hit;
    }
    return undefined;
  }
}

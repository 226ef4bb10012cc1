// The process-local dynamic block list: addresses and CIDR blocks added at run time (by Watch
// responses and the admin API), optionally with a time to live. The store is the source of truth
// across processes; host code mirrors it here with replaceAll() and listens to local changes.
import type { DynamicBlocklist } from './stage.js';
import type { Cidr } from './ip.js';
import { IpMatcher, formatCidr, normalizeIp, parseCidr } from './ip.js';

export interface BlocklistEntry {
  /** Canonical address or CIDR block. */
  entry: string;
  /** Epoch milliseconds after which the entry no longer applies; absent means permanent. */
  expiresAt?: number;
}

export type BlocklistChange =
  | { readonly type: 'add'; readonly entry: string; readonly expiresAt?: number }
  | { readonly type: 'remove'; readonly entry: string };

export interface MemoryBlocklistOptions {
  /** Clock in epoch milliseconds; tests pass a fake one. */
  now?: () => number;
}

const NEVER = Number.POSITIVE_INFINITY;

function parseEntry(entry: string): Cidr {
  const c = parseCidr(entry);
  if (!c) throw new Error(`'${entry}' is not a valid IP address or CIDR block`);
  return c;
}

function isHost(c: Cidr): boolean {
  return c.prefix === (c.v === 4 ? 32 : 128);
}

/**
 * Exact addresses sit in a Map (one lookup per request); CIDR blocks in an IpMatcher rebuilt when
 * they change, which is rare next to lookups. Expiry is lazy: an expired entry is dropped when a
 * lookup or list() meets it, so no timer is needed.
 */
export class MemoryBlocklist implements DynamicBlocklist {
  private exact = new Map<string, number>();
  private blocks = new Map<string, number>();
  private matcher: IpMatcher | null = null;
  private readonly listeners = new Set<(change: BlocklistChange) => void>();
  private readonly now: () => number;

  constructor(opts: MemoryBlocklistOptions = {}) {
    this.now = opts.now ?? Date.now;
  }

  /** Entries held, including expired ones not yet dropped. */
  get size(): number {
    return this.exact.size + this.blocks.size;
  }

  has(ip: string): boolean {
    if (this.exact.size === 0 && this.blocks.size === 0) return false;
    return this.hasExact(ip) || this.hasBlock(ip);
  }

  /** Blocks an address or CIDR block, replacing the expiry of an existing entry. Throws on an invalid entry or TTL. */
  add(entry: string, ttlMs?: number): void {
    const c = parseEntry(entry);
    if (ttlMs !== undefined && !(Number.isFinite(ttlMs) && ttlMs > 0)) {
      throw new RangeError(`Block list TTL must be a positive number of milliseconds, got ${ttlMs}`);
    }
    const key = formatCidr(c);
    const expiresAt = ttlMs === undefined ? NEVER : this.now() + ttlMs;
    if (isHost(c)) {
      this.exact.set(key, expiresAt);
    } else {
      this.blocks.set(key, expiresAt);
      this.matcher = null;
    }
    this.emit(expiresAt === NEVER ? { type: 'add', entry: key } : { type: 'add', entry: key, expiresAt });
  }

  /** Unblocks an entry (written in any form that normalises to it); true when it was in force. */
  remove(entry: string): boolean {
    const c = parseCidr(entry);
    if (!c) return false;
    const key = formatCidr(c);
    const map = isHost(c) ? this.exact : this.blocks;
    const expiresAt = map.get(key);
    if (expiresAt === undefined) return false;
    map.delete(key);
    if (map === this.blocks) this.matcher = null;
    if (expiresAt <= this.now()) return false;
    this.emit({ type: 'remove', entry: key });
    return true;
  }

  /** The entries in force, addresses first. Drops expired ones. */
  list(): BlocklistEntry[] {
    const now = this.now();
    const out: BlocklistEntry[] = [];
    for (const map of [this.exact, this.blocks]) {
      for (const [entry, expiresAt] of map) {
        if (expiresAt <= now) {
          map.delete(entry);
          if (map === this.blocks) this.matcher = null;
        } else {
          out.push(expiresAt === NEVER ? { entry } : { entry, expiresAt });
        }
      }
    }
    return out;
  }

  /**
   * Replaces the whole list with `entries` (from the store). Listeners are not told: the change
   * came from the store, and echoing it back would loop. Expired entries are skipped; invalid
   * ones are skipped and returned, so one bad row cannot stop the rest from applying.
   */
  replaceAll(entries: Iterable<BlocklistEntry>): string[] {
    const now = this.now();
    const exact = new Map<string, number>();
    const blocks = new Map<string, number>();
    const rejected: string[] = [];
    for (const { entry, expiresAt } of entries) {
      const c = parseCidr(entry);
      if (!c) {
        rejected.push(entry);
        continue;
      }
      const exp = expiresAt ?? NEVER;
      if (exp <= now) continue;
      const map = isHost(c) ? exact : blocks;
      const key = formatCidr(c);
      map.set(key, Math.max(exp, map.get(key) ?? 0));
    }
    this.exact = exact;
    this.blocks = blocks;
    this.matcher = null;
    return rejected;
  }

  /** Calls `listener` after every local add() and remove() that changes the list; returns an unsubscribe function. */
  onChange(listener: (change: BlocklistChange) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  private emit(change: BlocklistChange): void {
    // Every listener runs even if one throws; the first error is rethrown afterwards because the
    // list itself has already changed consistently and a caller should still learn of the failure.
    let first: { error: unknown } | undefined;
    for (const l of this.listeners) {
      try {
        l(change);
      } catch (error) {
        first ??= { error };
      }
    }
    if (first) throw first.error;
  }

  private hasExact(ip: string): boolean {
    if (this.exact.size === 0) return false;
    let key = ip;
    let expiresAt = this.exact.get(key);
    if (expiresAt === undefined) {
      // Callers normally pass canonical text already; only a miss pays for normalising.
      key = normalizeIp(ip);
      if (key === ip) return false;
      expiresAt = this.exact.get(key);
      if (expiresAt === undefined) return false;
    }
    if (expiresAt === NEVER || expiresAt > this.now()) return true;
    this.exact.delete(key);
    return false;
  }

  private hasBlock(ip: string): boolean {
    if (this.blocks.size === 0) return false;
    for (let attempt = 0; attempt < 2; attempt++) {
      this.matcher ??= new IpMatcher(this.blocks.keys());
      const hit = this.matcher.match(ip);
      if (hit === undefined) return false;
      const expiresAt = this.blocks.get(hit)!;
      const now = this.now();
      if (expiresAt > now) return true;
      // The most specific block has expired, but a wider one may still hold: drop every expired
      // block, rebuild once and look again.
      for (const [key, exp] of this.blocks) if (exp <= now) this.blocks.delete(key);
      this.matcher = null;
      if (this.blocks.size === 0) return false;
    }
    return false;
  }
}

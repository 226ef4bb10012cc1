// Dynamic rate-limit overrides: a stricter limit for one actor (a client address or a principal)
// for a while, placed by Watch's automatic responses or through the admin API, and applied by the
// rate-limit stage on top of the configured windows. Like the block list, the store holds the
// truth across processes (module state 'shield.rateOverrides') and each process mirrors it here.
import { parseIp, normalizeIp } from './ip.js';

export interface RateOverride {
  /** A canonical IP address, or 'principal:<id>'. */
  target: string;
  /** Requests allowed per window while the override lasts. */
  limit: number;
  windowSeconds: number;
  /** Epoch ms after which it no longer applies. */
  expiresAt: number;
  reason: string;
  createdBy: string;
  createdAt: number;
}

/** What the rate-limit stage reads: a size for the fast path and a lookup by the request's actor. */
export interface RateOverrideLookup {
  readonly size: number;
  find(clientIp: string, principalId: string | undefined): RateOverride | undefined;
}

/** The store key of the overrides (module state, JSON). */
export const RATE_OVERRIDES_STATE_KEY = 'shield.rateOverrides';
/** Most overrides kept: beyond it the ones that expire first are dropped. */
const MAX_OVERRIDES = 10_000;
const PRINCIPAL = 'principal:';

/**
 * The canonical form of a target: an IP address (normalised) or 'principal:<id>'; undefined when
 * it is neither. CIDR blocks are not targets: a limit counts one actor, not a network.
 */
export function canonicalTarget(s: string): string | undefined {
  const t = s.trim();
  if (t.startsWith(PRINCIPAL)) {
    const id = t.slice(PRINCIPAL.length);
    return id.length > 0 && id.length <= 256 ? `${PRINCIPAL}${id}` : undefined;
  }
  return parseIp(t) ? normalizeIp(t) : undefined;
}

/** Validates what was read back from the store; drops anything malformed rather than failing. */
export function parseOverrides(text: string | undefined): RateOverride[] {
  if (!text) return [];
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return [];
  }
  if (!Array.isArray(raw)) return [];
  const out: RateOverride[] = [];
  for (const r of raw as Array<Partial<RateOverride> | null>) {
    if (!r || typeof r.target !== 'string' || canonicalTarget(r.target) !== r.target) continue;
    if (!Number.isInteger(r.limit) || !Number.isInteger(r.windowSeconds) || typeof r.expiresAt !== 'number') continue;
    out.push({ target: r.target, limit: r.limit!, windowSeconds: r.windowSeconds!, expiresAt: r.expiresAt, reason: String(r.reason ?? ''), createdBy: String(r.createdBy ?? ''), createdAt: Number(r.createdAt ?? 0) });
  }
  return out;
}

/** Expiry is lazy, as in the block list: an expired override is dropped when a lookup meets it. */
export class RateOverrides implements RateOverrideLookup {
  private map = new Map<string, RateOverride>();
  constructor(private readonly now: () => number = Date.now) {}

  get size(): number {
    return this.map.size;
  }

  find(clientIp: string, principalId: string | undefined): RateOverride | undefined {
    if (this.map.size === 0) return undefined;
    // A principal's override is the more specific one: it follows the caller across addresses.
    return (principalId !== undefined ? this.live(`${PRINCIPAL}${principalId}`) : undefined) ?? this.live(clientIp);
  }

  private live(key: string): RateOverride | undefined {
    const o = this.map.get(key);
    if (o && o.expiresAt <= this.now()) {
      this.map.delete(key);
      return undefined;
    }
    return o;
  }

  set(o: RateOverride): void {
    this.map.set(o.target, o);
  }

  remove(target: string): boolean {
    const o = this.live(target);
    this.map.delete(target);
    return o !== undefined;
  }

  list(): RateOverride[] {
    const now = this.now();
    return [...this.map.values()].filter((o) => o.expiresAt > now).sort((a, b) => b.createdAt - a.createdAt);
  }

  replaceAll(list: readonly RateOverride[]): void {
    this.map = new Map(list.map((o) => [o.target, o]));
  }
}

/** The persisted list after adding or replacing `o` (expired ones dropped, bounded). */
export function withOverride(list: readonly RateOverride[], o: RateOverride, now: number): RateOverride[] {
  const next = list.filter((x) => x.target !== o.target && x.expiresAt > now);
  next.push(o);
  if (next.length > MAX_OVERRIDES) next.sort((a, b) => b.expiresAt - a.expiresAt).length = MAX_OVERRIDES;
  return next;
}

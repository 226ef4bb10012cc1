// Sign-in throttling for the authorization server: failures are counted per account (distributed
// guessing of one password) and per client address (one address trying many accounts). A key that
// reaches its limit is locked out; each further lockout of the same key within a day doubles the
// next, up to a ceiling. Unknown accounts are counted like known ones, so a lockout says nothing
// about whether an account exists.
//
// Counters live in this process: the authorization server runs in one process per instance.
// Several instances behind a load balancer each count on their own (documented in
// docs/identity.md); the limits then apply per instance.

export interface FailureWindow {
  maxFailures: number;
  windowSeconds: number;
}

export interface ThrottleSettings {
  perAccount: FailureWindow;
  perIp: FailureWindow;
  lockoutSeconds: number;
  maxLockoutSeconds: number;
}

export type ThrottleVerdict = { allowed: true } | { allowed: false; scope: 'account' | 'ip'; retryAfterSeconds: number };

interface Entry {
  /** Failure times (epoch ms) inside the window, oldest first. */
  failures: number[];
  lockedUntil: number;
  /** Times of the lockouts in the last day, for doubling. */
  lockouts: number[];
}

const LOCKOUT_MEMORY_MS = 24 * 3600 * 1000;
/** Bounds memory under a flood of distinct keys; the least recently touched entries go first. */
const MAX_ENTRIES = 100_000;

export class LoginThrottle {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly settings: ThrottleSettings,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether an attempt may be checked at all. Call before looking at the password. */
  check(account: string, ip: string): ThrottleVerdict {
    const t = this.now();
    for (const [scope, key] of [['ip', `ip:${ip}`], ['account', `account:${account}`]] as const) {
      const e = this.entries.get(key);
      if (e && e.lockedUntil > t) return { allowed: false, scope, retryAfterSeconds: Math.ceil((e.lockedUntil - t) / 1000) };
    }
    return { allowed: true };
  }

  /** Records a failed attempt (wrong password, unknown account, wrong TOTP code). */
  failure(account: string, ip: string): void {
    this.count(`account:${account}`, this.settings.perAccount);
    this.count(`ip:${ip}`, this.settings.perIp);
  }

  /** A successful sign-in clears the account's failures (not the address's: a sprayer may guess one right). */
  success(account: string): void {
    const e = this.entries.get(`account:${account}`);
    if (e) e.failures = [];
  }

  private count(key: string, w: FailureWindow): void {
    const t = this.now();
    let e = this.entries.get(key);
    if (e) this.entries.delete(key);
    else e = { failures: [], lockedUntil: 0, lockouts: [] };
    // Re-inserted: Map order is insertion order, so the first entry is the least recently touched.
    this.entries.set(key, e);
    if (this.entries.size > MAX_ENTRIES) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    const since = t - w.windowSeconds * 1000;
    e.failures = e.failures.filter((f) => f > since);
    e.failures.push(t);
    if (e.failures.length < w.maxFailures) return;
    e.lockouts = e.lockouts.filter((l) => l > t - LOCKOUT_MEMORY_MS);
    const seconds = Math.min(this.settings.lockoutSeconds * 2 ** e.lockouts.length, this.settings.maxLockoutSeconds);
    e.lockouts.push(t);
    e.lockedUntil = t + seconds * 1000;
    e.failures = [];
  }
}

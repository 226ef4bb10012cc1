// Console sessions and sign-in throttling. The cookie carries 32 random bytes; the store keeps only
// their SHA-256, so a copy of the database opens no session. Each session has its own CSRF token
// (synchronizer token: the page reads it from GET /session and echoes it in x-csrf-token).
// Decision 0037.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ConsoleRole, ConsoleSessionRecord, ConsoleUserRecord, Store } from '../core/index.js';

export const SESSION_COOKIE = 'palisade_console';
export const COOKIE_PATH = '/console';

export interface SessionOptions {
  idleMs: number;
  maxMs: number;
  now: () => number;
}

export interface ActiveSession {
  session: ConsoleSessionRecord;
  user: ConsoleUserRecord;
}

/** lastSeenAt is written at most this often per session: a page polling every second costs no write each time. */
const TOUCH_EVERY_MS = 15_000;

export function sessionId(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Constant-time string comparison (hashing first hides the length). */
export function sameSecret(a: string, b: string): boolean {
  const x = createHash('sha256').update(a).digest();
  const y = createHash('sha256').update(b).digest();
  return timingSafeEqual(x, y);
}

export class Sessions {
  private lastPurge = 0;

  constructor(
    private readonly store: Store,
    readonly o: SessionOptions,
  ) {}

  /** Starts a session and returns the cookie token (shown to the browser only) with the record. */
  async create(user: { username: string; role: ConsoleRole }): Promise<{ token: string; session: ConsoleSessionRecord }> {
    const token = randomBytes(32).toString('base64url');
    const now = this.o.now();
    const session: ConsoleSessionRecord = {
      id: sessionId(token),
      username: user.username,
      role: user.role,
      createdAt: now,
      expiresAt: now + this.o.maxMs,
      lastSeenAt: now,
      csrfSecret: randomBytes(32).toString('base64url'),
    };
    await this.store.consoleUsers.createSession(session);
    await this.purgeNowAndThen(now);
    return { token, session };
  }

  /**
   * The session of a cookie token, when it is in force and its user still exists and is enabled.
   * The user's current role applies (a role change takes effect at the next request).
   */
  async resolve(token: string | undefined): Promise<ActiveSession | undefined> {
    if (!token || token.length > 100) return undefined;
    const id = sessionId(token);
    const session = await this.store.consoleUsers.getSession(id);
    if (!session) return undefined;
    const now = this.o.now();
    if (now >= session.expiresAt || now - session.lastSeenAt >= this.o.idleMs) {
      await this.store.consoleUsers.deleteSession(id);
      return undefined;
    }
    const user = await this.store.consoleUsers.getUser(session.username);
    if (!user || user.disabled) {
      await this.store.consoleUsers.deleteSession(id);
      return undefined;
    }
    if (now - session.lastSeenAt >= TOUCH_EVERY_MS) {
      await this.store.consoleUsers.touchSession(id, now);
      session.lastSeenAt = now;
    }
    return { session, user };
  }

  async destroy(token: string | undefined): Promise<void> {
    if (token) await this.store.consoleUsers.deleteSession(sessionId(token));
  }

  private async purgeNowAndThen(now: number): Promise<void> {
    if (now - this.lastPurge < 10 * 60_000) return;
    this.lastPurge = now;
    await this.store.consoleUsers.purgeSessions(now, now - this.o.idleMs);
  }
}

/**
 * Sign-in throttling: 5 failures for one username, or from one address, within 15 minutes lock
 * that username (or address) for 15 minutes. Kept in memory: the console runs in one process.
 */
export class LoginGuard {
  private readonly failures = new Map<string, number[]>();
  private readonly lockedUntil = new Map<string, number>();

  constructor(
    private readonly now: () => number,
    private readonly maxFailures = 5,
    private readonly windowMs = 15 * 60_000,
    private readonly lockMs = 15 * 60_000,
    private readonly maxKeys = 10_000,
  ) {}

  /** Seconds until sign-in may be tried again, or undefined when it may be tried now. */
  retryAfter(username: string, ip: string): number | undefined {
    const now = this.now();
    let until = 0;
    for (const k of [`u:${username}`, `ip:${ip}`]) {
      const t = this.lockedUntil.get(k);
      if (t !== undefined && t > now) until = Math.max(until, t);
      else if (t !== undefined) this.lockedUntil.delete(k);
    }
    return until > now ? Math.ceil((until - now) / 1000) : undefined;
  }

  fail(username: string, ip: string): void {
    const now = this.now();
    for (const k of [`u:${username}`, `ip:${ip}`]) {
      const recent = (this.failures.get(k) ?? []).filter((t) => now - t < this.windowMs);
      recent.push(now);
      this.failures.delete(k);
      this.failures.set(k, recent);
      if (recent.length >= this.maxFailures) {
        this.lockedUntil.set(k, now + this.lockMs);
        this.failures.delete(k);
      }
    }
    // Bounded: an attacker cycling usernames evicts the oldest entries, not our memory.
    while (this.failures.size > this.maxKeys) this.failures.delete(this.failures.keys().next().value!);
    while (this.lockedUntil.size > this.maxKeys) this.lockedUntil.delete(this.lockedUntil.keys().next().value!);
  }

  succeed(username: string): void {
    this.failures.delete(`u:${username}`);
  }
}

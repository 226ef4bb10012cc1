// ConsoleUsersStore for both dialects: the SQL is the same apart from placeholders and booleans,
// so one class holds it and each store hands in a small executor (sqlite-console-users.ts,
// postgres-console-users.ts). Arguments are checked here, before any SQL runs.
import type {
  ConsoleAuditEntry,
  ConsoleAuditQuery,
  ConsoleRole,
  ConsoleSessionRecord,
  ConsoleUserPatch,
  ConsoleUserRecord,
  ConsoleUsersStore,
  ConsoleUserSource,
  ErrorCode,
  NewConsoleUser,
} from '../core/index.js';

/** What a dialect provides: run a statement, get its rows and the number of rows changed. */
export interface ConsoleSqlExecutor {
  /** `$1`-style placeholders are rewritten by the SQLite executor. */
  exec<R>(code: ErrorCode, what: string, sql: string, params: unknown[]): Promise<{ rows: R[]; changes: number }>;
  /** How the dialect stores a boolean parameter. */
  bool(b: boolean): unknown;
}

interface UserRow {
  username: string;
  display_name: string;
  role: string;
  password_hash: string | null;
  source: string;
  subject: string | null;
  created_at: number | string;
  updated_at: number | string;
  disabled: number | boolean;
}

interface SessionRow {
  id: string;
  username: string;
  role: string;
  created_at: number | string;
  expires_at: number | string;
  last_seen_at: number | string;
  csrf_secret: string;
}

interface AuditRow {
  id: string;
  at: number | string;
  actor: string;
  role: string;
  action: string;
  target: string;
  detail: string;
}

const R: ErrorCode = 'PALISADE_ERR_STORE_READ';
const W: ErrorCode = 'PALISADE_ERR_STORE_WRITE';
const USER_COLUMNS = 'username, display_name, role, password_hash, source, subject, created_at, updated_at, disabled';
const SESSION_COLUMNS = 'id, username, role, created_at, expires_at, last_seen_at, csrf_secret';
const AUDIT_COLUMNS = 'id, at, actor, role, action, target, detail';
const USERNAME = /^[A-Za-z0-9._@:+-]{1,128}$/;
const ROLES: readonly string[] = ['viewer', 'operator', 'admin'];
const SOURCES: readonly string[] = ['local', 'oidc'];
/** An audit entry's detail is a small description, not a payload. */
const MAX_DETAIL = 8 * 1024;

export function validUsername(u: unknown): u is string {
  return typeof u === 'string' && USERNAME.test(u);
}

function username(u: unknown): string {
  if (!validUsername(u)) throw new TypeError(`A console username is 1 to 128 letters, digits or . _ @ : + -, got ${JSON.stringify(u)}`);
  return u;
}

function role(r: unknown): ConsoleRole {
  if (typeof r !== 'string' || !ROLES.includes(r)) throw new TypeError(`A console role is viewer, operator or admin, got ${JSON.stringify(r)}`);
  return r as ConsoleRole;
}

function text(name: string, v: unknown, max: number, allowEmpty = true): string {
  if (typeof v !== 'string' || v.length > max || (!allowEmpty && v.length === 0)) throw new TypeError(`${name} must be a string of at most ${max} characters`);
  return v;
}

function time(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new TypeError(`${name} must be epoch milliseconds, got ${String(v)}`);
  return v;
}

function userFromRow(r: UserRow): ConsoleUserRecord {
  return {
    username: r.username,
    displayName: r.display_name,
    role: r.role as ConsoleRole,
    ...(r.password_hash !== null ? { passwordHash: r.password_hash } : {}),
    source: r.source as ConsoleUserSource,
    ...(r.subject !== null ? { subject: r.subject } : {}),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    disabled: r.disabled === true || r.disabled === 1,
  };
}

function sessionFromRow(r: SessionRow): ConsoleSessionRecord {
  return {
    id: r.id,
    username: r.username,
    role: r.role as ConsoleRole,
    createdAt: Number(r.created_at),
    expiresAt: Number(r.expires_at),
    lastSeenAt: Number(r.last_seen_at),
    csrfSecret: r.csrf_secret,
  };
}

function auditFromRow(r: AuditRow): ConsoleAuditEntry {
  return { id: r.id, at: Number(r.at), actor: r.actor, role: r.role, action: r.action, target: r.target, detail: JSON.parse(r.detail) as Record<string, unknown> };
}

export class ConsoleUsersSql implements ConsoleUsersStore {
  constructor(private readonly x: ConsoleSqlExecutor) {}

  async createUser(u: NewConsoleUser): Promise<ConsoleUserRecord | undefined> {
    if (!SOURCES.includes(u.source)) throw new TypeError(`A console user's source is local or oidc, got ${JSON.stringify(u.source)}`);
    const params = [
      username(u.username),
      text('displayName', u.displayName, 200),
      role(u.role),
      u.passwordHash === undefined ? null : text('passwordHash', u.passwordHash, 512, false),
      u.source,
      u.subject === undefined ? null : text('subject', u.subject, 1024, false),
      time('createdAt', u.createdAt),
      u.createdAt,
      this.x.bool(u.disabled ?? false),
    ];
    const r = await this.x.exec<UserRow>(
      W,
      'creating a console user',
      `INSERT INTO console_users (${USER_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING RETURNING ${USER_COLUMNS}`,
      params,
    );
    return r.rows[0] ? userFromRow(r.rows[0]) : undefined;
  }

  async getUser(name: string): Promise<ConsoleUserRecord | undefined> {
    if (!validUsername(name)) return undefined;
    const r = await this.x.exec<UserRow>(R, 'reading a console user', `SELECT ${USER_COLUMNS} FROM console_users WHERE username = $1`, [name]);
    return r.rows[0] ? userFromRow(r.rows[0]) : undefined;
  }

  async findBySubject(source: ConsoleUserSource, subject: string): Promise<ConsoleUserRecord | undefined> {
    text('subject', subject, 1024, false);
    const r = await this.x.exec<UserRow>(R, 'reading a console user', `SELECT ${USER_COLUMNS} FROM console_users WHERE source = $1 AND subject = $2`, [source, subject]);
    return r.rows[0] ? userFromRow(r.rows[0]) : undefined;
  }

  async listUsers(limit = 1000): Promise<ConsoleUserRecord[]> {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be a positive integer, got ${limit}`);
    const r = await this.x.exec<UserRow>(R, 'listing console users', `SELECT ${USER_COLUMNS} FROM console_users ORDER BY username LIMIT $1`, [Math.min(limit, 10_000)]);
    return r.rows.map(userFromRow);
  }

  async countUsers(): Promise<number> {
    const r = await this.x.exec<{ n: number | string }>(R, 'counting console users', 'SELECT count(*) AS n FROM console_users', []);
    return Number(r.rows[0]?.n ?? 0);
  }

  async updateUser(name: string, patch: ConsoleUserPatch): Promise<ConsoleUserRecord | undefined> {
    const sets: string[] = [];
    const params: unknown[] = [];
    const set = (column: string, v: unknown) => {
      params.push(v);
      sets.push(`${column} = $${params.length}`);
    };
    if (patch.displayName !== undefined) set('display_name', text('displayName', patch.displayName, 200));
    if (patch.role !== undefined) set('role', role(patch.role));
    if (patch.passwordHash !== undefined) set('password_hash', text('passwordHash', patch.passwordHash, 512, false));
    if (patch.disabled !== undefined) set('disabled', this.x.bool(patch.disabled === true));
    set('updated_at', time('at', patch.at ?? Date.now()));
    params.push(username(name));
    const r = await this.x.exec<UserRow>(
      W,
      'updating a console user',
      `UPDATE console_users SET ${sets.join(', ')} WHERE username = $${params.length} RETURNING ${USER_COLUMNS}`,
      params,
    );
    return r.rows[0] ? userFromRow(r.rows[0]) : undefined;
  }

  async deleteUser(name: string): Promise<boolean> {
    if (!validUsername(name)) return false;
    // The user first: a session left by a failure in between is refused, since every request
    // looks its user up.
    const r = await this.x.exec(W, 'deleting a console user', 'DELETE FROM console_users WHERE username = $1', [name]);
    await this.deleteUserSessions(name);
    return r.changes > 0;
  }

  async createSession(s: ConsoleSessionRecord): Promise<void> {
    await this.x.exec(W, 'creating a console session', `INSERT INTO console_sessions (${SESSION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)`, [
      text('id', s.id, 128, false),
      username(s.username),
      role(s.role),
      time('createdAt', s.createdAt),
      time('expiresAt', s.expiresAt),
      time('lastSeenAt', s.lastSeenAt),
      text('csrfSecret', s.csrfSecret, 256, false),
    ]);
  }

  async getSession(id: string): Promise<ConsoleSessionRecord | undefined> {
    if (typeof id !== 'string' || id.length === 0 || id.length > 128) return undefined;
    const r = await this.x.exec<SessionRow>(R, 'reading a console session', `SELECT ${SESSION_COLUMNS} FROM console_sessions WHERE id = $1`, [id]);
    return r.rows[0] ? sessionFromRow(r.rows[0]) : undefined;
  }

  async touchSession(id: string, at: number): Promise<void> {
    await this.x.exec(W, 'touching a console session', 'UPDATE console_sessions SET last_seen_at = $1 WHERE id = $2 AND last_seen_at < $1', [time('at', at), id]);
  }

  async deleteSession(id: string): Promise<boolean> {
    const r = await this.x.exec(W, 'deleting a console session', 'DELETE FROM console_sessions WHERE id = $1', [id]);
    return r.changes > 0;
  }

  async deleteUserSessions(name: string): Promise<number> {
    const r = await this.x.exec(W, "deleting a console user's sessions", 'DELETE FROM console_sessions WHERE username = $1', [name]);
    return r.changes;
  }

  async purgeSessions(now: number, idleBefore: number): Promise<number> {
    const r = await this.x.exec(W, 'purging console sessions', 'DELETE FROM console_sessions WHERE expires_at <= $1 OR last_seen_at < $2', [time('now', now), time('idleBefore', idleBefore)]);
    return r.changes;
  }

  async addAudit(e: ConsoleAuditEntry): Promise<void> {
    const detail = JSON.stringify(e.detail ?? {});
    if (detail.length > MAX_DETAIL) throw new RangeError(`An audit entry's detail is ${detail.length} characters as JSON, more than ${MAX_DETAIL}`);
    await this.x.exec(W, 'writing an audit entry', `INSERT INTO console_audit (${AUDIT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)`, [
      text('id', e.id, 64, false),
      time('at', e.at),
      text('actor', e.actor, 200, false),
      text('role', e.role, 32, false),
      text('action', e.action, 100, false),
      text('target', e.target, 1024),
      detail,
    ]);
  }

  async listAudit(q: ConsoleAuditQuery = {}): Promise<ConsoleAuditEntry[]> {
    const limit = q.limit ?? 100;
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be a positive integer, got ${limit}`);
    const where: string[] = [];
    const params: unknown[] = [];
    if (q.before !== undefined) {
      params.push(text('before', q.before, 64, false));
      where.push(`id < $${params.length}`);
    }
    if (q.actor !== undefined) {
      params.push(text('actor', q.actor, 200, false));
      where.push(`actor = $${params.length}`);
    }
    params.push(Math.min(limit, 1000));
    const r = await this.x.exec<AuditRow>(
      R,
      'listing audit entries',
      `SELECT ${AUDIT_COLUMNS} FROM console_audit ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT $${params.length}`,
      params,
    );
    return r.rows.map(auditFromRow);
  }
}

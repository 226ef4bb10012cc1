// The part of the Store port that keeps the console's users, sessions and audit log, reached as
// `store.consoleUsers`. A store never sees a password or a session cookie in clear: only a scrypt
// hash of the password and the SHA-256 of the cookie token.

export type ConsoleRole = 'viewer' | 'operator' | 'admin';
export type ConsoleUserSource = 'local' | 'oidc';

export interface ConsoleUserRecord {
  /** Unique, case-sensitive: letters, digits and . _ @ : + - (at most 128). */
  username: string;
  displayName: string;
  role: ConsoleRole;
  /** Self-describing scrypt hash ("scrypt$N$r$p$salt$hash"); absent for users who sign in by SSO. */
  passwordHash?: string;
  source: ConsoleUserSource;
  /** The OpenID Connect subject ("iss|sub") of an 'oidc' user. */
  subject?: string;
  createdAt: number;
  updatedAt: number;
  disabled: boolean;
}

export type NewConsoleUser = Omit<ConsoleUserRecord, 'updatedAt' | 'disabled'> & { disabled?: boolean };

/** What `updateUser` may change; absent fields keep their value. */
export interface ConsoleUserPatch {
  displayName?: string;
  role?: ConsoleRole;
  passwordHash?: string;
  disabled?: boolean;
  /** Epoch ms of the change (default: now). */
  at?: number;
}

export interface ConsoleSessionRecord {
  /** SHA-256 (hex) of the cookie token. */
  id: string;
  username: string;
  role: ConsoleRole;
  createdAt: number;
  /** Absolute end: the session is refused from this epoch ms whatever its use. */
  expiresAt: number;
  lastSeenAt: number;
  /** The session's CSRF token (random, base64url): sent to the signed-in page, compared on every change. */
  csrfSecret: string;
}

export interface ConsoleAuditEntry {
  /** Time-ordered id (UUIDv7). */
  id: string;
  at: number;
  actor: string;
  /** The actor's role at the time ('system' for the CLI and automatic actions). */
  role: string;
  /** Dotted verb: 'user.create', 'finding.status', 'block.add'... */
  action: string;
  target: string;
  /** Small JSON object describing the change; never a secret. */
  detail: Record<string, unknown>;
}

export interface ConsoleAuditQuery {
  /** Most entries returned: default 100, at most 1000. */
  limit?: number;
  /** Paging: only entries strictly older than this entry id (ids are time-ordered). */
  before?: string;
  actor?: string;
}

export interface ConsoleUsersStore {
  /** Stores a new user; undefined when the username (or the source+subject) is taken. */
  createUser(user: NewConsoleUser): Promise<ConsoleUserRecord | undefined>;
  getUser(username: string): Promise<ConsoleUserRecord | undefined>;
  /** The user provisioned for an OpenID Connect subject. */
  findBySubject(source: ConsoleUserSource, subject: string): Promise<ConsoleUserRecord | undefined>;
  /** Users by username, at most `limit` (default 1000, at most 10000). */
  listUsers(limit?: number): Promise<ConsoleUserRecord[]>;
  countUsers(): Promise<number>;
  /** Applies the patch and returns the user as stored; undefined when there is no such user. */
  updateUser(username: string, patch: ConsoleUserPatch): Promise<ConsoleUserRecord | undefined>;
  /** Deletes the user and their sessions; true when a user was deleted. */
  deleteUser(username: string): Promise<boolean>;

  createSession(s: ConsoleSessionRecord): Promise<void>;
  /** The session, expired or not (the caller decides); undefined when absent. */
  getSession(id: string): Promise<ConsoleSessionRecord | undefined>;
  /** Moves lastSeenAt forward (never back). */
  touchSession(id: string, at: number): Promise<void>;
  deleteSession(id: string): Promise<boolean>;
  /** Ends every session of a user (disabled, deleted, role or password changed); returns how many. */
  deleteUserSessions(username: string): Promise<number>;
  /** Deletes sessions whose absolute end is at or before `now`, or idle since before `idleBefore`. */
  purgeSessions(now: number, idleBefore: number): Promise<number>;

  addAudit(entry: ConsoleAuditEntry): Promise<void>;
  /** Newest first. */
  listAudit(query?: ConsoleAuditQuery): Promise<ConsoleAuditEntry[]>;
}

// The embedded store: one SQLite file in WAL mode through better-sqlite3. Calls are synchronous
// inside (better-sqlite3 is, and that is its speed), wrapped in the asynchronous Store port.
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { PalisadeError } from '../../core/index.js';
import type {
  BlockEntry,
  ErrorCode,
  Exchange,
  ExchangeQuery,
  NewBlock,
  RetentionPolicy,
  RetentionResult,
  Store,
  StoreHealth,
} from '../../core/index.js';
import { EXCHANGE_COLUMNS, exchangeFilter, exchangeToRow, queryLimit, rowToExchange } from '../exchange-codec.js';
import type { ExchangeRow } from '../exchange-codec.js';
import { chunkSize, lookupEntry, retentionPlan, validBlock, validStateKey, validStateValue, yieldToEventLoop } from '../inputs.js';
import { SQLITE_MIGRATIONS } from '../migrations.js';
import type { Migration } from '../migrations.js';
import { currentVersion, migrationChecksum, migrationFailed, planMigrations } from '../migrator.js';
import type { AppliedMigration } from '../migrator.js';
import { reasonOf } from '../reason.js';
import { SqliteOAuthStore } from './sqlite-oauth.js';
import type { Run } from './sqlite-oauth.js';
import { SqliteApiKeyStore } from './sqlite-api-keys.js';
import { SqliteAlertStore } from './sqlite-alerts.js';
import { SqliteFindingStore } from './sqlite-findings.js';
import { SqliteScanStore } from './sqlite-scans.js';
import { SqliteConsoleUsersStore } from './sqlite-console-users.js';

export interface SqliteStoreOptions {
  /** Database file; its directory is created. ':memory:' keeps everything in memory (tests, one-off runs). */
  path: string;
  /** How long a statement waits for another process's write lock before failing. Default 5000 ms. */
  busyTimeoutMs?: number;
  /** Rows deleted per retention statement; the event loop runs between statements. Default 5000. */
  retentionChunkSize?: number;
  /** Replaces the built-in migration list. For tests only (e.g. injecting a failing step). */
  migrations?: readonly Migration[];
}

interface BlockRow {
  entry: string;
  reason: string;
  created_by: string;
  created_at: number;
  expires_at: number | null;
}

type Params = unknown[];

function blockFromRow(r: BlockRow): BlockEntry {
  const b: BlockEntry = { entry: r.entry, reason: r.reason, createdBy: r.created_by, createdAt: r.created_at };
  if (r.expires_at !== null) b.expiresAt = r.expires_at;
  return b;
}

export class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  readonly path: string;
  readonly oauth: SqliteOAuthStore;
  readonly apiKeys: SqliteApiKeyStore;
  readonly alerts: SqliteAlertStore;
  readonly findings: SqliteFindingStore;
  readonly scans: SqliteScanStore;
  readonly consoleUsers: SqliteConsoleUsersStore;
  private readonly db: Database.Database;
  private readonly migrations: readonly Migration[];
  private readonly chunk: number;
  private readonly statements = new Map<string, Database.Statement<Params>>();
  private insertMany: ((rows: readonly ExchangeRow[]) => void) | undefined;
  private closed = false;

  /** Opens (creating if needed) the database file. Throws PalisadeError('PALISADE_ERR_STORE_OPEN'). Call migrate() before use. */
  constructor(opts: SqliteStoreOptions) {
    this.path = opts.path;
    this.migrations = opts.migrations ?? SQLITE_MIGRATIONS;
    this.chunk = chunkSize(opts.retentionChunkSize);
    const inMemory = opts.path === ':memory:' || opts.path === '';
    try {
      if (!inMemory) mkdirSync(dirname(resolve(opts.path)), { recursive: true });
      this.db = new Database(opts.path);
    } catch (e) {
      throw new PalisadeError('PALISADE_ERR_STORE_OPEN', `Cannot open SQLite store at ${opts.path}: ${reasonOf(e)}`, [], { cause: e });
    }
    try {
      // WAL lets readers (console, admin API) run while the recorder writes; NORMAL is durable
      // across application crashes and only risks the last transactions on power loss.
      if (!inMemory) this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
      this.db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(opts.busyTimeoutMs ?? 5000))}`);
      this.db.pragma('foreign_keys = ON');
      this.db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version    INTEGER NOT NULL PRIMARY KEY,
        name       TEXT    NOT NULL,
        checksum   TEXT    NOT NULL,
        applied_at INTEGER NOT NULL
      )`);
    } catch (e) {
      this.db.close();
      throw new PalisadeError('PALISADE_ERR_STORE_OPEN', `Cannot open SQLite store at ${opts.path}: ${reasonOf(e)}`, [], { cause: e });
    }
    const run: Run = (code, what, fn) => this.run(code, what, fn);
    this.oauth = new SqliteOAuthStore(this.db, run);
    this.apiKeys = new SqliteApiKeyStore(this.db, run);
    this.alerts = new SqliteAlertStore(this.db, run);
    this.findings = new SqliteFindingStore(this.db, run);
    this.scans = new SqliteScanStore(this.db, run);
    this.consoleUsers = new SqliteConsoleUsersStore(this.db, run);
  }

  private run<T>(code: ErrorCode, what: string, fn: () => T): T {
    if (this.closed) throw new PalisadeError(code, `SQLite store at ${this.path} is closed (${what}).`);
    try {
      return fn();
    } catch (e) {
      if (e instanceof PalisadeError || e instanceof TypeError || e instanceof RangeError) throw e;
      throw new PalisadeError(code, `SQLite store at ${this.path}: ${what} failed: ${reasonOf(e)}`, [], { cause: e });
    }
  }

  /** Prepared once, reused: SQLite re-prepares by itself if a migration changes the schema. */
  private stmt<P extends Params = Params, R = unknown>(sql: string): Database.Statement<P, R> {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare<Params>(sql);
      this.statements.set(sql, s);
    }
    // The cache holds statements of every shape; each call site names the shape it prepared.
    return s as unknown as Database.Statement<P, R>;
  }

  private applied(): AppliedMigration[] {
    return this.stmt<[], AppliedMigration>('SELECT version, name, checksum FROM schema_migrations ORDER BY version').all();
  }

  async migrate(): Promise<void> {
    if (this.closed) throw new PalisadeError('PALISADE_ERR_STORE_MIGRATION', `SQLite store at ${this.path} is closed.`);
    const record = this.stmt<[number, string, string, number]>(
      'INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)',
    );
    // One step per IMMEDIATE transaction, planned inside it: another process migrating the same
    // file at the same time waits for the lock and then sees the step as applied.
    const step = this.db.transaction((): Migration | undefined => {
      const applied = this.applied();
      const next = planMigrations(this.migrations, applied)[0];
      if (!next) return undefined;
      try {
        this.db.exec(next.up);
        record.run(next.version, next.name, migrationChecksum(next), Date.now());
      } catch (e) {
        throw migrationFailed(next, currentVersion(applied), e);
      }
      return next;
    });
    try {
      // Each iteration applies one step; the loop ends when none is pending.
      while (step.immediate() !== undefined);
    } catch (e) {
      if (e instanceof PalisadeError) throw e;
      throw new PalisadeError('PALISADE_ERR_STORE_MIGRATION', `SQLite store at ${this.path}: migration failed: ${reasonOf(e)}`, [], { cause: e });
    }
    this.insertMany = undefined;
  }

  async schemaVersion(): Promise<number> {
    return this.run('PALISADE_ERR_STORE_READ', 'reading the schema version', () => currentVersion(this.applied()));
  }

  private prepareInsert(): (rows: readonly ExchangeRow[]) => void {
    const insert = this.stmt<Params>(
      `INSERT INTO exchanges (${EXCHANGE_COLUMNS.join(', ')}) VALUES (${EXCHANGE_COLUMNS.map(() => '?').join(', ')})
       ON CONFLICT (id) DO NOTHING`,
    );
    return this.db.transaction((rows: readonly ExchangeRow[]) => {
      for (const r of rows) {
        insert.run(r.id, r.started_at, r.api, r.route, r.method, r.status, r.client_ip, r.blocked_by, r.principal_id, r.duration, r.data);
      }
    });
  }

  async recordExchanges(batch: readonly Exchange[]): Promise<void> {
    if (batch.length === 0) return;
    const rows = batch.map(exchangeToRow);
    this.run('PALISADE_ERR_STORE_WRITE', `writing ${rows.length} exchanges`, () => {
      this.insertMany ??= this.prepareInsert();
      this.insertMany(rows);
    });
  }

  async recentExchanges(q: ExchangeQuery = {}): Promise<Exchange[]> {
    const { where, params } = exchangeFilter(q, () => '?');
    const sql = `SELECT ${EXCHANGE_COLUMNS.join(', ')} FROM exchanges ${where} ORDER BY started_at DESC, id DESC LIMIT ?`;
    const rows = this.run('PALISADE_ERR_STORE_READ', 'listing exchanges', () =>
      this.stmt<Params, ExchangeRow>(sql).all(...params, queryLimit(q.limit)),
    );
    return rows.map(rowToExchange);
  }

  async getExchange(id: string): Promise<Exchange | undefined> {
    const row = this.run('PALISADE_ERR_STORE_READ', 'reading an exchange', () =>
      this.stmt<[string], ExchangeRow>(`SELECT ${EXCHANGE_COLUMNS.join(', ')} FROM exchanges WHERE id = ?`).get(id),
    );
    return row ? rowToExchange(row) : undefined;
  }

  async countExchanges(): Promise<number> {
    return this.run('PALISADE_ERR_STORE_READ', 'counting exchanges', () =>
      this.stmt<[], { n: number }>('SELECT count(*) AS n FROM exchanges').get()?.n ?? 0,
    );
  }

  /** Repeats a bounded DELETE until it removes less than a chunk, yielding between statements. */
  private async deleteInChunks(sql: string, params: Params): Promise<number> {
    const stmt = this.run('PALISADE_ERR_STORE_WRITE', 'preparing retention', () => this.stmt<Params>(sql));
    let total = 0;
    for (;;) {
      const { changes } = this.run('PALISADE_ERR_STORE_WRITE', 'applying retention', () => stmt.run(...params, this.chunk));
      total += changes;
      if (changes < this.chunk) return total;
      await yieldToEventLoop();
    }
  }

  async applyRetention(p: RetentionPolicy): Promise<RetentionResult> {
    const plan = retentionPlan(p);
    const deletedByAge = await this.deleteInChunks(
      'DELETE FROM exchanges WHERE rowid IN (SELECT rowid FROM exchanges WHERE started_at < ? LIMIT ?)',
      [plan.cutoff],
    );
    // The newest row beyond the first `keep`: it and everything older goes. Rows recorded while
    // this runs are newer than the boundary and are not touched.
    const boundary = this.run('PALISADE_ERR_STORE_READ', 'finding the retention boundary', () =>
      this
        .stmt<[number], { started_at: number; id: string }>('SELECT started_at, id FROM exchanges ORDER BY started_at DESC, id DESC LIMIT 1 OFFSET ?')
        .get(plan.keep),
    );
    let deletedBySize = 0;
    if (boundary) {
      deletedBySize = await this.deleteInChunks(
        `DELETE FROM exchanges WHERE rowid IN (
           SELECT rowid FROM exchanges WHERE started_at < ? OR (started_at = ? AND id <= ?) LIMIT ?)`,
        [boundary.started_at, boundary.started_at, boundary.id],
      );
    }
    this.run('PALISADE_ERR_STORE_WRITE', 'purging expired blocks', () =>
      this.stmt<[number]>('DELETE FROM ip_blocks WHERE expires_at IS NOT NULL AND expires_at <= ?').run(plan.now),
    );
    return { deletedByAge, deletedBySize };
  }

  async listBlocks(now: number = Date.now()): Promise<BlockEntry[]> {
    const rows = this.run('PALISADE_ERR_STORE_READ', 'listing blocks', () =>
      this
        .stmt<[number], BlockRow>(
          'SELECT entry, reason, created_by, created_at, expires_at FROM ip_blocks WHERE expires_at IS NULL OR expires_at > ? ORDER BY created_at DESC, entry',
        )
        .all(now),
    );
    return rows.map(blockFromRow);
  }

  async addBlock(block: NewBlock): Promise<BlockEntry> {
    const b = validBlock(block);
    const row = this.run('PALISADE_ERR_STORE_WRITE', 'adding a block', () =>
      this
        .stmt<[string, string, string, number, number | null], BlockRow>(
          `INSERT INTO ip_blocks (entry, reason, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (entry) DO UPDATE SET reason = excluded.reason, created_by = excluded.created_by,
             created_at = excluded.created_at, expires_at = excluded.expires_at
           RETURNING entry, reason, created_by, created_at, expires_at`,
        )
        .get(b.entry, b.reason, b.createdBy, Date.now(), b.expiresAt),
    );
    if (!row) throw new PalisadeError('PALISADE_ERR_STORE_WRITE', `SQLite store at ${this.path}: adding a block returned no row.`);
    return blockFromRow(row);
  }

  async removeBlock(entry: string): Promise<boolean> {
    const canonical = lookupEntry(entry);
    if (canonical === undefined) return false;
    const now = Date.now();
    const removed = this.run('PALISADE_ERR_STORE_WRITE', 'removing a block', () =>
      this.stmt<[string], { expires_at: number | null }>('DELETE FROM ip_blocks WHERE entry = ? RETURNING expires_at').get(canonical),
    );
    return removed !== undefined && (removed.expires_at === null || removed.expires_at > now);
  }

  async getState(key: string): Promise<string | undefined> {
    const k = validStateKey(key);
    return this.run('PALISADE_ERR_STORE_READ', 'reading state', () =>
      this.stmt<[string], { value: string }>('SELECT value FROM state WHERE key = ?').get(k)?.value,
    );
  }

  async setState(key: string, value: string): Promise<void> {
    const k = validStateKey(key);
    const v = validStateValue(value);
    this.run('PALISADE_ERR_STORE_WRITE', 'writing state', () =>
      this
        .stmt<[string, string, number]>(
          'INSERT INTO state (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at',
        )
        .run(k, v, Date.now()),
    );
  }

  async health(): Promise<StoreHealth> {
    if (this.closed) return { ok: false, detail: 'closed' };
    try {
      const version = currentVersion(this.applied());
      const sqlite = this.stmt<[], { v: string }>('SELECT sqlite_version() AS v').get()?.v ?? '?';
      return { ok: true, detail: `sqlite ${sqlite}, schema version ${version}` };
    } catch (e) {
      return { ok: false, detail: reasonOf(e) };
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }
}

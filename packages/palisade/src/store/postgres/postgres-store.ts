// The clustered store: PostgreSQL through a pg connection pool. Several Palisade instances may
// share one database; migrations serialise on an advisory lock.
import { Pool } from 'pg';
import type { PoolClient, QueryResultRow } from 'pg';
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
import { chunkSize, lookupEntry, retentionPlan, validBlock, validStateKey, validStateValue } from '../inputs.js';
import { POSTGRES_MIGRATIONS } from '../migrations.js';
import type { Migration } from '../migrations.js';
import { currentVersion, migrationChecksum, migrationFailed, planMigrations } from '../migrator.js';
import type { AppliedMigration } from '../migrator.js';
import { reasonOf } from '../reason.js';
import { describeConnection, scrub, validSchemaName } from './connection.js';
import type { PgTarget } from './connection.js';
import { PostgresOAuthStore } from './postgres-oauth.js';
import { PostgresApiKeyStore } from './postgres-api-keys.js';
import { PostgresAlertStore } from './postgres-alerts.js';
import { PostgresFindingStore } from './postgres-findings.js';
import { PostgresScanStore } from './postgres-scans.js';
import { PostgresConsoleUsersStore } from './postgres-console-users.js';

export interface PostgresStoreOptions {
  /** Connection URL, postgres://user:password@host:port/database. */
  url: string;
  /** Schema holding Palisade's tables; created if missing and set as each connection's search_path. Default: the server's search_path (usually public). */
  schema?: string;
  /** Most connections the pool opens. Default 10. */
  poolSize?: number;
  /** How long to wait for a connection. Default 10000 ms. */
  connectionTimeoutMs?: number;
  /** Rows deleted per retention statement. Default 5000. */
  retentionChunkSize?: number;
  /** Replaces the built-in migration list. For tests only (e.g. injecting a failing step). */
  migrations?: readonly Migration[];
}

const HEALTH_TIMEOUT_MS = 5000;

// PostgreSQL returns BIGINT as text (it may exceed 2^53); epoch-ms times and counts never do.
type PgExchangeRow = Omit<ExchangeRow, 'started_at'> & { started_at: string };
interface PgBlockRow {
  entry: string;
  reason: string;
  created_by: string;
  created_at: string;
  expires_at: string | null;
}

function blockFromRow(r: PgBlockRow): BlockEntry {
  const b: BlockEntry = { entry: r.entry, reason: r.reason, createdBy: r.created_by, createdAt: Number(r.created_at) };
  if (r.expires_at !== null) b.expiresAt = Number(r.expires_at);
  return b;
}

function exchangeFromRow(r: PgExchangeRow): Exchange {
  return rowToExchange({ ...r, started_at: Number(r.started_at) });
}

const SELECT_EXCHANGE = `SELECT ${EXCHANGE_COLUMNS.join(', ')} FROM exchanges`;

// One statement per batch whatever its size: each column travels as one array parameter, so
// there is no parameter-count limit and PostgreSQL parses the statement once.
const INSERT_EXCHANGES = `INSERT INTO exchanges (${EXCHANGE_COLUMNS.join(', ')})
  SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::int[], $7::text[],
                       $8::text[], $9::text[], $10::float8[], $11::text[])
  ON CONFLICT (id) DO NOTHING`;

export class PostgresStore implements Store {
  readonly kind = 'postgres' as const;
  /** postgres://user@host:port/database: safe to show. */
  readonly target: string;
  readonly oauth: PostgresOAuthStore;
  readonly apiKeys: PostgresApiKeyStore;
  readonly alerts: PostgresAlertStore;
  readonly findings: PostgresFindingStore;
  readonly scans: PostgresScanStore;
  readonly consoleUsers: PostgresConsoleUsersStore;
  private readonly secrets: readonly string[];
  private readonly pool: Pool;
  private readonly schema: string | undefined;
  private readonly migrations: readonly Migration[];
  private readonly chunk: number;
  private schemaReady = false;
  private closed = false;
  private lastPoolError: string | undefined;

  /** Creates the pool without connecting; `connect()` or `migrate()` reaches the server. Throws PalisadeError('PALISADE_ERR_STORE_OPEN') for bad options. */
  constructor(opts: PostgresStoreOptions) {
    const t: PgTarget = describeConnection(opts.url);
    this.target = t.description;
    this.secrets = t.secrets;
    this.migrations = opts.migrations ?? POSTGRES_MIGRATIONS;
    this.chunk = chunkSize(opts.retentionChunkSize);
    this.schema = opts.schema;
    let options: string | undefined;
    if (opts.schema !== undefined) {
      if (!validSchemaName(opts.schema)) {
        throw new PalisadeError('PALISADE_ERR_STORE_OPEN', `Cannot open PostgreSQL store at ${this.target}: schema '${opts.schema}' must be a lower-case identifier (letters, digits, _).`);
      }
      if (hasUrlOptions(opts.url)) {
        // The URL's `options` would silently replace the search_path below.
        throw new PalisadeError('PALISADE_ERR_STORE_OPEN', `Cannot open PostgreSQL store at ${this.target}: the URL sets 'options', which cannot be combined with a schema.`);
      }
      // Sent in the startup packet, so every pooled connection has it before its first query.
      options = `-c search_path=${opts.schema}`;
    }
    this.pool = new Pool({
      connectionString: opts.url,
      max: opts.poolSize ?? 10,
      connectionTimeoutMillis: opts.connectionTimeoutMs ?? 10_000,
      application_name: 'palisade',
      ...(options !== undefined ? { options } : {}),
    });
    // An idle connection dropped by the server is reported here; without a listener it would
    // crash the process. The pool replaces the connection; health() reports the reason.
    this.pool.on('error', (err) => {
      this.lastPoolError = this.clean(reasonOf(err));
    });
    this.oauth = new PostgresOAuthStore((code, what, sql, params) => this.q(code, what, sql, params));
    this.apiKeys = new PostgresApiKeyStore((code, what, sql, params) => this.q(code, what, sql, params));
    this.alerts = new PostgresAlertStore((code, what, sql, params) => this.q(code, what, sql, params));
    this.findings = new PostgresFindingStore((code, what, sql, params) => this.q(code, what, sql, params));
    this.scans = new PostgresScanStore((code, what, sql, params) => this.q(code, what, sql, params));
    this.consoleUsers = new PostgresConsoleUsersStore((code, what, sql, params) => this.q(code, what, sql, params));
  }

  private clean(text: string): string {
    return scrub(text, this.secrets);
  }

  private fail(code: ErrorCode, what: string, e: unknown): PalisadeError {
    return new PalisadeError(code, `PostgreSQL store at ${this.target}: ${what} failed: ${this.clean(reasonOf(e))}`, [], { cause: e });
  }

  private async q<R extends QueryResultRow>(code: ErrorCode, what: string, sql: string, params: unknown[] = []): Promise<{ rows: R[]; rowCount: number }> {
    if (this.closed) throw new PalisadeError(code, `PostgreSQL store at ${this.target} is closed (${what}).`);
    try {
      const r = await this.pool.query<R>(sql, params);
      return { rows: r.rows, rowCount: r.rowCount ?? 0 };
    } catch (e) {
      throw this.fail(code, what, e);
    }
  }

  private async ensureSchema(client: PoolClient): Promise<void> {
    if (this.schemaReady || this.schema === undefined) return;
    try {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${this.schema}`);
    } catch (e) {
      // Two instances creating it at once: one wins, the other sees a duplicate.
      const code = (e as { code?: unknown }).code;
      if (code !== '42P06' && code !== '23505') throw e;
    }
    this.schemaReady = true;
  }

  /** Reaches the server and creates the schema if one was given. Throws PalisadeError('PALISADE_ERR_STORE_OPEN'). */
  async connect(): Promise<void> {
    if (this.closed) throw new PalisadeError('PALISADE_ERR_STORE_OPEN', `PostgreSQL store at ${this.target} is closed.`);
    let client: PoolClient | undefined;
    try {
      client = await this.pool.connect();
      await client.query('SELECT 1');
      await this.ensureSchema(client);
    } catch (e) {
      throw new PalisadeError('PALISADE_ERR_STORE_OPEN', `Cannot open PostgreSQL store at ${this.target}: ${this.clean(reasonOf(e))}`, [], { cause: e });
    } finally {
      client?.release();
    }
  }

  private async applied(client: PoolClient | Pool): Promise<AppliedMigration[]> {
    const r = await client.query<AppliedMigration>('SELECT version, name, checksum FROM schema_migrations ORDER BY version');
    return r.rows;
  }

  async migrate(): Promise<void> {
    if (this.closed) throw new PalisadeError('PALISADE_ERR_STORE_MIGRATION', `PostgreSQL store at ${this.target} is closed.`);
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (e) {
      throw this.fail('PALISADE_ERR_STORE_MIGRATION', 'connecting to migrate', e);
    }
    let broken: unknown;
    let locked = false;
    try {
      await this.ensureSchema(client);
      // Serialises instances starting together; keyed by schema so isolated schemas don't wait on each other.
      await client.query(`SELECT pg_advisory_lock(hashtext('palisade.migrate.' || current_schema()))`);
      locked = true;
      await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version    INTEGER NOT NULL PRIMARY KEY,
        name       TEXT    NOT NULL,
        checksum   TEXT    NOT NULL,
        applied_at BIGINT  NOT NULL
      )`);
      const applied = await this.applied(client);
      let version = currentVersion(applied);
      for (const m of planMigrations(this.migrations, applied)) {
        try {
          await client.query('BEGIN');
          await client.query(m.up);
          await client.query('INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES ($1, $2, $3, $4)', [
            m.version,
            m.name,
            migrationChecksum(m),
            Date.now(),
          ]);
          await client.query('COMMIT');
        } catch (e) {
          await client.query('ROLLBACK').catch((rollbackError: unknown) => {
            broken = rollbackError;
          });
          throw migrationFailed(m, version, new Error(this.clean(reasonOf(e)), { cause: e }));
        }
        version = m.version;
      }
    } catch (e) {
      if (e instanceof PalisadeError) throw e;
      throw this.fail('PALISADE_ERR_STORE_MIGRATION', 'migrating', e);
    } finally {
      if (locked && broken === undefined) {
        await client.query(`SELECT pg_advisory_unlock(hashtext('palisade.migrate.' || current_schema()))`).catch((e: unknown) => {
          broken = e;
        });
      }
      // A connection whose state is unknown (lock held, transaction open) is closed, not reused;
      // closing it also releases a session advisory lock.
      client.release(broken instanceof Error ? broken : broken !== undefined ? new Error(String(broken)) : undefined);
    }
  }

  async schemaVersion(): Promise<number> {
    const what = 'reading the schema version';
    const t = await this.q<{ present: boolean }>('PALISADE_ERR_STORE_READ', what, `SELECT to_regclass('schema_migrations') IS NOT NULL AS present`);
    if (!t.rows[0]?.present) return 0;
    const r = await this.q<{ v: number }>('PALISADE_ERR_STORE_READ', what, 'SELECT coalesce(max(version), 0) AS v FROM schema_migrations');
    return r.rows[0]?.v ?? 0;
  }

  async recordExchanges(batch: readonly Exchange[]): Promise<void> {
    if (batch.length === 0) return;
    const cols: unknown[][] = EXCHANGE_COLUMNS.map(() => new Array<unknown>(batch.length));
    batch.forEach((x, i) => {
      const r = exchangeToRow(x);
      EXCHANGE_COLUMNS.forEach((c, j) => {
        (cols[j] as unknown[])[i] = r[c];
      });
    });
    await this.q('PALISADE_ERR_STORE_WRITE', `writing ${batch.length} exchanges`, INSERT_EXCHANGES, cols);
  }

  async recentExchanges(query: ExchangeQuery = {}): Promise<Exchange[]> {
    const { where, params } = exchangeFilter(query, (n) => `$${n}`);
    params.push(queryLimit(query.limit));
    const r = await this.q<PgExchangeRow>(
      'PALISADE_ERR_STORE_READ',
      'listing exchanges',
      `${SELECT_EXCHANGE} ${where} ORDER BY started_at DESC, id DESC LIMIT $${params.length}`,
      params,
    );
    return r.rows.map(exchangeFromRow);
  }

  async getExchange(id: string): Promise<Exchange | undefined> {
    const r = await this.q<PgExchangeRow>('PALISADE_ERR_STORE_READ', 'reading an exchange', `${SELECT_EXCHANGE} WHERE id = $1`, [id]);
    const row = r.rows[0];
    return row ? exchangeFromRow(row) : undefined;
  }

  async countExchanges(): Promise<number> {
    const r = await this.q<{ n: string }>('PALISADE_ERR_STORE_READ', 'counting exchanges', 'SELECT count(*) AS n FROM exchanges');
    return Number(r.rows[0]?.n ?? 0);
  }

  /** Repeats a bounded DELETE (its last parameter is the chunk size) until it removes less than a chunk. */
  private async deleteInChunks(sql: string, params: unknown[]): Promise<number> {
    let total = 0;
    for (;;) {
      const { rowCount } = await this.q('PALISADE_ERR_STORE_WRITE', 'applying retention', sql, [...params, this.chunk]);
      total += rowCount;
      if (rowCount < this.chunk) return total;
    }
  }

  async applyRetention(p: RetentionPolicy): Promise<RetentionResult> {
    const plan = retentionPlan(p);
    const deletedByAge = await this.deleteInChunks(
      'DELETE FROM exchanges WHERE id IN (SELECT id FROM exchanges WHERE started_at < $1 LIMIT $2)',
      [plan.cutoff],
    );
    // The newest row beyond the first `keep`: it and everything older goes. Rows recorded
    // meanwhile are newer than the boundary and are not touched.
    const b = await this.q<{ started_at: string; id: string }>(
      'PALISADE_ERR_STORE_READ',
      'finding the retention boundary',
      'SELECT started_at, id FROM exchanges ORDER BY started_at DESC, id DESC LIMIT 1 OFFSET $1',
      [plan.keep],
    );
    const boundary = b.rows[0];
    let deletedBySize = 0;
    if (boundary) {
      deletedBySize = await this.deleteInChunks(
        `DELETE FROM exchanges WHERE id IN (
           SELECT id FROM exchanges WHERE started_at < $1 OR (started_at = $1 AND id <= $2) LIMIT $3)`,
        [boundary.started_at, boundary.id],
      );
    }
    await this.q('PALISADE_ERR_STORE_WRITE', 'purging expired blocks', 'DELETE FROM ip_blocks WHERE expires_at IS NOT NULL AND expires_at <= $1', [plan.now]);
    return { deletedByAge, deletedBySize };
  }

  async listBlocks(now: number = Date.now()): Promise<BlockEntry[]> {
    const r = await this.q<PgBlockRow>(
      'PALISADE_ERR_STORE_READ',
      'listing blocks',
      'SELECT entry, reason, created_by, created_at, expires_at FROM ip_blocks WHERE expires_at IS NULL OR expires_at > $1 ORDER BY created_at DESC, entry',
      [Math.trunc(now)],
    );
    return r.rows.map(blockFromRow);
  }

  async addBlock(block: NewBlock): Promise<BlockEntry> {
    const b = validBlock(block);
    const r = await this.q<PgBlockRow>(
      'PALISADE_ERR_STORE_WRITE',
      'adding a block',
      `INSERT INTO ip_blocks (entry, reason, created_by, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (entry) DO UPDATE SET reason = excluded.reason, created_by = excluded.created_by,
         created_at = excluded.created_at, expires_at = excluded.expires_at
       RETURNING entry, reason, created_by, created_at, expires_at`,
      [b.entry, b.reason, b.createdBy, Date.now(), b.expiresAt],
    );
    const row = r.rows[0];
    if (!row) throw new PalisadeError('PALISADE_ERR_STORE_WRITE', `PostgreSQL store at ${this.target}: adding a block returned no row.`);
    return blockFromRow(row);
  }

  async removeBlock(entry: string): Promise<boolean> {
    const canonical = lookupEntry(entry);
    if (canonical === undefined) return false;
    const now = Date.now();
    const r = await this.q<{ expires_at: string | null }>(
      'PALISADE_ERR_STORE_WRITE',
      'removing a block',
      'DELETE FROM ip_blocks WHERE entry = $1 RETURNING expires_at',
      [canonical],
    );
    const row = r.rows[0];
    return row !== undefined && (row.expires_at === null || Number(row.expires_at) > now);
  }

  async getState(key: string): Promise<string | undefined> {
    const r = await this.q<{ value: string }>('PALISADE_ERR_STORE_READ', 'reading state', 'SELECT value FROM state WHERE key = $1', [validStateKey(key)]);
    return r.rows[0]?.value;
  }

  async setState(key: string, value: string): Promise<void> {
    await this.q(
      'PALISADE_ERR_STORE_WRITE',
      'writing state',
      'INSERT INTO state (key, value, updated_at) VALUES ($1, $2, $3) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at',
      [validStateKey(key), validStateValue(value), Date.now()],
    );
  }

  async health(): Promise<StoreHealth> {
    if (this.closed) return { ok: false, detail: 'closed' };
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${HEALTH_TIMEOUT_MS} ms`)), HEALTH_TIMEOUT_MS);
      timer.unref();
    });
    try {
      const [server, version] = await Promise.race([
        Promise.all([this.pool.query<{ v: string }>('SELECT current_setting($1) AS v', ['server_version']), this.schemaVersion()]),
        timeout,
      ]);
      return { ok: true, detail: `postgres ${server.rows[0]?.v ?? '?'} at ${this.target}, schema version ${version}` };
    } catch (e) {
      const last = this.lastPoolError ? ` (last connection error: ${this.lastPoolError})` : '';
      return { ok: false, detail: `${this.target}: ${this.clean(reasonOf(e))}${last}` };
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}

function hasUrlOptions(url: string): boolean {
  try {
    return new URL(url).searchParams.has('options');
  } catch {
    return false;
  }
}

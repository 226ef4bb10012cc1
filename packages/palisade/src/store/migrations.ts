// The database schema, as ordered, numbered, immutable migrations: one list per dialect.
//
// How to extend (findings, inventory, alerts...):
//   1. Append a step to BOTH lists below with the next version number and the same name. Keep the
//      two dialects' versions in step so a version number means the same schema everywhere.
//   2. Never edit, renumber or remove a step once released: the store records a checksum of every
//      applied step and refuses to run against a database whose history differs from this file.
//      To change a table, append a new step that alters it.
//   3. `up` is plain SQL (several statements allowed). It runs in one transaction together with
//      its row in schema_migrations, so a failing step leaves the previous version in place.
//      PostgreSQL: don't use statements that refuse to run in a transaction
//      (CREATE INDEX CONCURRENTLY, ALTER TYPE ... ADD VALUE before PG 12).
//   4. Add the Store methods that use the new tables to the port (core/store.ts), both
//      implementations, and the contract suite (contract.test-suite.ts).
//
// Table names are unqualified: PostgreSQL resolves them through the connection's search_path,
// which PostgresStore sets when given a schema.

export interface Migration {
  /** Positive integer, strictly increasing along the list. */
  readonly version: number;
  /** Short snake_case description, recorded with the version. */
  readonly name: string;
  /** SQL for this dialect. */
  readonly up: string;
}

// Exchanges keep as columns only what is filtered or sorted on; the rest is JSON text in `data`.
// `data` is TEXT rather than jsonb in PostgreSQL because body samples may contain NUL characters,
// which jsonb rejects; queries that need it can still cast `data::jsonb`.
// PostgreSQL's exchanges.id uses the "C" collation so ids sort by code point as in SQLite, which
// keeps the (started_at, id) paging order identical across both stores.

// Few indexes on purpose: every exchange is inserted once and read rarely, so each index is paid on
// the gateway's hot path. Recent-first views walk exchanges_started_idx and filter; the client
// address (investigations) and the rare principal/blocked rows get their own.
export const SQLITE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'exchanges_blocks_state',
    up: `
      CREATE TABLE exchanges (
        id           TEXT    NOT NULL PRIMARY KEY,
        started_at   INTEGER NOT NULL,
        api          TEXT,
        route        TEXT,
        method       TEXT    NOT NULL,
        status       INTEGER NOT NULL,
        client_ip    TEXT    NOT NULL,
        blocked_by   TEXT,
        principal_id TEXT,
        duration     REAL    NOT NULL,
        data         TEXT    NOT NULL
      );
      CREATE INDEX exchanges_started_idx   ON exchanges (started_at, id);
      CREATE INDEX exchanges_client_idx    ON exchanges (client_ip, started_at);
      CREATE INDEX exchanges_principal_idx ON exchanges (principal_id, started_at) WHERE principal_id IS NOT NULL;
      CREATE INDEX exchanges_blocked_idx   ON exchanges (started_at, id) WHERE blocked_by IS NOT NULL;

      CREATE TABLE ip_blocks (
        entry      TEXT    NOT NULL PRIMARY KEY,
        reason     TEXT    NOT NULL,
        created_by TEXT    NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER
      );
      CREATE INDEX ip_blocks_expires_idx ON ip_blocks (expires_at) WHERE expires_at IS NOT NULL;

      CREATE TABLE state (
        key        TEXT    NOT NULL PRIMARY KEY,
        value      TEXT    NOT NULL,
        updated_at INTEGER NOT NULL
      );
    `,
  },
];

export const POSTGRES_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'exchanges_blocks_state',
    up: `
      CREATE TABLE exchanges (
        id           TEXT COLLATE "C" NOT NULL PRIMARY KEY,
        started_at   BIGINT           NOT NULL,
        api          TEXT,
        route        TEXT,
        method       TEXT             NOT NULL,
        status       INTEGER          NOT NULL,
        client_ip    TEXT             NOT NULL,
        blocked_by   TEXT,
        principal_id TEXT,
        duration     DOUBLE PRECISION NOT NULL,
        data         TEXT             NOT NULL
      );
      CREATE INDEX exchanges_started_idx   ON exchanges (started_at, id);
      CREATE INDEX exchanges_client_idx    ON exchanges (client_ip, started_at);
      CREATE INDEX exchanges_principal_idx ON exchanges (principal_id, started_at) WHERE principal_id IS NOT NULL;
      CREATE INDEX exchanges_blocked_idx   ON exchanges (started_at, id) WHERE blocked_by IS NOT NULL;

      CREATE TABLE ip_blocks (
        entry      TEXT   NOT NULL PRIMARY KEY,
        reason     TEXT   NOT NULL,
        created_by TEXT   NOT NULL,
        created_at BIGINT NOT NULL,
        expires_at BIGINT
      );
      CREATE INDEX ip_blocks_expires_idx ON ip_blocks (expires_at) WHERE expires_at IS NOT NULL;

      CREATE TABLE state (
        key        TEXT   NOT NULL PRIMARY KEY,
        value      TEXT   NOT NULL,
        updated_at BIGINT NOT NULL
      );
    `,
  },
];

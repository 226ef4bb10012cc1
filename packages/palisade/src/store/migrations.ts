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
  // The built-in authorization server (identity/oauth). oauth_models holds
  // oidc-provider's models (sessions, interactions, grants, codes, refresh tokens) as opaque JSON
  // plus the few fields they are looked up by. Secrets are stored hashed (passwords, client secrets)
  // or sealed with AES-256-GCM (TOTP secrets, private keys), never in clear.
  {
    version: 2,
    name: 'oauth_server',
    up: `
      CREATE TABLE oauth_models (
        model       TEXT NOT NULL,
        id          TEXT NOT NULL,
        payload     TEXT NOT NULL,
        grant_id    TEXT,
        user_code   TEXT,
        uid         TEXT,
        expires_at  INTEGER,
        consumed_at INTEGER,
        PRIMARY KEY (model, id)
      );
      CREATE INDEX oauth_models_grant_idx     ON oauth_models (grant_id) WHERE grant_id IS NOT NULL;
      CREATE INDEX oauth_models_uid_idx       ON oauth_models (model, uid) WHERE uid IS NOT NULL;
      CREATE INDEX oauth_models_user_code_idx ON oauth_models (model, user_code) WHERE user_code IS NOT NULL;
      CREATE INDEX oauth_models_expires_idx   ON oauth_models (expires_at) WHERE expires_at IS NOT NULL;

      CREATE TABLE oauth_users (
        id             TEXT    NOT NULL PRIMARY KEY,
        username       TEXT    NOT NULL UNIQUE,
        password_hash  TEXT    NOT NULL,
        roles          TEXT    NOT NULL,
        totp_secret    TEXT,
        totp_last_step INTEGER,
        created_at     INTEGER NOT NULL,
        updated_at     INTEGER NOT NULL
      );

      CREATE TABLE oauth_clients (
        client_id     TEXT    NOT NULL PRIMARY KEY,
        name          TEXT    NOT NULL,
        secret_hash   TEXT,
        redirect_uris TEXT    NOT NULL,
        grant_types   TEXT    NOT NULL,
        scopes        TEXT    NOT NULL,
        created_at    INTEGER NOT NULL,
        updated_at    INTEGER NOT NULL
      );

      CREATE TABLE oauth_signing_keys (
        kid         TEXT    NOT NULL PRIMARY KEY,
        alg         TEXT    NOT NULL,
        public_jwk  TEXT    NOT NULL,
        private_jwk TEXT    NOT NULL,
        created_at  INTEGER NOT NULL,
        retired_at  INTEGER,
        expires_at  INTEGER
      );
    `,
  },
  // API keys (identity/api-keys.ts): the public id and a SHA-256 of the secret part, never the key.
  // Rows are kept after revocation and rotation so `keys list` can show who had what and when it
  // was last used. Scopes and roles are JSON arrays.
  {
    version: 3,
    name: 'api_keys',
    up: `
      CREATE TABLE api_keys (
        id           TEXT    NOT NULL PRIMARY KEY,
        api          TEXT    NOT NULL,
        name         TEXT    NOT NULL,
        scopes       TEXT    NOT NULL,
        roles        TEXT    NOT NULL,
        tenant       TEXT,
        secret_hash  TEXT    NOT NULL,
        created_at   INTEGER NOT NULL,
        created_by   TEXT,
        expires_at   INTEGER,
        revoked_at   INTEGER,
        last_used_at INTEGER,
        replaced_by  TEXT,
        replaces     TEXT,
        grace_until  INTEGER
      );
      CREATE INDEX api_keys_api_idx ON api_keys (api, created_at);
      CREATE INDEX api_keys_created_idx ON api_keys (created_at, id);
    `,
  },
  // Watch alerts (watch/alerts): one row per incident, updated in place while it repeats. Filter
  // and sort columns are columns; the figures, samples and response are JSON text in `data`.
  {
    version: 4,
    name: 'alerts',
    up: `
      CREATE TABLE alerts (
        id           TEXT    NOT NULL PRIMARY KEY,
        detector     TEXT    NOT NULL,
        actor_id     TEXT    NOT NULL,
        first_seen   INTEGER NOT NULL,
        last_seen    INTEGER NOT NULL,
        data         TEXT    NOT NULL
      );
      CREATE INDEX alerts_last_seen_idx ON alerts (last_seen, id);
      CREATE INDEX alerts_detector_idx ON alerts (detector, last_seen);
    `,
  },
  // Console sign-in (console/): users (local with a scrypt hash, or provisioned by OpenID Connect),
  // sessions keyed by the SHA-256 of the cookie token (a stolen database holds no usable cookie),
  // and the audit log of admin actions (detail is JSON text, never a secret).
  {
    version: 5,
    name: 'console_users_sessions_audit',
    up: `
      CREATE TABLE console_users (
        username      TEXT NOT NULL PRIMARY KEY,
        display_name  TEXT    NOT NULL,
        role          TEXT    NOT NULL,
        password_hash TEXT,
        source        TEXT    NOT NULL,
        subject       TEXT,
        created_at    INTEGER NOT NULL,
        updated_at    INTEGER NOT NULL,
        disabled      INTEGER NOT NULL DEFAULT 0
      );
      CREATE UNIQUE INDEX console_users_subject_idx ON console_users (source, subject) WHERE subject IS NOT NULL;

      CREATE TABLE console_sessions (
        id           TEXT    NOT NULL PRIMARY KEY,
        username     TEXT    NOT NULL,
        role         TEXT    NOT NULL,
        created_at   INTEGER NOT NULL,
        expires_at   INTEGER NOT NULL,
        last_seen_at INTEGER NOT NULL,
        csrf_secret  TEXT    NOT NULL
      );
      CREATE INDEX console_sessions_user_idx ON console_sessions (username);
      CREATE INDEX console_sessions_expires_idx ON console_sessions (expires_at);

      CREATE TABLE console_audit (
        id      TEXT NOT NULL PRIMARY KEY,
        at      INTEGER NOT NULL,
        actor   TEXT    NOT NULL,
        role    TEXT    NOT NULL,
        action  TEXT    NOT NULL,
        target  TEXT    NOT NULL,
        detail  TEXT    NOT NULL
      );
      CREATE INDEX console_audit_at_idx ON console_audit (at, id);
    `,
  },
  // Console findings (console/findings.ts) keyed by content fingerprint, with their triage state,
  // and the palisade.yaml changes made from the console (before/after text, for undo).
  {
    version: 6,
    name: 'console_findings_changes',
    up: `
      CREATE TABLE findings (
        fingerprint  TEXT NOT NULL PRIMARY KEY,
        source       TEXT    NOT NULL,
        check_id     TEXT    NOT NULL,
        title        TEXT    NOT NULL,
        severity     TEXT    NOT NULL,
        category     TEXT    NOT NULL,
        operation    TEXT,
        scope        TEXT,
        scan_id      TEXT,
        first_seen   INTEGER NOT NULL,
        last_seen    INTEGER NOT NULL,
        status       TEXT    NOT NULL,
        status_by    TEXT,
        status_at    INTEGER,
        status_note  TEXT,
        data         TEXT    NOT NULL
      );
      CREATE INDEX findings_last_seen_idx ON findings (last_seen);
      CREATE INDEX findings_scope_idx ON findings (scope, status) WHERE scope IS NOT NULL;

      CREATE TABLE config_changes (
        id                  TEXT NOT NULL PRIMARY KEY,
        at                  INTEGER NOT NULL,
        actor               TEXT    NOT NULL,
        finding_fingerprint TEXT,
        path                TEXT    NOT NULL,
        summary             TEXT    NOT NULL,
        before_text         TEXT    NOT NULL,
        after_text          TEXT    NOT NULL,
        undone_at           INTEGER,
        undone_by           TEXT
      );
      CREATE INDEX config_changes_at_idx ON config_changes (at, id);
    `,
  },
  // Scans started from the console (console/scan-manager): progress and summary are small JSON
  // documents rewritten while a scan runs; the HTML report is bounded (MAX_SCAN_REPORT_CHARS) and
  // read only by its own query.
  {
    version: 7,
    name: 'console_scans',
    up: `
      CREATE TABLE scans (
        id          TEXT    NOT NULL PRIMARY KEY,
        created_at  INTEGER NOT NULL,
        started_at  INTEGER,
        finished_at INTEGER,
        status      TEXT    NOT NULL,
        target      TEXT    NOT NULL,
        spec_source TEXT    NOT NULL,
        api         TEXT,
        started_by  TEXT    NOT NULL,
        progress    TEXT,
        summary     TEXT,
        error       TEXT,
        report_html TEXT
      );
      CREATE INDEX scans_created_idx ON scans (created_at, id);
      CREATE INDEX scans_status_idx  ON scans (status) WHERE status IN ('queued', 'running');
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
  {
    version: 2,
    name: 'oauth_server',
    up: `
      CREATE TABLE oauth_models (
        model       TEXT NOT NULL,
        id          TEXT NOT NULL,
        payload     TEXT NOT NULL,
        grant_id    TEXT,
        user_code   TEXT,
        uid         TEXT,
        expires_at  BIGINT ,
        consumed_at BIGINT ,
        PRIMARY KEY (model, id)
      );
      CREATE INDEX oauth_models_grant_idx     ON oauth_models (grant_id) WHERE grant_id IS NOT NULL;
      CREATE INDEX oauth_models_uid_idx       ON oauth_models (model, uid) WHERE uid IS NOT NULL;
      CREATE INDEX oauth_models_user_code_idx ON oauth_models (model, user_code) WHERE user_code IS NOT NULL;
      CREATE INDEX oauth_models_expires_idx   ON oauth_models (expires_at) WHERE expires_at IS NOT NULL;

      CREATE TABLE oauth_users (
        id             TEXT    NOT NULL PRIMARY KEY,
        username       TEXT    NOT NULL UNIQUE,
        password_hash  TEXT    NOT NULL,
        roles          TEXT    NOT NULL,
        totp_secret    TEXT,
        totp_last_step BIGINT ,
        created_at     BIGINT  NOT NULL,
        updated_at     BIGINT  NOT NULL
      );

      CREATE TABLE oauth_clients (
        client_id     TEXT    NOT NULL PRIMARY KEY,
        name          TEXT    NOT NULL,
        secret_hash   TEXT,
        redirect_uris TEXT    NOT NULL,
        grant_types   TEXT    NOT NULL,
        scopes        TEXT    NOT NULL,
        created_at    BIGINT  NOT NULL,
        updated_at    BIGINT  NOT NULL
      );

      CREATE TABLE oauth_signing_keys (
        kid         TEXT    NOT NULL PRIMARY KEY,
        alg         TEXT    NOT NULL,
        public_jwk  TEXT    NOT NULL,
        private_jwk TEXT    NOT NULL,
        created_at  BIGINT  NOT NULL,
        retired_at  BIGINT ,
        expires_at  BIGINT 
      );
    `,
  },
  {
    version: 3,
    name: 'api_keys',
    up: `
      CREATE TABLE api_keys (
        id           TEXT COLLATE "C" NOT NULL PRIMARY KEY,
        api          TEXT   NOT NULL,
        name         TEXT   NOT NULL,
        scopes       TEXT   NOT NULL,
        roles        TEXT   NOT NULL,
        tenant       TEXT,
        secret_hash  TEXT   NOT NULL,
        created_at   BIGINT NOT NULL,
        created_by   TEXT,
        expires_at   BIGINT,
        revoked_at   BIGINT,
        last_used_at BIGINT,
        replaced_by  TEXT,
        replaces     TEXT,
        grace_until  BIGINT
      );
      CREATE INDEX api_keys_api_idx ON api_keys (api, created_at);
      CREATE INDEX api_keys_created_idx ON api_keys (created_at, id);
    `,
  },
  // Watch alerts (watch/alerts): one row per incident, updated in place while it repeats. Filter
  // and sort columns are columns; the figures, samples and response are JSON text in `data`.
  {
    version: 4,
    name: 'alerts',
    up: `
      CREATE TABLE alerts (
        id           TEXT COLLATE "C" NOT NULL PRIMARY KEY,
        detector     TEXT    NOT NULL,
        actor_id     TEXT    NOT NULL,
        first_seen   BIGINT  NOT NULL,
        last_seen    BIGINT  NOT NULL,
        data         TEXT    NOT NULL
      );
      CREATE INDEX alerts_last_seen_idx ON alerts (last_seen, id);
      CREATE INDEX alerts_detector_idx ON alerts (detector, last_seen);
    `,
  },
  // Console sign-in (console/): users (local with a scrypt hash, or provisioned by OpenID Connect),
  // sessions keyed by the SHA-256 of the cookie token (a stolen database holds no usable cookie),
  // and the audit log of admin actions (detail is JSON text, never a secret).
  {
    version: 5,
    name: 'console_users_sessions_audit',
    up: `
      CREATE TABLE console_users (
        username      TEXT COLLATE "C" NOT NULL PRIMARY KEY,
        display_name  TEXT    NOT NULL,
        role          TEXT    NOT NULL,
        password_hash TEXT,
        source        TEXT    NOT NULL,
        subject       TEXT,
        created_at    BIGINT  NOT NULL,
        updated_at    BIGINT  NOT NULL,
        disabled      BOOLEAN NOT NULL DEFAULT false
      );
      CREATE UNIQUE INDEX console_users_subject_idx ON console_users (source, subject) WHERE subject IS NOT NULL;

      CREATE TABLE console_sessions (
        id           TEXT    NOT NULL PRIMARY KEY,
        username     TEXT    NOT NULL,
        role         TEXT    NOT NULL,
        created_at   BIGINT  NOT NULL,
        expires_at   BIGINT  NOT NULL,
        last_seen_at BIGINT  NOT NULL,
        csrf_secret  TEXT    NOT NULL
      );
      CREATE INDEX console_sessions_user_idx ON console_sessions (username);
      CREATE INDEX console_sessions_expires_idx ON console_sessions (expires_at);

      CREATE TABLE console_audit (
        id      TEXT COLLATE "C" NOT NULL PRIMARY KEY,
        at      BIGINT  NOT NULL,
        actor   TEXT    NOT NULL,
        role    TEXT    NOT NULL,
        action  TEXT    NOT NULL,
        target  TEXT    NOT NULL,
        detail  TEXT    NOT NULL
      );
      CREATE INDEX console_audit_at_idx ON console_audit (at, id);
    `,
  },
  // Console findings (console/findings.ts) keyed by content fingerprint, with their triage state,
  // and the palisade.yaml changes made from the console (before/after text, for undo).
  {
    version: 6,
    name: 'console_findings_changes',
    up: `
      CREATE TABLE findings (
        fingerprint  TEXT COLLATE "C" NOT NULL PRIMARY KEY,
        source       TEXT    NOT NULL,
        check_id     TEXT    NOT NULL,
        title        TEXT    NOT NULL,
        severity     TEXT    NOT NULL,
        category     TEXT    NOT NULL,
        operation    TEXT,
        scope        TEXT,
        scan_id      TEXT,
        first_seen   BIGINT  NOT NULL,
        last_seen    BIGINT  NOT NULL,
        status       TEXT    NOT NULL,
        status_by    TEXT,
        status_at    BIGINT ,
        status_note  TEXT,
        data         TEXT    NOT NULL
      );
      CREATE INDEX findings_last_seen_idx ON findings (last_seen);
      CREATE INDEX findings_scope_idx ON findings (scope, status) WHERE scope IS NOT NULL;

      CREATE TABLE config_changes (
        id                  TEXT COLLATE "C" NOT NULL PRIMARY KEY,
        at                  BIGINT  NOT NULL,
        actor               TEXT    NOT NULL,
        finding_fingerprint TEXT,
        path                TEXT    NOT NULL,
        summary             TEXT    NOT NULL,
        before_text         TEXT    NOT NULL,
        after_text          TEXT    NOT NULL,
        undone_at           BIGINT ,
        undone_by           TEXT
      );
      CREATE INDEX config_changes_at_idx ON config_changes (at, id);
    `,
  },
  {
    version: 7,
    name: 'console_scans',
    up: `
      CREATE TABLE scans (
        id          TEXT COLLATE "C" NOT NULL PRIMARY KEY,
        created_at  BIGINT  NOT NULL,
        started_at  BIGINT,
        finished_at BIGINT,
        status      TEXT    NOT NULL,
        target      TEXT    NOT NULL,
        spec_source TEXT    NOT NULL,
        api         TEXT,
        started_by  TEXT    NOT NULL,
        progress    TEXT,
        summary     TEXT,
        error       TEXT,
        report_html TEXT
      );
      CREATE INDEX scans_created_idx ON scans (created_at, id);
      CREATE INDEX scans_status_idx  ON scans (status) WHERE status IN ('queued', 'running');
    `,
  },
];

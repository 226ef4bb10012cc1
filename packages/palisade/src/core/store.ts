// The Store port: what every module may ask of persistence. Implemented in store/ by SQLite
// (embedded, default) and PostgreSQL (clusters). The methods are asynchronous so a networked
// database fits; callers never learn which implementation they hold beyond `kind`.
import type { Exchange } from './model.js';
import type { OAuthStore } from './oauth-store.js';
import type { ApiKeyStore } from './api-key-store.js';
import type { AlertStore } from './alert-store.js';
import type { FindingStore } from './findings-store.js';
import type { ScanStore } from './scan-store.js';
import type { ConsoleUsersStore } from './console-users-store.js';

export type * from './oauth-store.js';
export type * from './api-key-store.js';
export type * from './alert-store.js';
export type * from './findings-store.js';
export { FINDING_SOURCES, FINDING_STATUSES } from './findings-store.js';
export type * from './scan-store.js';
export type * from './console-users-store.js';
export { SCAN_STATUSES, MAX_SCAN_REPORT_CHARS } from './scan-store.js';

export type StoreKind = 'sqlite' | 'postgres';

/** Filters for `recentExchanges`. Every filter given must match (AND). */
export interface ExchangeQuery {
  /** Maximum number of exchanges returned: default 100, at most 1000 (larger values are capped). */
  limit?: number;
  api?: string;
  route?: string;
  status?: number;
  clientIp?: string;
  /** true: only exchanges Shield refused; false: only exchanges it let through. */
  blocked?: boolean;
  /**
   * Paging cursor: only exchanges that started strictly before this epoch-ms time.
   * Pass the last page's final `startedAt` here (and its `id` as `beforeId`) to get the next page.
   */
  before?: number;
  /**
   * Tie-breaker for `before`: also return exchanges that started exactly at `before` whose id
   * sorts before this one. Without it, exchanges sharing the cursor's millisecond are skipped.
   */
  beforeId?: string;
}

export interface RetentionPolicy {
  /** Exchanges older than this many days (relative to `now`) are deleted. */
  maxAgeDays: number;
  /** After the age pass, only the newest this many exchanges are kept. */
  maxExchanges: number;
  /** Epoch ms taken as the present; defaults to the current time. */
  now?: number;
}

export interface RetentionResult {
  deletedByAge: number;
  deletedBySize: number;
}

/** An entry of the dynamic block list: one IP address or CIDR range refused by Shield's connection stage. */
export interface BlockEntry {
  /** Canonical IP address or CIDR range (network address, lower-case IPv6, no /32 or /128 suffix). */
  entry: string;
  reason: string;
  /** Who placed the block: an operator name, 'watch:<detector>', ... */
  createdBy: string;
  /** Epoch ms when the block was (last) placed. */
  createdAt: number;
  /** Epoch ms after which the block no longer applies; absent for a permanent block. */
  expiresAt?: number;
}

export interface NewBlock {
  /** IP address or CIDR range; stored in canonical form, so equivalent spellings upsert the same entry. */
  entry: string;
  reason: string;
  createdBy: string;
  expiresAt?: number;
}

export interface StoreHealth {
  ok: boolean;
  /** What is wrong when not ok; a short description of the database when ok. Never contains credentials. */
  detail?: string;
}

/**
 * Persistence for exchanges, the dynamic block list and module state.
 * Record contents (headers, bodies) arrive already redacted; a Store never logs them.
 */
export interface Store {
  readonly kind: StoreKind;

  /**
   * Applies every pending versioned migration, each in its own transaction. Re-running is a no-op.
   * On failure the store stays at the last version that applied cleanly and this throws
   * PalisadeError('PALISADE_ERR_STORE_MIGRATION') carrying the database's reason.
   */
  migrate(): Promise<void>;
  /** The highest migration version applied (0 for an empty database). */
  schemaVersion(): Promise<number>;

  /** Writes a batch in one transaction. Idempotent by id: an id already stored keeps its first record. */
  recordExchanges(batch: readonly Exchange[]): Promise<void>;
  /** Newest first (by startedAt, then id). */
  recentExchanges(query?: ExchangeQuery): Promise<Exchange[]>;
  getExchange(id: string): Promise<Exchange | undefined>;
  countExchanges(): Promise<number>;
  /**
   * Deletes exchanges older than maxAgeDays, then the oldest beyond maxExchanges, in bounded
   * chunks so other work proceeds between them. Also purges expired block entries.
   */
  applyRetention(policy: RetentionPolicy): Promise<RetentionResult>;

  /** Blocks in force at `now` (default: the current time), newest first. */
  listBlocks(now?: number): Promise<BlockEntry[]>;
  /** Places or replaces (by canonical entry) a block and returns it as stored. */
  addBlock(block: NewBlock): Promise<BlockEntry>;
  /** Removes a block; true when a block in force was removed. */
  removeBlock(entry: string): Promise<boolean>;

  /** Small key/value state for modules (cursors, last-run markers...). Keys are namespaced by convention: 'module.key'. */
  getState(key: string): Promise<string | undefined>;
  setState(key: string, value: string): Promise<void>;

  /** The built-in authorization server's tables (identity/oauth). */
  readonly oauth: OAuthStore;

  /** Issued API keys, hashed (identity/api-keys.ts). */
  readonly apiKeys: ApiKeyStore;

  /** Watch's alerts (watch/alerts). */
  readonly alerts: AlertStore;

  /** The console's users, sessions and audit log (console/). */
  readonly consoleUsers: ConsoleUsersStore;

  /** Scans started from the console, with progress and HTML reports (console/scan-manager). */
  readonly scans: ScanStore;

  /** Findings from scans, audits and Watch with their triage state, and console configuration changes. */
  readonly findings: FindingStore;

  /** Never throws: reports whether the database answers. */
  health(): Promise<StoreHealth>;
  /** Releases the database; the store cannot be used afterwards. Closing twice is harmless. */
  close(): Promise<void>;
}

// Opening the configured store: construct, connect, migrate; one error code for "cannot open".
import { PalisadeError } from '../core/index.js';
import type { Store } from '../core/index.js';
import { PostgresStore } from './postgres/postgres-store.js';
import { SqliteStore } from './sqlite/sqlite-store.js';

export interface OpenStoreConfig {
  driver: 'sqlite' | 'postgres';
  /** SQLite file (sqlite driver); ':memory:' for a throw-away store. */
  path: string;
  /** PostgreSQL connection URL (postgres driver). */
  url?: string;
  /** PostgreSQL schema for Palisade's tables (postgres driver); created if missing. */
  schema?: string;
}

/**
 * Opens the store and brings its schema up to date.
 * Throws PalisadeError('PALISADE_ERR_STORE_OPEN') when the database cannot be reached or created,
 * and PalisadeError('PALISADE_ERR_STORE_MIGRATION') when it opened but could not be migrated.
 * Messages name the file or host, never a password.
 */
export async function openStore(cfg: OpenStoreConfig): Promise<Store> {
  let store: SqliteStore | PostgresStore;
  if (cfg.driver === 'sqlite') {
    store = new SqliteStore({ path: cfg.path });
  } else if (cfg.driver === 'postgres') {
    if (!cfg.url) {
      throw new PalisadeError('PALISADE_ERR_STORE_OPEN', 'The postgres store driver needs store.url (or PALISADE_STORE_URL).');
    }
    store = new PostgresStore({ url: cfg.url, ...(cfg.schema !== undefined ? { schema: cfg.schema } : {}) });
    try {
      await store.connect();
    } catch (e) {
      await store.close();
      throw e;
    }
  } else {
    throw new PalisadeError('PALISADE_ERR_STORE_OPEN', `Unknown store driver '${String(cfg.driver)}': use sqlite or postgres.`);
  }
  try {
    await store.migrate();
  } catch (e) {
    await store.close();
    throw e;
  }
  return store;
}

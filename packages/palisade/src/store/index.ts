// store/: the Store port's implementations. Other modules import only from here, and mostly
// need only openStore and the Store type (core/store.ts).
export { openStore } from './open.js';
export type { OpenStoreConfig } from './open.js';
export { SqliteStore } from './sqlite/sqlite-store.js';
export type { SqliteStoreOptions } from './sqlite/sqlite-store.js';
export { PostgresStore } from './postgres/postgres-store.js';
export type { PostgresStoreOptions } from './postgres/postgres-store.js';
export type { Migration } from './migrations.js';
export { DEFAULT_QUERY_LIMIT, MAX_QUERY_LIMIT } from './exchange-codec.js';
export { canonicalBlockEntry } from './block-entry.js';
export { MemoryWindowCounters } from './counters/window-counters.js';
export type { CounterWindow, WindowCounters, WindowCounts } from './counters/window-counters.js';
export { RedisWindowCounters } from './counters/redis-window-counters.js';

// Dialect-independent part of migrating: checking the recorded history against the known list
// and deciding what to apply. The stores do the I/O.
import { createHash } from 'node:crypto';
import { PalisadeError } from '../core/index.js';
import type { Migration } from './migrations.js';
import { reasonOf } from './reason.js';

/** A row of schema_migrations. */
export interface AppliedMigration {
  version: number;
  name: string;
  checksum: string;
}

export function migrationChecksum(m: Migration): string {
  return createHash('sha256').update(m.up, 'utf8').digest('hex');
}

/** The version a database is at: the highest applied step, 0 when none. */
export function currentVersion(applied: readonly AppliedMigration[]): number {
  let v = 0;
  for (const a of applied) if (a.version > v) v = a.version;
  return v;
}

function assertWellFormed(known: readonly Migration[]): void {
  let previous = 0;
  for (const m of known) {
    if (!Number.isSafeInteger(m.version) || m.version <= previous) {
      throw new PalisadeError(
        'PALISADE_ERR_STORE_MIGRATION',
        `Migration list is malformed: version ${String(m.version)} (${m.name}) does not follow version ${previous}; versions must be increasing positive integers.`,
      );
    }
    if (!/^[a-z0-9_]+$/.test(m.name)) {
      throw new PalisadeError('PALISADE_ERR_STORE_MIGRATION', `Migration ${m.version} has an invalid name '${m.name}': use snake_case.`);
    }
    previous = m.version;
  }
}

/**
 * Returns the migrations still to apply, in order, after checking that what the database has
 * applied is a prefix of `known` with identical content.
 */
export function planMigrations(known: readonly Migration[], applied: readonly AppliedMigration[]): Migration[] {
  assertWellFormed(known);
  const byVersion = new Map(known.map((m) => [m.version, m] as const));
  const latestKnown = known.at(-1)?.version ?? 0;
  for (const a of applied) {
    const m = byVersion.get(a.version);
    if (!m) {
      throw new PalisadeError(
        'PALISADE_ERR_STORE_MIGRATION',
        `The database has schema version ${a.version} (${a.name}), which this Palisade does not know (it knows up to ${latestKnown}). A newer Palisade has migrated this database.`,
      );
    }
    if (m.name !== a.name || migrationChecksum(m) !== a.checksum) {
      throw new PalisadeError(
        'PALISADE_ERR_STORE_MIGRATION',
        `Migration ${a.version} (${a.name}) differs from the one applied to this database; applied migrations are immutable.`,
      );
    }
  }
  const appliedVersions = new Set(applied.map((a) => a.version));
  const pending = known.filter((m) => !appliedVersions.has(m.version));
  const at = currentVersion(applied);
  const skipped = pending.find((m) => m.version < at);
  if (skipped) {
    throw new PalisadeError(
      'PALISADE_ERR_STORE_MIGRATION',
      `Migration ${skipped.version} (${skipped.name}) was never applied although the database is at version ${at}; the schema history is inconsistent.`,
    );
  }
  return pending;
}

/** Wraps a database failure while applying `m`, keeping the database's own reason in the message. */
export function migrationFailed(m: Migration, previousVersion: number, cause: unknown): PalisadeError {
  const reason = reasonOf(cause);
  return new PalisadeError(
    'PALISADE_ERR_STORE_MIGRATION',
    `Migration ${m.version} (${m.name}) failed: ${reason}. The store remains at version ${previousVersion}.`,
    [],
    { cause },
  );
}

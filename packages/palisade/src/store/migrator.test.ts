import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isPalisadeError } from '../core/index.js';
import type { Migration } from './migrations.js';
import { POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS } from './migrations.js';
import { currentVersion, migrationChecksum, migrationFailed, planMigrations } from './migrator.js';
import type { AppliedMigration } from './migrator.js';

const m = (version: number, name = `step_${version}`, up = `-- ${version}`): Migration => ({ version, name, up });
const applied = (x: Migration): AppliedMigration => ({ version: x.version, name: x.name, checksum: migrationChecksum(x) });
const isMigrationError = (re: RegExp) => (e: unknown) => isPalisadeError(e) && e.code === 'PALISADE_ERR_STORE_MIGRATION' && re.test(e.message);

describe('planMigrations', () => {
  const known = [m(1), m(2), m(3)];

  it('returns every step for an empty database and nothing for an up-to-date one', () => {
    assert.deepStrictEqual(planMigrations(known, []), known);
    assert.deepStrictEqual(planMigrations(known, known.map(applied)), []);
  });

  it('returns only the steps after the applied ones', () => {
    assert.deepStrictEqual(planMigrations(known, [applied(m(1))]), [m(2), m(3)]);
  });

  it('refuses versions it does not know', () => {
    assert.throws(() => planMigrations(known, [...known.map(applied), applied(m(4))]), isMigrationError(/version 4 .*knows up to 3/));
  });

  it('refuses an applied step whose content or name changed', () => {
    assert.throws(() => planMigrations(known, [applied(m(1, 'step_1', 'other sql'))]), isMigrationError(/immutable/));
    assert.throws(() => planMigrations(known, [applied(m(1, 'renamed'))]), isMigrationError(/immutable/));
  });

  it('refuses a hole in the applied history', () => {
    assert.throws(() => planMigrations(known, [applied(m(1)), applied(m(3))]), isMigrationError(/never applied/));
  });

  it('refuses malformed lists', () => {
    assert.throws(() => planMigrations([m(2), m(1)], []), isMigrationError(/malformed/));
    assert.throws(() => planMigrations([m(1), m(1)], []), isMigrationError(/malformed/));
    assert.throws(() => planMigrations([m(0)], []), isMigrationError(/malformed/));
    assert.throws(() => planMigrations([m(1.5)], []), isMigrationError(/malformed/));
    assert.throws(() => planMigrations([m(1, 'Bad Name')], []), isMigrationError(/name/));
  });

  it('reports the version and the database reason of a failed step', () => {
    const e = migrationFailed(m(3, 'add_x'), 2, new Error('syntax error at or near "x"'));
    assert.equal(e.code, 'PALISADE_ERR_STORE_MIGRATION');
    assert.match(e.message, /Migration 3 \(add_x\) failed: syntax error at or near "x"\. The store remains at version 2\./);
  });

  it('computes the current version', () => {
    assert.equal(currentVersion([]), 0);
    assert.equal(currentVersion([applied(m(1)), applied(m(7)), applied(m(3))]), 7);
  });
});

describe('built-in migration lists', () => {
  it('are well formed and keep both dialects at the same versions and names', () => {
    planMigrations(SQLITE_MIGRATIONS, []);
    planMigrations(POSTGRES_MIGRATIONS, []);
    assert.deepStrictEqual(
      SQLITE_MIGRATIONS.map((x) => [x.version, x.name]),
      POSTGRES_MIGRATIONS.map((x) => [x.version, x.name]),
    );
  });
});

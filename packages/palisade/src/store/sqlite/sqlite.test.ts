// SqliteStore against the Store contract, each test on its own file in a temporary directory.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { isPalisadeError } from '../../core/index.js';
import { storeContract } from '../contract.test-suite.js';
import { SQLITE_MIGRATIONS } from '../migrations.js';
import { SqliteStore } from './sqlite-store.js';

const root = mkdtempSync(join(tmpdir(), 'palisade-sqlite-'));
after(() => rmSync(root, { recursive: true, force: true }));

describe('SqliteStore: Store contract', () => {
  let n = 0;
  storeContract({
    kind: 'sqlite',
    builtinMigrations: SQLITE_MIGRATIONS,
    async location() {
      // A directory that does not exist yet: the store creates it.
      const path = join(root, `loc-${++n}`, 'nested', 'palisade.db');
      return { open: async (o = {}) => new SqliteStore({ path, ...o }) };
    },
    async cleanup() {
      /* the temporary root is removed once all suites ran */
    },
  });
});

describe('SqliteStore specifics', () => {
  it('uses WAL and synchronous=NORMAL on a file', async () => {
    const path = join(root, 'pragmas.db');
    const store = new SqliteStore({ path });
    await store.migrate();
    await store.close();
    const db = new Database(path, { readonly: true });
    try {
      assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    } finally {
      db.close();
    }
    assert.ok(existsSync(path));
  });

  it('works in memory', async () => {
    const store = new SqliteStore({ path: ':memory:' });
    await store.migrate();
    await store.setState('a', 'b');
    assert.equal(await store.getState('a'), 'b');
    await store.close();
  });

  it('fails to open with PALISADE_ERR_STORE_OPEN naming the path', () => {
    const blocker = join(root, 'a-file');
    writeFileSync(blocker, 'not a directory');
    const path = join(blocker, 'palisade.db');
    assert.throws(
      () => new SqliteStore({ path }),
      (e: unknown) => isPalisadeError(e) && e.code === 'PALISADE_ERR_STORE_OPEN' && e.message.includes(path),
    );
  });

  it('refuses a file that is not an SQLite database', async () => {
    const path = join(root, 'garbage.db');
    writeFileSync(path, 'this is not a database, but it is long enough to have a header '.repeat(20));
    let caught: unknown;
    try {
      const store = new SqliteStore({ path });
      await store.migrate().finally(() => store.close());
    } catch (e) {
      caught = e;
    }
    assert.ok(isPalisadeError(caught));
    assert.match(caught.code, /PALISADE_ERR_STORE_(OPEN|MIGRATION)/);
    assert.match(caught.message, /not a database/);
  });
});

// PostgresStore against the Store contract, each test in its own schema named after this run;
// every schema is dropped at the end. Without a reachable server the suite is skipped locally
// and fails in CI (CI=true).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { Client } from 'pg';
import { isPalisadeError } from '../../core/index.js';
import { storeContract } from '../contract.test-suite.js';
import { POSTGRES_MIGRATIONS } from '../migrations.js';
import { openStore } from '../open.js';
import { reasonOf } from '../reason.js';
import { describeConnection } from './connection.js';
import { PostgresStore } from './postgres-store.js';

const URL_ = process.env['PALISADE_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
// Shown in messages: never the password of a URL given through the environment.
const SHOWN = describeConnection(URL_).description;
const RUN = `palisade_test_${randomBytes(5).toString('hex')}`;
const schemas: string[] = [];

async function reachable(): Promise<string | undefined> {
  const c = new Client({ connectionString: URL_, connectionTimeoutMillis: 3000 });
  try {
    await c.connect();
    await c.query('SELECT 1');
    return undefined;
  } catch (e) {
    return reasonOf(e);
  } finally {
    await c.end().catch(() => undefined);
  }
}

async function dropSchemas(): Promise<void> {
  if (schemas.length === 0) return;
  const c = new Client({ connectionString: URL_ });
  await c.connect();
  try {
    for (const s of schemas.splice(0)) await c.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
  } finally {
    await c.end();
  }
}

function schemaName(): string {
  const s = `${RUN}_${schemas.length + 1}`;
  schemas.push(s);
  return s;
}

const unreachable = await reachable();

if (unreachable !== undefined && process.env['CI'] === 'true') {
  describe('PostgresStore', () => {
    it(`needs PostgreSQL at ${SHOWN} in CI`, () => {
      assert.fail(`PostgreSQL is unreachable at ${SHOWN} (${unreachable}); CI must provide it (or set PALISADE_TEST_PG_URL).`);
    });
  });
} else if (unreachable !== undefined) {
  const why = `PostgreSQL unreachable at ${SHOWN} (${unreachable}); set PALISADE_TEST_PG_URL or start a server to run these tests`;
  describe('PostgresStore: Store contract', { skip: why }, () => undefined);
  describe('PostgresStore specifics', { skip: why }, () => undefined);
} else {
  after(dropSchemas);

  describe('PostgresStore: Store contract', () => {
    storeContract({
      kind: 'postgres',
      builtinMigrations: POSTGRES_MIGRATIONS,
      async location() {
        const schema = schemaName();
        return {
          async open(o = {}) {
            const store = new PostgresStore({ url: URL_, schema, poolSize: 3, ...o });
            await store.connect();
            return store;
          },
        };
      },
      cleanup: dropSchemas,
    });
  });

  describe('PostgresStore specifics', () => {
    it('keeps its tables in the given schema, through openStore', async () => {
      const schema = schemaName();
      const store = await openStore({ driver: 'postgres', path: 'unused', url: URL_, schema });
      try {
        assert.equal(store.kind, 'postgres');
        await store.setState('k', 'v');
        const c = new Client({ connectionString: URL_ });
        await c.connect();
        try {
          const r = await c.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [`${schema}.exchanges`]);
          assert.equal(r.rows[0]?.t, `${schema}.exchanges`);
          const v = await c.query<{ value: string }>(`SELECT value FROM ${schema}.state WHERE key = 'k'`);
          assert.equal(v.rows[0]?.value, 'v');
        } finally {
          await c.end();
        }
      } finally {
        await store.close();
      }
    });

    it('lets concurrent instances migrate the same schema once', async () => {
      const schema = schemaName();
      const stores = [0, 1, 2].map(() => new PostgresStore({ url: URL_, schema, poolSize: 2 }));
      try {
        await Promise.all(stores.map(async (s) => s.connect()));
        await Promise.all(stores.map(async (s) => s.migrate()));
        for (const s of stores) assert.equal(await s.schemaVersion(), POSTGRES_MIGRATIONS.at(-1)?.version);
      } finally {
        await Promise.all(stores.map(async (s) => s.close()));
      }
    });

    it('refuses a schema name that would need quoting', () => {
      assert.throws(
        () => new PostgresStore({ url: URL_, schema: 'Bad-Name' }),
        (e: unknown) => isPalisadeError(e) && e.code === 'PALISADE_ERR_STORE_OPEN',
      );
    });
  });
}

// Object-level authorization with the owner read from the API's own database (ownerLookup.sql):
// SQLite and PostgreSQL, values bound (an injection attempt in the path finds nothing), answers
// cached, a broken query refused at load with its option path, a failing database answered 503.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { parseConfig } from 'palisade';
import { httpRequest, startTestShield, startUpstream, tempDir, type TestShield, type Upstream } from './helpers.js';

const SECRET = randomBytes(32).toString('hex');
const PG_URL = process.env.PALISADE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

function jwt(claims: Record<string, unknown>): string {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const head = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ exp: Math.floor(Date.now() / 1000) + 600, ...claims })}`;
  return `${head}.${createHmac('sha256', SECRET).update(head).digest('base64url')}`;
}
const ALICE = jwt({ sub: '1', roles: ['customer'] });
const BOB = jwt({ sub: '2', roles: ['customer'] });

const DOC = JSON.stringify({
  openapi: '3.1.0',
  info: { title: 'shop', version: '1' },
  paths: {
    '/orders/{orderId}': {
      parameters: [{ name: 'orderId', in: 'path', required: true, schema: { type: 'string' } }],
      get: { operationId: 'getOrder', responses: { '200': { description: 'ok' } } },
    },
  },
});

function config(upstream: string, database: string, cacheSeconds = 60): string {
  return `
apis: [{ name: shop, upstream: ${upstream}, openapi: openapi.json }]
defaults:
  authenticate: { enabled: true, methods: [jwt], jwt: { secret: '${SECRET}', algorithms: [HS256] } }
  authorize:
    enabled: true
    rules:
      - name: read-order
        operations: [getOrder]
        owner: lookup.owner == principal.id
        ownerLookup:
          cacheSeconds: ${cacheSeconds}
          sql: { database: '${database}', query: 'SELECT customer_id AS owner FROM orders_${process.pid} WHERE id = {orderId}' }
`;
}

describe('owner lookups in the API database', () => {
  const t = tempDir('palisade-owner-sql-');
  let up: Upstream;
  const seen: string[] = [];
  before(async () => {
    writeFileSync(join(t.dir, 'openapi.json'), DOC);
    up = await startUpstream((req, res) => {
      seen.push(req.url ?? '');
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: req.url?.split('/').pop() }));
    });
  });
  after(async () => {
    await up.close();
    t.cleanup();
  });

  const get = (shield: TestShield, id: string, token: string) => httpRequest(`${shield.gatewayUrl}/orders/${id}`, { headers: { authorization: `Bearer ${token}` } });

  it('SQLite (relative to the config file): the owner passes, another customer gets 404, an injection finds nothing', async () => {
    const db = new Database(join(t.dir, 'shop.db'));
    db.exec(`CREATE TABLE orders_${process.pid} (id TEXT PRIMARY KEY, customer_id TEXT NOT NULL)`);
    db.prepare(`INSERT INTO orders_${process.pid} VALUES (?, ?), (?, ?)`).run('1001', '1', '1003', '2');
    const shield = await startTestShield(config(up.url, 'sqlite:shop.db'), { dir: t.dir, baseDir: t.dir });
    try {
      seen.length = 0;
      assert.equal((await get(shield, '1001', ALICE)).status, 200);
      assert.equal((await get(shield, '1003', ALICE)).status, 404);
      assert.equal((await get(shield, '1003', BOB)).status, 200);
      assert.equal((await get(shield, encodeURIComponent("1003' OR '1'='1"), ALICE)).status, 404);
      assert.deepEqual(seen, ['/orders/1001', '/orders/1003']);
      // Cached: a change of owner is seen after cacheSeconds, not before.
      db.prepare(`UPDATE orders_${process.pid} SET customer_id = '1' WHERE id = '1003'`).run();
      assert.equal((await get(shield, '1003', ALICE)).status, 404);
    } finally {
      await shield.close();
      db.close();
    }
  });

  it('PostgreSQL: read-only sessions, owner checks, and a 503 when the query fails', async () => {
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    const table = `orders_${process.pid}`;
    try {
      await admin.query(`DROP TABLE IF EXISTS ${table}`);
      await admin.query(`CREATE TABLE ${table} (id TEXT PRIMARY KEY, customer_id TEXT NOT NULL)`);
      await admin.query(`INSERT INTO ${table} VALUES ('1001', '1'), ('1003', '2')`);
      const shield = await startTestShield(config(up.url, PG_URL, 0), { dir: t.dir, baseDir: t.dir });
      try {
        assert.equal((await get(shield, '1001', ALICE)).status, 200);
        assert.equal((await get(shield, '1003', ALICE)).status, 404);
        assert.equal((await get(shield, '1003', BOB)).status, 200);
        assert.equal((await get(shield, '9999', BOB)).status, 404);
        // The table disappears: the decision cannot be made, so nobody is let through.
        await admin.query(`DROP TABLE ${table}`);
        const r = await get(shield, '1001', ALICE);
        assert.equal(r.status, 503);
        assert.match(r.body, /owner-lookup-failed/);
      } finally {
        await shield.close();
      }
    } finally {
      await admin.query(`DROP TABLE IF EXISTS ${table}`);
      await admin.end();
    }
  });

  it('a query that writes, or has no placeholder, is refused when the configuration loads, naming the rule', async () => {
    const cases: Array<[string, RegExp]> = [
      ['DELETE FROM orders WHERE id = {orderId}', /authorize\.rules\[0\]\.ownerLookup\.sql: the query must be a single SELECT/],
      ['SELECT customer_id AS owner FROM orders', /authorize\.rules\[0\]\.ownerLookup\.sql: the query has no \{parameter\}/],
    ];
    for (const [query, why] of cases) {
      const yaml = config(up.url, 'sqlite:shop.db').replace(/query: '[^']*'/, `query: '${query}'`);
      await assert.rejects(startTestShield(yaml, { dir: t.dir, baseDir: t.dir }), why);
    }
    // Neither path nor sql, or both: the schema says which.
    const both = config(up.url, 'sqlite:shop.db').replace('cacheSeconds: 60', 'cacheSeconds: 60\n          path: /owners/{orderId}');
    assert.throws(
      () => parseConfig(both, 'x.yaml', { baseDir: t.dir }),
      (e: Error & { details?: readonly string[] }) => /ownerLookup: set exactly one of path \(ask the upstream\) or sql/.test((e.details ?? []).join('\n')),
    );
  });
});

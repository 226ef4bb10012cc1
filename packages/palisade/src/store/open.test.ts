// openStore: picks the driver, migrates, and reports open failures without leaking secrets.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { isPalisadeError } from '../core/index.js';
import type { PalisadeError } from '../core/index.js';
import { SQLITE_MIGRATIONS } from './migrations.js';
import { openStore } from './open.js';

const root = mkdtempSync(join(tmpdir(), 'palisade-open-'));
after(() => rmSync(root, { recursive: true, force: true }));

async function openError(p: Promise<unknown>): Promise<PalisadeError> {
  try {
    await p;
  } catch (e) {
    assert.ok(isPalisadeError(e), String(e));
    return e;
  }
  assert.fail('expected openStore to fail');
}

describe('openStore', () => {
  it('opens and migrates an SQLite store, creating its directory', async () => {
    const store = await openStore({ driver: 'sqlite', path: join(root, 'a', 'b', 'palisade.db') });
    try {
      assert.equal(store.kind, 'sqlite');
      assert.equal(await store.schemaVersion(), SQLITE_MIGRATIONS.at(-1)?.version);
    } finally {
      await store.close();
    }
  });

  it('fails with PALISADE_ERR_STORE_OPEN naming the SQLite path', async () => {
    writeFileSync(join(root, 'file'), 'x');
    const path = join(root, 'file', 'palisade.db');
    const e = await openError(openStore({ driver: 'sqlite', path }));
    assert.equal(e.code, 'PALISADE_ERR_STORE_OPEN');
    assert.ok(e.message.includes(path), e.message);
  });

  it('requires a URL for the postgres driver', async () => {
    const e = await openError(openStore({ driver: 'postgres', path: '' }));
    assert.equal(e.code, 'PALISADE_ERR_STORE_OPEN');
    assert.match(e.message, /store\.url/);
  });

  it('names the PostgreSQL host but never the password when the server is unreachable', async () => {
    // Port 1 on the loopback interface refuses connections at once.
    const e = await openError(openStore({ driver: 'postgres', path: '', url: 'postgres://palisade:s3cr%3Bt-pw@127.0.0.1:1/palisade' }));
    assert.equal(e.code, 'PALISADE_ERR_STORE_OPEN');
    assert.match(e.message, /postgres:\/\/palisade@127\.0\.0\.1:1\/palisade/);
    assert.doesNotMatch(e.message, /s3cr/);
    assert.doesNotMatch(e.format(), /s3cr/);
  });

  it('rejects an unknown driver', async () => {
    const e = await openError(openStore({ driver: 'mysql' as 'sqlite', path: '' }));
    assert.equal(e.code, 'PALISADE_ERR_STORE_OPEN');
  });
});

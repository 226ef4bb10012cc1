// The live inventory of `palisade start`: fed by Shield's exchange observer, seeded from the store
// once without counting an exchange twice, with the console's saved template splits applied.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { pino } from 'pino';
import { ConfigSchema } from '../core/index.js';
import type { Exchange } from '../core/index.js';
import { SqliteStore } from '../store/index.js';
import { saveOverrides } from '../watch/index.js';
import { inventoryHooks } from './inventory-live.js';

const dir = mkdtempSync(join(tmpdir(), 'palisade-inventory-live-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function x(n: number, url: string): Exchange {
  return {
    id: `x-${String(n).padStart(4, '0')}`,
    startedAt: 1_700_000_000_000 + n,
    method: 'GET',
    url,
    clientIp: '192.0.2.1',
    requestHeaders: {},
    requestBytes: 0,
    status: 200,
    responseHeaders: {},
    responseBytes: 0,
    timings: { total: 1 },
    verdicts: [],
  };
}

describe('live inventory', () => {
  it('seeds from the store, counts each exchange once, and applies saved splits', async () => {
    const store = new SqliteStore({ path: join(dir, 'a.db') });
    await store.migrate();
    const recorded = [x(1, '/files/1'), x(2, '/files/2'), x(3, '/files/3')];
    await store.recordExchanges(recorded);
    await saveOverrides(store, [{ action: 'split', template: '/reports/{reportId}' }]);
    const hooks = inventoryHooks(ConfigSchema.parse({}), pino({ level: 'silent' }));
    // Observed live before the seed is read: the seed must skip it.
    hooks.observe([{ exchange: recorded[2]! }]);
    await hooks.attach(store);
    hooks.observe([{ exchange: x(4, '/files/4') }]);
    const inv = hooks.inventory();
    assert.equal(inv.ingested, 4);
    assert.deepEqual(inv.list().map((e) => [e.template, e.count]), [['/files/{fileId}', 4]]);
    assert.deepEqual(inv.listOverrides(), [{ action: 'split', template: '/reports/{reportId}' }]);
    await store.close();
  });

  it('leaves out requests Shield refused before the API answered, but keeps refusals after forwarding', async () => {
    const hooks = inventoryHooks(ConfigSchema.parse({}), pino({ level: 'silent' }));
    const probe = { ...x(10, '/wp-login.php'), status: 403, blockedBy: 'ip-blocked' };
    const leaked = { ...x(11, '/accounts/7'), status: 502, blockedBy: 'response-invalid', timings: { total: 3, upstream: 2 } };
    hooks.observe([{ exchange: probe }, { exchange: leaked }, { exchange: x(12, '/accounts/8') }]);
    assert.deepEqual(hooks.inventory().list().map((e) => [e.template, e.count]), [['/accounts/{accountId}', 2]]);
  });
});

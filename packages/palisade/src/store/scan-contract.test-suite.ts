// The ScanStore part of the Store contract (store.scans), run by contract.test-suite.ts against
// every implementation. Not exported from index.ts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_SCAN_REPORT_CHARS } from '../core/index.js';
import type { ScanSummary, Store } from '../core/index.js';

const T0 = Date.UTC(2025, 0, 15, 12, 0, 0);

function summary(over: Partial<ScanSummary> = {}): ScanSummary {
  return {
    findings: 3,
    bySeverity: { critical: 1, high: 1, medium: 0, low: 1, info: 0 },
    requests: 412,
    operations: 17,
    checks: 30,
    durationMs: 9000,
    notes: ['PAL-SCAN-RATE-001 skipped: it needs destructive: true', 'Zoë’s 🚀 note'],
    fingerprints: ['f1', 'f2', 'f3'],
    stored: { created: 2, updated: 1, fixed: 4 },
    ...over,
  };
}

export function scanStoreContract(fresh: () => Promise<{ store: Store }>): void {
  describe('scans', () => {
    it('creates a queued scan and walks it through running to finished with progress and summary', async () => {
      const { store } = await fresh();
      const created = await store.scans.create({ id: 's1', target: 'http://127.0.0.1:3001', specSource: '/srv/openapi.yaml', api: 'demo', startedBy: 'alice', createdAt: T0 });
      assert.deepStrictEqual(created, { id: 's1', target: 'http://127.0.0.1:3001', specSource: '/srv/openapi.yaml', api: 'demo', status: 'queued', startedBy: 'alice', createdAt: T0, hasReport: false });
      const progress = { phase: 'running', operations: 17, requests: 120, findings: 1, updatedAt: T0 + 1000 };
      const running = await store.scans.update('s1', { status: 'running', startedAt: T0 + 10, progress });
      assert.equal(running?.status, 'running');
      assert.equal(running?.startedAt, T0 + 10);
      assert.deepStrictEqual(running?.progress, progress);
      const s = summary();
      const done = await store.scans.update('s1', { status: 'finished', finishedAt: T0 + 9010, summary: s });
      assert.deepStrictEqual(done, { ...created, status: 'finished', startedAt: T0 + 10, finishedAt: T0 + 9010, progress, summary: s });
      assert.deepStrictEqual(await store.scans.get('s1'), done);
      assert.equal(await store.scans.update('nope', { status: 'failed' }), undefined);
      assert.equal(await store.scans.get('S1'), undefined, 'ids are case-sensitive');
      await assert.rejects(store.scans.create({ id: 's1', target: 't', specSource: 's', startedBy: 'x', createdAt: T0 }), 'a duplicate id is refused');
    });

    it('keeps the HTML report apart: flagged in the record, read by getReport, bounded', async () => {
      const { store } = await fresh();
      await store.scans.create({ id: 'r', target: 'http://t', specSource: 'inline', startedBy: 'bob', createdAt: T0 });
      assert.equal(await store.scans.getReport('r'), undefined);
      const html = '<!doctype html><title>Zoë’s 🚀 report</title>' + 'x'.repeat(100_000);
      assert.equal(await store.scans.setReport('r', html), true);
      assert.equal(await store.scans.getReport('r'), html);
      assert.equal((await store.scans.get('r'))?.hasReport, true);
      assert.equal(await store.scans.setReport('missing', '<p>'), false);
      await assert.rejects(store.scans.setReport('r', 'y'.repeat(MAX_SCAN_REPORT_CHARS + 1)), /more than/);
      assert.equal(await store.scans.getReport('r'), html, 'a refused report leaves the stored one');
    });

    it('lists newest first, filtered by status, paged and bounded', async () => {
      const { store } = await fresh();
      for (const [id, at] of [['a', T0], ['b', T0 + 2], ['c', T0 + 1], ['d', T0 + 1]] as const) await store.scans.create({ id, target: 'http://t', specSource: 's', startedBy: 'u', createdAt: at });
      await store.scans.update('b', { status: 'running' });
      assert.deepEqual((await store.scans.list()).map((x) => x.id), ['b', 'd', 'c', 'a']);
      assert.deepEqual((await store.scans.list({ status: 'queued' })).map((x) => x.id), ['d', 'c', 'a']);
      assert.deepEqual((await store.scans.list({ before: T0 + 2 })).map((x) => x.id), ['d', 'c', 'a']);
      assert.deepEqual((await store.scans.list({ limit: 2 })).map((x) => x.id), ['b', 'd']);
      assert.equal((await store.scans.list({ limit: 5000 })).length, 4);
    });

    it('fails unfinished scans after a restart, and prunes all but the newest', async () => {
      const { store } = await fresh();
      for (const [id, at] of [['q', T0], ['r', T0 + 1], ['f', T0 + 2]] as const) await store.scans.create({ id, target: 'http://t', specSource: 's', startedBy: 'u', createdAt: at });
      await store.scans.update('r', { status: 'running' });
      await store.scans.update('f', { status: 'finished', finishedAt: T0 + 5 });
      assert.equal(await store.scans.failUnfinished('Palisade restarted while the scan was queued or running', T0 + 100), 2);
      const q = await store.scans.get('q');
      assert.equal(q?.status, 'failed');
      assert.equal(q?.finishedAt, T0 + 100);
      assert.match(q?.error ?? '', /restarted/);
      assert.equal((await store.scans.get('f'))?.status, 'finished');
      await store.scans.setReport('q', '<p>old</p>');
      assert.equal(await store.scans.prune(1), 2);
      assert.deepEqual((await store.scans.list()).map((x) => x.id), ['f']);
      assert.equal(await store.scans.getReport('q'), undefined);
    });

    it('refuses bad input without writing', async () => {
      const { store } = await fresh();
      await assert.rejects(store.scans.create({ id: '', target: 'http://t', specSource: 's', startedBy: 'u', createdAt: T0 }), /id/);
      await assert.rejects(store.scans.create({ id: 'x', target: 'http://t', specSource: 's', startedBy: 'u', createdAt: -5 }), /createdAt/);
      await store.scans.create({ id: 'ok', target: 'http://t', specSource: 's', startedBy: 'u', createdAt: T0 });
      // @ts-expect-error: a status outside the list, as a caller without types could send
      await assert.rejects(store.scans.update('ok', { status: 'paused' }), /status/);
      await assert.rejects(store.scans.update('ok', { summary: summary({ notes: ['n'.repeat(70_000)] }) }), /more than/);
      assert.equal((await store.scans.get('ok'))?.status, 'queued');
      assert.equal((await store.scans.list()).length, 1);
    });
  });
}

// The FindingStore part of the Store contract (store.findings), run by contract.test-suite.ts
// against every implementation. Not exported from index.ts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FindingInput, Store } from '../core/index.js';

const T0 = Date.UTC(2025, 0, 15, 12, 0, 0);

function finding(fingerprint: string, over: Partial<FindingInput> = {}): FindingInput {
  return {
    fingerprint,
    source: 'scan',
    checkId: 'PAL-SCAN-AUTH-001',
    title: 'Operation answers without authentication',
    severity: 'high',
    category: 'API2:2023',
    cwe: 306,
    confidence: 'confirmed',
    api: 'shop',
    operation: { method: 'GET', path: '/orders/{orderId}', operationId: 'getOrder' },
    evidence: [{ request: { method: 'GET', url: '/orders/1' }, response: { status: 200, bodyExcerpt: '{"id":1}' }, matched: '200 without credentials' }],
    remediation: { summary: 'Require authentication.', shieldPolicy: 'authenticate stage' },
    protection: { kind: 'require-auth', operation: 'getOrder' },
    scope: 'scan:http://127.0.0.1:3001',
    scanId: 'scan-1',
    seenAt: T0,
    ...over,
  };
}

export function findingStoreContract(fresh: () => Promise<{ store: Store }>): void {
  describe('findings', () => {
    it('round-trips a finding; a new one is status new', async () => {
      const { store } = await fresh();
      const f = finding('fp1', { title: 'Zoë’s 🚀 finding' });
      const r = await store.findings.upsert(f);
      assert.equal(r.created, true);
      const { seenAt: _s, ...reported } = f;
      const expected = { ...reported, firstSeenAt: T0, lastSeenAt: T0, status: 'new' };
      assert.deepStrictEqual(r.finding, expected);
      assert.deepStrictEqual(await store.findings.get('fp1'), expected);
      assert.equal(await store.findings.get('FP1'), undefined);
    });

    it('keeps the triage status and first time seen when the same fingerprint is reported again', async () => {
      const { store } = await fresh();
      await store.findings.upsert(finding('fp1'));
      const set = await store.findings.setStatus('fp1', 'accepted-risk', 'alice', T0 + 5, 'internal only');
      assert.equal(set?.status, 'accepted-risk');
      const again = await store.findings.upsert(finding('fp1', { seenAt: T0 + 100, title: 'Renamed', scanId: 'scan-2' }));
      assert.equal(again.created, false);
      assert.equal(again.finding.status, 'accepted-risk');
      assert.equal(again.finding.statusBy, 'alice');
      assert.equal(again.finding.statusAt, T0 + 5);
      assert.equal(again.finding.statusNote, 'internal only');
      assert.equal(again.finding.firstSeenAt, T0);
      assert.equal(again.finding.lastSeenAt, T0 + 100);
      assert.equal(again.finding.title, 'Renamed');
      assert.equal(again.finding.scanId, 'scan-2');
      assert.equal((await store.findings.list()).length, 1);
      assert.equal(await store.findings.setStatus('nope', 'confirmed', 'alice', T0), undefined);
      await assert.rejects(store.findings.setStatus('fp1', 'done' as never, 'alice', T0), /status must be one of/);
    });

    it('marks what a later run of the same scope no longer reports fixed, and reopens it when it returns', async () => {
      const { store } = await fresh();
      await store.findings.upsert(finding('a'));
      await store.findings.upsert(finding('b'));
      await store.findings.upsert(finding('c'));
      await store.findings.upsert(finding('d', { scope: 'scan:http://other' }));
      await store.findings.setStatus('c', 'false-positive', 'bob', T0 + 1);
      assert.equal(await store.findings.markMissingFixed('scan:http://127.0.0.1:3001', ['a'], 'palisade', T0 + 10), 1);
      assert.equal((await store.findings.get('a'))?.status, 'new');
      const b = await store.findings.get('b');
      assert.equal(b?.status, 'fixed');
      assert.equal(b?.statusBy, 'palisade');
      assert.equal(b?.statusAt, T0 + 10);
      assert.equal((await store.findings.get('c'))?.status, 'false-positive', 'a false positive stays one');
      assert.equal((await store.findings.get('d'))?.status, 'new', 'another scope is untouched');
      const back = await store.findings.upsert(finding('b', { seenAt: T0 + 20 }));
      assert.equal(back.finding.status, 'new');
      assert.equal(back.finding.statusBy, 'palisade');
      assert.match(back.finding.statusNote ?? '', /again/);
      const many = Array.from({ length: 1200 }, (_, i) => `seen-${i}`);
      assert.equal(await store.findings.markMissingFixed('scan:http://127.0.0.1:3001', [...many, 'a', 'b'], 'palisade', T0 + 30), 0);
    });

    it('lists most severe first, filtered by status, severity, source and text, bounded', async () => {
      const { store } = await fresh();
      await store.findings.upsert(finding('low', { severity: 'low', seenAt: T0 + 3 }));
      await store.findings.upsert(finding('crit', { severity: 'critical', seenAt: T0, checkId: 'PAL-SCAN-INJ-001', title: 'SQL injection 100%_done' }));
      await store.findings.upsert(finding('high1', { severity: 'high', seenAt: T0 + 1, source: 'audit' }));
      await store.findings.upsert(finding('high2', { severity: 'high', seenAt: T0 + 2, source: 'watch', operation: { method: 'post', path: '/login' } }));
      await store.findings.setStatus('low', 'fixed', 'alice', T0 + 9);
      assert.deepEqual((await store.findings.list()).map((f) => f.fingerprint), ['crit', 'high2', 'high1', 'low']);
      assert.deepEqual((await store.findings.list({ status: 'fixed' })).map((f) => f.fingerprint), ['low']);
      assert.deepEqual((await store.findings.list({ status: ['new', 'confirmed'] })).map((f) => f.fingerprint), ['crit', 'high2', 'high1']);
      assert.deepEqual((await store.findings.list({ status: [] })).map((f) => f.fingerprint), []);
      assert.deepEqual((await store.findings.list({ severity: ['critical', 'low'] })).map((f) => f.fingerprint), ['crit', 'low']);
      assert.deepEqual((await store.findings.list({ source: 'watch' })).map((f) => f.fingerprint), ['high2']);
      assert.deepEqual((await store.findings.list({ q: 'sql INJECTION' })).map((f) => f.fingerprint), ['crit']);
      assert.deepEqual((await store.findings.list({ q: 'inj-001' })).map((f) => f.fingerprint), ['crit']);
      assert.deepEqual((await store.findings.list({ q: 'post /LOGIN' })).map((f) => f.fingerprint), ['high2']);
      assert.deepEqual((await store.findings.list({ q: '100%_' })).map((f) => f.fingerprint), ['crit'], 'LIKE wildcards are literal');
      assert.deepEqual((await store.findings.list({ q: '%' })).map((f) => f.fingerprint), ['crit']);
      assert.deepEqual((await store.findings.list({ limit: 2 })).map((f) => f.fingerprint), ['crit', 'high2']);
      assert.deepEqual(await store.findings.countOpen(), { critical: 1, high: 2, medium: 0, low: 0, info: 0 });
    });

    it('refuses a finding without a fingerprint, with a bad time or too large', async () => {
      const { store } = await fresh();
      await assert.rejects(store.findings.upsert(finding('')), /fingerprint/);
      await assert.rejects(store.findings.upsert(finding('t', { seenAt: -1 })), /seenAt/);
      await assert.rejects(store.findings.upsert(finding('s', { severity: 'urgent' as never })), /severity/);
      await assert.rejects(store.findings.upsert(finding('big', { description: 'x'.repeat(300_000) })), /more than/);
      assert.equal((await store.findings.list()).length, 0);
    });

    it('records configuration changes, newest first, and marks one undone once', async () => {
      const { store } = await fresh();
      const before = '# palisade.yaml\ndefaults:\n  waf: { enabled: false }  # Zoë\n';
      const after = before.replace('false', 'true');
      const c1 = await store.findings.addChange({ at: T0, actor: 'alice', findingFingerprint: 'fp1', path: '/etc/palisade.yaml', summary: 'Turn on the WAF', before, after });
      const c2 = await store.findings.addChange({ at: T0 + 1, actor: 'bob', path: '/etc/palisade.yaml', summary: 'Edit', before: after, after: '' });
      assert.deepStrictEqual(await store.findings.getChange(c1.id), { id: c1.id, at: T0, actor: 'alice', findingFingerprint: 'fp1', path: '/etc/palisade.yaml', summary: 'Turn on the WAF', before, after });
      assert.deepEqual((await store.findings.listChanges()).map((c) => c.id), [c2.id, c1.id]);
      assert.deepEqual((await store.findings.listChanges(1)).map((c) => c.id), [c2.id]);
      assert.equal(await store.findings.markUndone(c1.id, 'carol', T0 + 5), true);
      assert.equal(await store.findings.markUndone(c1.id, 'carol', T0 + 6), false);
      assert.equal(await store.findings.markUndone('nope', 'carol', T0 + 6), false);
      const undone = await store.findings.getChange(c1.id);
      assert.equal(undone?.undoneAt, T0 + 5);
      assert.equal(undone?.undoneBy, 'carol');
      assert.equal(await store.findings.getChange('nope'), undefined);
      await assert.rejects(store.findings.addChange({ at: T0, actor: 'a', path: '/p', summary: 's', before: 'x'.repeat(1024 * 1024 + 1), after: '' }), /more than/);
    });
  });
}

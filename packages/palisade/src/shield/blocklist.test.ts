import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { BlocklistChange } from './blocklist.js';
import { MemoryBlocklist } from './blocklist.js';

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('MemoryBlocklist', () => {
  it('blocks exact addresses in any textual form', () => {
    const b = new MemoryBlocklist();
    assert.equal(b.has('192.0.2.1'), false);
    b.add('192.0.2.1');
    b.add('2001:DB8:0:0::7');
    assert.ok(b.has('192.0.2.1'));
    assert.ok(b.has('::ffff:192.0.2.1'));
    assert.ok(b.has('2001:db8::7'));
    assert.ok(!b.has('192.0.2.2'));
    assert.ok(!b.has('garbage'));
  });

  it('blocks CIDR ranges of both families', () => {
    const b = new MemoryBlocklist();
    b.add('198.51.100.0/24');
    b.add('2001:db8:bad::/48');
    assert.ok(b.has('198.51.100.200'));
    assert.ok(!b.has('198.51.101.1'));
    assert.ok(b.has('2001:db8:bad:1::9'));
    assert.ok(!b.has('2001:db8:bae::1'));
  });

  it('expires entries lazily after their TTL', () => {
    const c = clock();
    const b = new MemoryBlocklist({ now: c.now });
    b.add('192.0.2.1', 1000);
    b.add('10.0.0.0/8', 5000);
    b.add('10.1.0.0/16', 1000);
    assert.ok(b.has('192.0.2.1'));
    assert.ok(b.has('10.1.2.3'));
    c.advance(1000);
    assert.ok(!b.has('192.0.2.1'));
    // The narrower block expired; the wider one still applies.
    assert.ok(b.has('10.1.2.3'));
    assert.deepEqual(b.list(), [{ entry: '10.0.0.0/8', expiresAt: 1_005_000 }]);
    c.advance(4000);
    assert.ok(!b.has('10.1.2.3'));
    assert.deepEqual(b.list(), []);
    assert.equal(b.size, 0);
  });

  it('re-adding replaces the expiry; without a TTL the entry is permanent', () => {
    const c = clock();
    const b = new MemoryBlocklist({ now: c.now });
    b.add('192.0.2.1', 10);
    b.add('192.0.2.1');
    c.advance(1e9);
    assert.ok(b.has('192.0.2.1'));
    assert.deepEqual(b.list(), [{ entry: '192.0.2.1' }]);
  });

  it('removes entries written in another form', () => {
    const b = new MemoryBlocklist();
    b.add('10.9.8.7/8');
    b.add('2001:db8::1');
    assert.equal(b.remove('10.0.0.0/8'), true);
    assert.equal(b.remove('2001:0db8:0:0:0:0:0:1'), true);
    assert.equal(b.remove('2001:db8::1'), false);
    assert.equal(b.remove('not an ip'), false);
    assert.ok(!b.has('10.1.1.1'));
  });

  it('refuses invalid entries and TTLs', () => {
    const b = new MemoryBlocklist();
    assert.throws(() => b.add('10.0.0.0/99'), /'10\.0\.0\.0\/99' is not a valid IP address or CIDR block/);
    assert.throws(() => b.add('10.0.0.1', 0), RangeError);
    assert.throws(() => b.add('10.0.0.1', Number.NaN), RangeError);
    assert.equal(b.size, 0);
  });

  it('lists canonical entries, addresses first', () => {
    const b = new MemoryBlocklist({ now: () => 0 });
    b.add('10.0.0.5/8', 100);
    b.add('::ffff:192.0.2.9');
    assert.deepEqual(b.list(), [{ entry: '192.0.2.9' }, { entry: '10.0.0.0/8', expiresAt: 100 }]);
  });

  it('replaceAll swaps the whole list, skipping expired and invalid entries, without notifying', () => {
    const c = clock();
    const b = new MemoryBlocklist({ now: c.now });
    const changes: BlocklistChange[] = [];
    b.onChange((ch) => changes.push(ch));
    b.add('192.0.2.1');
    changes.length = 0;
    const rejected = b.replaceAll([
      { entry: '203.0.113.0/24' },
      { entry: '198.51.100.1', expiresAt: c.now() + 500 },
      { entry: '198.51.100.2', expiresAt: c.now() - 1 },
      { entry: 'nonsense' },
    ]);
    assert.deepEqual(rejected, ['nonsense']);
    assert.deepEqual(changes, []);
    assert.ok(!b.has('192.0.2.1'));
    assert.ok(b.has('203.0.113.77'));
    assert.ok(b.has('198.51.100.1'));
    assert.ok(!b.has('198.51.100.2'));
    c.advance(500);
    assert.ok(!b.has('198.51.100.1'));
  });

  it('tells listeners about local changes until unsubscribed', () => {
    const b = new MemoryBlocklist({ now: () => 50 });
    const changes: BlocklistChange[] = [];
    const off = b.onChange((ch) => changes.push(ch));
    b.add('2001:db8::1:0:0:1/128', 10);
    b.add('10.0.0.0/8');
    b.remove('10.0.0.0/8');
    b.remove('10.0.0.0/8');
    off();
    b.add('192.0.2.1');
    assert.deepEqual(changes, [
      { type: 'add', entry: '2001:db8::1:0:0:1', expiresAt: 60 },
      { type: 'add', entry: '10.0.0.0/8' },
      { type: 'remove', entry: '10.0.0.0/8' },
    ]);
  });

  it('runs every listener and then rethrows the first failure', () => {
    const b = new MemoryBlocklist();
    let second = 0;
    b.onChange(() => {
      throw new Error('listener broke');
    });
    b.onChange(() => second++);
    assert.throws(() => b.add('192.0.2.1'), /listener broke/);
    assert.equal(second, 1);
    assert.ok(b.has('192.0.2.1'));
  });
});

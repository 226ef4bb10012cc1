import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BucketClock, CountMin, DistinctCounter, EwmaBaseline, HyperLogLog, LruMap, WindowedCountMin } from './sketch.js';

describe('sketches', () => {
  it('HyperLogLog estimates 100 000 distinct values within 10 % in 256 bytes', () => {
    const h = new HyperLogLog(8);
    for (let i = 0; i < 100_000; i++) h.add(`v${i}`);
    const e = h.estimate();
    assert.ok(Math.abs(e - 100_000) / 100_000 < 0.1, `estimate ${e}`);
    assert.equal(h.registers.length, 256);
    assert.throws(() => new HyperLogLog(2), /precision/);
  });

  it('DistinctCounter is exact below its cap and approximate above', () => {
    const d = new DistinctCounter(64);
    for (let i = 0; i < 50; i++) d.add(`a${i % 40}`);
    assert.equal(d.size, 40);
    assert.equal(d.approximate, false);
    for (let i = 0; i < 5000; i++) d.add(`b${i}`);
    assert.equal(d.approximate, true);
    assert.ok(Math.abs(d.size - 5040) / 5040 < 0.15, `size ${d.size}`);
  });

  it('count-min never under-counts and stays close for heavy hitters', () => {
    const c = new CountMin(8192, 4);
    for (let i = 0; i < 50_000; i++) c.add(`k${i % 5000}`);
    for (let i = 0; i < 100; i++) c.add('heavy');
    const h = c.estimate('heavy');
    // The classic bound: over-count at most e·N/width with probability 1 - e^-depth.
    const bound = (Math.E * 50_100) / 8192;
    assert.ok(h >= 100 && h <= 100 + bound, `heavy ${h}, bound ${bound}`);
    assert.ok(c.estimate('k1') >= 10);
  });

  it('windowed count-min forgets after two half-windows', () => {
    const w = new WindowedCountMin(1000, 256, 2);
    assert.equal(w.add('a', 0), 1);
    assert.equal(w.add('a', 1500), 2, 'the previous half still counts');
    assert.equal(w.add('a', 5000), 1, 'long silence clears both halves');
  });

  it('LRU map evicts the least recently used beyond its cap', () => {
    const m = new LruMap<string, number>(2);
    m.upsert('a', () => 1);
    m.upsert('b', () => 2);
    m.get('a');
    m.upsert('c', () => 3);
    assert.equal(m.get('b'), undefined);
    assert.equal(m.get('a'), 1);
    assert.equal(m.evictions, 1);
  });

  it('EWMA baseline learns mean and spread and is ready after warm-up', () => {
    const b = new EwmaBaseline(0.1, 10);
    for (let i = 0; i < 9; i++) b.update(100 + (i % 2 ? 10 : -10));
    assert.equal(b.ready, false);
    for (let i = 0; i < 200; i++) b.update(100 + (i % 2 ? 10 : -10));
    assert.equal(b.ready, true);
    assert.ok(Math.abs(b.mean - 100) < 2 && b.std > 5 && b.std < 15, `${b.mean} ± ${b.std}`);
  });

  it('bucket clock reports silent buckets, bounded', () => {
    const c = new BucketClock(1000, 5);
    const gaps: number[] = [];
    c.advance(10_500, (g) => gaps.push(g));
    assert.equal(c.advance(10_900, (g) => gaps.push(g)), 0);
    assert.equal(c.advance(13_100, (g) => gaps.push(g)), 3);
    c.advance(100_000, (g) => gaps.push(g));
    assert.deepEqual(gaps, [2, 5]);
  });
});


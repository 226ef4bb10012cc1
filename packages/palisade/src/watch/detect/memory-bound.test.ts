// The memory bound of detection: one million distinct actors (addresses, principals, credentials,
// accounts) through every detector do not grow its state past the configured cap.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DetectionEngine } from './registry.js';
import { T0, detectSettings, ex } from './test-support.js';

describe('memory bound', () => {
  it('one million distinct actors do not grow detection state past its cap', () => {
    const cap = 5000;
    const engine = new DetectionEngine(detectSettings((s) => (s.maxActors = cap)));
    global.gc?.();
    const before = process.memoryUsage().heapUsed;
    let peakTracked = 0;
    for (let i = 0; i < 1_000_000; i++) {
      const ip = `${10 + (i >>> 24)}.${(i >>> 16) & 255}.${(i >>> 8) & 255}.${i & 255}`;
      const o =
        i % 4 === 0
          ? ex({ t: T0 + i, ip, method: 'POST', url: '/api/login', status: 401, body: `{"username":"user${i}"}` })
          : ex({ t: T0 + i, ip, url: `/api/orders/${i}?page=${i % 7}`, principal: { id: `p${i}` }, credential: `c${i}`, status: i % 3 ? 200 : 404, ua: 'Mozilla/5.0' });
      engine.observe(o);
      if (i % 100_000 === 0) peakTracked = Math.max(peakTracked, engine.tracked());
    }
    peakTracked = Math.max(peakTracked, engine.tracked());
    const grown = (process.memoryUsage().heapUsed - before) / 1024 / 1024;
    // Per detector at most `cap` keys (BOLA also remembers ids shown per principal, capped too).
    const detectors = engine.detectors.length;
    assert.ok(peakTracked <= cap * (detectors + 1), `tracked ${peakTracked} keys for cap ${cap}`);
    // A few kilobytes per tracked key at most, whatever the million actors.
    assert.ok(grown < 200, `heap grew by ${grown.toFixed(1)} MiB`);
    console.log(`memory bound: ${peakTracked} keys tracked for 1e6 actors, heap +${grown.toFixed(1)} MiB, rss ${(process.memoryUsage().rss / 1048576).toFixed(0)} MiB`);
  });
});

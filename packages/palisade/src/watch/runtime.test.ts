import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigSchema } from '../core/index.js';
import type { AlertRecord, WatchDetectSettings } from '../core/index.js';
import { WatchRuntime } from './runtime.js';
import { T0, detectSettings, ex } from './detect/test-support.js';

const alerts = ConfigSchema.parse({}).watch.alerts;

describe('Watch runtime', () => {
  it('queues without blocking the caller and drops beyond the queue, counting', async () => {
    const detect: WatchDetectSettings = detectSettings((s) => (s.queueSize = 100));
    const rt = new WatchRuntime({ detect, alerts });
    const batch = Array.from({ length: 150 }, (_, i) => ex({ t: T0 + i, url: `/a/${i}` }));
    rt.feed(batch);
    assert.equal(rt.stats().queued, 100, 'nothing runs synchronously in feed()');
    assert.equal(rt.stats().dropped, 50);
    await rt.idle();
    assert.equal(rt.stats().processed, 100);
    assert.equal(rt.stats().queued, 0);
  });

  it('turns detections into alerts and answers /alerts from the store', async () => {
    const rows = new Map<string, AlertRecord>();
    const store = {
      upsert: async (a: AlertRecord) => void rows.set(a.id, a),
      get: async (id: string) => rows.get(id),
      list: async () => [...rows.values()],
      prune: async (before: number) => {
        pruned.push(before);
        return 0;
      },
    };
    const pruned: number[] = [];
    const rt = new WatchRuntime({ detect: detectSettings(), alerts, store });
    rt.feed([ex({ t: T0, url: '/', ua: 'Nuclei - Open-source project (github.com/projectdiscovery/nuclei)' })]);
    await rt.idle();
    const r = await rt.adminRoute({ method: 'GET', path: '/alerts', query: new URLSearchParams() });
    assert.ok(r && 'body' in r);
    const list = (r.body as { alerts: Array<{ detector: string; title: string }> }).alerts;
    assert.equal(list.length, 1);
    assert.equal(list[0]!.detector, 'PAL-WATCH-SCANNER');
    assert.match(list[0]!.title, /nuclei/);
    assert.equal(await rt.adminRoute({ method: 'GET', path: '/other', query: new URLSearchParams() }), undefined);
    const bad = await rt.adminRoute({ method: 'GET', path: '/alerts', query: new URLSearchParams('detector=x') });
    assert.equal(bad?.status, 400);
    assert.equal(pruned.length, 1, 'old alerts are pruned (once an hour at most)');
    assert.ok(Math.abs(pruned[0]! - (Date.now() - 90 * 86_400_000)) < 60_000);
    await rt.close();
  });
});

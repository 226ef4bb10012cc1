import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Exchange } from '../core/index.js';
import { Recorder } from './recorder.js';
import type { RawExchange } from './recorder.js';
import { createRedactor } from './redact.js';

function raw(i: number): RawExchange {
  return {
    id: `id-${i}`,
    startedAt: 1_700_000_000_000 + i,
    method: 'GET',
    url: `/x?i=${i}&token=secret`,
    host: 'h',
    clientIp: '127.0.0.1',
    requestHeaders: { authorization: 'Bearer s' },
    requestBytes: 0,
    status: 200,
    responseHeaders: { 'content-type': 'application/json' },
    responseBytes: 2,
    totalMs: 1.23456,
    outcomes: [],
  };
}

test('batches, redacts, and drops (counted) when the queue is full', async () => {
  const written: Exchange[][] = [];
  let release: () => void = () => undefined;
  const gate = new Promise<void>((r) => (release = r));
  let dropped = 0;
  const rec = new Recorder(
    {
      recordExchanges: async (b) => {
        written.push([...b]);
        await gate;
      },
    },
    { queueSize: 5, batchSize: 2, flushIntervalMs: 10_000, redactor: createRedactor(), onDrop: (n) => (dropped += n) },
  );
  for (let i = 0; i < 2; i++) rec.push(raw(i));
  // The full batch is flushing (and blocked in the sink); the queue now holds at most 5 more.
  await new Promise((r) => setTimeout(r, 10));
  for (let i = 2; i < 10; i++) rec.push(raw(i));
  assert.equal(dropped, 3);
  assert.equal(rec.dropped, 3);
  release();
  await rec.close();
  const all = written.flat();
  assert.equal(all.length, 7);
  assert.equal(all[0]!.requestHeaders.authorization, 'Bearer [redacted]');
  assert.doesNotMatch(all[0]!.url, /secret/);
  assert.equal(all[0]!.timings.total, 1.235);
  assert.ok(written.every((b) => b.length <= 2), 'batches respect batchSize');
});

test('a failing sink drops the batch, counts it and keeps going', async () => {
  let fail = true;
  const ok: Exchange[] = [];
  const errors: unknown[] = [];
  const rec = new Recorder(
    {
      recordExchanges: async (b) => {
        if (fail) throw new Error('disk full');
        ok.push(...b);
      },
    },
    { queueSize: 100, batchSize: 10, flushIntervalMs: 5, redactor: createRedactor(), onWriteError: (e) => errors.push(e) },
  );
  rec.push(raw(1));
  await rec.flush();
  fail = false;
  rec.push(raw(2));
  await rec.close();
  assert.equal(errors.length, 1);
  assert.equal(rec.dropped, 1);
  assert.deepEqual(ok.map((x) => x.id), ['id-2']);
});

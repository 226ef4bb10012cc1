import { test } from 'node:test';
import assert from 'node:assert/strict';
import { uuidv7, uuidv7Time } from './id.js';

test('uuidv7 has the RFC 9562 layout and encodes its time', () => {
  const t = Date.UTC(2026, 10, 28, 12, 0, 0, 123);
  const id = uuidv7(t);
  assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(uuidv7Time(id), t);
  assert.equal(uuidv7Time('4b1f3c8e-0000-4000-8000-000000000000'), undefined);
});

test('ids sort by time and do not repeat', () => {
  const ids = [uuidv7(1000), uuidv7(2000), uuidv7(3000)];
  assert.deepEqual([...ids].sort(), ids);
  const many = new Set(Array.from({ length: 10000 }, () => uuidv7()));
  assert.equal(many.size, 10000);
});

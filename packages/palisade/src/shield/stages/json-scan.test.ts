import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { JsonScanner } from './json-scan.js';

function scan(text: string, maxDepth: number, maxKeys: number, chunkSize = text.length || 1) {
  const s = new JsonScanner(maxDepth, maxKeys);
  const bytes = Buffer.from(text);
  let r = s.push(Buffer.alloc(0));
  for (let i = 0; i < bytes.length && r === 'ok'; i += chunkSize) r = s.push(bytes.subarray(i, i + chunkSize));
  return { result: r, keys: s.keyCount };
}

describe('JsonScanner', () => {
  it('counts depth exactly at the limit', () => {
    assert.equal(scan('[[[1]]]', 3, 100).result, 'ok');
    assert.equal(scan('[[[[1]]]]', 3, 100).result, 'too-deep');
    assert.equal(scan('{"a":{"b":{"c":{}}}}', 4, 100).result, 'ok');
    assert.equal(scan('{"a":{"b":{"c":{}}}}', 3, 100).result, 'too-deep');
  });

  it('depth is nesting, not the number of containers', () => {
    assert.equal(scan('[[1],[2],[3],{"a":[4]}]', 3, 100).result, 'ok');
  });

  it('counts object keys, not string values or array strings', () => {
    const doc = JSON.stringify({ a: 'x', b: ['y', 'z', { c: 'w' }], d: { e: 'v', f: 1 } });
    assert.deepEqual(scan(doc, 10, 100), { result: 'ok', keys: 6 });
    assert.equal(scan(doc, 10, 6).result, 'ok');
    assert.equal(scan(doc, 10, 5).result, 'too-many-keys');
    assert.deepEqual(scan('["a","b",{}]', 10, 0), { result: 'ok', keys: 0 });
  });

  it('is not fooled by structure characters inside strings, escapes or unicode', () => {
    const doc = JSON.stringify({ 'k{[': 'v}]"\\,"x":{', 'ü€😀': '\\"[[[[' + '\u0000' });
    assert.deepEqual(scan(doc, 1, 2), { result: 'ok', keys: 2 });
    assert.equal(scan('{"a\\\\":"b","c":1}', 1, 2).result, 'ok');
    assert.equal(scan('{"a\\\\":"b","c":1}', 1, 1).result, 'too-many-keys');
  });

  it('gives the same answer whatever the chunking', () => {
    const doc = JSON.stringify({ list: [{ name: 'a"b', tags: ['x', 'y'] }, { name: 'c\\', nested: { deep: [[['z']]] } }] });
    const whole = scan(doc, 5, 1000);
    for (const size of [1, 2, 3, 7, 16]) assert.deepEqual(scan(doc, 5, 1000, size), whole, `chunks of ${size}`);
    for (const size of [1, 2, 5]) assert.equal(scan(doc, 4, 1000, size).result, 'too-deep');
  });

  it('stops as soon as a limit is crossed and stays there', () => {
    const s = new JsonScanner(2, 10);
    assert.equal(s.push(Buffer.from('[[[')), 'too-deep');
    assert.equal(s.push(Buffer.from(']]]')), 'too-deep');
    assert.equal(s.state, 'too-deep');
  });

  it('survives invalid input without miscounting later structure', () => {
    assert.equal(scan(']]]]}}}[[[', 3, 10).result, 'ok');
    assert.equal(scan(']]]]}}}[[[[', 3, 10).result, 'too-deep');
  });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifySegment, isHighEntropy } from './tokens.js';
import { isWord, isVersion, singular } from './words.js';

const cls = (s: string) => {
  const k = classifySegment(s);
  return k.kind === 'token' ? k.cls : k.kind;
};

test('integers, timestamps and compact dates', () => {
  assert.equal(cls('1234'), 'integer');
  assert.equal(cls('0'), 'integer');
  assert.equal(cls('1700000000'), 'timestamp');
  assert.equal(cls('1700000000123'), 'timestamp');
  assert.equal(cls('20240131'), 'date');
  assert.equal(cls('20241331'), 'integer', 'month 13 is not a date');
});

test('UUIDs, Mongo ObjectIds and hex hashes by length', () => {
  assert.equal(cls('550e8400-e29b-41d4-a716-446655440000'), 'uuid');
  assert.equal(cls('550E8400-E29B-41D4-A716-446655440000'), 'uuid');
  assert.equal(cls('550e8400-e29b-41d4-a716-44665544000g'), 'opaque', 'not hex: a high-entropy string, not a UUID');
  assert.equal(cls('507f1f77bcf86cd799439011'), 'objectid');
  assert.equal(cls('d41d8cd98f00b204e9800998ecf8427e'), 'hash'); // md5
  assert.equal(cls('da39a3ee5e6b4b0d3255bfef95601890afd80709'), 'hash'); // sha1
  assert.equal(cls('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'), 'hash'); // sha256
  assert.equal(cls('d41d8cd98f00b204e9800998ecf8427'), 'opaque', '31 hex digits is no hash length');
});

test('e-mails, dates and timestamps', () => {
  assert.equal(cls('alice@example.com'), 'email');
  assert.equal(cls('alice@localhost'), 'generic', 'no TLD: not taken for an address');
  assert.equal(cls('2024-01-31'), 'date');
  assert.equal(cls('2024-01-31T10:00:00Z'), 'date');
  assert.equal(cls('2024-02-30x'), 'generic');
});

test('prefixed ids and high-entropy strings', () => {
  assert.equal(cls('ord_123'), 'prefixed');
  assert.equal(cls('cus_9fK2xQ'), 'prefixed');
  assert.equal(cls('usr-42'), 'prefixed');
  assert.equal(cls('dGhpcyBpcyBhIHRva2VuIQ'), 'opaque');
  assert.equal(cls('9f8c7e6d5a'), 'opaque', 'hex with digits and letters');
  assert.equal(cls('{userId}'), 'opaque', 'braces never make a literal');
  assert.ok(isHighEntropy('aZ3kQ9xP2mL7vB1n'));
  assert.ok(!isHighEntropy('aaaaaaaaaaaaaaaaaaaa'));
  assert.ok(!isHighEntropy('shipping-quote'));
});

test('the word guard keeps vocabulary literal', () => {
  for (const w of ['me', 'search', 'lookup', 'admin', 'login', 'v1', 'v2', 'users', 'orders', 'shipping-quote', 'well-known', 'health', 'Users']) {
    assert.equal(cls(w), 'word', w);
    assert.ok(isWord(w), w);
  }
  // Not words: names, slugs of identifiers.
  for (const s of ['alice', 'zq-report', 'xk7']) assert.equal(cls(s), 'generic', s);
  // Never a word, however short: integers.
  assert.equal(cls('7'), 'integer');
});

test('version markers and singular forms', () => {
  for (const v of ['v1', 'V2', 'v1beta2', 'v2.1', '1.0']) assert.ok(isVersion(v), v);
  assert.ok(!isVersion('version'));
  assert.equal(singular('users'), 'user');
  assert.equal(singular('categories'), 'category');
  assert.equal(singular('addresses'), 'address');
  assert.equal(singular('people'), 'person');
  assert.equal(singular('status'), 'status');
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Router, normalizePath, prefixMatches } from './router.js';

test('normalizePath resolves dot segments and unreserved escapes, refuses ambiguity', () => {
  assert.equal(normalizePath('/a/b'), '/a/b');
  assert.equal(normalizePath('/a/./b/../c'), '/a/c');
  assert.equal(normalizePath('/a//b///c'), '/a/b/c');
  assert.equal(normalizePath('/a/%2e%2e/admin'), '/admin');
  assert.equal(normalizePath('/%61dmin'), '/admin');
  assert.equal(normalizePath('/a/b/'), '/a/b/');
  assert.equal(normalizePath('/a/b/..'), '/a/');
  assert.equal(normalizePath('/a/%20b'), '/a/%20b', 'reserved and other escapes stay encoded');
  assert.equal(normalizePath('/.well-known/x'), '/.well-known/x');
  assert.equal(normalizePath('/..'), null);
  assert.equal(normalizePath('/a/../../etc'), null);
  assert.equal(normalizePath('/a%2fb'), null);
  assert.equal(normalizePath('/a%5Cb'), null);
  assert.equal(normalizePath('/a\\b'), null);
  assert.equal(normalizePath('/a%00'), null);
  assert.equal(normalizePath('a'), null);
  assert.equal(normalizePath(''), null);
});

test('prefixMatches respects segment boundaries', () => {
  assert.ok(prefixMatches('/api', '/api'));
  assert.ok(prefixMatches('/api', '/api/x'));
  assert.ok(!prefixMatches('/api', '/apix'));
  assert.ok(prefixMatches('/api/', '/api/x'));
  assert.ok(prefixMatches('/', '/anything'));
});

test('Router: exact host, then wildcard host, then any host; longest prefix wins', () => {
  const r = new Router<string>([
    { prefix: '/', value: 'any-root' },
    { prefix: '/api', value: 'any-api' },
    { prefix: '/api/v2', value: 'any-api-v2' },
    { host: 'shop.example.com', prefix: '/api', value: 'shop-api' },
    { host: '*.example.com', prefix: '/', value: 'wild-root' },
    { host: '*.eu.example.com', prefix: '/', value: 'eu-root' },
  ]);
  assert.equal(r.match('other.test', '/api/v2/x')?.value, 'any-api-v2');
  assert.equal(r.match('other.test', '/api/v3')?.value, 'any-api');
  assert.equal(r.match('other.test', '/x')?.value, 'any-root');
  assert.equal(r.match('shop.example.com', '/api/x')?.value, 'shop-api');
  assert.equal(r.match('shop.example.com', '/other')?.value, 'wild-root', 'falls back from exact host to wildcard');
  assert.equal(r.match('a.eu.example.com', '/')?.value, 'eu-root', 'the most specific wildcard wins');
  assert.equal(r.match('example.com', '/x')?.value, 'any-root', '*.example.com does not match the apex');
  const none = new Router<string>([{ prefix: '/api', value: 'a' }]);
  assert.equal(none.match('h', '/other'), undefined);
});

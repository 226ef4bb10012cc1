import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Router } from './router.js';

function table(): Router<string> {
  return new Router<string>()
    .add('GET', '/api/health', 'health')
    .add('GET', '/api/v2/products', 'list')
    .add('GET', '/api/v2/products/search', 'search')
    .add('GET', '/api/v2/products/{productId}', 'product')
    .add('GET', '/api/v2/products/{productId}/thumbnail', 'thumb')
    .add('GET', '/api/v2/orders/{orderId}', 'order')
    .add('PATCH', '/api/v2/orders/{orderId}', 'patch-order')
    .add('GET', '/a/{x}/c', 'param-then-c')
    .add('GET', '/a/b/d', 'static-b-then-d')
    .freeze();
}

test('static paths, parameters, and static segments preferred over parameters', () => {
  const r = table();
  assert.deepEqual(r.lookup('GET', '/api/health'), { kind: 'found', value: 'health', params: {}, template: '/api/health' });
  assert.deepEqual(r.lookup('GET', '/api/v2/products/search'), { kind: 'found', value: 'search', params: {}, template: '/api/v2/products/search' });
  assert.deepEqual(r.lookup('GET', '/api/v2/products/42'), { kind: 'found', value: 'product', params: { productId: '42' }, template: '/api/v2/products/{productId}' });
  assert.deepEqual(r.lookup('GET', '/api/v2/products/42/thumbnail'), {
    kind: 'found',
    value: 'thumb',
    params: { productId: '42' },
    template: '/api/v2/products/{productId}/thumbnail',
  });
});

test('backtracks from a static branch that dead-ends into the parameter branch', () => {
  const r = table();
  const m = r.lookup('GET', '/a/b/c');
  assert.equal(m.kind, 'found');
  assert.equal(m.kind === 'found' && m.value, 'param-then-c');
  assert.deepEqual(m.kind === 'found' && m.params, { x: 'b' });
  assert.equal(r.lookup('GET', '/a/b/d').kind === 'found', true);
});

test('decodes parameters; malformed escapes and empty segments do not match', () => {
  const r = table();
  const m = r.lookup('GET', '/api/v2/orders/a%20b');
  assert.deepEqual(m.kind === 'found' && m.params, { orderId: 'a b' });
  assert.equal(r.lookup('GET', '/api/v2/orders/%E0%A4%A').kind, 'not-found');
  assert.equal(r.lookup('GET', '/api/v2/orders/').kind, 'not-found');
  assert.equal(r.lookup('GET', '/api/v2/orders').kind, 'not-found');
  assert.equal(r.lookup('GET', '/api/health/').kind, 'not-found');
  assert.equal(r.lookup('GET', '/').kind, 'not-found');
  assert.equal(r.lookup('GET', '').kind, 'not-found');
});

test('wrong method: 405 material with an Allow list; HEAD falls back to GET', () => {
  const r = table();
  assert.deepEqual(r.lookup('DELETE', '/api/v2/orders/7'), { kind: 'method-not-allowed', allow: 'GET, PATCH, HEAD, OPTIONS' });
  assert.deepEqual(r.lookup('POST', '/api/health'), { kind: 'method-not-allowed', allow: 'GET, HEAD, OPTIONS' });
  const head = r.lookup('HEAD', '/api/v2/orders/7');
  assert.equal(head.kind === 'found' && head.value, 'order');
});

test('refuses ambiguous or malformed tables', () => {
  assert.throws(() => new Router<string>().add('GET', '/x', 'a').add('GET', '/x', 'b'), /registered twice/);
  assert.throws(() => new Router<string>().add('GET', '/o/{id}', 'a').add('GET', '/o/{orderId}/x', 'b'), /names parameter/);
  assert.throws(() => new Router<string>().add('GET', '/o/x{id}', 'a'), /whole segment/);
  assert.throws(() => new Router<string>().add('GET', 'o', 'a'), /start with/);
  assert.throws(() => new Router<string>().freeze().add('GET', '/late', 'a'), /after freeze/);
});

test('lists its routes in registration order', () => {
  assert.deepEqual(table().routes().slice(0, 2), [
    { method: 'GET', template: '/api/health' },
    { method: 'GET', template: '/api/v2/products' },
  ]);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_PROPERTY_DEPTH, PropertySet } from './authorize-props.js';

const user = {
  id: 1,
  name: 'Alice',
  email: 'alice@acme.test',
  password_hash: 'x',
  address: { street: '1 Main St', city: 'Springfield', geo: { lat: 1, lon: 2 } },
  tags: ['a', 'b'],
  items: [
    { id: 10, email: 'a@x', secret: 's1' },
    { id: 11, email: 'b@x', secret: 's2' },
  ],
};

test('readable: unlisted properties are removed, nested objects and array items included', () => {
  const set = new PropertySet(['id', 'name', 'address.city', 'tags', 'items[].email']);
  const r = set.filter(user);
  assert.ok(r);
  assert.deepEqual(r.value, { id: 1, name: 'Alice', address: { city: 'Springfield' }, tags: ['a', 'b'], items: [{ email: 'a@x' }, { email: 'b@x' }] });
  // email, password_hash, street, geo, 2 × (id, secret)
  assert.equal(r.removed, 8);
});

test('readable: a listed property keeps its whole subtree; arrays are transparent to names', () => {
  assert.deepEqual(new PropertySet(['address']).filter(user)?.value, { address: user.address });
  assert.deepEqual(new PropertySet(['items.id']).filter(user)?.value, { items: [{ id: 10 }, { id: 11 }] });
  assert.deepEqual(new PropertySet(['address.*']).filter(user)?.value, { address: user.address });
  // A container on the way to an allowed name is kept, even when nothing inside it is.
  assert.deepEqual(new PropertySet(['*.city']).filter(user)?.value, { address: { city: 'Springfield' }, tags: [], items: [{}, {}] });
  assert.deepEqual(new PropertySet(['*']).filter(user)?.value, user);
  assert.ok(new PropertySet(['*']).all);
  assert.ok(!new PropertySet(['id']).all);
});

test('readable: top-level arrays, scalars where objects were expected, nothing allowed', () => {
  const list = [{ id: 1, email: 'x' }, { id: 2, email: 'y' }];
  assert.deepEqual(new PropertySet(['[].id']).filter(list)?.value, [{ id: 1 }, { id: 2 }]);
  assert.deepEqual(new PropertySet(['id']).filter(list)?.value, [{ id: 1 }, { id: 2 }]);
  assert.deepEqual(new PropertySet(['address.street']).filter({ address: 'a string' })?.value, {}, 'a scalar where only something inside it is readable goes');
  assert.deepEqual(new PropertySet(['tags[].name']).filter({ tags: ['a', { name: 'n', x: 1 }] })?.value, { tags: [{ name: 'n' }] });
  assert.deepEqual(new PropertySet([]).filter(user)?.value, {});
  assert.deepEqual(new PropertySet([]).filter(list)?.value, []);
  assert.deepEqual(new PropertySet(['id']).filter('just text')?.value, 'just text', 'a top-level scalar has no properties');
});

test('readable: a __proto__ key stays a plain property and does not change the prototype', () => {
  const v = JSON.parse('{"__proto__": {"polluted": true}, "id": 1}') as unknown;
  const r = new PropertySet(['__proto__', 'id']).filter(v);
  assert.ok(r);
  assert.equal(Object.getPrototypeOf(r.value), Object.prototype);
  assert.equal(JSON.stringify(r.value), '{"__proto__":{"polluted":true},"id":1}');
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test('readable: too deep to filter is refused, not passed', () => {
  let deep: unknown = { id: 1 };
  // Arrays are transparent to names, so `id` keeps the walk going down.
  for (let i = 0; i < MAX_PROPERTY_DEPTH + 5; i++) deep = [deep];
  assert.equal(new PropertySet(['id']).filter(deep), null);
  assert.deepEqual(new PropertySet(['id']).violations({ x: deep }), ['/x']);
  assert.equal(new PropertySet(['x.id']).violations({ x: deep }).length, 1);
});

test('writable: unknown or forbidden properties are named by JSON pointer', () => {
  const set = new PropertySet(['name', 'phone', 'address.street', 'items[].qty']);
  assert.deepEqual(set.violations({ name: 'A', phone: '1', address: { street: 's' }, items: [{ qty: 1 }] }), []);
  assert.deepEqual(set.violations({ name: 'A', role: 'admin', balance: 1e6 }), ['/role', '/balance']);
  assert.deepEqual(set.violations({ address: { street: 's', city: 'c' } }), ['/address/city']);
  assert.deepEqual(set.violations({ items: [{ qty: 1 }, { qty: 2, price: 0 }] }), ['/items/1/price']);
  assert.deepEqual(set.violations({ address: 'flat' }), ['/address'], 'a scalar where an object was expected');
  assert.deepEqual(set.violations({ 'a/b~c': 1 }), ['/a~1b~0c'], 'RFC 6901 escaping');
  assert.deepEqual(set.violations({}), []);
  assert.deepEqual(set.violations('text'), []);
  assert.deepEqual(new PropertySet([]).violations({ x: 1 }), ['/x']);
  assert.deepEqual(new PropertySet([]).violations([1, 2]), ['/0', '/1']);
  assert.deepEqual(new PropertySet(['*']).violations({ anything: { at: ['all'] } }), []);
  const many = Object.fromEntries(Array.from({ length: 50 }, (_v, i) => [`k${i}`, i]));
  assert.equal(new PropertySet([]).violations(many).length, 20, 'bounded');
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SchemaNode, mergeNodes, observe, propertyPaths, scalarFromText, toJsonSchema, DEFAULT_INFER_LIMITS } from './schema-infer.js';

test('types, formats, required and optional properties, nested objects and arrays', () => {
  const n = new SchemaNode();
  observe(n, { id: 1, email: 'a@b.io', created: '2024-01-01T10:00:00Z', tags: ['x'], addr: { city: 'Oslo', zip: '0150' }, site: 'https://x.io/a' });
  observe(n, { id: 2, email: 'c@d.io', created: '2024-01-02T10:00:00.5+01:00', tags: [], addr: { city: 'Rome' }, ip: '10.0.0.1', site: 'https://y.io' });
  const s = toJsonSchema(n);
  assert.equal(s.type, 'object');
  const p = s.properties as Record<string, Record<string, unknown>>;
  assert.deepEqual(p.id!.type, 'integer');
  assert.equal(p.email!.format, 'email');
  assert.equal(p.created!.format, 'date-time');
  assert.equal(p.site!.format, 'uri');
  assert.equal(p.ip!.format, 'ipv4');
  assert.equal(p.tags!.type, 'array');
  assert.deepEqual((p.tags!.items as Record<string, unknown>).type, 'string');
  assert.deepEqual(s.required, ['addr', 'created', 'email', 'id', 'site', 'tags']);
  const addr = p.addr as { required: string[] };
  assert.deepEqual(addr.required, ['city'], 'zip was missing once: optional');
});

test('numbers widen integers; mixed types list every type', () => {
  const n = new SchemaNode();
  observe(n, 1);
  observe(n, 1.5);
  assert.equal(toJsonSchema(n).type, 'number');
  const m = new SchemaNode();
  observe(m, 'x');
  observe(m, null);
  assert.deepEqual(toJsonSchema(m).type, ['null', 'string']);
});

test('enums only for small sets seen often; never for sensitive values', () => {
  const n = new SchemaNode();
  for (let i = 0; i < 30; i++) observe(n, ['new', 'paid', 'shipped'][i % 3]);
  assert.deepEqual(toJsonSchema(n).enum, ['new', 'paid', 'shipped']);
  const ids = new SchemaNode();
  for (let i = 0; i < 30; i++) observe(ids, `id${i}`);
  assert.equal(toJsonSchema(ids).enum, undefined);
  const few = new SchemaNode();
  for (let i = 0; i < 3; i++) observe(few, 'a');
  assert.equal(toJsonSchema(few).enum, undefined, 'too few samples to call it an enum');
  const secret = new SchemaNode();
  for (let i = 0; i < 30; i++) observe(secret, 'hunter2', DEFAULT_INFER_LIMITS, () => true);
  const s = toJsonSchema(secret);
  assert.equal(s.enum, undefined);
  assert.deepEqual(s.examples, ['hu***r2'], 'examples are masked');
  assert.equal(s['x-sensitive'], true);
});

test('bounded: properties, depth and examples are capped', () => {
  const limits = { ...DEFAULT_INFER_LIMITS, maxProperties: 3, maxDepth: 2, maxExamples: 2 };
  const n = new SchemaNode();
  observe(n, { a: 1, b: 2, c: 3, d: 4, e: { f: { g: 1 } } }, limits);
  assert.equal(n.properties!.size, 3);
  assert.equal(n.droppedProperties, 2);
  const deep = new SchemaNode();
  observe(deep, { a: { b: { c: { d: 1 } } } }, limits);
  assert.deepEqual(propertyPaths(deep), ['a', 'a.b']);
  const ex = new SchemaNode();
  for (const v of ['x', 'y', 'z']) observe(ex, v, limits);
  assert.deepEqual(ex.examples, ['x', 'y']);
});

test('merging combines counts so required-ness stays right', () => {
  const a = new SchemaNode();
  observe(a, { id: 1, name: 'x' });
  const b = new SchemaNode();
  observe(b, { id: 2 });
  mergeNodes(a, b);
  assert.deepEqual(toJsonSchema(a).required, ['id']);
  assert.deepEqual(propertyPaths(a), ['id', 'name']);
});

test('text values from query strings and forms', () => {
  assert.equal(scalarFromText('42'), 42);
  assert.equal(scalarFromText('4.5'), 4.5);
  assert.equal(scalarFromText('true'), true);
  assert.equal(scalarFromText('00000000000000000001'), '00000000000000000001', 'too long for a safe number');
  assert.equal(scalarFromText('abc'), 'abc');
});

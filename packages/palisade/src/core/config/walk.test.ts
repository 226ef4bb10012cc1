import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigSchema } from './schema.js';
import { closest, describeExpected, editDistance, formatPath, knownKeys, schemaAt } from './walk.js';

test('formatPath writes paths as a reader types them', () => {
  assert.equal(formatPath(['routes', 0, 'stages', 'limits', 'maxBodyBytes']), 'routes[0].stages.limits.maxBodyBytes');
  assert.equal(formatPath(['gateway', 'odd key']), 'gateway["odd key"]');
  assert.equal(formatPath([]), '(top level)');
});

test('schemaAt steps through defaults, optionals, objects and list elements', () => {
  assert.equal(describeExpected(schemaAt(ConfigSchema, ['routes', 3, 'stages', 'limits', 'maxBodyBytes'])!), 'an integer from 0 to 1073741824');
  assert.equal(describeExpected(schemaAt(ConfigSchema, ['gateway', 'trustedProxies'])!), 'a list of strings');
  assert.equal(describeExpected(schemaAt(ConfigSchema, ['apis'])!), 'a list of mappings');
  assert.equal(schemaAt(ConfigSchema, ['gateway', 'nope']), undefined);
  assert.equal(schemaAt(ConfigSchema, ['apis', 'name']), undefined, 'a list is indexed by number');
  assert.deepEqual(knownKeys(ConfigSchema, ['gateway', 'listen']), ['host', 'port']);
  assert.equal(describeExpected(schemaAt(ConfigSchema, ['gateway', 'workers'])!), '"auto" or an integer from 1 to 256');
  assert.equal(describeExpected(schemaAt(ConfigSchema, ['store', 'retention', 'maxAgeDays'])!), 'a number > 0 and ≤ 3650');
  assert.equal(describeExpected(schemaAt(ConfigSchema, ['admin', 'token'])!), 'a string of at least 32 characters');
  assert.equal(describeExpected(schemaAt(ConfigSchema, ['routes', 0, 'pathPrefix'])!), 'a string starting with /');
});

test('suggestions: close typos, case and separator slips; nothing for unrelated words', () => {
  assert.equal(editDistance('kitten', 'sitting'), 3);
  assert.equal(editDistance('', 'abc'), 3);
  const known = ['host', 'port', 'maxBodyBytes', 'routes'];
  assert.equal(closest('prot', known), 'port');
  assert.equal(closest('max_body_bytes', known), 'maxBodyBytes');
  assert.equal(closest('ROUTES', known), 'routes');
  assert.equal(closest('colour', known), undefined);
  assert.equal(closest('x', []), undefined);
});

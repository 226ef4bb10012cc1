import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeStageSettings } from './merge.js';
import { StageSettingsSchema, type StageSettings } from './schema.js';

const fresh = (): StageSettings => StageSettingsSchema.parse({});

test('no overrides: an equal, frozen copy that shares nothing with the input', () => {
  const defaults = fresh();
  const merged = mergeStageSettings(defaults);
  assert.deepEqual(merged, defaults);
  assert.notEqual(merged.methods.allow, defaults.methods.allow);
  assert.ok(Object.isFrozen(merged) && Object.isFrozen(merged.methods.allow));
  assert.ok(!Object.isFrozen(defaults.methods.allow), 'the input is not frozen as a side effect');
});

test('objects merge key by key; lists and scalars replace', () => {
  const defaults = fresh();
  const merged = mergeStageSettings(defaults, {
    limits: { maxBodyBytes: 10 },
    methods: { allow: ['GET'] },
    ipFilter: { deny: [] },
    cors: { enabled: true, origins: ['https://a.example'] },
  });
  assert.equal(merged.limits.maxBodyBytes, 10);
  assert.equal(merged.limits.maxJsonDepth, defaults.limits.maxJsonDepth);
  assert.deepEqual(merged.methods.allow, ['GET'], 'not concatenated with the default methods');
  assert.deepEqual(merged.ipFilter.deny, [], 'an empty list replaces too');
  assert.equal(merged.cors.enabled, true);
  assert.deepEqual(merged.cors.methods, defaults.cors.methods);
  assert.equal(merged.securityHeaders.hsts, defaults.securityHeaders.hsts);
});

test('an empty list in defaults is replaced by a route list; absent keys keep defaults', () => {
  const defaults = fresh();
  defaults.ipFilter.deny = ['10.0.0.0/8'];
  const merged = mergeStageSettings(defaults, { ipFilter: { allow: ['192.168.0.0/16'] } });
  assert.deepEqual(merged.ipFilter.allow, ['192.168.0.0/16']);
  assert.deepEqual(merged.ipFilter.deny, ['10.0.0.0/8']);
  assert.throws(() => {
    (merged.ipFilter.deny as string[]).push('x');
  }, TypeError);
});

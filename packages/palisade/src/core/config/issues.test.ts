// Error reporting of parseConfig: the exact line format, positions, suggestions, and what is
// never echoed back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PalisadeError } from '../errors.js';
import { parseConfig } from './load.js';

function errorOf(text: string, env: NodeJS.ProcessEnv = {}): PalisadeError {
  try {
    parseConfig(text, 'palisade.yaml', { env });
  } catch (e) {
    assert.ok(e instanceof PalisadeError, `expected a PalisadeError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected an error');
}

test('a type error names file:line:col, the full option path, what was expected and what was found', () => {
  const text = [
    'apis:',
    '  - { name: shop, upstream: "http://127.0.0.1:3001" }',
    'routes:',
    '  - api: shop',
    '    stages:',
    '      limits:',
    '        maxBodyBytes: big',
  ].join('\n');
  const e = errorOf(text);
  assert.equal(e.code, 'PALISADE_ERR_CONFIG_INVALID');
  assert.deepEqual(e.details, ['palisade.yaml:7:23 routes[0].stages.limits.maxBodyBytes: expected an integer from 0 to 1073741824, got "big"']);
});

test('range, enum, union, literal and format problems describe the accepted values', () => {
  const text = [
    'version: 2', //                                      1
    'gateway:', //                                        2
    '  workers: many', //                                 3
    '  listen: { port: 70000 }', //                       4
    'log: { level: loud }', //                            5
    'store: { retention: { maxAgeDays: 0 } }', //         6
    'defaults:', //                                       7
    '  methods: { allow: [GET, post] }', //               8
    'apis: [{ name: "my api", upstream: "ftp://x" }]', // 9
  ].join('\n');
  const d = errorOf(text).details;
  assert.deepEqual(d, [
    'palisade.yaml:1:10 version: expected 1, got 2',
    'palisade.yaml:3:12 gateway.workers: expected "auto" or an integer from 1 to 256, got "many"',
    'palisade.yaml:4:19 gateway.listen.port: expected an integer from 0 to 65535, got 70000',
    'palisade.yaml:5:15 log.level: expected one of "trace", "debug", "info", "warn", "error", "fatal", "silent", got "loud"',
    'palisade.yaml:6:35 store.retention.maxAgeDays: expected a number > 0 and ≤ 3650, got 0',
    'palisade.yaml:8:27 defaults.methods.allow[1]: expected an HTTP method in capitals, got "post"',
    'palisade.yaml:9:16 apis[0].name: expected a name of letters, digits, - and _ (starting with a letter or digit), got "my api"',
    'palisade.yaml:9:36 apis[0].upstream: expected an http or https URL, got "ftp://x"',
  ]);
});

test('unknown options point at their own key, with a suggestion when one is close', () => {
  const text = ['routs: []', 'gateway:', '  listen:', '    Port: 1', '    colour: blue', 'defaults:', '  limits: { max_body_bytes: 5 }'].join('\n');
  const d = errorOf(text).details;
  assert.equal(d.length, 4);
  assert.equal(d[0], 'palisade.yaml:1:1 routs: unknown option; did you mean "routes"?');
  assert.equal(d[1], 'palisade.yaml:4:5 gateway.listen.Port: unknown option; did you mean "port"?');
  assert.equal(d[2], 'palisade.yaml:5:5 gateway.listen.colour: unknown option; options here: host, port');
  assert.equal(d[3], 'palisade.yaml:7:13 defaults.limits.max_body_bytes: unknown option; did you mean "maxBodyBytes"?');
});

test('a missing required option points at its parent', () => {
  const d = errorOf('apis:\n  - name: shop\n').details;
  assert.deepEqual(d, ['palisade.yaml:2:5 apis[0].upstream: required option missing; expected an http or https URL']);
});

test('an empty section is reported, not silently taken as defaults', () => {
  assert.deepEqual(errorOf('gateway:\n  listen:\n').details, ['palisade.yaml:2:3 gateway.listen: expected a mapping, got an empty value']);
  assert.deepEqual(errorOf('- a\n').details, ['palisade.yaml:1:1 (top level): expected a mapping, got a list of 1 item']);
});

test('refinements report their own sentence', () => {
  const text = 'apis:\n  - name: a\n    upstream: http://h\n    versions:\n      - name: v1\n        state: deprecated\n';
  const d = errorOf(text).details;
  assert.equal(d.length, 1);
  assert.match(d[0]!, /^palisade\.yaml:5:\d+ apis\[0\]\.versions\[0\]\.deprecatedSince: a deprecated version needs deprecatedSince/);
});

test('values of secret options are never echoed', () => {
  const e = errorOf('admin: { token: hunter2-is-short }\n');
  assert.deepEqual(e.details, ['palisade.yaml:1:17 admin.token: expected a string of at least 32 characters, got a string of 16 characters']);
  const env = errorOf('', { PALISADE_ADMIN_TOKEN: 'tiny-secret' });
  assert.doesNotMatch(env.format(), /tiny-secret/);
});

test('environment overrides are named as the source of a bad value, after the file problems', () => {
  const e = errorOf('log: { level: loud }\n', { PALISADE_GATEWAY_PORT: 'eighty', PALISADE_WORKERS: '0' });
  assert.deepEqual(e.details, [
    'palisade.yaml:1:15 log.level: expected one of "trace", "debug", "info", "warn", "error", "fatal", "silent", got "loud"',
    'PALISADE_GATEWAY_PORT (environment) gateway.listen.port: expected an integer from 0 to 65535, got "eighty"',
    'PALISADE_WORKERS (environment) gateway.workers: expected "auto" or an integer from 1 to 256, got 0',
  ]);
});

test('YAML problems are syntax errors with positions: duplicates, tabs, several documents, bad tags', () => {
  const dup = errorOf('log:\n  level: info\n  level: warn\n');
  assert.equal(dup.code, 'PALISADE_ERR_CONFIG_SYNTAX');
  assert.deepEqual(dup.details, ['palisade.yaml:3:3 duplicate key "level": each option may appear once per mapping']);
  const docs = errorOf('log: {}\n---\nlog: {}\n');
  assert.equal(docs.code, 'PALISADE_ERR_CONFIG_SYNTAX');
  assert.match(docs.details[0]!, /^palisade\.yaml:2:1 the file holds several YAML documents/);
  const tag = errorOf('log: { level: !secret info }\n');
  assert.equal(tag.code, 'PALISADE_ERR_CONFIG_SYNTAX');
  assert.match(tag.details[0]!, /^palisade\.yaml:1:\d+ .*!secret/);
});

test('anchors and merge keys work; alias expansion is bounded', () => {
  const text = [
    'apis:',
    '  - &base { name: a, upstream: "http://127.0.0.1:3001", connections: 8 }',
    '  - <<: *base',
    '    name: b',
    'routes:',
    '  - { api: a, pathPrefix: /a }',
    '  - { api: b, pathPrefix: /b }',
  ].join('\n');
  const c = parseConfig(text, 'p.yaml', { env: {} });
  assert.equal(c.apis[1]!.name, 'b');
  assert.equal(c.apis[1]!.connections, 8);
  const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]', `b: [${Array(200).fill('*a').join(', ')}]`].join('\n');
  assert.equal(errorOf(bomb).code, 'PALISADE_ERR_CONFIG_SYNTAX');
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PalisadeError } from '../core/index.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadScanConfig, parseScanConfig } from './scan-config.js';

test('scan configuration: defaults, environment substitution', () => {
  const c = parseScanConfig({ target: 'http://127.0.0.1:1', identities: [{ name: 'a', login: { path: '/login', body: { user: 'a', password: '${PW}' }, extract: { json: 'token' } } }] }, 'x', { PW: 's3cret' });
  assert.equal(c.budgets.maxRequests, 5000);
  assert.equal(c.destructive, false);
  assert.equal(c.identities[0]!.login!.body.password, 's3cret');
  assert.equal(c.identities[0]!.role, 'user');
});

test('scan configuration errors name the option path', () => {
  try {
    parseScanConfig({ target: 'nope', budgets: { concurrency: 0 }, identities: [{ name: 'anonymous' }, { name: 'b', login: { path: 'login', extract: {} } }, { name: 'c', oauth2: { tokenUrl: '/t', grant: 'password', clientId: 'x' } }, { name: 'c' }], bogus: 1 }, 'scan.yaml', {});
    assert.fail('should throw');
  } catch (err) {
    assert.ok(err instanceof PalisadeError);
    assert.equal(err.code, 'PALISADE_ERR_SCAN_CONFIG');
    const d = err.details.join('\n');
    for (const p of ['target:', 'budgets.concurrency:', 'identities[0]: anonymous always exists', 'identities[1].login.path:', 'identities[1].login.extract: give exactly one', 'identities[2].oauth2: the password grant needs', '(top level): Unrecognized key']) assert.ok(d.includes(p), `${p} in\n${d}`);
  }
  assert.throws(() => parseScanConfig({ identities: [{ name: 'a', headers: { x: '${NOT_SET}' } }] }, 'x', {}), (e: PalisadeError) => e.details.some((x) => /identities\[0\]\.headers\.x: environment variable NOT_SET is not set/.test(x)));
});

test('a relative spec is relative to the configuration file; URLs and graphql:<URL> are kept', () => {
  const dir = mkdtempSync(join(tmpdir(), 'palisade-scan-config-'));
  try {
    const file = join(dir, 'scan.yaml');
    writeFileSync(file, 'spec: api/openapi.yaml\n');
    assert.equal(loadScanConfig(file).spec, join(dir, 'api', 'openapi.yaml'));
    writeFileSync(file, 'spec: graphql:https://api.example.com/graphql\n');
    assert.equal(loadScanConfig(file).spec, 'graphql:https://api.example.com/graphql');
    writeFileSync(file, 'spec: https://api.example.com/ws?wsdl\n');
    assert.equal(loadScanConfig(file).spec, 'https://api.example.com/ws?wsdl');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from './load.js';
import { isSecretKey, redactConfig, redactUrl, REDACTED } from './redact.js';

test('secret-like option names are recognised; look-alikes are not', () => {
  for (const name of ['token', 'adminToken', 'secret', 'clientSecret', 'password', 'db_password', 'apiKey', 'api_key', 'API-Key', 'privateKey', 'passphrase', 'credentials']) {
    assert.ok(isSecretKey(name), name);
  }
  for (const name of ['maxHeaderCount', 'key', 'keepAliveTimeoutMs', 'tokenHeader', 'secretsDir', 'requestIdHeader', 'redactHeaders', 'monkey']) {
    assert.ok(!isSecretKey(name), name);
  }
});

test('URLs keep everything but the password and secret query parameters', () => {
  assert.equal(redactUrl('postgres://app:hunter2@db:5432/palisade'), `postgres://app:${REDACTED}@db:5432/palisade`);
  assert.equal(redactUrl('postgres://app:p@ss@db/x'), `postgres://app:${REDACTED}@db/x`, 'an unencoded @ in the password');
  assert.equal(redactUrl('postgres://app@db/x'), 'postgres://app@db/x', 'no password, nothing to hide');
  assert.equal(redactUrl('postgres://db/x?user=a&password=b&sslmode=require'), `postgres://db/x?user=a&password=${REDACTED}&sslmode=require`);
  assert.equal(redactUrl('https://h/x?api_key=abc#frag'), `https://h/x?api_key=${REDACTED}#frag`);
  assert.equal(redactUrl('not a url: secret'), 'not a url: secret');
});

test('redactConfig: admin token, store password, upstream credentials; switches and sizes stay', () => {
  const text = [
    'admin: { token: 0123456789abcdef0123456789abcdef-admin }',
    'store: { driver: postgres, url: "postgres://palisade:hunter2@db.internal:5432/palisade" }',
    'apis: [{ name: a, upstream: "https://svc:s3cret@api.internal/v1" }]',
    "defaults: { cors: { origins: ['https://a.example'], credentials: true } }",
  ].join('\n');
  const cfg = parseConfig(text, 'p.yaml', { env: {} });
  const r = redactConfig(cfg) as {
    admin: { token: string };
    store: { url: string };
    apis: { upstream: string }[];
    defaults: { cors: { credentials: boolean }; limits: { maxHeaderCount: number } };
  };
  assert.equal(r.admin.token, REDACTED);
  assert.equal(r.store.url, `postgres://palisade:${REDACTED}@db.internal:5432/palisade`);
  assert.equal(r.apis[0]!.upstream, `https://svc:${REDACTED}@api.internal/v1`);
  assert.equal(r.defaults.cors.credentials, true);
  assert.equal(r.defaults.limits.maxHeaderCount, 100);
  assert.doesNotMatch(JSON.stringify(r), /hunter2|s3cret|0123456789abcdef0123456789abcdef-admin/);
  assert.equal(cfg.admin.token, '0123456789abcdef0123456789abcdef-admin', 'the configuration itself is untouched');
});

test('redactConfig walks arbitrary nesting, including lists', () => {
  const r = redactConfig({ a: [{ clientSecret: 'x', keep: 'y' }], b: { nested: { password: 42, passwordless: false } } });
  assert.deepEqual(r, { a: [{ clientSecret: REDACTED, keep: 'y' }], b: { nested: { password: REDACTED, passwordless: false } } });
});

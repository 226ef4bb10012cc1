import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRedactor, REDACTED } from './redact.js';

test('credential headers are always redacted, configured ones too', () => {
  const r = createRedactor({ headers: ['X-Tenant-Secret-Thing'] });
  const out = r.headers({
    authorization: 'Bearer abc',
    cookie: 'sid=1',
    'x-api-key': 'k',
    'x-tenant-secret-thing': 'v',
    'x-custom-token': 't',
    accept: 'application/json',
    'set-cookie': ['a=1', 'b=2'],
  });
  assert.equal(out.authorization, `Bearer ${REDACTED}`);
  assert.equal(out.cookie, REDACTED);
  assert.equal(out['x-api-key'], REDACTED);
  assert.equal(out['x-tenant-secret-thing'], REDACTED);
  assert.equal(out['x-custom-token'], REDACTED);
  assert.equal(out['set-cookie'], REDACTED);
  assert.equal(out.accept, 'application/json');
});

test('the Authorization scheme is kept, never the credentials', () => {
  const r = createRedactor();
  const h = (v: string) => r.headers({ authorization: v }).authorization;
  assert.equal(h('Basic YWxpY2U6cGFzcw=='), `Basic ${REDACTED}`);
  assert.equal(h('ApiKey pal_abc_def'), `ApiKey ${REDACTED}`);
  assert.equal(r.headers({ 'proxy-authorization': 'Digest username="a", response="b"' })['proxy-authorization'], `Digest ${REDACTED}`);
  // No scheme (a bare token), or something that is not a scheme: nothing of it is kept.
  assert.equal(h('eyJhbGciOiJIUzI1NiJ9.e30.sig'), REDACTED);
  assert.equal(h('s3cr3t'), REDACTED);
  assert.equal(h('(weird) value'), REDACTED);
});

test('secret-looking query parameters are redacted, others kept', () => {
  const r = createRedactor({ queryParams: ['sessionref'] });
  assert.equal(r.url('/a?page=2&api_key=xyz&Access_Token=1&sessionref=9&author=me'), `/a?page=2&api_key=${encodeURIComponent(REDACTED)}&Access_Token=${encodeURIComponent(REDACTED)}&sessionref=${encodeURIComponent(REDACTED)}&author=me`);
  assert.equal(r.url('/plain'), '/plain');
  assert.equal(r.url('/a?%ZZ=1&password=p'), `/a?%ZZ=1&password=${encodeURIComponent(REDACTED)}`);
});

test('JSON and form body samples have secret fields masked, even when truncated', () => {
  const r = createRedactor({ bodyFields: ['ssn'] });
  const json = JSON.parse(r.body('{"user":"a","password":"p","nested":{"apiKey":"k","items":[{"token":"t"}]},"ssn":"123"}', 'application/json')) as Record<string, unknown>;
  assert.equal(json.password, REDACTED);
  assert.equal(json.ssn, REDACTED);
  assert.deepEqual(json.nested, { apiKey: REDACTED, items: [{ token: REDACTED }] });
  assert.equal(json.user, 'a');
  const truncated = r.body('{"user":"a","password":"hunter2","rest":"abc', 'application/json');
  assert.doesNotMatch(truncated, /hunter2/);
  assert.equal(r.body('user=a&password=p', 'application/x-www-form-urlencoded'), `user=a&password=${encodeURIComponent(REDACTED)}`);
});

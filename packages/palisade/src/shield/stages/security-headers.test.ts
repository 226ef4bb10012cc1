import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { StageSettings } from '../../core/index.js';
import type { HeaderMap, Stage } from '../stage.js';
import { createSecurityHeadersStage } from './security-headers.js';
import type { FakeRequest } from './fake-context.js';
import { fakeContext, fakeEnv, settingsFor } from './fake-context.js';

function build(overrides: Partial<StageSettings['securityHeaders']> = {}): Stage {
  const stage = createSecurityHeadersStage(settingsFor('securityHeaders', overrides), fakeEnv());
  assert.ok(stage);
  return stage;
}

function run(stage: Stage, headers: HeaderMap, req: FakeRequest = {}): HeaderMap {
  const head = { status: 200, headers: { ...headers } };
  stage.responseHead!(fakeContext(req), head);
  return head.headers;
}

describe('securityHeaders stage', () => {
  it('is off when disabled', () => {
    assert.equal(createSecurityHeadersStage(settingsFor('securityHeaders', { enabled: false }), fakeEnv()), null);
  });

  it('adds the API defaults and removes revealing headers', () => {
    const h = run(build(), { server: 'nginx/1.25', 'x-powered-by': 'Express', 'content-type': 'application/json' });
    assert.deepEqual(h, {
      'content-type': 'application/json',
      'x-content-type-options': 'nosniff',
      'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
      'referrer-policy': 'no-referrer',
    });
  });

  it('sends HSTS on TLS only', () => {
    const stage = build();
    assert.equal(run(stage, {}, { tls: true })['strict-transport-security'], 'max-age=31536000; includeSubDomains');
    assert.equal(run(stage, {}, { tls: false })['strict-transport-security'], undefined);
  });

  it('sends Cache-Control: no-store to authenticated requests unless the upstream chose a policy', () => {
    const stage = build();
    assert.equal(run(stage, {}, { hasCredentials: true })['cache-control'], 'no-store');
    assert.equal(run(stage, { 'cache-control': 'private, max-age=60' }, { hasCredentials: true })['cache-control'], 'private, max-age=60');
    assert.equal(run(stage, {}, { hasCredentials: false })['cache-control'], undefined);
    assert.equal(run(build({ noStoreWhenAuthenticated: false }), {}, { hasCredentials: true })['cache-control'], undefined);
  });

  it('keeps policies the upstream set, but always forces nosniff', () => {
    const h = run(build(), { 'content-security-policy': "default-src 'self'", 'x-content-type-options': 'bogus', 'referrer-policy': 'origin' }, { tls: true });
    assert.equal(h['content-security-policy'], "default-src 'self'");
    assert.equal(h['referrer-policy'], 'origin');
    assert.equal(h['x-content-type-options'], 'nosniff');
  });

  it('disables a header with an empty string and honours the remove list', () => {
    const stage = build({ hsts: '', contentSecurityPolicy: '', referrerPolicy: '', noSniff: false, remove: ['X-Backend'] });
    assert.deepEqual(run(stage, { 'x-backend': 'db-3', server: 'kept' }, { tls: true }), { server: 'kept' });
  });
});

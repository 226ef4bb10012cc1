import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { StageSettings } from '../../core/index.js';
import type { HeaderMap, Stage } from '../stage.js';
import { addVary, createCorsStage, stripUpstreamCors } from './cors.js';
import type { FakeEnv } from './fake-context.js';
import { fakeContext, fakeEnv, settingsFor } from './fake-context.js';

const APP = 'https://app.example.com';

function build(overrides: Partial<StageSettings['cors']> = {}, env: FakeEnv = fakeEnv()): Stage {
  const stage = createCorsStage(settingsFor('cors', { enabled: true, origins: [APP], ...overrides }), env);
  assert.ok(stage);
  return stage;
}

function preflight(origin: string, method = 'PUT', requestHeaders?: string) {
  return fakeContext({
    method: 'OPTIONS',
    url: '/things/1',
    headers: {
      origin,
      'access-control-request-method': method,
      ...(requestHeaders !== undefined ? { 'access-control-request-headers': requestHeaders } : {}),
    },
  });
}

describe('cors stage', () => {
  it('is off by default', () => {
    assert.equal(createCorsStage(settingsFor('cors'), fakeEnv()), null);
  });

  it('answers a preflight from an allowed origin with 204 and the policy', () => {
    const stage = build({ credentials: true, maxAgeSeconds: 120 });
    const ctx = preflight(APP, 'PUT', 'content-type,authorization');
    assert.deepEqual(stage.request!(ctx), {
      kind: 'respond',
      status: 204,
      headers: {
        'access-control-allow-origin': APP,
        'access-control-allow-methods': 'GET, HEAD, POST, PUT, PATCH, DELETE',
        'access-control-allow-headers': 'authorization, content-type',
        'access-control-max-age': '120',
        'access-control-allow-credentials': 'true',
        vary: 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers',
      },
      body: '',
    });
  });

  it('refuses a preflight from another origin with 403 cors-origin-denied', () => {
    const stage = build();
    const v = stage.request!(preflight('https://evil.example'));
    assert.deepEqual(v, { kind: 'deny', code: 'cors-origin-denied', status: 403, detail: 'Cross-origin requests from this origin are not allowed.' });
  });

  it('refuses a preflight asking for a header or method not allowed', () => {
    const stage = build({ methods: ['GET', 'POST'] });
    assert.equal((stage.request!(preflight(APP, 'POST', 'content-type, x-debug')) as { code?: string }).code, 'cors-preflight-denied');
    assert.equal((stage.request!(preflight(APP, 'DELETE')) as { code?: string }).code, 'cors-preflight-denied');
    assert.equal((stage.request!(preflight(APP, 'POST', 'Content-Type')) as { kind: string }).kind, 'respond');
  });

  it('accepts configured origins written with capitals or a trailing slash', () => {
    const stage = build({ origins: ['https://App.Example.com/'] });
    assert.equal((stage.request!(preflight(APP)) as { kind: string }).kind, 'respond');
  });

  it('treats OPTIONS without Access-Control-Request-Method as an ordinary request', () => {
    const stage = build();
    assert.deepEqual(stage.request!(fakeContext({ method: 'OPTIONS', headers: { origin: 'https://evil.example' } })), { kind: 'continue' });
  });

  it('adds CORS headers for actual requests from an allowed origin only', () => {
    const stage = build({ credentials: true, exposeHeaders: ['x-request-id', 'etag'] });
    const ok = fakeContext({ headers: { origin: APP } });
    assert.deepEqual(stage.request!(ok), { kind: 'continue' });
    assert.deepEqual(ok.extraResponseHeaders, {
      'access-control-allow-origin': APP,
      'access-control-allow-credentials': 'true',
      'access-control-expose-headers': 'x-request-id, etag',
    });
    const other = fakeContext({ headers: { origin: 'https://evil.example' } });
    assert.deepEqual(stage.request!(other), { kind: 'continue' });
    assert.equal(other.extraResponseHeaders, undefined);
    const none = fakeContext();
    stage.request!(none);
    assert.equal(none.extraResponseHeaders, undefined);
  });

  it("answers '*' with '*' and never with credentials", () => {
    const env = fakeEnv();
    const stage = build({ origins: ['*'], credentials: true }, env);
    assert.equal(env.logs[0]?.level, 'warn');
    const ctx = fakeContext({ headers: { origin: 'https://anyone.example' } });
    stage.request!(ctx);
    assert.deepEqual(ctx.extraResponseHeaders, { 'access-control-allow-origin': '*' });
    const pre = stage.request!(preflight('https://anyone.example')) as { headers: Record<string, string> };
    assert.equal(pre.headers['access-control-allow-origin'], '*');
    assert.equal(pre.headers['access-control-allow-credentials'], undefined);
  });

  it('keeps credentials for listed origins alongside *', () => {
    const stage = build({ origins: ['*', APP], credentials: true });
    const ctx = fakeContext({ headers: { origin: APP } });
    stage.request!(ctx);
    assert.equal(ctx.extraResponseHeaders?.['access-control-allow-origin'], APP);
    assert.equal(ctx.extraResponseHeaders?.['access-control-allow-credentials'], 'true');
  });

  it('replaces upstream CORS headers with its own and merges Vary', () => {
    const stage = build();
    // An upstream that reflects any origin with credentials: must never reach the client.
    const evil = fakeContext({ headers: { origin: 'https://evil.example', cookie: 'sid=1' } });
    stage.request!(evil);
    const head = {
      status: 200,
      headers: {
        'access-control-allow-origin': 'https://evil.example',
        'access-control-allow-credentials': 'true',
        vary: 'Accept-Encoding',
        'content-type': 'application/json',
      } as HeaderMap,
    };
    stage.responseHead!(evil, head);
    assert.deepEqual(head.headers, { vary: 'Accept-Encoding, Origin', 'content-type': 'application/json' });

    const good = fakeContext({ headers: { origin: APP } });
    stage.request!(good);
    const head2 = { status: 200, headers: { 'access-control-allow-origin': '*' } as HeaderMap };
    stage.responseHead!(good, head2);
    assert.deepEqual(head2.headers, { 'access-control-allow-origin': APP, vary: 'Origin' });
  });

  it("keeps its own preflight headers through responseHead", () => {
    const stage = build();
    const ctx = preflight(APP);
    const v = stage.request!(ctx) as { status: number; headers: Record<string, string> };
    const head = { status: v.status, headers: { ...v.headers } as HeaderMap };
    stage.responseHead!(ctx, head);
    assert.deepEqual(head.headers, v.headers);
  });
});

describe('stripUpstreamCors / addVary', () => {
  it('removes only Access-Control-* headers', () => {
    const head = { status: 200, headers: { 'access-control-allow-origin': '*', 'access-control-max-age': '5', etag: '"1"' } as HeaderMap };
    stripUpstreamCors(head);
    assert.deepEqual(head.headers, { etag: '"1"' });
  });

  it('adds a Vary token once and respects Vary: *', () => {
    const h: HeaderMap = { vary: ['Accept', 'origin'] };
    addVary(h, 'Origin');
    assert.equal(h.vary, 'Accept, origin');
    const star: HeaderMap = { vary: '*' };
    addVary(star, 'Origin');
    assert.equal(star.vary, '*');
  });
});

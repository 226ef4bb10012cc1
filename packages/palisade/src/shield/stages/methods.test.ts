import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createMethodsStage } from './methods.js';
import { fakeContext, fakeEnv, settingsFor } from './fake-context.js';

describe('methods stage', () => {
  it('is off when disabled', () => {
    assert.equal(createMethodsStage(settingsFor('methods', { enabled: false }), fakeEnv()), null);
  });

  it('allows the default methods and refuses TRACE and TRACK', () => {
    const stage = createMethodsStage(settingsFor('methods'), fakeEnv())!;
    for (const m of ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']) {
      assert.deepEqual(stage.request!(fakeContext({ method: m })), { kind: 'continue' }, m);
    }
    for (const m of ['TRACE', 'TRACK', 'CONNECT', 'PROPFIND']) {
      assert.deepEqual(
        stage.request!(fakeContext({ method: m })),
        {
          kind: 'deny',
          code: 'method-not-allowed',
          status: 405,
          detail: 'This method is not allowed on this resource.',
          headers: { Allow: 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS' },
        },
        m,
      );
    }
  });

  it('uses the configured list in the Allow header', () => {
    const stage = createMethodsStage(settingsFor('methods', { allow: ['GET', 'POST'] }), fakeEnv())!;
    assert.deepEqual(stage.request!(fakeContext({ method: 'POST' })), { kind: 'continue' });
    const v = stage.request!(fakeContext({ method: 'DELETE' }));
    assert.ok(!(v instanceof Promise) && v.kind === 'deny');
    assert.deepEqual(v.headers, { Allow: 'GET, POST' });
  });
});

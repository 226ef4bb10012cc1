import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { StageSettings } from '../../core/index.js';
import { isPalisadeError } from '../../core/index.js';
import { createIpFilterStage } from './ip-filter.js';
import { fakeContext, fakeEnv, settingsFor } from './fake-context.js';

function build(overrides: Partial<StageSettings['ipFilter']>, env = fakeEnv()) {
  const stage = createIpFilterStage(settingsFor('ipFilter', overrides), env);
  assert.ok(stage?.request);
  return { stage, env, run: (clientIp: string) => stage.request!(fakeContext({ clientIp })) };
}

describe('ipFilter stage', () => {
  it('is off when disabled', () => {
    assert.equal(createIpFilterStage(settingsFor('ipFilter', { enabled: false }), fakeEnv()), null);
  });

  it('lets every address through with the defaults', () => {
    const { run } = build({});
    assert.deepEqual(run('198.51.100.1'), { kind: 'continue' });
    assert.deepEqual(run('2001:db8::1'), { kind: 'continue' });
  });

  it('refuses denied addresses and ranges with 403 ip-denied', () => {
    const { run } = build({ deny: ['198.51.100.0/24', '2001:db8:bad::/48'] });
    const v = run('198.51.100.77');
    assert.equal(v instanceof Promise, false);
    assert.deepEqual(v, { kind: 'deny', code: 'ip-denied', status: 403, detail: 'Requests from your address are not accepted.' });
    assert.equal((run('2001:db8:bad::1') as { code?: string }).code, 'ip-denied');
    assert.deepEqual(run('198.51.101.1'), { kind: 'continue' });
  });

  it('refuses addresses outside a non-empty allow list with 403 ip-not-allowed', () => {
    const { run } = build({ allow: ['10.0.0.0/8'] });
    assert.deepEqual(run('10.20.30.40'), { kind: 'continue' });
    assert.equal((run('11.0.0.1') as { code?: string }).code, 'ip-not-allowed');
    // An unparsable client address fails closed.
    assert.equal((run('') as { code?: string }).code, 'ip-not-allowed');
  });

  it('gives the deny list precedence over the allow list', () => {
    const { run } = build({ allow: ['10.0.0.0/8'], deny: ['10.6.6.6'] });
    assert.equal((run('10.6.6.6') as { code?: string }).code, 'ip-denied');
    assert.deepEqual(run('10.6.6.7'), { kind: 'continue' });
  });

  it('refuses addresses on the dynamic block list with 403 ip-blocked, as they change', () => {
    const { run, env } = build({});
    assert.deepEqual(run('203.0.113.5'), { kind: 'continue' });
    env.blocklist.add('203.0.113.0/28');
    assert.equal((run('203.0.113.5') as { code?: string; status?: number }).code, 'ip-blocked');
    env.blocklist.remove('203.0.113.0/28');
    assert.deepEqual(run('203.0.113.5'), { kind: 'continue' });
  });

  it('ignores the dynamic block list when told to', () => {
    const env = fakeEnv();
    env.blocklist.add('203.0.113.5');
    const { run } = build({ dynamicBlocklist: false }, env);
    assert.deepEqual(run('203.0.113.5'), { kind: 'continue' });
  });

  it('rejects an invalid list entry at build time, naming the option and entry', () => {
    assert.throws(
      () => createIpFilterStage(settingsFor('ipFilter', { deny: ['10.0.0.0/8', '10.0.0/8'] }), fakeEnv()),
      (err: unknown) =>
        isPalisadeError(err) && err.code === 'PALISADE_ERR_CONFIG_INVALID' && /ipFilter\.deny: '10\.0\.0\/8'/.test(err.details.join('\n')),
    );
  });
});

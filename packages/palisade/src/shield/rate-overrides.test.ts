import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Verdict } from '../core/index.js';
import { createRateLimitStage } from './stages/rate-limit.js';
import { fakeContext, fakeEnv, settingsFor } from './stages/fake-context.js';
import type { FakeRequest } from './stages/fake-context.js';
import type { Stage } from './stage.js';
import { RateOverrides, canonicalTarget, parseOverrides, withOverride } from './rate-overrides.js';
import type { RateOverride } from './rate-overrides.js';

const T = 1_750_000_000_000;

function override(target: string, limit: number, extra: Partial<RateOverride> = {}): RateOverride {
  return { target, limit, windowSeconds: 60, expiresAt: T + 600_000, reason: 'test', createdBy: 'watch:PAL-WATCH-SCRAPING', createdAt: T, ...extra };
}

async function verdict(stage: Stage, init: FakeRequest & { principal?: string } = {}): Promise<Verdict> {
  const ctx = fakeContext(init);
  if (init.principal) ctx.principal = { id: init.principal, method: 'jwt', roles: [], scopes: [] };
  return stage.request!(ctx);
}

async function admitted(stage: Stage, n: number, init: FakeRequest & { principal?: string } = {}): Promise<number> {
  let ok = 0;
  for (let i = 0; i < n; i++) if ((await verdict(stage, init)).kind === 'continue') ok++;
  return ok;
}

describe('rate-limit overrides', () => {
  it('canonicalises targets: addresses and principal:<id>, nothing else', () => {
    assert.equal(canonicalTarget('2001:DB8::0:1'), '2001:db8::1');
    assert.equal(canonicalTarget(' 203.0.113.7 '), '203.0.113.7');
    assert.equal(canonicalTarget('principal:alice'), 'principal:alice');
    assert.equal(canonicalTarget('principal:'), undefined);
    assert.equal(canonicalTarget('10.0.0.0/8'), undefined, 'a limit counts one actor, not a network');
    assert.equal(canonicalTarget('alice'), undefined);
  });

  it('holds an overridden address to its limit on a route with no configured limits, others untouched', async () => {
    const overrides = new RateOverrides(() => T);
    const env = { ...fakeEnv(), rateOverrides: overrides };
    const stage = createRateLimitStage(settingsFor('rateLimit'), env);
    assert.ok(stage, 'the stage runs for overrides even when rateLimit is not enabled');
    assert.equal(await admitted(stage, 5, { clientIp: '203.0.113.7' }), 5, 'nothing to apply yet');
    overrides.set(override('203.0.113.8', 3));
    assert.equal(await admitted(stage, 5, { clientIp: '203.0.113.8' }), 3);
    const v = await verdict(stage, { clientIp: '203.0.113.8' });
    assert.ok(v.kind === 'deny');
    assert.equal(v.status, 429);
    assert.equal(v.headers?.['RateLimit-Policy'], '3;w=60');
    assert.equal(await admitted(stage, 5, { clientIp: '203.0.113.9' }), 5, 'another address is not held');
    assert.equal(overrides.remove('203.0.113.8'), true);
    assert.equal(await admitted(stage, 3, { clientIp: '203.0.113.8' }), 3, 'lifted');
  });

  it('follows a principal across addresses and stacks with the configured limits', async () => {
    const overrides = new RateOverrides(() => T);
    overrides.set(override('principal:mallory', 2));
    const env = { ...fakeEnv(), rateOverrides: overrides };
    const stage = createRateLimitStage(settingsFor('rateLimit', { enabled: true, limits: [{ name: 'base', key: 'ip', points: 4, durationSeconds: 60, burst: 0 }] }), env)!;
    assert.equal(await admitted(stage, 1, { clientIp: '198.51.100.1', principal: 'mallory' }) + (await admitted(stage, 3, { clientIp: '198.51.100.2', principal: 'mallory' })), 2);
    assert.equal(await admitted(stage, 6, { clientIp: '198.51.100.3', principal: 'bob' }), 4, 'the configured window still applies to others');
  });

  it('ignores overrides on a route that sets dynamicOverrides: false, and expired ones', async () => {
    let now = T;
    const overrides = new RateOverrides(() => now);
    overrides.set(override('203.0.113.8', 1));
    assert.equal(createRateLimitStage(settingsFor('rateLimit', { dynamicOverrides: false }), { ...fakeEnv(), rateOverrides: overrides }), null);
    const stage = createRateLimitStage(settingsFor('rateLimit'), { ...fakeEnv(), rateOverrides: overrides })!;
    assert.equal(await admitted(stage, 3, { clientIp: '203.0.113.8' }), 1);
    now = T + 600_001;
    assert.equal(overrides.list().length, 0);
    assert.equal(await admitted(stage, 3, { clientIp: '203.0.113.8' }), 3);
  });

  it('round-trips through the stored JSON, dropping malformed and expired entries', () => {
    const list = withOverride([override('203.0.113.1', 5, { expiresAt: T - 1 }), override('203.0.113.2', 5)], override('203.0.113.2', 9), T);
    assert.deepEqual(
      list.map((o) => [o.target, o.limit]),
      [['203.0.113.2', 9]],
    );
    const text = JSON.stringify([...list, { target: 'not an ip', limit: 1, windowSeconds: 1, expiresAt: T }, null, { target: '203.0.113.3' }]);
    assert.deepEqual(parseOverrides(text), list);
    assert.deepEqual(parseOverrides('{'), []);
  });
});

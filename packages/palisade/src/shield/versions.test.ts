import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiSchema } from '../core/index.js';
import { createVersionsStage } from './versions.js';
import { fakeContext } from './stages/fake-context.js';

const api = ApiSchema.parse({
  name: 'shop',
  upstream: 'http://127.0.0.1:1',
  versions: [
    { name: 'v0', state: 'retired', pathPrefix: '/api/v0', successor: 'https://shop.example/api/v2' },
    { name: 'v1', state: 'deprecated', pathPrefix: '/api/v1', deprecatedSince: '2026-01-01T00:00:00Z', sunset: '2026-12-31T23:59:59Z', successor: 'https://shop.example/api/v2' },
    { name: 'v1beta', state: 'active', pathPrefix: '/api/v1beta' },
    { name: 'v2', state: 'active', pathPrefix: '/api/v2' },
    { name: 'legacy-header', state: 'retired', header: { name: 'Api-Version', value: '2019-01-01' } },
  ],
});
// A fixed clock before v1's sunset: the file must not start failing on the day the sunset passes.
const BEFORE_SUNSET = Date.parse('2026-06-01T00:00:00Z');
const stage = createVersionsStage(api.versions, () => BEFORE_SUNSET)!;

test('a retired version is refused with 410 and a successor link', () => {
  const v = stage.request!(fakeContext({ url: '/api/v0/users' }));
  assert.ok(!(v instanceof Promise) && v.kind === 'deny');
  assert.equal(v.kind === 'deny' && v.status, 410);
  assert.equal(v.kind === 'deny' && v.code, 'version-retired');
  assert.equal(v.kind === 'deny' && v.headers?.link, '<https://shop.example/api/v2>; rel="successor-version"');
  const byHeader = stage.request!(fakeContext({ url: '/api/v2/x', headers: { 'api-version': '2019-01-01' } }));
  assert.equal(!(byHeader instanceof Promise) && byHeader.kind, 'continue', 'the path-matched active version wins first');
  const headerOnly = stage.request!(fakeContext({ url: '/other', headers: { 'api-version': '2019-01-01' } }));
  assert.equal(!(headerOnly instanceof Promise) && headerOnly.kind, 'deny');
});

test('a deprecated version answers with Deprecation (RFC 9745), Sunset (RFC 8594) and Link', () => {
  const ctx = fakeContext({ url: '/api/v1/orders' });
  const v = stage.request!(ctx);
  assert.equal(!(v instanceof Promise) && v.kind, 'continue');
  assert.deepEqual(ctx.extraResponseHeaders, {
    deprecation: '@1767225600',
    sunset: 'Thu, 31 Dec 2026 23:59:59 GMT',
    link: '<https://shop.example/api/v2>; rel="successor-version"',
  });
});

test('active versions and unversioned paths pass untouched; the longest prefix wins', () => {
  for (const url of ['/api/v2/x', '/api/v1beta/x', '/health']) {
    const ctx = fakeContext({ url });
    const v = stage.request!(ctx);
    assert.equal(!(v instanceof Promise) && v.kind, 'continue', url);
    assert.equal(ctx.extraResponseHeaders, undefined, url);
  }
});

test('a deprecated version without deprecatedSince is a configuration error', () => {
  const r = ApiSchema.safeParse({ name: 'a', upstream: 'http://h:1', versions: [{ name: 'v1', state: 'deprecated', pathPrefix: '/v1' }] });
  assert.equal(r.success, false);
  assert.deepEqual(r.error?.issues[0]?.path, ['versions', 0, 'deprecatedSince']);
  assert.equal(createVersionsStage([]), null);
});

test('state transitions: a deprecated version is retired (410) from its sunset on, without a reload', () => {
  let now = Date.parse('2026-12-31T23:59:58Z');
  const s = createVersionsStage(api.versions, () => now)!;
  const ask = () => {
    const ctx = fakeContext({ url: '/api/v1/orders' });
    const v = s.request!(ctx);
    assert.ok(!(v instanceof Promise));
    return v.kind === 'deny' ? `${v.status} ${v.headers?.link}` : `ok ${ctx.extraResponseHeaders?.sunset}`;
  };
  assert.equal(ask(), 'ok Thu, 31 Dec 2026 23:59:59 GMT');
  now += 1000;
  assert.equal(ask(), '410 <https://shop.example/api/v2>; rel="successor-version"');
  now += 86_400_000;
  assert.equal(ask(), '410 <https://shop.example/api/v2>; rel="successor-version"');
});

test('state transitions through configuration: active → deprecated → retired', () => {
  const at = (state: 'active' | 'deprecated' | 'retired') =>
    createVersionsStage(
      ApiSchema.parse({
        name: 'a',
        upstream: 'http://h:1',
        versions: [{ name: 'v1', state, pathPrefix: '/v1', ...(state === 'deprecated' ? { deprecatedSince: '2026-01-01T00:00:00Z' } : {}), successor: 'https://h/v2' }],
      }).versions,
      () => BEFORE_SUNSET,
    )!;
  const kind = (st: ReturnType<typeof at>) => {
    const ctx = fakeContext({ url: '/v1/x' });
    const v = st.request!(ctx);
    assert.ok(!(v instanceof Promise));
    return [v.kind === 'deny' ? v.status : v.kind, Object.keys(ctx.extraResponseHeaders ?? {}).sort().join(',')];
  };
  assert.deepEqual(kind(at('active')), ['continue', '']);
  assert.deepEqual(kind(at('deprecated')), ['continue', 'deprecation,link']);
  assert.deepEqual(kind(at('retired')), [410, '']);
});

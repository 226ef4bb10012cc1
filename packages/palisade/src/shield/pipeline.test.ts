import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StageSettingsSchema } from '../core/index.js';
import { REQUEST_ORDER, RESPONSE_ORDER, compilePipeline, runRequestStages, runResponseHead } from './pipeline.js';
import { fakeContext, fakeEnv } from './stages/fake-context.js';

test('stage order is fixed here and follows DESIGN.md', () => {
  assert.deepEqual([...REQUEST_ORDER], ['ipFilter', 'limits', 'methods', 'versions', 'cors', 'authenticate', 'rateLimit', 'loginGuard', 'authorize', 'contract', 'xml', 'soap', 'ssrfGuard', 'waf']);
  assert.deepEqual([...RESPONSE_ORDER], ['loginGuard', 'waf', 'contract', 'authorize', 'errorScrubbing', 'cors', 'securityHeaders']);
});

test('the first stage in order decides, whatever else is wrong with the request', () => {
  const settings = StageSettingsSchema.parse({ ipFilter: { deny: ['203.0.113.0/24'] }, limits: { maxUrlLength: 16 } });
  const p = compilePipeline(settings, fakeEnv());
  const ctx = fakeContext({ method: 'TRACE', url: '/a-very-long-url-indeed', clientIp: '203.0.113.7' });
  const v = runRequestStages(p, ctx);
  assert.ok(!(v instanceof Promise));
  assert.equal(v.kind, 'deny');
  assert.equal(v.kind === 'deny' && v.code, 'ip-denied');
  assert.deepEqual(ctx.outcomes, [{ stage: 'ipFilter', outcome: 'deny', code: 'ip-denied' }]);
  const ctx2 = fakeContext({ method: 'TRACE', url: '/a-very-long-url-indeed', clientIp: '198.51.100.1' });
  const v2 = runRequestStages(p, ctx2);
  assert.equal(!(v2 instanceof Promise) && v2.kind === 'deny' && v2.code, 'uri-too-long');
});

test('a stage switched off is absent; the others keep their order', () => {
  const settings = StageSettingsSchema.parse({ limits: { enabled: false }, securityHeaders: { enabled: false } });
  const p = compilePipeline(settings, fakeEnv());
  assert.deepEqual(p.request.map((s) => s.name), ['ipFilter', 'methods']);
  assert.deepEqual(p.response.map((s) => s.name), ['errorScrubbing']);
  const ctx = fakeContext({ method: 'GET', url: '/' + 'x'.repeat(20000) });
  const v = runRequestStages(p, ctx);
  assert.equal(!(v instanceof Promise) && v.kind, 'continue');
});

test('response-head hooks run on upstream and Shield responses; only upstream bodies are buffered', () => {
  const p = compilePipeline(StageSettingsSchema.parse({}), fakeEnv());
  const head = { status: 500, headers: { server: 'x', 'content-type': 'text/plain' } as Record<string, string | string[] | undefined> };
  const buffering = runResponseHead(p, fakeContext(), head, true);
  assert.deepEqual(buffering?.map((s) => s.name), ['errorScrubbing']);
  assert.equal(head.headers.server, undefined);
  assert.equal(head.headers['x-content-type-options'], 'nosniff');
  const own = { status: 502, headers: {} as Record<string, string | string[] | undefined> };
  assert.equal(runResponseHead(p, fakeContext(), own, false), undefined);
  assert.equal(own.headers['x-content-type-options'], 'nosniff');
});

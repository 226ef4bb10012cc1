import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import type { StageSettings } from '../../core/index.js';
import type { BodyInspector, Stage } from '../stage.js';
import { createLimitsStage, isJsonContentType } from './limits.js';
import type { FakeRequest } from './fake-context.js';
import { fakeContext, fakeEnv, settingsFor } from './fake-context.js';

function build(overrides: Partial<StageSettings['limits']> = {}): Stage {
  const stage = createLimitsStage(settingsFor('limits', overrides), fakeEnv());
  assert.ok(stage);
  return stage;
}

function code(v: unknown): string | undefined {
  return (v as { code?: string } | undefined)?.code;
}

/** Feeds `body` in chunks and returns the first verdict (or end()'s). */
function feed(ins: BodyInspector, body: Buffer, chunk = 64): unknown {
  for (let i = 0; i < body.length; i += chunk) {
    const v = ins.push(body.subarray(i, i + chunk));
    if (v) return v;
  }
  return ins.end();
}

const jsonPost = (body: string | Buffer, extra: Record<string, string> = {}): FakeRequest => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...extra },
});

describe('limits stage', () => {
  it('is off when disabled', () => {
    assert.equal(createLimitsStage(settingsFor('limits', { enabled: false }), fakeEnv()), null);
  });

  it('refuses a long request target with 414', () => {
    const stage = build({ maxUrlLength: 32 });
    assert.deepEqual(stage.request!(fakeContext({ url: '/' + 'a'.repeat(31) })), { kind: 'continue' });
    const v = stage.request!(fakeContext({ url: '/' + 'a'.repeat(32) }));
    assert.deepEqual(v, { kind: 'deny', code: 'uri-too-long', status: 414, detail: 'The request target must not exceed 32 bytes.' });
  });

  it('refuses too many headers with 431', () => {
    const stage = build({ maxHeaderCount: 3 });
    const three = { a: '1', b: '2', c: '3' };
    assert.deepEqual(stage.request!(fakeContext({ headers: three })), { kind: 'continue' });
    assert.equal(code(stage.request!(fakeContext({ headers: { ...three, d: '4' } }))), 'headers-too-large');
    // Repeated headers count one by one, as they arrive.
    assert.equal(code(stage.request!(fakeContext({ headers: { a: ['1', '2', '3', '4'] } }))), 'headers-too-large');
  });

  it('refuses oversized headers with 431, counting names and values', () => {
    const stage = build({ maxHeaderBytes: 256 });
    assert.deepEqual(stage.request!(fakeContext({ headers: { 'x-big': 'v'.repeat(251) } })), { kind: 'continue' });
    assert.equal(code(stage.request!(fakeContext({ headers: { 'x-big': 'v'.repeat(252) } }))), 'headers-too-large');
  });

  it('refuses a declared Content-Length over the limit before reading the body', () => {
    const stage = build({ maxBodyBytes: 100 });
    assert.deepEqual(stage.request!(fakeContext({ method: 'POST', headers: { 'content-length': '100' } })), { kind: 'continue' });
    const v = stage.request!(fakeContext({ method: 'POST', headers: { 'content-length': '101' } }));
    assert.equal(code(v), 'body-too-large');
    assert.equal((v as { status: number }).status, 413);
  });

  it('needs no inspector for bodiless or framed non-JSON requests', () => {
    const stage = build();
    assert.equal(stage.requestBody!(fakeContext()), undefined);
    assert.equal(stage.requestBody!(fakeContext({ method: 'POST', headers: { 'content-length': '0' } })), undefined);
    assert.equal(stage.requestBody!(fakeContext({ method: 'POST', headers: { 'content-length': '10', 'content-type': 'text/plain' } })), undefined);
  });

  it('counts chunked bodies and refuses them once over the limit', () => {
    const stage = build({ maxBodyBytes: 1000 });
    const ctx = () => fakeContext({ method: 'POST', headers: { 'transfer-encoding': 'chunked', 'content-type': 'application/octet-stream' } });
    assert.equal(feed(stage.requestBody!(ctx())!, Buffer.alloc(1000)), undefined);
    const ins = stage.requestBody!(ctx())!;
    assert.equal(code(feed(ins, Buffer.alloc(1001))), 'body-too-large');
    // Once refused, it keeps refusing.
    assert.equal(code(ins.push(Buffer.alloc(1))), 'body-too-large');
  });

  it('refuses deep JSON while streaming, for JSON and +json types', () => {
    const stage = build({ maxJsonDepth: 8 });
    const deep = '['.repeat(9) + ']'.repeat(9);
    const ok = '['.repeat(8) + ']'.repeat(8);
    assert.equal(feed(stage.requestBody!(fakeContext(jsonPost(ok)))!, Buffer.from(ok), 3), undefined);
    const v = feed(stage.requestBody!(fakeContext(jsonPost(deep)))!, Buffer.from(deep), 3);
    assert.deepEqual(v, { kind: 'deny', code: 'json-too-deep', status: 400, detail: 'The JSON body must not nest deeper than 8 levels.' });
    const problem = fakeContext(jsonPost(deep, { 'content-type': 'application/problem+json; charset=utf-8' }));
    assert.equal(code(feed(stage.requestBody!(problem)!, Buffer.from(deep))), 'json-too-deep');
  });

  it('refuses JSON with too many keys', () => {
    const stage = build({ maxJsonKeys: 3 });
    const three = JSON.stringify({ a: 1, b: { c: 2 } });
    const four = JSON.stringify({ a: 1, b: { c: 2, d: 3 } });
    assert.equal(feed(stage.requestBody!(fakeContext(jsonPost(three)))!, Buffer.from(three)), undefined);
    assert.equal(code(feed(stage.requestBody!(fakeContext(jsonPost(four)))!, Buffer.from(four), 5)), 'json-too-many-keys');
  });

  it('does not scan JSON structure of non-JSON or compressed bodies', () => {
    const stage = build({ maxJsonDepth: 2 });
    const deep = '[[[[[[]]]]]]';
    assert.equal(stage.requestBody!(fakeContext({ method: 'POST', headers: { 'content-type': 'text/plain', 'content-length': '12' } })), undefined);
    const gz = gzipSync(deep);
    const ins = stage.requestBody!(fakeContext(jsonPost(gz, { 'content-encoding': 'gzip' })));
    // Framed by Content-Length and not scannable: nothing to watch.
    assert.equal(ins, undefined);
  });
});

describe('isJsonContentType', () => {
  it('recognises JSON media types', () => {
    assert.ok(isJsonContentType('application/json'));
    assert.ok(isJsonContentType('Application/JSON ; charset=UTF-8'));
    assert.ok(isJsonContentType('application/vnd.api+json'));
    assert.ok(!isJsonContentType('text/plain'));
    assert.ok(!isJsonContentType('application/jsonp'));
    assert.ok(!isJsonContentType('+json'));
    assert.ok(!isJsonContentType(undefined));
  });
});

it('page sizes: bounded when maxPageSize is set, every repetition checked, off by default', () => {
  const stage = createLimitsStage(settingsFor('limits', { maxPageSize: 100 }), fakeEnv())!;
  const code = (url: string) => {
    const v = stage.request!(fakeContext({ url }));
    return !(v instanceof Promise) && v.kind === 'deny' ? v.code : 'continue';
  };
  assert.equal(code('/products?limit=100'), 'continue');
  assert.equal(code('/products?limit=1000000'), 'page-size-too-large');
  assert.equal(code('/products?page_size=101'), 'page-size-too-large');
  assert.equal(code('/products?limit=10&limit=5000'), 'page-size-too-large');
  assert.equal(code('/products?limit=-1'), 'page-size-too-large');
  assert.equal(code('/products?limit=1e9'), 'page-size-too-large');
  assert.equal(code('/products?page=100000'), 'continue', 'only page-size parameters');
  const off = createLimitsStage(settingsFor('limits'), fakeEnv())!;
  const v = off.request!(fakeContext({ url: '/products?limit=1000000' }));
  assert.equal(!(v instanceof Promise) && v.kind, 'continue');
});

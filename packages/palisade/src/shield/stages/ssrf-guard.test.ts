import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Verdict } from '../../core/index.js';
import { createSsrfGuard } from './ssrf-guard.js';
import { fakeContext, settingsFor } from './fake-context.js';

const resolver = async (host: string) => (host === 'internal.example' ? ['10.0.0.8'] : host === 'cdn.example' ? ['93.184.216.34'] : []);

async function body(stage: ReturnType<typeof createSsrfGuard>, text: string, type = 'application/json'): Promise<Verdict | undefined> {
  const ins = stage!.requestBody!(fakeContext({ method: 'POST', headers: { 'content-type': type } }));
  assert.ok(ins, 'JSON and form bodies are inspected');
  for (const part of [text.slice(0, 7), text.slice(7)]) {
    const v = ins.push(Buffer.from(part));
    if (v) return v;
  }
  return ins.end();
}

test('off by default', () => {
  assert.equal(createSsrfGuard(settingsFor('ssrfGuard')), null);
});

test('JSON body fields: configured paths and anything URL-shaped; DNS answers checked', async () => {
  const stage = createSsrfGuard(settingsFor('ssrfGuard', { enabled: true, jsonPaths: ['webhook.target', 'links[].href'] }), resolver);
  const code = (v: Verdict | undefined) => (v && v.kind === 'deny' ? v.code : v?.kind ?? 'continue');
  assert.equal(code(await body(stage, '{"url":"http://169.254.169.254/latest/meta-data/"}')), 'ssrf-blocked');
  assert.equal(code(await body(stage, '{"webhook":{"target":"http://0x7f000001:8080/"}}')), 'ssrf-blocked');
  assert.equal(code(await body(stage, '{"links":[{"href":"https://cdn.example/a.png"},{"href":"gopher://cdn.example/"}]}')), 'ssrf-blocked');
  assert.equal(code(await body(stage, '{"avatar":"https://internal.example/x.png"}')), 'ssrf-blocked', 'a name resolving to a private address');
  assert.equal(code(await body(stage, '{"avatar":"https://cdn.example/x.png","note":"see http in the docs"}')), 'continue');
  assert.equal(code(await body(stage, '{"webhook":{"target":"not a url"}}')), 'ssrf-blocked', 'a configured field must hold an acceptable URL');
  assert.equal(code(await body(stage, 'url=http%3A%2F%2F127.0.0.1%2Fadmin', 'application/x-www-form-urlencoded')), 'ssrf-blocked');
  assert.equal(code(await body(stage, '{broken json')), 'continue', 'malformed JSON is left to validation');
});

test('query parameters', async () => {
  const stage = createSsrfGuard(settingsFor('ssrfGuard', { enabled: true, queryParams: ['target'], resolveDns: false }), resolver)!;
  const run = (url: string) => stage.request!(fakeContext({ url }));
  const bad = await run('/proxy?target=http://[::ffff:127.0.0.1]/');
  assert.equal(bad.kind === 'deny' && bad.code, 'ssrf-blocked');
  assert.equal(bad.kind === 'deny' && /127|loopback/.test(bad.detail ?? ''), false, 'the response does not map the network');
  assert.equal((await run('/proxy?next=file:///etc/passwd')).kind, 'deny', 'URL-shaped values are checked whatever the name');
  assert.equal((await run('/proxy?target=https://cdn.example/')).kind, 'continue');
  assert.equal((await run('/plain?q=1')).kind, 'continue');
});

test('allow-lists: hosts, and internal classes explicitly allowed', async () => {
  const hosts = createSsrfGuard(settingsFor('ssrfGuard', { enabled: true, allowHosts: ['*.partner.example'], resolveDns: false }), resolver)!;
  assert.equal((await hosts.request!(fakeContext({ url: '/x?u=https://api.partner.example/' }))).kind, 'continue');
  assert.equal((await hosts.request!(fakeContext({ url: '/x?u=https://evil.example/' }))).kind, 'deny');
  const internal = createSsrfGuard(settingsFor('ssrfGuard', { enabled: true, allowClasses: ['private'] }), resolver)!;
  assert.equal((await internal.request!(fakeContext({ url: '/x?u=http://10.1.1.1/' }))).kind, 'continue');
  assert.equal((await internal.request!(fakeContext({ url: '/x?u=http://127.0.0.1/' }))).kind, 'deny', 'loopback stays refused');
});

test('bodies larger than maxInspectBytes are refused rather than passed unchecked', async () => {
  const stage = createSsrfGuard(settingsFor('ssrfGuard', { enabled: true, maxInspectBytes: 1024 }), resolver);
  const v = await body(stage, JSON.stringify({ pad: 'x'.repeat(2000) }));
  assert.equal(v?.kind === 'deny' && v.status, 413);
});

// The demo API's vulnerabilities that today's Shield stages stop: exploitable directly, blocked
// through the gateway with the demo configuration (demo/palisade.yaml). Later protections add
// their rows here.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startDemo, DEMO_CONFIG_PATH } from 'palisade-demo';
import type { RunningDemo } from 'palisade-demo';
import { startTestShield, httpRequest } from './helpers.js';
import type { TestShield } from './helpers.js';

let demo: RunningDemo;
let shield: TestShield;

before(async () => {
  demo = await startDemo({ port: 0, quiet: true });
  const yaml = readFileSync(DEMO_CONFIG_PATH, 'utf8').replace('http://127.0.0.1:3001', demo.url);
  shield = await startTestShield(yaml);
});
after(async () => {
  await shield.close();
  await demo.close();
});

async function both(path: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
  return { direct: await httpRequest(demo.url + path, init), gateway: await httpRequest(shield.gatewayUrl + path, init) };
}

async function token(base: string): Promise<string> {
  const r = await httpRequest(`${base}/api/v2/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'alice@acme.test', password: 'alice-pass-1' }) });
  assert.equal(r.status, 200, r.body);
  return (JSON.parse(r.body) as { token: string }).token;
}

test('DEMO-API8-01: the SQL error and stack trace are scrubbed', async () => {
  const { direct, gateway } = await both(`/api/v2/products/search?q=${encodeURIComponent("'")}`);
  assert.equal(direct.status, 500);
  assert.match(direct.body, /Sqlite|syntax error/i);
  assert.equal(gateway.status, 500);
  assert.equal(gateway.headers['content-type'], 'application/problem+json');
  assert.doesNotMatch(gateway.body, /Sqlite|syntax|at /i);
});

test('DEMO-API8-02: Server and X-Powered-By are removed', async () => {
  const { direct, gateway } = await both('/api/health');
  assert.ok(direct.headers.server && direct.headers['x-powered-by']);
  assert.equal(gateway.headers.server, undefined);
  assert.equal(gateway.headers['x-powered-by'], undefined);
});

test('DEMO-API8-03: CORS no longer reflects a foreign origin with credentials', async () => {
  const { direct, gateway } = await both('/api/health', { headers: { origin: 'https://evil.example' } });
  assert.equal(direct.headers['access-control-allow-origin'], 'https://evil.example');
  assert.equal(gateway.headers['access-control-allow-origin'], undefined);
  assert.equal(gateway.headers['access-control-allow-credentials'], undefined);
});

test('DEMO-API8-04: TRACE is refused', async () => {
  const { direct, gateway } = await both('/api/health', { method: 'TRACE', headers: { authorization: 'Bearer secret-token' } });
  assert.equal(direct.status, 200);
  assert.match(direct.body, /secret-token/);
  assert.equal(gateway.status, 405);
  assert.doesNotMatch(gateway.body, /secret-token/);
});

test('DEMO-API4-03: oversized bodies are refused before they reach the API', async () => {
  const big = JSON.stringify({ email: 'a'.repeat(3 * 1024 * 1024), password: 'x' });
  const init = { method: 'POST', headers: { 'content-type': 'application/json' }, body: big };
  const { direct, gateway } = await both('/api/v2/auth/login', init);
  assert.notEqual(direct.status, 413, 'the demo reads it all');
  assert.equal(gateway.status, 413);
});

test('DEMO-API7-01: the avatar import cannot be pointed at internal addresses', async () => {
  const internalUrl = `${demo.url}/debug/config`;
  const directToken = await token(demo.url);
  const direct = await httpRequest(`${demo.url}/api/v2/users/me/avatar`, { method: 'POST', headers: { authorization: `Bearer ${directToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ url: internalUrl }) });
  assert.equal(direct.status, 200);
  assert.match(direct.body, /changeme/, 'directly, the SSRF reads the debug endpoint');
  const gwToken = await token(shield.gatewayUrl);
  for (const url of [internalUrl, 'http://169.254.169.254/latest/meta-data/', 'http://0x7f000001:3001/', 'http://[::ffff:127.0.0.1]/', 'file:///etc/passwd']) {
    const r = await httpRequest(`${shield.gatewayUrl}/api/v2/users/me/avatar`, { method: 'POST', headers: { authorization: `Bearer ${gwToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ url }) });
    assert.equal(r.status, 400, url);
    assert.equal((JSON.parse(r.body) as { type: string }).type, 'urn:palisade:problem:ssrf-blocked', url);
  }
});

test('DEMO-API4-01: page sizes above the contract\'s maximum are refused', async () => {
  const { direct, gateway } = await both('/api/v2/products?limit=1000000');
  assert.equal(direct.status, 200);
  assert.ok((JSON.parse(direct.body) as { items: unknown[] }).items.length > 100, 'directly, the whole catalogue');
  assert.equal(gateway.status, 400);
  assert.equal((JSON.parse(gateway.body) as { type: string }).type, 'urn:palisade:problem:page-size-too-large');
  assert.equal((await httpRequest(`${shield.gatewayUrl}/api/v2/products?limit=20`)).status, 200);
});

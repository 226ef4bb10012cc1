// Operating the gateway: reload (good and bad files), IPv6 CIDR lists, trusted proxies, TLS.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { startUpstream, startTestShield, httpRequest, tempDir, waitFor, adminFetch } from './helpers.js';

describe('configuration reload', () => {
  test('a changed file is applied; a bad file is rejected and the old configuration keeps serving', async () => {
    const up = await startUpstream((_req, res) => res.end('ok'));
    const t = tempDir();
    const file = join(t.dir, 'palisade.yaml');
    const good = (methods: string) => `apis: [{ name: up, upstream: ${up.url} }]\ndefaults:\n  methods: { allow: [${methods}] }\n`;
    writeFileSync(file, good('GET'));
    const shield = await startTestShield(readFileSync(file, 'utf8'), { configPath: file, dir: t.dir });
    try {
      assert.equal((await httpRequest(`${shield.gatewayUrl}/x`, { method: 'DELETE' })).status, 405);

      writeFileSync(file, good('GET, DELETE'));
      await waitFor(async () => (await httpRequest(`${shield.gatewayUrl}/x`, { method: 'DELETE' })).status === 200 || undefined, 10_000, 'the reload');

      writeFileSync(file, 'apis: [{ name: up, upstream: not a url }]\ndefaults:\n  methods: { allow: [GET], bogus: 1 }\n');
      const r = await adminFetch(shield, '/reload', { method: 'POST' });
      const body = (await r.json()) as { ok: boolean; error: string; details: string[] };
      assert.equal(r.status, 422);
      assert.equal(body.ok, false);
      assert.match(body.error, /PALISADE_ERR_CONFIG_INVALID/);
      assert.ok(body.details.some((d) => /bogus/.test(d) && /:3:/.test(d)), `the unknown key is named with its line: ${body.details.join(' | ')}`);
      // Still the previous configuration.
      assert.equal((await httpRequest(`${shield.gatewayUrl}/x`, { method: 'DELETE' })).status, 200);
      const metrics = await (await adminFetch(shield, '/metrics')).text();
      assert.match(metrics, /palisade_config_reloads_total\{result="rejected"\} [1-9]/);
    } finally {
      await shield.close();
      await up.close();
      t.cleanup();
    }
  });
});

describe('IPv6', () => {
  test('IPv6 CIDR deny and allow lists on a gateway listening on ::1', async () => {
    const up = await startUpstream((_req, res) => res.end('ok'));
    const deny = await startTestShield(`
gateway: { listen: { host: '::1' } }
apis: [{ name: up, upstream: ${up.url} }]
defaults:
  ipFilter: { deny: ['::1/128'] }
`);
    const allowOther = await startTestShield(`
gateway: { listen: { host: '::1' } }
apis: [{ name: up, upstream: ${up.url} }]
defaults:
  ipFilter: { allow: ['2001:db8::/32', '10.0.0.0/8'] }
`);
    const allowLoop = await startTestShield(`
gateway: { listen: { host: '::1' } }
apis: [{ name: up, upstream: ${up.url} }]
defaults:
  ipFilter: { allow: ['::/127'] }
`);
    try {
      const r1 = await httpRequest(`${deny.gatewayUrl}/x`);
      assert.equal(r1.status, 403);
      assert.equal((JSON.parse(r1.body) as { type: string }).type, 'urn:palisade:problem:ip-denied');
      const r2 = await httpRequest(`${allowOther.gatewayUrl}/x`);
      assert.equal(r2.status, 403);
      assert.equal((JSON.parse(r2.body) as { type: string }).type, 'urn:palisade:problem:ip-not-allowed');
      assert.equal((await httpRequest(`${allowLoop.gatewayUrl}/x`)).status, 200);
    } finally {
      await deny.close();
      await allowOther.close();
      await allowLoop.close();
      await up.close();
    }
  });
});

describe('trusted proxies', () => {
  test('X-Forwarded-For is believed only from a trusted proxy, and the client address is what the lists see', async () => {
    const up = await startUpstream((req, res) => res.end(JSON.stringify(req.headers)));
    const shield = await startTestShield(`
gateway: { trustedProxies: ['127.0.0.1'] }
apis: [{ name: up, upstream: ${up.url} }]
defaults:
  ipFilter: { deny: ['203.0.113.0/24'] }
`);
    try {
      const denied = await httpRequest(`${shield.gatewayUrl}/x`, { headers: { 'x-forwarded-for': '203.0.113.9' } });
      assert.equal(denied.status, 403, 'the client behind the trusted proxy is on the deny list');
      const ok = await httpRequest(`${shield.gatewayUrl}/x`, { headers: { 'x-forwarded-for': '198.51.100.7' } });
      assert.equal(ok.status, 200);
      const seen = JSON.parse(ok.body) as Record<string, string>;
      assert.equal(seen['x-forwarded-for'], '198.51.100.7, 127.0.0.1', 'the chain is extended, not replaced, behind a trusted proxy');
    } finally {
      await shield.close();
      await up.close();
    }
  });
});

describe('TLS termination', () => {
  test('HTTPS with a generated certificate, HSTS, and the HTTP → HTTPS redirect', async (t) => {
    try {
      execFileSync('openssl', ['version'], { stdio: 'ignore' });
    } catch {
      t.skip('openssl is not installed (apt-get install openssl)');
      return;
    }
    const tmp = tempDir();
    const cert = join(tmp.dir, 'cert.pem');
    const key = join(tmp.dir, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'ignore' });
    const up = await startUpstream((_req, res) => res.end('secure'));
    const shield = await startTestShield(
      `
gateway:
  tls: { cert: cert.pem, key: key.pem, minVersion: TLSv1.2, redirectHttpPort: 0 }
apis: [{ name: up, upstream: ${up.url} }]
`,
      { dir: tmp.dir, baseDir: tmp.dir },
    );
    try {
      assert.match(shield.gatewayUrl, /^https:/);
      const r = await httpRequest(`${shield.gatewayUrl}/x`, { ca: readFileSync(cert) });
      assert.equal(r.status, 200);
      assert.equal(r.body, 'secure');
      assert.match(String(r.headers['strict-transport-security']), /max-age=\d+/);
      await assert.rejects(httpRequest(`${shield.gatewayUrl}/x`), /self[- ]signed|certificate/i);
      assert.ok(shield.redirectUrl, 'the redirect listener runs');
      const redirect = await httpRequest(`${shield.redirectUrl}/x?y=1`, { headers: { host: 'localhost' } });
      assert.equal(redirect.status, 308);
      assert.equal(redirect.headers.location, `https://localhost:${new URL(shield.gatewayUrl).port}/x?y=1`);
    } finally {
      await shield.close();
      await up.close();
      tmp.cleanup();
    }
  });
});

describe('API versions', () => {
  test('retired versions get 410 through the gateway; deprecated ones carry Deprecation and Sunset', async () => {
    const up = await startUpstream((_req, res) => res.end('ok'));
    const shield = await startTestShield(`
apis:
  - name: up
    upstream: ${up.url}
    versions:
      - { name: v1, state: retired, pathPrefix: /api/v1, successor: 'https://example.test/api/v3' }
      - { name: v2, state: deprecated, pathPrefix: /api/v2, deprecatedSince: '2026-06-01T00:00:00Z', sunset: '2099-06-01T00:00:00Z' }
      - { name: v3, pathPrefix: /api/v3 }
`);
    try {
      const retired = await httpRequest(`${shield.gatewayUrl}/api/v1/users/2`);
      assert.equal(retired.status, 410);
      assert.equal((JSON.parse(retired.body) as { type: string }).type, 'urn:palisade:problem:version-retired');
      assert.equal(retired.headers.link, '<https://example.test/api/v3>; rel="successor-version"');
      const deprecated = await httpRequest(`${shield.gatewayUrl}/api/v2/users`);
      assert.equal(deprecated.status, 200);
      assert.equal(deprecated.headers.deprecation, '@1780272000');
      assert.equal(deprecated.headers.sunset, 'Mon, 01 Jun 2099 00:00:00 GMT');
      const current = await httpRequest(`${shield.gatewayUrl}/api/v3/users`);
      assert.equal(current.status, 200);
      assert.equal(current.headers.deprecation, undefined);
    } finally {
      await shield.close();
      await up.close();
    }
  });
});

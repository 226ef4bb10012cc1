import { describe, it, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { discoverIssuer, discoveryUrl } from './discovery.js';
import { ProviderError } from './http.js';
import { deadUrl, jsonServer, sendJson, type JsonServer } from './jwt.test-support.js';

describe('OpenID Connect discovery', () => {
  let server: JsonServer;
  let meta: Record<string, unknown> = {};
  let status = 200;
  before(async () => {
    server = await jsonServer((req, _body, res) => {
      if (req.url?.endsWith('/.well-known/openid-configuration')) sendJson(res, status, meta);
      else sendJson(res, 404, {});
    });
  });
  after(() => server.close());

  it('builds the well-known URL from the issuer', () => {
    assert.equal(discoveryUrl('https://id.example'), 'https://id.example/.well-known/openid-configuration');
    assert.equal(discoveryUrl('https://id.example/realms/a/'), 'https://id.example/realms/a/.well-known/openid-configuration');
  });

  it('finds jwks_uri and introspection_endpoint', async () => {
    const issuer = `${server.url}/realms/main`;
    meta = { issuer, jwks_uri: `${issuer}/certs`, introspection_endpoint: `${issuer}/introspect`, token_endpoint: `${issuer}/token` };
    status = 200;
    const m = await discoverIssuer(issuer);
    assert.deepEqual(m, { issuer, jwksUri: `${issuer}/certs`, introspectionEndpoint: `${issuer}/introspect` });
    assert.equal(server.requests.at(-1)?.url, '/realms/main/.well-known/openid-configuration');
  });

  it('refuses metadata naming another issuer (exact comparison)', async () => {
    const issuer = `${server.url}/realms/main`;
    status = 200;
    for (const other of [`${issuer}/`, 'https://evil.example', issuer.toUpperCase()]) {
      meta = { issuer: other, jwks_uri: `${issuer}/certs` };
      await assert.rejects(discoverIssuer(issuer), (e: unknown) => e instanceof ProviderError && /names issuer/.test(e.message));
    }
  });

  it('refuses metadata without a usable jwks_uri, error statuses and unreachable issuers', async () => {
    const issuer = server.url;
    status = 200;
    meta = { issuer };
    await assert.rejects(discoverIssuer(issuer), /jwks_uri/);
    meta = { issuer, jwks_uri: 'file:///etc/passwd' };
    await assert.rejects(discoverIssuer(issuer), /jwks_uri/);
    status = 503;
    meta = { issuer, jwks_uri: `${issuer}/certs` };
    await assert.rejects(discoverIssuer(issuer), (e: unknown) => e instanceof ProviderError && e.kind === 'status');
    const dead = await deadUrl();
    await assert.rejects(discoverIssuer(dead, { timeoutMs: 1000 }), (e: unknown) => e instanceof ProviderError && e.kind === 'network');
  });
});

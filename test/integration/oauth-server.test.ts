// The built-in authorization server started by Shield's host (oauth.enabled): clients registered
// through the admin API, tokens from the running server, key rotation through the admin API, and
// secrets kept out of the admin API's answers.
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { adminFetch, startTestShield, startUpstream } from './helpers.js';
import type { TestShield, Upstream } from './helpers.js';

let upstream: Upstream;
let shield: TestShield;

before(async () => {
  upstream = await startUpstream((_req, res) => res.end('ok'));
  shield = await startTestShield(`
apis:
  - name: shop
    upstream: ${upstream.url}
oauth:
  enabled: true
  listen: { host: 127.0.0.1, port: 0 }
  resources:
    - indicator: https://shop.example
      scopes: [orders:read, orders:write]
`);
});

after(async () => {
  await shield.close();
  await upstream.close();
});

describe('built-in authorization server under Shield', () => {
  it('starts with the gateway and keeps its generated master secret in a 0600 file beside the store', async () => {
    assert.ok(shield.oauth, 'RunningShield.oauth');
    const meta = (await (await fetch(`${shield.oauth.issuer}/.well-known/openid-configuration`)).json()) as { issuer: string };
    assert.equal(meta.issuer, shield.oauth.issuer);
    const st = statSync(join(shield.dir, 'oauth-secret'));
    assert.equal(st.mode & 0o777, 0o600);
    const config = (await (await adminFetch(shield, '/config')).json()) as { oauth: Record<string, unknown> };
    assert.equal(config.oauth['enabled'], true);
    assert.ok(config.oauth['encryptionSecret'] === undefined || config.oauth['encryptionSecret'] === '[redacted]');
  });

  it('registers a client through the admin API, shows its secret once, and the client gets tokens', async () => {
    const noToken = await fetch(`${shield.adminUrl}/oauth/clients`);
    assert.equal(noToken.status, 401);

    const bad = await adminFetch(shield, '/oauth/clients', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'x', grantTypes: ['password'] }) });
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { detail: string }).detail, /not one of/);

    const created = await adminFetch(shield, '/oauth/clients', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Reporting job', grantTypes: ['client_credentials'], scopes: ['orders:read'] }),
    });
    assert.equal(created.status, 201);
    const { client, clientSecret } = (await created.json()) as { client: { clientId: string }; clientSecret: string };
    assert.match(clientSecret, /^pcs_/);

    const listed = await (await adminFetch(shield, '/oauth/clients')).text();
    assert.ok(listed.includes(client.clientId));
    assert.ok(!listed.includes(clientSecret) && !listed.includes('sha256$'), 'no secret and no hash in listings');

    const token = await fetch(`${shield.oauth!.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${client.clientId}:${clientSecret}`).toString('base64')}` },
      body: 'grant_type=client_credentials&scope=orders:read',
    });
    assert.equal(token.status, 200);
    const { access_token } = (await token.json()) as { access_token: string };
    const jwks = createRemoteJWKSet(new URL(`${shield.oauth!.issuer}/jwks`));
    const { payload } = await jwtVerify(access_token, jwks, { issuer: shield.oauth!.issuer, audience: 'https://shop.example' });
    assert.equal(payload['scope'], 'orders:read');

    // Rotation through the admin API: the token signed before still verifies.
    const rotated = await adminFetch(shield, '/oauth/keys/rotate', { method: 'POST' });
    assert.equal(rotated.status, 200);
    assert.equal(((await rotated.json()) as { added: string[] }).added.length, 2);
    await jwtVerify(access_token, createRemoteJWKSet(new URL(`${shield.oauth!.issuer}/jwks`)), { issuer: shield.oauth!.issuer, audience: 'https://shop.example' });

    const deleted = await adminFetch(shield, `/oauth/clients/${encodeURIComponent(client.clientId)}`, { method: 'DELETE' });
    assert.equal(deleted.status, 200);
    assert.equal((await adminFetch(shield, `/oauth/clients/${encodeURIComponent(client.clientId)}`)).status, 404);
  });
});

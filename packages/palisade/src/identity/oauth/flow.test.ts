// The authorization server over HTTP, as a browser and clients see it: the authorization-code flow
// with PKCE from the first redirect to a refreshed token, refresh-token rotation and reuse
// detection, the refusals (plain PKCE, no PKCE, unregistered redirect URI, bad client secret),
// client credentials, the consent screen, and JWT access tokens verified against the JWKS.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { pino } from 'pino';
import { ConfigSchema } from '../../core/index.js';
import { AuthorizationServer } from './server.js';
import { Browser, RESOURCE, SECRET, authorizeUrl, interactionPath, pkce, startTestServer, tokenRequest } from './harness.test-support.js';
import type { TestServer } from './harness.test-support.js';

const REDIRECT = 'http://127.0.0.1:4999/callback';

let t: TestServer;
let confidentialSecret = '';

before(async () => {
  t = await startTestServer();
  await t.server.users.create({ id: 'u-alice', username: 'Alice@Example.test', password: 'alice-password', roles: ['customer'] });
  await t.server.clients.create({ clientId: 'spa', name: 'Single-page <app>', public: true, redirectUris: [REDIRECT], scopes: ['shop:read'] });
  const web = await t.server.clients.create({ clientId: 'web', name: 'Web app', redirectUris: [REDIRECT], grantTypes: ['authorization_code', 'refresh_token', 'client_credentials'], scopes: ['shop:read', 'shop:write'] });
  confidentialSecret = web.clientSecret ?? '';
});

after(async () => {
  await t.close();
});

/** Starts an authorization request and returns the browser on the sign-in page. */
async function begin(params: Record<string, string | undefined>): Promise<{ browser: Browser; page: Response; path: string }> {
  const browser = new Browser(t.issuer);
  const first = await browser.request(authorizeUrl(t.issuer, params));
  const page = await browser.follow(first);
  const path = interactionPath(page);
  return { browser, page: page as Response, path };
}

async function signInAndConsent(params: Record<string, string | undefined>, username = 'alice@example.test', password = 'alice-password'): Promise<URL> {
  const { browser, page, path } = await begin(params);
  const html = await page.text();
  assert.match(html, /<form method="post" action="\/interaction\/[A-Za-z0-9_-]+\/login"/);
  const afterLogin = await browser.follow(await browser.request(`${path}/login`, { form: { username, password } }));
  const consentPath = interactionPath(afterLogin);
  const consent = await (afterLogin as Response).text();
  assert.match(consent, /Allow access\?/);
  const back = await browser.follow(await browser.request(`${consentPath}/confirm`, { form: {} }));
  assert.ok(back instanceof URL, 'the browser is sent back to the client');
  return back;
}

describe('authorization code with PKCE', () => {
  it('runs the whole flow: sign-in, consent, code, token, JWKS verification, refresh with rotation, reuse revokes the grant', async () => {
    const p = pkce();
    const state = 'st-' + Math.random().toString(36).slice(2);
    const nonce = 'n-' + Math.random().toString(36).slice(2);
    const params = {
      client_id: 'spa',
      response_type: 'code',
      redirect_uri: REDIRECT,
      scope: 'openid email shop:read',
      resource: RESOURCE,
      code_challenge: p.challenge,
      code_challenge_method: 'S256',
      state,
      nonce,
    };
    const { browser, page, path } = await begin(params);
    // The sign-in page: no script may run, it cannot be framed, and the client's name is escaped.
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'none'.*frame-ancestors 'none'/);
    assert.equal(page.headers.get('x-frame-options'), 'DENY');
    assert.equal(page.headers.get('cache-control'), 'no-store');
    const loginHtml = await page.text();
    assert.ok(loginHtml.includes('Single-page &#60;app&#62;'), 'client name escaped');
    assert.ok(!loginHtml.includes('<app>'));
    assert.match(loginHtml, /autocomplete="current-password"/);

    const wrong = await browser.request(`${path}/login`, { form: { username: 'alice@example.test', password: 'nope-nope' } });
    assert.equal(wrong.status, 401);
    assert.match(await wrong.text(), /Wrong username or password/);

    const afterLogin = await browser.follow(await browser.request(`${path}/login`, { form: { username: ' ALICE@example.test ', password: 'alice-password' } }));
    const consentPath = interactionPath(afterLogin);
    const consentHtml = await (afterLogin as Response).text();
    assert.match(consentHtml, /Allow access\?/);
    assert.match(consentHtml, /shop:read/);
    assert.ok(consentHtml.includes(RESOURCE));

    const back = await browser.follow(await browser.request(`${consentPath}/confirm`, { form: {} }));
    assert.ok(back instanceof URL);
    assert.equal(`${back.origin}${back.pathname}`, REDIRECT, 'exact redirect URI');
    assert.equal(back.searchParams.get('state'), state, 'state passed back unchanged');
    assert.equal(back.searchParams.get('iss'), t.issuer, 'RFC 9207 issuer identification');
    const code = back.searchParams.get('code');
    assert.ok(code);

    const exchanged = await tokenRequest(t.issuer, { grant_type: 'authorization_code', client_id: 'spa', code, redirect_uri: REDIRECT, code_verifier: p.verifier });
    assert.equal(exchanged.status, 200, JSON.stringify(exchanged.body));
    const tokens = exchanged.body as { access_token: string; refresh_token: string; id_token: string; token_type: string; scope: string };
    assert.equal(tokens.token_type, 'Bearer');
    assert.ok(tokens.refresh_token);

    // The access token: a JWT for the API, verifiable by any standard JWKS verifier.
    const jwks = createRemoteJWKSet(new URL(`${t.issuer}/jwks`));
    const header = decodeProtectedHeader(tokens.access_token);
    assert.equal(header.typ, 'at+jwt');
    assert.equal(header.alg, 'ES256');
    assert.ok(header.kid);
    const { payload } = await jwtVerify(tokens.access_token, jwks, { issuer: t.issuer, audience: RESOURCE, typ: 'at+jwt', algorithms: ['ES256'] });
    assert.equal(payload.sub, 'u-alice');
    assert.equal(payload['scope'], 'shop:read');
    assert.equal(payload['client_id'], 'spa');
    assert.deepStrictEqual(payload['roles'], ['customer']);
    const id = await jwtVerify(tokens.id_token, jwks, { issuer: t.issuer, audience: 'spa' });
    assert.equal(id.payload['nonce'], nonce, 'nonce passed into the ID token');
    assert.equal(id.payload.sub, 'u-alice');

    // Refresh: a new refresh token each time; the old one is spent.
    const r1 = await tokenRequest(t.issuer, { grant_type: 'refresh_token', client_id: 'spa', refresh_token: tokens.refresh_token });
    assert.equal(r1.status, 200, JSON.stringify(r1.body));
    const rt2 = r1.body['refresh_token'] as string;
    assert.ok(rt2 && rt2 !== tokens.refresh_token, 'rotated');
    // Rotation never extends the lifetime: the new refresh token ends when the first one would have.
    const first = await t.store.oauth.findModel('RefreshToken', tokens.refresh_token);
    const second = await t.store.oauth.findModel('RefreshToken', rt2);
    assert.ok(first?.consumedAt, 'the rotated token is marked consumed');
    assert.ok(first.expiresAt && second?.expiresAt && Math.abs(second.expiresAt - first.expiresAt) < 2000, `${first.expiresAt} vs ${second?.expiresAt}`);
    await jwtVerify(r1.body['access_token'] as string, jwks, { issuer: t.issuer, audience: RESOURCE });
    const r2 = await tokenRequest(t.issuer, { grant_type: 'refresh_token', client_id: 'spa', refresh_token: rt2 });
    assert.equal(r2.status, 200);
    const rt3 = r2.body['refresh_token'] as string;

    // Reuse of a rotated refresh token: refused, and the whole grant is revoked with it.
    const reuse = await tokenRequest(t.issuer, { grant_type: 'refresh_token', client_id: 'spa', refresh_token: tokens.refresh_token });
    assert.equal(reuse.status, 400);
    assert.equal(reuse.body['error'], 'invalid_grant');
    const latest = await tokenRequest(t.issuer, { grant_type: 'refresh_token', client_id: 'spa', refresh_token: rt3 });
    assert.equal(latest.status, 400, 'the newest refresh token died with the grant');
    assert.equal(latest.body['error'], 'invalid_grant');
    const rows = await t.store.oauth.findModel('RefreshToken', rt3);
    assert.equal(rows, undefined, 'revoked in the store too');
  });

  it('needs the PKCE verifier, and a code works once: replaying it revokes the tokens issued with it', async () => {
    const p = pkce();
    const back = await signInAndConsent({ client_id: 'spa', response_type: 'code', redirect_uri: REDIRECT, scope: 'shop:read', resource: RESOURCE, code_challenge: p.challenge, code_challenge_method: 'S256' });
    const code = back.searchParams.get('code') ?? '';
    const form = { grant_type: 'authorization_code', client_id: 'spa', code, redirect_uri: REDIRECT };
    const noVerifier = await tokenRequest(t.issuer, form);
    assert.equal(noVerifier.body['error'], 'invalid_grant');
    const wrongVerifier = await tokenRequest(t.issuer, { ...form, code_verifier: pkce().verifier });
    assert.equal(wrongVerifier.body['error'], 'invalid_grant');
    const ok = await tokenRequest(t.issuer, { ...form, code_verifier: p.verifier });
    assert.equal(ok.status, 200);
    const replay = await tokenRequest(t.issuer, { ...form, code_verifier: p.verifier });
    assert.equal(replay.body['error'], 'invalid_grant');
    // RFC 6749 §4.1.2: a code used twice was probably stolen; what it bought is revoked.
    const refresh = await tokenRequest(t.issuer, { grant_type: 'refresh_token', client_id: 'spa', refresh_token: ok.body['refresh_token'] as string });
    assert.equal(refresh.body['error'], 'invalid_grant');
  });

  it('lets a client revoke its refresh token, and lets a public client call the token endpoint only from its own origin', async () => {
    const p = pkce();
    const back = await signInAndConsent({ client_id: 'spa', response_type: 'code', redirect_uri: REDIRECT, scope: 'shop:read', resource: RESOURCE, code_challenge: p.challenge, code_challenge_method: 'S256' });
    const form = new URLSearchParams({ grant_type: 'authorization_code', client_id: 'spa', code: back.searchParams.get('code') ?? '', redirect_uri: REDIRECT, code_verifier: p.verifier });
    const fromApp = await fetch(`${t.issuer}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://127.0.0.1:4999' }, body: form });
    assert.equal(fromApp.status, 200);
    assert.equal(fromApp.headers.get('access-control-allow-origin'), 'http://127.0.0.1:4999');
    const { refresh_token } = (await fromApp.json()) as { refresh_token: string };
    const fromElsewhere = await fetch(`${t.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' },
      body: new URLSearchParams({ grant_type: 'refresh_token', client_id: 'spa', refresh_token }),
    });
    assert.equal(fromElsewhere.status, 400, 'refused before the refresh token is used');
    assert.equal(fromElsewhere.headers.get('access-control-allow-origin'), null);
    await fromElsewhere.body?.cancel();

    const revoked = await fetch(`${t.issuer}/token/revocation`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ client_id: 'spa', token: refresh_token }) });
    assert.equal(revoked.status, 200);
    await revoked.body?.cancel();
    const after = await tokenRequest(t.issuer, { grant_type: 'refresh_token', client_id: 'spa', refresh_token });
    assert.equal(after.body['error'], 'invalid_grant');
  });

  it('keeps the consent: a second authorization for the same scopes goes straight back to the client', async () => {
    const p = pkce();
    const params = { client_id: 'spa', response_type: 'code', redirect_uri: REDIRECT, scope: 'shop:read', resource: RESOURCE, code_challenge: p.challenge, code_challenge_method: 'S256', state: 's1' };
    const { browser, path } = await begin(params);
    const afterLogin = await browser.follow(await browser.request(`${path}/login`, { form: { username: 'alice@example.test', password: 'alice-password' } }));
    const consentPath = interactionPath(afterLogin);
    assert.ok((await browser.follow(await browser.request(`${consentPath}/confirm`, { form: {} }))) instanceof URL);
    // Same browser session, same grant: no page at all this time.
    const again = await browser.follow(await browser.request(authorizeUrl(t.issuer, { ...params, state: 's2', code_challenge: pkce().challenge })));
    assert.ok(again instanceof URL);
    assert.equal(again.searchParams.get('state'), 's2');
    assert.ok(again.searchParams.get('code'));
  });

  it('sends access_denied back when the user denies consent', async () => {
    const p = pkce();
    const { browser, path } = await begin({ client_id: 'web', response_type: 'code', redirect_uri: REDIRECT, scope: 'shop:write', resource: RESOURCE, code_challenge: p.challenge, code_challenge_method: 'S256', state: 'deny' });
    const consent = await browser.follow(await browser.request(`${path}/login`, { form: { username: 'alice@example.test', password: 'alice-password' } }));
    const consentPath = interactionPath(consent);
    const back = await browser.follow(await browser.request(`${consentPath}/abort`, { form: {} }));
    assert.ok(back instanceof URL);
    assert.equal(back.searchParams.get('error'), 'access_denied');
    assert.equal(back.searchParams.get('state'), 'deny');
  });

  it('refuses the plain PKCE method and a missing code_challenge', async () => {
    const browser = new Browser(t.issuer);
    const base = { client_id: 'spa', response_type: 'code', redirect_uri: REDIRECT, scope: 'shop:read', state: 'x' };
    const plain = await browser.follow(await browser.request(authorizeUrl(t.issuer, { ...base, code_challenge: 'a'.repeat(43), code_challenge_method: 'plain' })));
    assert.ok(plain instanceof URL, 'an error goes back to the registered redirect URI');
    assert.equal(plain.searchParams.get('error'), 'invalid_request');
    assert.match(plain.searchParams.get('error_description') ?? '', /code_challenge_method/);
    const none = await browser.follow(await browser.request(authorizeUrl(t.issuer, base)));
    assert.ok(none instanceof URL);
    assert.equal(none.searchParams.get('error'), 'invalid_request');
    assert.match(none.searchParams.get('error_description') ?? '', /PKCE/);
    // Confidential clients too: PKCE is required for everyone.
    const web = await browser.follow(await browser.request(authorizeUrl(t.issuer, { ...base, client_id: 'web' })));
    assert.ok(web instanceof URL);
    assert.equal(web.searchParams.get('error'), 'invalid_request');
  });

  it('matches redirect URIs exactly and never redirects to an unregistered one', async () => {
    const browser = new Browser(t.issuer);
    const p = pkce();
    for (const uri of [`${REDIRECT}/`, `${REDIRECT}?x=1`, REDIRECT.replace('4999', '5000'), 'https://evil.example/callback', undefined]) {
      const res = await browser.follow(await browser.request(authorizeUrl(t.issuer, { client_id: 'spa', response_type: 'code', redirect_uri: uri, scope: 'shop:read', code_challenge: p.challenge, code_challenge_method: 'S256' })));
      assert.ok(res instanceof Response, `no redirect for ${String(uri)}`);
      assert.equal(res.status, 400, String(uri));
      const body = await res.text();
      assert.match(body, /redirect_uri/);
      assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    }
  });

  it('refuses a token request whose redirect_uri differs from the authorization request', async () => {
    const p = pkce();
    const back = await signInAndConsent({ client_id: 'spa', response_type: 'code', redirect_uri: REDIRECT, scope: 'shop:read', resource: RESOURCE, code_challenge: p.challenge, code_challenge_method: 'S256' });
    const code = back.searchParams.get('code') ?? '';
    const r = await tokenRequest(t.issuer, { grant_type: 'authorization_code', client_id: 'spa', code, redirect_uri: `${REDIRECT}/other`, code_verifier: p.verifier });
    assert.equal(r.body['error'], 'invalid_grant');
  });

  it('authenticates confidential clients at the token endpoint with their secret', async () => {
    const p = pkce();
    const back = await signInAndConsent({ client_id: 'web', response_type: 'code', redirect_uri: REDIRECT, scope: 'shop:read shop:write', resource: RESOURCE, code_challenge: p.challenge, code_challenge_method: 'S256' });
    const code = back.searchParams.get('code') ?? '';
    const form = { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: p.verifier };
    const noSecret = await tokenRequest(t.issuer, { ...form, client_id: 'web' });
    assert.equal(noSecret.status, 401);
    assert.equal(noSecret.body['error'], 'invalid_client');
    const ok = await tokenRequest(t.issuer, form, ['web', confidentialSecret]);
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(ok.body['scope'], 'shop:read shop:write');
  });

  it('rejects a sign-in form posted from another site', async () => {
    const p = pkce();
    const { browser, path } = await begin({ client_id: 'spa', response_type: 'code', redirect_uri: REDIRECT, scope: 'shop:read', code_challenge: p.challenge, code_challenge_method: 'S256' });
    const cross = await browser.request(`${path}/login`, { form: { username: 'alice@example.test', password: 'alice-password' }, headers: { origin: 'https://evil.example' } });
    assert.equal(cross.status, 403);
    const fetchMeta = await browser.request(`${path}/login`, { form: { username: 'alice@example.test', password: 'alice-password' }, headers: { 'sec-fetch-site': 'cross-site' } });
    assert.equal(fetchMeta.status, 403);
    // Without the interaction cookie (another browser, or a cross-site post the browser sent without it), nothing happens.
    const stranger = new Browser(t.issuer);
    const noCookie = await stranger.request(`${path}/login`, { form: { username: 'alice@example.test', password: 'alice-password' } });
    assert.equal(noCookie.status, 400);
    assert.match(await noCookie.text(), /expired|another browser/);
  });
});

describe('client credentials', () => {
  it('issues a JWT for the API with the right secret and refuses a wrong one', async () => {
    const ok = await tokenRequest(t.issuer, { grant_type: 'client_credentials', scope: 'shop:read', resource: RESOURCE }, ['web', confidentialSecret]);
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    const jwks = createRemoteJWKSet(new URL(`${t.issuer}/jwks`));
    const { payload } = await jwtVerify(ok.body['access_token'] as string, jwks, { issuer: t.issuer, audience: RESOURCE, typ: 'at+jwt' });
    assert.equal(payload.sub, 'web');
    assert.equal(payload['client_id'], 'web');
    assert.equal(payload['scope'], 'shop:read');
    assert.equal(ok.body['refresh_token'], undefined);

    // Without `resource` the first configured API is the audience.
    const byDefault = await tokenRequest(t.issuer, { grant_type: 'client_credentials', scope: 'shop:write' }, ['web', confidentialSecret]);
    assert.equal(byDefault.status, 200);
    await jwtVerify(byDefault.body['access_token'] as string, jwks, { issuer: t.issuer, audience: RESOURCE });

    const post = await tokenRequest(t.issuer, { grant_type: 'client_credentials', client_id: 'web', client_secret: confidentialSecret });
    assert.equal(post.status, 200, 'client_secret_post works too');

    const wrong = await tokenRequest(t.issuer, { grant_type: 'client_credentials' }, ['web', confidentialSecret.slice(0, -1) + (confidentialSecret.endsWith('A') ? 'B' : 'A')]);
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body['error'], 'invalid_client');
    const theHash = await t.store.oauth.getClient('web');
    const hashAsSecret = await tokenRequest(t.issuer, { grant_type: 'client_credentials' }, ['web', theHash?.secretHash ?? '']);
    assert.equal(hashAsSecret.status, 401, 'the stored hash is not a secret');
    const unknown = await tokenRequest(t.issuer, { grant_type: 'client_credentials' }, ['nobody', confidentialSecret]);
    assert.equal(unknown.status, 401);
    const publicClient = await tokenRequest(t.issuer, { grant_type: 'client_credentials', client_id: 'spa' });
    assert.equal(publicClient.status, 400);
    assert.ok(['invalid_request', 'unauthorized_client'].includes(publicClient.body['error'] as string), JSON.stringify(publicClient.body));
    assert.equal(publicClient.body['access_token'], undefined);
    const unknownResource = await tokenRequest(t.issuer, { grant_type: 'client_credentials', resource: 'urn:other:api' }, ['web', confidentialSecret]);
    assert.equal(unknownResource.body['error'], 'invalid_target');
  });

  it('stops working as soon as the client is deleted', async () => {
    const created = await t.server.clients.create({ name: 'short-lived', grantTypes: ['client_credentials'], scopes: ['shop:read'] });
    const auth: [string, string] = [created.client.clientId, created.clientSecret ?? ''];
    assert.equal((await tokenRequest(t.issuer, { grant_type: 'client_credentials' }, auth)).status, 200);
    assert.equal(await t.server.clients.delete(created.client.clientId), true);
    assert.equal((await tokenRequest(t.issuer, { grant_type: 'client_credentials' }, auth)).status, 401);
  });
});

describe('discovery and keys', () => {
  it('publishes metadata that advertises only what is enabled', async () => {
    const meta = (await (await fetch(`${t.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    assert.equal(meta['issuer'], t.issuer);
    assert.equal(meta['jwks_uri'], `${t.issuer}/jwks`);
    assert.deepStrictEqual(meta['response_types_supported'], ['code']);
    assert.deepStrictEqual(meta['code_challenge_methods_supported'], ['S256']);
    assert.ok((meta['grant_types_supported'] as string[]).includes('client_credentials'));
    assert.ok(!(meta['token_endpoint_auth_methods_supported'] as string[]).includes('client_secret_jwt'));
    assert.equal(meta['registration_endpoint'], undefined);
    const jwks = (await (await fetch(`${t.issuer}/jwks`)).json()) as { keys: Record<string, unknown>[] };
    assert.deepStrictEqual(jwks.keys.map((k) => k['alg']).sort(), ['ES256', 'RS256']);
    for (const k of jwks.keys) for (const priv of ['d', 'p', 'q', 'dp', 'dq', 'qi']) assert.equal(k[priv], undefined, 'no private part published');
  });

  it('stores private keys sealed, never in clear', async () => {
    for (const k of await t.store.oauth.listSigningKeys()) {
      assert.match(k.privateJwk, /^v1\./);
      assert.ok(!k.privateJwk.includes('"d"'));
    }
  });

  it('rotates keys: new tokens use the new key, tokens signed before still verify during the grace period', async () => {
    const jwksUrl = new URL(`${t.issuer}/jwks`);
    const before = await tokenRequest(t.issuer, { grant_type: 'client_credentials' }, ['web', confidentialSecret]);
    const oldKid = decodeProtectedHeader(before.body['access_token'] as string).kid;
    const r = await t.server.rotateKeys();
    assert.equal(r.added.length, 2);
    assert.ok(r.retired >= 2);
    const published = ((await (await fetch(jwksUrl)).json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid);
    assert.ok(published.includes(oldKid!), 'the old key is still published');
    for (const kid of r.added) assert.ok(published.includes(kid));
    const afterRotation = await tokenRequest(t.issuer, { grant_type: 'client_credentials' }, ['web', confidentialSecret]);
    const newKid = decodeProtectedHeader(afterRotation.body['access_token'] as string).kid;
    assert.notEqual(newKid, oldKid);
    assert.ok(r.added.includes(newKid!));
    const verify = async (token: string) => jwtVerify(token, createRemoteJWKSet(jwksUrl), { issuer: t.issuer, audience: RESOURCE });
    await verify(before.body['access_token'] as string);
    await verify(afterRotation.body['access_token'] as string);

    // A second server instance on the same store picks the rotation up on its next reload.
    const settings = ConfigSchema.parse({ oauth: { enabled: true, listen: { port: 0 }, resources: [{ indicator: RESOURCE, scopes: ['shop:read'] }] } }).oauth;
    const other = await AuthorizationServer.start({ settings, store: t.store, logger: pino({ level: 'silent' }), encryptionSecret: SECRET });
    try {
      assert.equal(await other.reloadKeys(), false, 'already current');
      await t.server.rotateKeys();
      assert.equal(await other.reloadKeys(), true);
    } finally {
      await other.close();
    }

    // --reset drops the old keys at once: tokens they signed stop verifying.
    await t.server.rotateKeys({ reset: true });
    await assert.rejects(verify(afterRotation.body['access_token'] as string));
  });
});


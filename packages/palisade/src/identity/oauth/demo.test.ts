// The demo a person walks in a browser after `npm start`: /demo starts the flow, the callback
// shows the code and a curl command that exchanges it, and the demo service client works with the
// secret given at start.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { DEMO_RESOURCE, DEMO_SERVICE_CLIENT, DEMO_WEB_CLIENT, demoOAuthSettings } from './demo.js';
import { Browser, interactionPath, startTestServer, tokenRequest } from './harness.test-support.js';
import type { TestServer } from './harness.test-support.js';

let t: TestServer;

before(async () => {
  t = await startTestServer({ resources: [{ indicator: DEMO_RESOURCE, scopes: ['shop:read', 'shop:write'] }] }, { demo: true });
});
after(async () => t.close());

function unescape(html: string): string {
  return html.replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)));
}

describe('the demo', () => {
  it('fills in the demo settings only where the configuration names no API', () => {
    const off = { enabled: false, resources: [] as { indicator: string; scopes: string[] }[] };
    assert.deepStrictEqual(demoOAuthSettings(off), { enabled: true, resources: [{ indicator: DEMO_RESOURCE, scopes: ['shop:read', 'shop:write'] }] });
    const own = { enabled: false, resources: [{ indicator: 'https://api.example', scopes: ['a'] }] };
    assert.deepStrictEqual(demoOAuthSettings(own).resources, own.resources);
  });

  it('walks the authorization-code flow from /demo to tokens with the curl command it shows', async () => {
    const browser = new Browser(t.issuer);
    const index = await browser.request('/demo');
    assert.equal(index.status, 200);
    const indexHtml = await index.text();
    assert.match(indexHtml, /alice@acme\.test/);
    assert.match(indexHtml, /href="\/demo\/start"/);

    const start = await browser.request('/demo/start');
    assert.equal(start.status, 303);
    const auth = new URL(start.headers.get('location') ?? '');
    assert.equal(auth.searchParams.get('code_challenge_method'), 'S256');
    assert.equal(auth.searchParams.get('client_id'), DEMO_WEB_CLIENT);
    assert.equal(auth.searchParams.get('resource'), DEMO_RESOURCE);
    assert.ok(browser.cookies.has('palisade_demo'));

    const login = await browser.follow(await browser.request(auth.href));
    const path = interactionPath(login);
    const consent = await browser.follow(await browser.request(`${path}/login`, { form: { username: 'alice@acme.test', password: 'alice-pass-1' } }));
    const callback = await browser.follow(await browser.request(`${interactionPath(consent)}/confirm`, { form: {} }));
    assert.ok(callback instanceof Response, 'the callback is served by the authorization server itself');
    assert.equal(new URL(callback.url).pathname, '/demo/callback');
    const page = unescape(await callback.text());
    assert.match(page, /Code received/);
    const curl = /<pre><code>(curl [\s\S]*?)<\/code><\/pre>/.exec(page)?.[1] ?? '';
    assert.ok(curl.includes(`${t.issuer}/token`));

    // Run what the page tells the person to run (the curl flags, as a form).
    const form: Record<string, string> = {};
    for (const m of curl.matchAll(/(?:-d|--data-urlencode) (\w+)=('(?:[^']*)'|\S+)/g)) form[m[1]!] = m[2]!.replace(/^'|'$/g, '');
    assert.deepStrictEqual(Object.keys(form).sort(), ['client_id', 'code', 'code_verifier', 'grant_type', 'redirect_uri']);
    const tokens = await tokenRequest(t.issuer, form);
    assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
    const { payload } = await jwtVerify(tokens.body['access_token'] as string, createRemoteJWKSet(new URL(`${t.issuer}/jwks`)), { issuer: t.issuer, audience: DEMO_RESOURCE });
    assert.equal(payload.sub, '1', "alice's id in the demo API");
    assert.deepStrictEqual(payload['roles'], ['customer']);
  });

  it('refuses a callback whose state this browser did not send', async () => {
    const browser = new Browser(t.issuer);
    await (await browser.request('/demo/start')).body?.cancel();
    const forged = await browser.request('/demo/callback?code=stolen&state=not-mine');
    assert.equal(forged.status, 400);
    assert.match(await forged.text(), /state does not match/);
  });

  it('gives the service client a secret at start that works for client credentials', async () => {
    assert.equal(t.server.demo?.serviceClientId, DEMO_SERVICE_CLIENT);
    const secret = t.server.demo?.serviceClientSecret ?? '';
    assert.match(secret, /^pcs_/);
    const r = await tokenRequest(t.issuer, { grant_type: 'client_credentials', scope: 'shop:read' }, [DEMO_SERVICE_CLIENT, secret]);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body['scope'], 'shop:read');
  });
});

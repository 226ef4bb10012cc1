// A custom API key header or query parameter named in the authenticate settings is a secret
// wherever it is configured (defaults or a route), even when recording.redactHeaders does not
// list it: the exchange record never holds its value, and a response to a request carrying it is
// not cacheable.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { adminFetch, httpRequest, startTestShield, startUpstream, waitFor } from './helpers.js';
import type { TestShield, Upstream } from './helpers.js';

interface Recorded {
  url: string;
  requestHeaders: Record<string, string>;
}

describe('custom credential locations', () => {
  let up: Upstream;
  let shield: TestShield;
  before(async () => {
    up = await startUpstream((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'));
    shield = await startTestShield(`
apis: [{ name: partner, upstream: ${up.url} }]
recording: { flushIntervalMs: 10 }
routes:
  - api: partner
    pathPrefix: /feeds
    stages:
      authenticate: { enabled: true, optional: true, methods: [apiKey], apiKey: { header: X-Partner-Key, queryParam: partner_key } }
  - { api: partner, pathPrefix: / }
`);
  });
  after(async () => {
    await shield.close();
    await up.close();
  });

  const recorded = (id: string | string[] | undefined) =>
    waitFor(
      async () => {
        const r = await adminFetch(shield, `/exchanges/${String(id)}`);
        return r.status === 200 ? ((await r.json()) as Recorded) : undefined;
      },
      10_000,
      'exchange recorded',
    );

  it('redacts the custom header and query parameter in the record, on any route', async () => {
    const secret = 'not-a-palisade-key-0123456789';
    // Refused as malformed on /feeds (not a Palisade key), forwarded on /: recorded either way.
    for (const path of ['/feeds/daily', '/other']) {
      const r = await httpRequest(`${shield.gatewayUrl}${path}?partner_key=${secret}&page=2`, { headers: { 'x-partner-key': secret } });
      const rec = await recorded(r.headers['x-request-id']);
      assert.ok(!JSON.stringify(rec).includes(secret), `${path}: the secret reached the record: ${JSON.stringify(rec)}`);
      assert.notEqual(rec.requestHeaders['x-partner-key'], undefined, `${path}: the header is recorded, redacted`);
      assert.match(rec.url, /page=2/);
    }
  });

  it('treats a request carrying the custom header as credentialed (responses not cacheable)', async () => {
    const r = await httpRequest(`${shield.gatewayUrl}/other`, { headers: { 'x-partner-key': 'anything' } });
    assert.equal(r.status, 200);
    assert.equal(r.headers['cache-control'], 'no-store');
    const anon = await httpRequest(`${shield.gatewayUrl}/other`);
    assert.equal(anon.headers['cache-control'], undefined);
  });
});

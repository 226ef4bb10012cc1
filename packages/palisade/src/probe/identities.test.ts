import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Session, sendAs } from './identities.js';
import { Runner } from './runner.js';
import { parseScanConfig } from './scan-config.js';

/** A target whose login always works; `accept` says which tokens the API takes. */
async function target(accept: (token: string) => boolean): Promise<{ url: string; logins: () => number; close: () => Promise<void> }> {
  let logins = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    if (req.url === '/login') {
      logins++;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: `token-${logins}` }));
      return;
    }
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
    res.writeHead(accept(token) ? 200 : 401).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, logins: () => logins, close: () => new Promise<void>((r) => server.close(() => r())) };
}

function setup(url: string): { runner: Runner; session: Session } {
  const cfg = parseScanConfig({ identities: [{ name: 'ann', login: { path: '/login', body: { email: 'a@x.test', password: 'p' }, extract: { json: 'token' } } }] });
  const runner = new Runner({ target: url, maxRequests: 100, maxDurationMs: 10_000, perCheckRequests: 100, perCheckMs: 10_000, concurrency: 2, requestsPerSecond: 1000, timeoutMs: 2000, maxBodyBytes: 4096 });
  return { runner, session: new Session(cfg.identities[0]) };
}

test('a user still refused after a fresh login is marked failed once and never re-logged again', async () => {
  const t = await target(() => false);
  const { runner, session } = setup(t.url);
  try {
    await session.authenticate(runner);
    for (let i = 0; i < 5; i++) assert.equal((await sendAs(runner, session, { method: 'GET', url: '/x' })).status, 401);
    assert.equal(t.logins(), 2, 'the first login and one re-login only');
    assert.match(session.failed ?? '', /GET \/x still answered 401 after a fresh login/);
    assert.equal(runner.requests, 2 + 1 + 1 + 4, 'logins, the first request and its retry, then one request each');
  } finally {
    await runner.close();
    await t.close();
  }
});

test('a re-login that fixes the 401 keeps the identity in use', async () => {
  // Only the first token is refused (it "expired"): the re-login's token works.
  const t = await target((token) => token !== 'token-1');
  const { runner, session } = setup(t.url);
  try {
    await session.authenticate(runner);
    assert.equal((await sendAs(runner, session, { method: 'GET', url: '/x' })).status, 200);
    assert.equal((await sendAs(runner, session, { method: 'GET', url: '/x' })).status, 200);
    assert.equal(session.failed, undefined);
    assert.equal(t.logins(), 2);
  } finally {
    await runner.close();
    await t.close();
  }
});

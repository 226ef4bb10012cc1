// API keys end to end: issued through the admin API and the CLI, used through the gateway (header,
// Authorization: ApiKey, an allowed query parameter), rotated with a grace period, revoked,
// expired; last-used times reach the store; and no key secret is ever found in the database files,
// the exchange records or the log.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { parseConfig, startShield } from 'palisade';
import type { RunningShield } from 'palisade';
import { ADMIN_TOKEN, CLI, adminFetch, httpRequest, sleep, startUpstream, tempDir, waitFor, type Upstream } from './helpers.js';

interface KeySummary {
  id: string;
  hint: string;
  api: string;
  name: string;
  status: string;
  scopes: string[];
  lastUsedAt?: number;
  graceUntil?: number;
  replacedBy?: string;
}
interface Issued {
  key: string;
  apiKey: KeySummary;
  previous?: KeySummary;
  warning: string;
}

/** Runs the built CLI without blocking the event loop (the gateway under test runs in this process). */
function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** The secret part of a key (what must never be found at rest). */
function secretOf(key: string): string {
  return key.slice(21);
}

describe('API keys: admin API, CLI and gateway', () => {
  const t = tempDir('palisade-apikeys-');
  const file = join(t.dir, 'palisade.yaml');
  const dbPath = join(t.dir, 'store.db');
  const logs: string[] = [];
  const issued: string[] = [];
  let up: Upstream;
  let shield: RunningShield;
  let upstreamSaw: Array<Record<string, string | string[] | undefined>> = [];

  const get = (path: string, headers: Record<string, string> = {}) => httpRequest(`${shield.gatewayUrl}${path}`, { headers });
  const admin = async (path: string, init: RequestInit = {}) => {
    const r = await adminFetch(shield, path, init);
    return { status: r.status, headers: r.headers, body: (await r.json()) as Record<string, unknown> };
  };
  const post = (path: string, body?: unknown) =>
    admin(path, { method: 'POST', ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}) });
  const create = async (body: unknown): Promise<Issued> => {
    const r = await post('/keys', body);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const i = r.body as unknown as Issued;
    issued.push(i.key);
    return i;
  };

  before(async () => {
    up = await startUpstream((req, res) => {
      upstreamSaw.push(req.headers);
      res.end('ok');
    });
    // The query parameter is named `k` on purpose: not secret-looking, so only the key pattern can redact it.
    writeFileSync(
      file,
      `gateway: { listen: { port: 0 } }
admin: { listen: { port: 0 } }
store: { path: ${JSON.stringify(dbPath)} }
log: { level: trace }
recording: { flushIntervalMs: 10 }
apis: [{ name: shop, upstream: ${up.url} }, { name: billing, upstream: ${up.url} }]
defaults:
  authenticate: { enabled: true, methods: [apiKey] }
routes:
  - { api: billing, pathPrefix: /billing }
  - { api: shop, pathPrefix: /q, stages: { authenticate: { apiKey: { queryParam: k } } } }
  - { api: shop, pathPrefix: / }
`,
    );
    const config = parseConfig(readFileSync(file, 'utf8'), file, { env: {}, baseDir: t.dir });
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        logs.push(chunk.toString('utf8'));
        done();
      },
    });
    shield = await startShield({ config, configPath: file, logger: pino({ level: 'trace' }, sink), adminToken: ADMIN_TOKEN });
  });

  after(async () => {
    await shield?.close();
    await up?.close();
    t.cleanup();
  });

  test('a key created through the admin API is shown once and works in the header, Authorization and the allowed query parameter', async () => {
    const k = await create({ api: 'shop', name: 'nightly export', scopes: ['orders:read'], roles: ['partner'], tenant: 'acme' });
    assert.match(k.key, /^pal_[0-9A-Za-z]{16}_[0-9A-Za-z]{49}$/);
    assert.match(k.warning, /not shown again/);
    assert.equal(k.apiKey.status, 'active');
    assert.equal(k.apiKey.hint, `pal_${k.apiKey.id}_…`);

    assert.equal((await get('/orders', { 'x-api-key': k.key })).status, 200);
    assert.equal((await get('/orders', { authorization: `ApiKey ${k.key}` })).status, 200);
    assert.equal((await get(`/q/orders?k=${k.key}&page=2`)).status, 200);
    assert.equal((await get(`/orders?k=${k.key}`)).status, 401, 'the query parameter only where it is allowed');
    const none = await get('/orders');
    assert.equal(none.status, 401);
    assert.equal(none.headers['www-authenticate'], 'ApiKey realm="palisade"');
    assert.equal((await get('/billing/invoices', { 'x-api-key': k.key })).status, 401, 'a key works for its own API only');

    // Typos and forged secrets are refused alike, with the same generic answer.
    const typo = k.key.slice(0, 30) + (k.key[30] === 'a' ? 'b' : 'a') + k.key.slice(31);
    const forged = k.key.slice(0, 21) + 'A'.repeat(49);
    for (const bad of [typo, forged, 'pal_nonsense']) {
      const r = await get('/orders', { 'x-api-key': bad });
      assert.equal(r.status, 401, bad);
      assert.equal((JSON.parse(r.body) as { detail: string }).detail, 'The credentials could not be verified.');
    }
  });

  test('listing shows state, never a secret or a hash', async () => {
    const r = await admin('/keys?api=shop');
    assert.equal(r.status, 200);
    const text = JSON.stringify(r.body);
    for (const key of issued) assert.ok(!text.includes(secretOf(key)));
    assert.ok(!/sha256\$/.test(text));
    const keys = (r.body as { keys: KeySummary[] }).keys;
    assert.ok(keys.length >= 1 && keys.every((k) => k.api === 'shop'));
    const one = await admin(`/keys/${keys[0]!.id}`);
    assert.equal(one.status, 200);
    assert.equal((one.body as unknown as KeySummary).id, keys[0]!.id);
    assert.equal((await admin('/keys/AAAAAAAAAAAAAAAA')).status, 404);
  });

  test('rotation with grace: both keys work, then the old one is refused; revocation is immediate', async () => {
    const k = await create({ api: 'shop', name: 'partner feed' });
    const r = await post(`/keys/${k.apiKey.id}/rotate`, { grace: '2s' });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const rotated = r.body as unknown as Issued;
    issued.push(rotated.key);
    assert.equal(rotated.previous?.status, 'grace');
    assert.equal(rotated.previous?.replacedBy, rotated.apiKey.id);
    assert.equal((await get('/orders', { 'x-api-key': k.key })).status, 200, 'the old key during the grace period');
    assert.equal((await get('/orders', { 'x-api-key': rotated.key })).status, 200);
    await sleep(Math.max(0, (rotated.previous?.graceUntil ?? 0) - Date.now()) + 50);
    assert.equal((await get('/orders', { 'x-api-key': k.key })).status, 401, 'the old key after it');
    assert.equal((await get('/orders', { 'x-api-key': rotated.key })).status, 200);

    const again = await post(`/keys/${k.apiKey.id}/rotate`);
    assert.equal(again.status, 409);
    assert.match(String(again.body['detail']), /already rotated/);

    const revoked = await post(`/keys/${rotated.apiKey.id}/revoke`);
    assert.equal(revoked.status, 200);
    assert.equal((revoked.body['apiKey'] as KeySummary).status, 'revoked');
    assert.equal((await get('/orders', { 'x-api-key': rotated.key })).status, 401, 'refused at once: same process');
    assert.equal((await post(`/keys/${rotated.apiKey.id}/revoke`)).body['alreadyRevoked'], true);
  });

  test('an expired key is refused', async () => {
    const k = await create({ api: 'shop', name: 'short', expires: '1s' });
    assert.equal((await get('/orders', { 'x-api-key': k.key })).status, 200);
    await sleep(1100);
    assert.equal((await get('/orders', { 'x-api-key': k.key })).status, 401);
  });

  test('bad input gets a 400 naming what is wrong; keys are never deleted; the token is required', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ api: 'shop' }, /name/],
      [{ api: 'nope', name: 'x' }, /no API named "nope"/],
      [{ api: 'shop', name: 'x', scopes: 'a,b' }, /scopes/],
      [{ api: 'shop', name: 'x', expires: 'someday' }, /expiry must be/],
      [{ api: 'shop', name: 'x', extra: true }, /extra/],
      [{ api: 'shop', name: 'x', scopes: ['a b'] }, /scopes: each entry/],
    ];
    for (const [body, why] of cases) {
      const r = await post('/keys', body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.match(String(r.body['detail']), why);
    }
    const big = await post('/keys', { api: 'shop', name: 'x', scopes: Array.from({ length: 2000 }, (_, i) => `s${i}`) });
    assert.equal(big.status, 400);
    assert.equal((await post('/keys/AAAAAAAAAAAAAAAA/revoke')).status, 404);
    assert.equal((await post('/keys/not-an-id/revoke')).status, 400);
    assert.equal((await post('/keys/AAAAAAAAAAAAAAAA/rotate', { grace: '90d' })).status, 400);
    const del = await admin('/keys/AAAAAAAAAAAAAAAA', { method: 'DELETE' });
    assert.equal(del.status, 405);
    assert.match(String(del.body['detail']), /revoked .* not deleted/);
    const anonymous = await fetch(`${shield.adminUrl}/keys`);
    assert.equal(anonymous.status, 401);
  });

  test('the CLI issues, lists, rotates and revokes keys in the same store; a running gateway follows', async () => {
    const created = await cli(['keys', 'create', '-c', file, '--api', 'shop', '--name', 'from the CLI', '--scopes', 'a,b', '--expires', '30d', '--json']);
    assert.equal(created.code, 0, created.stderr);
    const k = JSON.parse(created.stdout) as Issued;
    issued.push(k.key);
    assert.deepEqual(k.apiKey.scopes, ['a', 'b']);
    assert.equal((await get('/orders', { 'x-api-key': k.key })).status, 200);

    const text = await cli(['keys', 'create', '-c', file, '--api', 'shop', '--name', 'text output']);
    assert.equal(text.code, 0, text.stderr);
    const printed = /^\s+(pal_\S+)$/m.exec(text.stdout)?.[1];
    assert.ok(printed, text.stdout);
    issued.push(printed);
    assert.match(text.stdout, /cannot be shown again/);

    const listed = await cli(['keys', 'list', '-c', file, '--api', 'shop']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /^ID\s+API\s+STATUS/);
    assert.match(listed.stdout, new RegExp(`${k.apiKey.id}\\s+shop\\s+active`));
    for (const key of issued) assert.ok(!listed.stdout.includes(secretOf(key)));

    const rotated = await cli(['keys', 'rotate', k.apiKey.id, '-c', file, '--grace', '0s', '--json']);
    assert.equal(rotated.code, 0, rotated.stderr);
    const r = JSON.parse(rotated.stdout) as Issued;
    issued.push(r.key);
    assert.equal((await get('/orders', { 'x-api-key': r.key })).status, 200);
    // Another process changed the store: this gateway sees it within its cache TTL (5 s).
    await waitFor(async () => ((await get('/orders', { 'x-api-key': k.key })).status === 401 ? true : undefined), 8000, 'the rotated key refused');

    const revoked = await cli(['keys', 'revoke', r.apiKey.id, '-c', file]);
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.match(revoked.stdout, /Revoked/);
    await waitFor(async () => ((await get('/orders', { 'x-api-key': r.key })).status === 401 ? true : undefined), 8000, 'the revoked key refused');

    const [unknown, badApi, missing, badGrace, help] = await Promise.all([
      cli(['keys', 'revoke', 'AAAAAAAAAAAAAAAA', '-c', file]),
      cli(['keys', 'create', '-c', file, '--api', 'nope', '--name', 'x']),
      cli(['keys', 'create', '-c', file, '--name', 'x']),
      cli(['keys', 'rotate', r.apiKey.id, '-c', file, '--grace', 'soon']),
      cli(['keys', '--help']),
    ]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /PALISADE_ERR_API_KEY: no API key with id AAAAAAAAAAAAAAAA/);
    assert.equal(badApi.code, 1);
    assert.match(badApi.stderr, /no API named "nope" in the configuration \(APIs: shop, billing\)/);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /needs --api NAME/);
    assert.equal(badGrace.code, 1);
    assert.match(badGrace.stderr, /--grace must be a whole number/);
    assert.equal(help.code, 0);
    for (const sub of ['create', 'list', 'revoke', 'rotate']) assert.match(help.stdout, new RegExp(`Usage: palisade keys ${sub}`));
  });

  test('last-used times reach the store; no secret is in the database files, the records or the log', async () => {
    const k = await create({ api: 'shop', name: 'last used' });
    const before = Date.now();
    const r = await get('/orders', { 'x-api-key': k.key, 'x-custom': `copy ${k.key}` });
    assert.equal(r.status, 200);
    const id = String(r.headers['x-request-id']);
    const x = await waitFor(async () => {
      const a = await admin(`/exchanges/${id}`);
      return a.status === 200 ? a.body : undefined;
    });
    assert.equal((x['principal'] as { id: string }).id, `apikey:${k.apiKey.id}`);
    assert.ok(JSON.stringify(x).includes(`pal_${k.apiKey.id}_[redacted]`), 'a key in another header is redacted, its id kept');
    const exchanges = JSON.stringify((await admin('/exchanges?limit=1000')).body);

    await shield.close();
    const listed = await cli(['keys', 'list', '-c', file, '--json']);
    assert.equal(listed.code, 0, listed.stderr);
    const used = (JSON.parse(listed.stdout) as { keys: KeySummary[] }).keys.find((s) => s.id === k.apiKey.id);
    assert.ok(used?.lastUsedAt !== undefined && used.lastUsedAt >= before, 'written when the gateway closed');

    const files = [dbPath, `${dbPath}-wal`, `${dbPath}-shm`].filter(existsSync).map((p) => readFileSync(p));
    const db = Buffer.concat(files);
    const log = logs.join('');
    assert.ok(db.includes(Buffer.from(k.apiKey.id)), 'the scan sees the ids (sanity check)');
    assert.ok(log.includes('API key created through the admin API'), 'the scan sees the log (sanity check)');
    assert.ok(issued.length >= 7);
    for (const key of issued) {
      const secret = secretOf(key);
      assert.ok(!db.includes(Buffer.from(secret)), 'a key secret in the database files');
      assert.ok(!db.includes(Buffer.from(encodeURIComponent(secret))), 'a key secret, URL-encoded, in the database files');
      assert.ok(!log.includes(secret), 'a key secret in the log');
      assert.ok(!exchanges.includes(secret), 'a key secret in the exchange records');
    }
    // The upstream does receive the key: Palisade authenticates, the API may still want it.
    assert.ok(upstreamSaw.some((h) => h['x-api-key'] === k.key));
    upstreamSaw = [];
  });
});

// Rate limits shared through Redis by two gateways: together they admit the limit, not twice it.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { REDIS_URL, redisSkip, startUpstream, startTestShield, httpRequest } from './helpers.js';
import type { Upstream, TestShield } from './helpers.js';

const skip = await redisSkip();

describe('rate limits shared through Redis', { skip }, () => {
  const prefix = `palisade-test-${randomUUID()}:`;
  const POINTS = 200;
  const BURST = 10;
  let up: Upstream;
  let a: TestShield;
  let b: TestShield;
  let redis: Redis;

  before(async () => {
    up = await startUpstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
    });
    const yaml = `
store:
  redis:
    url: ${REDIS_URL}
    keyPrefix: "${prefix}"
apis:
  - name: api
    upstream: ${up.url}
routes:
  - api: api
    pathPrefix: /
    stages:
      rateLimit:
        enabled: true
        limits:
          # A long window so that every request of the test falls into the same one.
          - { name: minute, key: [ip, route], points: ${POINTS}, burst: ${BURST}, durationSeconds: 60 }
          - { name: hour, key: ip, points: 100000, durationSeconds: 3600 }
`;
    a = await startTestShield(yaml);
    b = await startTestShield(yaml);
    redis = new Redis(REDIS_URL);
  });

  after(async () => {
    await a?.close();
    await b?.close();
    await up?.close();
    if (redis) {
      const keys: string[] = [];
      let cursor = '0';
      do {
        const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
        cursor = next;
        keys.push(...batch);
      } while (cursor !== '0');
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
    }
  });

  test('two gateways together admit the limit (within 1 % + burst), then refuse with 429 and RateLimit headers', async () => {
    const N = 2 * (POINTS + BURST) + 100;
    let admittedCount = 0;
    let refused: Awaited<ReturnType<typeof httpRequest>> | undefined;
    // Alternate between the gateways, a few requests in flight at once so the count is contended.
    for (let i = 0; i < N; i += 10) {
      const batch = Array.from({ length: Math.min(10, N - i) }, (_, j) => httpRequest(`${((i + j) % 2 === 0 ? a : b).gatewayUrl}/items`));
      for (const r of await Promise.all(batch)) {
        if (r.status === 200) admittedCount++;
        else {
          assert.equal(r.status, 429, r.body);
          refused ??= r;
        }
      }
    }
    const tolerance = Math.ceil(POINTS * 0.01) + BURST;
    assert.ok(Math.abs(admittedCount - POINTS) <= tolerance, `admitted ${admittedCount}, limit ${POINTS} ± ${tolerance}`);

    assert.ok(refused);
    assert.match(String(refused.headers['content-type']), /^application\/problem\+json/);
    assert.equal((JSON.parse(refused.body) as { type: string }).type.endsWith('rate-limited'), true);
    assert.ok(Number(refused.headers['retry-after']) >= 1);
    assert.equal(refused.headers['ratelimit-policy'], `${POINTS + BURST};w=60, 100000;w=3600`);
    assert.match(String(refused.headers.ratelimit), /^limit=210, remaining=0, reset=\d+$/);
  });

  test('allowed responses carry the RateLimit headers', async () => {
    // A key prefix of its own gives a fresh count (still under `prefix`, so cleaned up after).
    const prefix2 = `${prefix}fresh:`;
    const shield = await startTestShield(`
store:
  redis: { url: ${REDIS_URL}, keyPrefix: "${prefix2}" }
apis: [{ name: api, upstream: ${up.url} }]
defaults:
  rateLimit: { enabled: true, limits: [{ name: m, points: 5, durationSeconds: 60 }] }
`);
    try {
      const r = await httpRequest(`${shield.gatewayUrl}/x`);
      assert.equal(r.status, 200);
      assert.equal(r.headers['ratelimit-policy'], '5;w=60');
      assert.match(String(r.headers.ratelimit), /^limit=5, remaining=4, reset=\d+$/);
    } finally {
      await shield.close();
    }
  });
});

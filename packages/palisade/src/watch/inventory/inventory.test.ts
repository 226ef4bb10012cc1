import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Inventory } from './inventory.js';
import { buildReport, oracleOf, riskOf } from './report.js';
import { authMethodsOf, NetworkClassifier } from './callers.js';
import { exchange } from './test-support.js';

test('endpoints by method and template, with volume, statuses, latency and first/last seen', () => {
  const inv = new Inventory();
  for (let i = 1; i <= 100; i++) inv.ingest(exchange('GET', `/orders/${i}`, i % 10 === 0 ? 500 : 200, { timings: { total: i }, startedAt: 1000 + i }));
  inv.ingest(exchange('DELETE', '/orders/5', 204));
  const ep = inv.get(undefined, 'GET', '/orders/{orderId}')!;
  assert.equal(ep.count, 100);
  assert.equal(ep.firstSeen, 1001);
  assert.equal(ep.lastSeen, 1100);
  assert.equal(ep.errorRate(), 0.1);
  const p50 = ep.latency.quantile(0.5)!;
  const p99 = ep.latency.quantile(0.99)!;
  assert.ok(p50 >= 47 && p50 <= 56, `p50 ${p50}`);
  assert.ok(p99 >= 94 && p99 <= 100, `p99 ${p99}`);
  assert.ok(inv.get(undefined, 'DELETE', '/orders/{orderId}'));
  assert.equal(inv.size, 2);
});

test('authentication methods from headers; redacted values keep their scheme', () => {
  const jwt = `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.${Buffer.from('{}').toString('base64url')}.s`;
  const m = (h: Record<string, string>, extra = {}) => authMethodsOf({ requestHeaders: h, url: '/x', ...extra });
  assert.deepEqual(m({}), ['none']);
  assert.deepEqual(m({ authorization: `Bearer ${jwt}` }), ['jwt']);
  assert.deepEqual(m({ authorization: 'Bearer [redacted]' }), ['bearer']);
  assert.deepEqual(m({ authorization: 'Basic [redacted]' }), ['basic']);
  assert.deepEqual(m({ authorization: '[redacted]' }, { principal: { id: 'u', method: 'jwt', roles: [] } }), ['jwt']);
  assert.deepEqual(m({ 'x-api-key': '[redacted]' }), ['api-key']);
  assert.deepEqual(m({ cookie: 'theme=dark; sessionid=abc' }), ['cookie']);
  assert.deepEqual(m({ cookie: 'theme=dark' }), ['none']);
  assert.deepEqual(authMethodsOf({ requestHeaders: {}, url: '/x?api_key=abc' }), ['api-key']);
});

test('internal and public callers', () => {
  const n = new NetworkClassifier(['198.51.100.0/24']);
  for (const ip of ['10.1.2.3', '192.168.0.1', '127.0.0.1', '::1', 'fd00::1', '::ffff:10.0.0.1', '198.51.100.20', '100.64.1.1']) assert.ok(n.isInternal(ip), ip);
  for (const ip of ['8.8.8.8', '2001:4860::8888', '198.51.101.1', 'not-an-ip']) assert.ok(!n.isInternal(ip), ip);
  assert.throws(() => new NetworkClassifier(['10.0.0.0/33']), /invalid prefix length/);
});

test('query, header and body parameters; sensitive fields in requests and responses', () => {
  const inv = new Inventory();
  inv.ingest(
    exchange('POST', '/signup?ref=abc', 201, {
      requestHeaders: { 'content-type': 'application/json', 'x-tenant': 'acme' },
      requestBodySample: JSON.stringify({ email: 'a@b.io', card: '4111111111111111', profile: { phone: '+14155552671' } }),
      responseBodySample: JSON.stringify({ id: 1, apiKey: 'sk_live_4eC39HqLyjWDarjtT1zdp7dc' }),
    }),
  );
  const ep = inv.get(undefined, 'POST', '/signup')!;
  assert.deepEqual([...ep.query.keys()], ['ref']);
  assert.deepEqual([...ep.headers.keys()], ['x-tenant']);
  assert.deepEqual([...ep.sensitiveRequest.keys()].sort(), ['email', 'payment-card', 'phone']);
  assert.deepEqual([...ep.sensitiveRequest.get('phone')!.values], ['body.profile.phone']);
  assert.deepEqual([...ep.sensitiveResponse.get('stripe-secret-key')!.values], ['201.apiKey']);
  // Form bodies too.
  inv.ingest(exchange('POST', '/login', 302, { requestHeaders: { 'content-type': 'application/x-www-form-urlencoded' }, requestBodySample: 'user=alice&password=x&n=3' }));
  const form = inv.get(undefined, 'POST', '/login')!;
  assert.deepEqual([...form.requestBodies.keys()], ['application/x-www-form-urlencoded']);
});

test('the change feed: new endpoints, parameters, sensitive fields and statuses, with timestamps', () => {
  const inv = new Inventory();
  inv.ingest(exchange('GET', '/items?page=1', 200, { startedAt: 10 }));
  inv.ingest(exchange('GET', '/items?page=2&debug=1', 200, { startedAt: 20 }));
  inv.ingest(exchange('GET', '/items', 200, { startedAt: 30, responseBodySample: '{"owner":"x@y.io"}' }));
  inv.ingest(exchange('GET', '/items', 503, { startedAt: 40 }));
  const feed = inv.changes().map((e) => [e.at, e.kind, e.detail ?? '']);
  assert.deepEqual(feed, [
    [10, 'new-endpoint', ''],
    [20, 'new-parameter', 'query.debug'],
    [30, 'new-sensitive-field', 'response.200.owner'],
    [40, 'new-status', '503'],
  ]);
  assert.equal(inv.changes(25).length, 2);
  const small = new Inventory({ maxEvents: 2 });
  for (let i = 0; i < 5; i++) small.ingest(exchange('GET', `/e${i}x`, 200, { startedAt: i }));
  assert.deepEqual(small.changes().map((e) => e.at), [3, 4], 'the oldest events go first');
});

test('when siblings merge, endpoints and their statistics merge too', () => {
  const inv = new Inventory({ templater: { genericSiblings: 3 } });
  for (const n of ['alpha', 'bravo', 'charlie']) inv.ingest(exchange('GET', `/teams/${n}x?q=${n}`));
  assert.equal(inv.size, 3);
  inv.ingest(exchange('GET', '/teams/deltax'));
  assert.equal(inv.size, 1);
  const ep = inv.get(undefined, 'GET', '/teams/{teamId}')!;
  assert.equal(ep.count, 4);
  assert.equal(ep.query.get('q')!.count, 3);
});

test('overrides merge endpoints at once and are remembered', () => {
  const inv = new Inventory();
  inv.ingest(exchange('GET', '/files/readme'));
  inv.ingest(exchange('GET', '/files/setup'));
  inv.applyOverride({ action: 'merge', template: '/files/{name}' });
  assert.deepEqual(inv.list().map((e) => e.template), ['/files/{name}']);
  assert.equal(inv.list()[0]!.count, 2);
  assert.equal(inv.listOverrides().length, 1);
  // Per API: "api:/path".
  inv.applyOverride({ action: 'split', template: 'shop:/tenants/{tenantId}' });
  inv.ingest(exchange('GET', '/tenants/5', 200, { api: 'shop' }));
  inv.ingest(exchange('GET', '/tenants/5', 200));
  assert.ok(inv.get('shop', 'GET', '/tenants/5'));
  assert.ok(inv.get(undefined, 'GET', '/tenants/{tenantId}'));
});

test('endpoint cap: further endpoints are counted, not tracked', () => {
  const inv = new Inventory({ maxEndpoints: 2 });
  inv.ingest(exchange('GET', '/a'));
  inv.ingest(exchange('GET', '/b'));
  inv.ingest(exchange('GET', '/c'));
  assert.equal(inv.size, 2);
  assert.equal(inv.untracked, 1);
});

test('existence oracle: a lookup answering 200 for known and 404 for unknown identifiers', () => {
  const inv = new Inventory();
  inv.ingest(exchange('GET', '/api/users/lookup?email=alice@acme.test', 200, { responseBodySample: '{"id":1,"email":"alice@acme.test"}' }));
  inv.ingest(exchange('GET', '/api/users/lookup?email=nobody@acme.test', 404, { responseBodySample: '{"error":"not found"}' }));
  const ep = inv.get(undefined, 'GET', '/api/users/lookup')!;
  assert.deepEqual(oracleOf(ep), { login: false, outcomes: ['found', 'not-found'] });
  const r = buildReport(inv);
  assert.equal(r.findings.length, 1);
  const f = r.findings[0]!;
  assert.equal(f.source, 'watch');
  assert.equal(f.category, 'API3:2023');
  assert.equal(f.checkId, 'PAL-WATCH-ORACLE-001');
  assert.equal(f.severity, 'high', 'anonymous, and the answer carries personal data');
  assert.ok(riskOf(ep, undefined).reasons.some((x) => x.reason.startsWith('existence oracle')));
});

test('existence oracle: a login telling unknown accounts (404) from wrong passwords (401) is API2', () => {
  const inv = new Inventory();
  const login = (email: string, status: number) =>
    inv.ingest(exchange('POST', '/auth/login', status, { requestHeaders: { 'content-type': 'application/json' }, requestBodySample: JSON.stringify({ email, password: 'x' }) }));
  login('alice@acme.test', 401);
  login('ghost@acme.test', 404);
  const r = buildReport(inv);
  assert.equal(r.findings[0]?.category, 'API2:2023');
});

test('not an oracle: one answer for every identifier, or 401 without a password', () => {
  const inv = new Inventory();
  inv.ingest(exchange('GET', '/reset?email=a@acme.test', 202));
  inv.ingest(exchange('GET', '/reset?email=b@acme.test', 202));
  // Unauthenticated calls to a protected lookup: "log in first" says nothing about the address.
  inv.ingest(exchange('GET', '/members?email=a@acme.test', 401));
  inv.ingest(exchange('GET', '/members?email=b@acme.test', 404, { requestHeaders: { authorization: 'Bearer [redacted]' } }));
  // A search without identifiers.
  inv.ingest(exchange('GET', '/products?q=anvil', 200));
  inv.ingest(exchange('GET', '/products?q=zzz', 404));
  assert.equal(buildReport(inv).findings.length, 0);
});

test('existence oracle by body shape: a record for known identifiers, an empty answer for unknown ones', () => {
  const inv = new Inventory();
  inv.ingest(exchange('GET', '/accounts?phone=%2B14155552671', 200, { responseBodySample: '[{"id":7,"name":"Al"}]' }));
  inv.ingest(exchange('GET', '/accounts?phone=%2B14155550000', 200, { responseBodySample: '[]' }));
  inv.ingest(exchange('GET', '/accounts?phone=%2B14155550001', 200, { responseBodySample: '{"message":"no match"}' }));
  const ep = inv.get(undefined, 'GET', '/accounts')!;
  assert.deepEqual(oracleOf(ep)?.outcomes, ['empty', 'found']);
  // The same search, always answered with content: no oracle.
  const same = new Inventory();
  same.ingest(exchange('GET', '/accounts?phone=%2B14155552671', 200, { responseBodySample: '[{"id":7}]' }));
  same.ingest(exchange('GET', '/accounts?phone=%2B14155550000', 200, { responseBodySample: '[{"id":8}]' }));
  assert.equal(oracleOf(same.list()[0]!), undefined);
});

test('existence oracle by an exists flag in the body', () => {
  const inv = new Inventory();
  inv.ingest(exchange('POST', '/check', 200, { requestHeaders: { 'content-type': 'application/json' }, requestBodySample: '{"username":"alice"}', responseBodySample: '{"exists":true}' }));
  inv.ingest(exchange('POST', '/check', 200, { requestHeaders: { 'content-type': 'application/json' }, requestBodySample: '{"username":"zz"}', responseBodySample: '{"exists":false}' }));
  assert.equal(buildReport(inv).findings.length, 1);
});

test('risk score: reasons add up, capped at 100', () => {
  const inv = new Inventory();
  inv.ingest(exchange('GET', '/debug/config', 200, { responseBodySample: JSON.stringify({ jwt: { secret: 'Zx8Qp2Lm7Vn4Rt6Yb1Wc9Ke3' }, admin: 'root@acme.test' }) }));
  const ep = inv.get(undefined, 'GET', '/debug/config')!;
  const r = riskOf(ep, { documented: false, shadow: true, zombie: false, drift: [] });
  assert.equal(r.score, r.reasons.reduce((s, x) => s + x.points, 0));
  assert.deepEqual(
    r.reasons.map((x) => x.points),
    [20, 10, 20, 10, 20, 5],
  );
  const quiet = new Inventory();
  quiet.ingest(exchange('GET', '/health', 200, { requestHeaders: { authorization: 'Bearer [redacted]' }, clientIp: '10.0.0.1' }));
  assert.equal(riskOf(quiet.list()[0]!, { documented: true, shadow: false, zombie: false, drift: [] }).score, 0);
});

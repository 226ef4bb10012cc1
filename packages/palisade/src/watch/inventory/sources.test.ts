import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import type { Exchange } from '../../core/index.js';
import { authUnknown, parseClfTime, parseCombinedLine, parseFieldMap, parseJsonLine, readAccessLog, readHar } from './sources.js';
import { Inventory } from './inventory.js';

/** A stream that delivers `text` in chunks of `size` characters, to cut records anywhere. */
function chunked(text: string, size: number): Readable {
  const parts: string[] = [];
  for (let i = 0; i < text.length; i += size) parts.push(text.slice(i, i + size));
  return Readable.from(parts.map((p) => Buffer.from(p)));
}

test('combined log format, with nginx and Apache request times', () => {
  const x = parseCombinedLine('203.0.113.9 - bob [10/Oct/2023:13:55:36 -0700] "GET /api/v2/orders/12?x=1 HTTP/1.1" 200 2326 "https://ref/" "curl/8" 0.012', 'l1') as Exchange;
  assert.equal(x.method, 'GET');
  assert.equal(x.url, '/api/v2/orders/12?x=1');
  assert.equal(x.status, 200);
  assert.equal(x.clientIp, '203.0.113.9');
  assert.equal(x.startedAt, Date.UTC(2023, 9, 10, 20, 55, 36));
  assert.equal(x.timings.total, 12);
  assert.equal(x.requestHeaders['user-agent'], 'curl/8');
  assert.match(x.requestHeaders.authorization!, /^Basic /, 'the user field means basic authentication');
  const apache = parseCombinedLine('10.0.0.1 - - [01/Jan/2024:00:00:00 +0000] "POST /login HTTP/1.0" 302 - "-" "-" 1500', 'l2') as Exchange;
  assert.equal(apache.timings.total, 1.5, '%D is microseconds');
  assert.equal(apache.requestHeaders.authorization, undefined);
  const common = parseCombinedLine('10.0.0.1 - - [01/Jan/2024:00:00:00 +0000] "GET / HTTP/1.0" 200 5', 'l3') as Exchange;
  assert.equal(common.url, '/');
  assert.equal(typeof parseCombinedLine('garbage', 'x'), 'string');
  assert.match(parseCombinedLine('1.2.3.4 - - [99/Foo/2024:00:00:00 +0000] "GET / HTTP/1.0" 200 5', 'x') as string, /bad time/);
  assert.ok(Number.isNaN(parseClfTime('01/Xyz/2024:00:00:00 +0000')));
});

test('JSON lines with default and configured field names', () => {
  const a = parseJsonLine('{"time":"2024-01-01T00:00:00Z","remote_addr":"1.2.3.4","request":"GET /a?b=1 HTTP/1.1","request_method":"GET","request_uri":"/a?b=1","status":"404","request_time":"0.250"}', 'l1') as Exchange;
  assert.equal(a.url, '/a?b=1');
  assert.equal(a.status, 404);
  assert.equal(a.timings.total, 250);
  assert.equal(a.clientIp, '1.2.3.4');
  const fields = parseFieldMap('method=req.verb,url=req.target,status=res.code,time=at,duration=took:us,ip=peer');
  const b = parseJsonLine('{"req":{"verb":"post","target":"/x"},"res":{"code":201},"at":1700000000,"took":3000,"peer":"::1"}', 'l2', fields) as Exchange;
  assert.equal(b.method, 'POST');
  assert.equal(b.status, 201);
  assert.equal(b.startedAt, 1_700_000_000_000);
  assert.equal(b.timings.total, 3);
  assert.match(parseJsonLine('{"url":"/x","status":200}', 'l3') as string, /no method field/);
  assert.match(parseJsonLine('{"method":"GET","url":"/x","status":99}', 'l4') as string, /no valid status/);
  assert.match(parseJsonLine('{nope', 'l5') as string, /invalid JSON/);
  assert.throws(() => parseFieldMap('verb=x'), /NAME one of/);
  // A Palisade exchange as exported.
  const ex = { id: 'e1', startedAt: 5, method: 'GET', url: '/y', clientIp: '1.1.1.1', requestHeaders: {}, requestBytes: 0, status: 200, responseHeaders: {}, responseBytes: 0, timings: { total: 1 }, verdicts: [] };
  assert.deepEqual(parseJsonLine(JSON.stringify(ex), 'l6'), ex);
});

test('access logs do not record credentials: authentication is unknown, not none', () => {
  const anon = parseCombinedLine('1.2.3.4 - - [01/Jan/2024:00:00:00 +0000] "GET /a HTTP/1.1" 200 1', 'l1') as Exchange;
  const basic = parseCombinedLine('1.2.3.4 - bob [01/Jan/2024:00:00:00 +0000] "GET /a HTTP/1.1" 200 1', 'l2') as Exchange;
  const json = parseJsonLine('{"method":"GET","url":"/a","status":200}', 'l3') as Exchange;
  const withHeaders = parseJsonLine('{"method":"GET","url":"/a","status":200,"requestHeaders":{"accept":"*/*"}}', 'l4') as Exchange;
  assert.deepEqual([anon, basic, json, withHeaders].map(authUnknown), [true, false, true, false]);
  const inv = new Inventory();
  for (const x of [anon, basic, withHeaders]) inv.ingest(x);
  assert.deepEqual(Object.fromEntries(inv.list()[0]!.auth), { unknown: 1, basic: 1, none: 1 });
});

test('access logs stream line by line; bad lines are counted with their numbers', async () => {
  const lines = [
    '1.2.3.4 - - [01/Jan/2024:00:00:00 +0000] "GET /a HTTP/1.1" 200 1 "-" "-"',
    'not a log line',
    '{"method":"GET","url":"/b","status":200}',
    '',
    '1.2.3.4 - - [01/Jan/2024:00:00:01 +0000] "GET /c HTTP/1.1" 200 1 "-" "-"',
    'x'.repeat(300),
    '1.2.3.4 - - [01/Jan/2024:00:00:02 +0000] "GET /d HTTP/1.1" 200 1 "-" "-"',
  ].join('\r\n');
  for (const size of [1, 7, 64, 100000]) {
    const seen: string[] = [];
    const stats = await readAccessLog(chunked(lines, size), (x) => seen.push(x.url), { maxLineChars: 200 });
    assert.deepEqual(seen, ['/a', '/b', '/c', '/d'], `chunk size ${size}`);
    assert.equal(stats.records, 4);
    assert.equal(stats.errors, 2);
    assert.deepEqual(stats.firstErrors, ['line 2: not in combined/common log format', 'line 6: longer than 200 characters, skipped']);
  }
});

function har(entries: unknown[], extra = ''): string {
  return JSON.stringify({ log: { version: '1.2', creator: { name: 'x', version: '1' }, pages: [{ id: 'p', title: '{[' }], entries } }, null, 2).replace('"entries"', `${extra}"entries"`);
}

const entry = (url: string, status: number, body?: string) => ({
  startedDateTime: '2024-01-01T00:00:00.000Z',
  time: 42,
  request: { method: 'POST', url, headers: [{ name: 'Content-Type', value: 'application/json' }], postData: { mimeType: 'application/json', text: '{"a":"}{]["}' } },
  response: { status, headers: [], content: { mimeType: 'application/json', ...(body ? { text: body } : {}) } },
});

test('HAR: entries are streamed one at a time, whatever the chunking', async () => {
  const text = har([entry('https://api.test/v1/x?q=1', 200, '{"ok":true}'), entry('https://api.test/v1/y', 404)], '"comment": "entries: [ { } ]", ');
  for (const size of [1, 5, 33, 1 << 20]) {
    const got: Exchange[] = [];
    const stats = await readHar(chunked(text, size), (x) => got.push(x));
    assert.equal(stats.errors, 0, `chunk size ${size}: ${stats.firstErrors.join('; ')}`);
    assert.deepEqual(got.map((x) => [x.method, x.url, x.host, x.status, x.timings.total]), [
      ['POST', '/v1/x?q=1', 'api.test', 200, 42],
      ['POST', '/v1/y', 'api.test', 404, 42],
    ]);
    assert.equal(got[0]!.requestBodySample, '{"a":"}{]["}');
    assert.equal(got[0]!.responseBodySample, '{"ok":true}');
    assert.equal(got[0]!.requestHeaders['content-type'], 'application/json');
  }
});

test('HAR: a broken entry is reported with its line, the rest is read', async () => {
  const good = JSON.stringify(entry('https://a.test/ok', 200));
  const text = `{"log":{"entries":[\n${good},\n{"request":{"method":"GET"},"response":{"status":200}},\n${good}\n]}}`;
  const got: Exchange[] = [];
  const stats = await readHar(chunked(text, 16), (x) => got.push(x));
  assert.equal(got.length, 2);
  assert.deepEqual(stats.firstErrors, ['entry 2 (line 3): no request.method/request.url']);
  const notHar = await readHar(chunked('{"hello":[1,2]}', 4), () => undefined);
  assert.match(notHar.firstErrors[0]!, /no log.entries array/);
  const truncated = await readHar(chunked(`{"log":{"entries":[${good.slice(0, 40)}`, 8), () => undefined);
  assert.match(truncated.firstErrors[0]!, /ends inside it/);
  const big = await readHar(chunked(`{"log":{"entries":[${good},${good}]}}`, 8), () => undefined, { maxEntryChars: 50 });
  assert.equal(big.errors, 2);
  assert.match(big.firstErrors[0]!, /larger than 50 characters/);
});

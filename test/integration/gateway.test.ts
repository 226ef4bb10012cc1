// The Shield gateway end to end: real upstreams and a real gateway on port 0.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import http from 'node:http';
import { Readable } from 'node:stream';
import { startUpstream, startTestShield, httpRequest, rawRequest, adminFetch, waitFor, sleep } from './helpers.js';
import type { Upstream, TestShield } from './helpers.js';

function echoUpstream(): Promise<Upstream> {
  return startUpstream((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.stringify({ method: req.method, url: req.url, headers: req.headers, bodyLength: Buffer.concat(chunks).length });
      res.writeHead(200, { 'content-type': 'application/json', server: 'upstream/1.0', 'x-powered-by': 'Express', connection: 'keep-alive, x-hop', 'x-hop': 'secret' });
      res.end(body);
    });
  });
}

describe('forwarding', () => {
  let up: Upstream;
  let shield: TestShield;
  before(async () => {
    up = await echoUpstream();
    shield = await startTestShield(`
apis:
  - name: echo
    upstream: ${up.url}/base
routes:
  - api: echo
    pathPrefix: /svc
    stripPrefix: true
`);
  });
  after(async () => {
    await shield.close();
    await up.close();
  });

  test('forwards method, path, query and end-to-end headers; strips hop-by-hop headers both ways', async () => {
    const r = await httpRequest(`${shield.gatewayUrl}/svc/items?x=1`, {
      headers: { 'x-custom': 'yes', connection: 'keep-alive, x-drop-me', 'x-drop-me': 'v', te: 'trailers', 'x-forwarded-for': '6.6.6.6' },
    });
    assert.equal(r.status, 200);
    const seen = JSON.parse(r.body) as { url: string; headers: Record<string, string> };
    assert.equal(seen.url, '/base/items?x=1');
    assert.equal(seen.headers['x-custom'], 'yes');
    assert.equal(seen.headers['x-drop-me'], undefined, 'headers named in Connection are hop-by-hop');
    assert.equal(seen.headers.te, undefined);
    assert.equal(seen.headers['x-forwarded-for'], '127.0.0.1', 'a spoofed X-Forwarded-For from an untrusted client is replaced');
    assert.equal(seen.headers['x-forwarded-proto'], 'http');
    assert.match(seen.headers.forwarded ?? '', /^for=127\.0\.0\.1;proto=http;host="127\.0\.0\.1:\d+"$/);
    assert.equal(seen.headers.host, new URL(up.url).host);
    assert.match(seen.headers['x-request-id'] ?? '', /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-/, 'a UUIDv7');
    assert.equal(r.headers['x-request-id'], seen.headers['x-request-id'], 'the same request id goes up and comes back');
    assert.equal(r.headers['x-hop'], undefined, 'response headers named in Connection are dropped');
    assert.equal(r.headers.server, undefined);
    assert.equal(r.headers['x-powered-by'], undefined);
    assert.equal(r.headers['x-content-type-options'], 'nosniff');
    assert.equal(r.headers['content-security-policy'], "default-src 'none'; frame-ancestors 'none'");
    assert.equal(r.headers['referrer-policy'], 'no-referrer');
    assert.equal(r.headers['strict-transport-security'], undefined, 'HSTS only on TLS');
  });

  test('Cache-Control: no-store on responses to authenticated requests', async () => {
    const anon = await httpRequest(`${shield.gatewayUrl}/svc/a`);
    assert.equal(anon.headers['cache-control'], undefined);
    const authed = await httpRequest(`${shield.gatewayUrl}/svc/a`, { headers: { authorization: 'Bearer x' } });
    assert.equal(authed.headers['cache-control'], 'no-store');
  });

  test('unknown routes and ambiguous paths are refused with problem+json', async () => {
    const r = await httpRequest(`${shield.gatewayUrl}/other`);
    assert.equal(r.status, 404);
    assert.equal(r.headers['content-type'], 'application/problem+json');
    const p = JSON.parse(r.body) as { type: string; status: number; requestId: string };
    assert.equal(p.type, 'urn:palisade:problem:no-route');
    assert.equal(p.status, 404);
    assert.equal(p.requestId, r.headers['x-request-id']);
    assert.equal(r.headers['x-content-type-options'], 'nosniff', 'Shield responses get security headers too');
    const port = Number(new URL(shield.gatewayUrl).port);
    const traversal = await rawRequest(port, 'GET /svc/..%2f..%2fetc HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    assert.match(traversal, /^HTTP\/1\.1 400/);
    // Raw bytes: a URL client would resolve the dot segments itself before sending.
    const escape = await rawRequest(port, 'GET /svc/../../etc/passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    assert.match(escape, /^HTTP\/1\.1 400/);
  });

  test('dot segments are resolved before routing', async () => {
    const r = await rawRequest(Number(new URL(shield.gatewayUrl).port), 'GET /other/../svc/./x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    assert.match(r, /^HTTP\/1\.1 200/);
    assert.match(r, /"url":"\/base\/x"/);
  });

  test('protocol upgrades are refused with 501 problem+json', async () => {
    const r = await rawRequest(Number(new URL(shield.gatewayUrl).port), 'GET /svc/ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n');
    assert.match(r, /^HTTP\/1\.1 501/);
    assert.match(r, /urn:palisade:problem:upgrade-not-supported/);
  });

  test('TRACE is refused by default with 405 and an Allow header', async () => {
    const r = await httpRequest(`${shield.gatewayUrl}/svc/x`, { method: 'TRACE' });
    assert.equal(r.status, 405);
    assert.match(String(r.headers.allow), /GET/);
    assert.doesNotMatch(String(r.headers.allow), /TRACE/);
  });
});

describe('streaming', () => {
  test('a large request body streams to the upstream before the client has finished sending', async () => {
    let firstChunkAt = 0;
    const hash = createHash('sha256');
    const up = await startUpstream((req, res) => {
      let n = 0;
      req.on('data', (c: Buffer) => {
        if (!firstChunkAt) firstChunkAt = Date.now();
        n += c.length;
        hash.update(c);
      });
      req.on('end', () => res.end(JSON.stringify({ n, sha: hash.digest('hex') })));
    });
    const shield = await startTestShield(`
apis: [{ name: up, upstream: ${up.url} }]
defaults:
  limits: { maxBodyBytes: 268435456 }
`);
    try {
      const chunk = Buffer.alloc(1024 * 1024, 7);
      const total = 64;
      let sent = 0;
      let sentWhenUpstreamSawFirst = -1;
      const expected = createHash('sha256');
      const body = new Readable({
        read() {
          if (firstChunkAt && sentWhenUpstreamSawFirst < 0) sentWhenUpstreamSawFirst = sent;
          if (sent >= total) return this.push(null);
          sent++;
          expected.update(chunk);
          // Pace the client so "streamed" and "buffered" are distinguishable.
          setTimeout(() => this.push(chunk), sent < 4 ? 20 : 0);
        },
      });
      const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const u = new URL(shield.gatewayUrl);
        const req = http.request({ host: u.hostname, port: u.port, path: '/upload', method: 'POST', headers: { 'content-type': 'application/octet-stream' } }, (r) => {
          let b = '';
          r.on('data', (c: Buffer) => (b += c.toString()));
          r.on('end', () => resolve({ status: r.statusCode ?? 0, body: b }));
        });
        req.on('error', reject);
        body.pipe(req);
      });
      assert.equal(res.status, 200);
      const got = JSON.parse(res.body) as { n: number; sha: string };
      assert.equal(got.n, total * chunk.length);
      assert.equal(got.sha, expected.digest('hex'));
      assert.ok(sentWhenUpstreamSawFirst >= 0 && sentWhenUpstreamSawFirst < total, `upstream saw data after ${sentWhenUpstreamSawFirst} of ${total} MiB were sent`);
    } finally {
      await shield.close();
      await up.close();
    }
  });

  test('a large response streams to the client while the upstream is still sending', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const up = await startUpstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.write(Buffer.alloc(64 * 1024, 1));
      void gate.then(() => {
        for (let i = 0; i < 32; i++) res.write(Buffer.alloc(1024 * 1024, 2));
        res.end();
      });
    });
    const shield = await startTestShield(`apis: [{ name: up, upstream: ${up.url} }]`);
    try {
      const r = await fetch(`${shield.gatewayUrl}/download`);
      assert.equal(r.status, 200);
      const reader = r.body!.getReader();
      const first = await reader.read();
      assert.ok(first.value && first.value.length > 0, 'the first bytes arrive while the upstream holds the rest');
      release();
      let n = first.value!.length;
      for (;;) {
        const c = await reader.read();
        if (c.done) break;
        n += c.value.length;
      }
      assert.equal(n, 64 * 1024 + 32 * 1024 * 1024);
    } finally {
      release();
      await shield.close();
      await up.close();
    }
  });
});

describe('upstream failures', () => {
  test('an upstream that hangs gives 504 problem+json after headersMs', async () => {
    const up = await startUpstream(() => undefined);
    const shield = await startTestShield(`
apis:
  - name: slow
    upstream: ${up.url}
    timeouts: { headersMs: 300 }
`);
    try {
      const r = await httpRequest(`${shield.gatewayUrl}/x`);
      assert.equal(r.status, 504);
      assert.equal(r.headers['content-type'], 'application/problem+json');
      assert.equal((JSON.parse(r.body) as { type: string }).type, 'urn:palisade:problem:upstream-timeout');
    } finally {
      await shield.close();
      await up.close();
    }
  });

  test('an upstream that is down gives 502; one that dies mid-response cuts the client connection', async () => {
    const up = await startUpstream((req, res) => {
      if (req.url === '/die') {
        res.writeHead(200, { 'content-length': '100000' });
        res.write('partial');
        setTimeout(() => res.socket?.destroy(), 20);
        return;
      }
      res.end('ok');
    });
    const shield = await startTestShield(`apis: [{ name: up, upstream: ${up.url} }]`);
    try {
      await assert.rejects(httpRequest(`${shield.gatewayUrl}/die`), /aborted|socket hang up|ECONNRESET|terminated/i);
      await up.close();
      const r = await httpRequest(`${shield.gatewayUrl}/x`);
      assert.equal(r.status, 502);
      assert.equal((JSON.parse(r.body) as { type: string }).type, 'urn:palisade:problem:upstream-unavailable');
      assert.doesNotMatch(r.body, /ECONNREFUSED|127\.0\.0\.1/, 'no internal detail');
    } finally {
      await shield.close();
    }
  });
});

describe('limits', () => {
  let up: Upstream;
  let shield: TestShield;
  before(async () => {
    up = await echoUpstream();
    shield = await startTestShield(`
apis: [{ name: up, upstream: ${up.url} }]
defaults:
  limits: { maxUrlLength: 200, maxHeaderCount: 20, maxHeaderBytes: 2048, maxBodyBytes: 1000, maxJsonDepth: 5, maxJsonKeys: 10 }
`);
  });
  after(async () => {
    await shield.close();
    await up.close();
  });

  test('URL length', async () => {
    assert.equal((await httpRequest(`${shield.gatewayUrl}/${'a'.repeat(300)}`)).status, 414);
    assert.equal((await httpRequest(`${shield.gatewayUrl}/${'a'.repeat(100)}`)).status, 200);
  });

  test('header count and size', async () => {
    const many: Record<string, string> = {};
    for (let i = 0; i < 30; i++) many[`x-h${i}`] = 'v';
    assert.equal((await httpRequest(`${shield.gatewayUrl}/`, { headers: many })).status, 431);
    assert.equal((await httpRequest(`${shield.gatewayUrl}/`, { headers: { 'x-big': 'v'.repeat(3000) } })).status, 431);
    assert.equal((await httpRequest(`${shield.gatewayUrl}/`, { headers: { 'x-ok': 'v'.repeat(500) } })).status, 200);
  });

  test('body size by Content-Length and while streaming a chunked body', async () => {
    const big = await httpRequest(`${shield.gatewayUrl}/`, { method: 'POST', body: 'x'.repeat(2000), headers: { 'content-type': 'text/plain' } });
    assert.equal(big.status, 413);
    assert.equal((JSON.parse(big.body) as { type: string }).type, 'urn:palisade:problem:body-too-large');
    const r = await rawRequest(
      Number(new URL(shield.gatewayUrl).port),
      'POST / HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n' + ('3e8\r\n' + 'y'.repeat(1000) + '\r\n').repeat(3) + '0\r\n\r\n',
    );
    assert.match(r, /^HTTP\/1\.1 413/);
    const ok = await httpRequest(`${shield.gatewayUrl}/`, { method: 'POST', body: 'x'.repeat(900), headers: { 'content-type': 'text/plain' } });
    assert.equal(ok.status, 200);
    assert.equal((JSON.parse(ok.body) as { bodyLength: number }).bodyLength, 900);
  });

  test('a small inspected body sent in pieces is held, checked and forwarded whole', async () => {
    const body = JSON.stringify({ a: 'x'.repeat(300), b: [1, 2, 3] });
    const r = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = http.request(`${shield.gatewayUrl}/`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      });
      req.on('error', reject);
      req.write(body.slice(0, 100));
      // The rest later: the gateway sees (at least) two chunks before the body is complete.
      setTimeout(() => req.end(body.slice(100)), 30);
    });
    assert.equal(r.status, 200, r.text);
    assert.equal((JSON.parse(r.text) as { bodyLength: number }).bodyLength, Buffer.byteLength(body));
  });

  test('JSON depth and key count', async () => {
    const deep = await httpRequest(`${shield.gatewayUrl}/`, { method: 'POST', body: '[[[[[[[1]]]]]]]', headers: { 'content-type': 'application/json' } });
    assert.equal(deep.status, 400);
    assert.equal((JSON.parse(deep.body) as { type: string }).type, 'urn:palisade:problem:json-too-deep');
    const keys = JSON.stringify(Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, i])));
    const wide = await httpRequest(`${shield.gatewayUrl}/`, { method: 'POST', body: keys, headers: { 'content-type': 'application/json' } });
    assert.equal(wide.status, 400);
    assert.equal((JSON.parse(wide.body) as { type: string }).type, 'urn:palisade:problem:json-too-many-keys');
    const fine = await httpRequest(`${shield.gatewayUrl}/`, { method: 'POST', body: '{"a":{"b":[1,2,{"c":"[[[[[[[[["}]}}', headers: { 'content-type': 'application/json' } });
    assert.equal(fine.status, 200, 'brackets inside strings do not count');
  });
});

describe('XML', () => {
  test('XXE and entity-expansion payloads never reach the upstream; ordinary XML does', async () => {
    let reached = 0;
    const up = await startUpstream((req, res) => {
      reached++;
      req.resume();
      req.on('end', () => res.end('ok'));
    });
    const shield = await startTestShield(`apis: [{ name: up, upstream: ${up.url} }]`);
    try {
      const xxe = await httpRequest(`${shield.gatewayUrl}/import`, {
        method: 'POST',
        headers: { 'content-type': 'application/xml' },
        body: '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>',
      });
      assert.equal(xxe.status, 400);
      assert.equal((JSON.parse(xxe.body) as { type: string }).type, 'urn:palisade:problem:xml-dtd-refused');
      const ok = await httpRequest(`${shield.gatewayUrl}/import`, { method: 'POST', headers: { 'content-type': 'text/xml' }, body: '<r><item>1</item></r>' });
      assert.equal(ok.status, 200);
      assert.equal(reached, 1, 'the refused body never reached the upstream');
    } finally {
      await shield.close();
      await up.close();
    }
  });
});

describe('CORS', () => {
  let up: Upstream;
  let shield: TestShield;
  before(async () => {
    // An upstream that reflects any origin with credentials: a real misconfiguration.
    up = await startUpstream((req, res) => {
      res.writeHead(200, {
        'access-control-allow-origin': req.headers.origin ?? '*',
        'access-control-allow-credentials': 'true',
        'content-type': 'application/json',
      });
      res.end('{}');
    });
    shield = await startTestShield(`
apis: [{ name: up, upstream: ${up.url} }]
defaults:
  cors:
    enabled: true
    origins: [https://app.example.com]
    credentials: true
    allowHeaders: [authorization, content-type, x-trace]
`);
  });
  after(async () => {
    await shield.close();
    await up.close();
  });

  test('preflight from an allowed origin', async () => {
    const r = await httpRequest(`${shield.gatewayUrl}/x`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example.com', 'access-control-request-method': 'PUT', 'access-control-request-headers': 'content-type, x-trace' },
    });
    assert.equal(r.status, 204);
    assert.equal(r.headers['access-control-allow-origin'], 'https://app.example.com');
    assert.equal(r.headers['access-control-allow-credentials'], 'true');
    assert.match(String(r.headers['access-control-allow-methods']), /PUT/);
    assert.match(String(r.headers.vary), /Origin/i);
  });

  test('preflight from another origin, or asking for an unlisted header, is refused', async () => {
    const evil = await httpRequest(`${shield.gatewayUrl}/x`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' },
    });
    assert.equal(evil.status, 403);
    assert.equal(evil.headers['access-control-allow-origin'], undefined);
    const hdr = await httpRequest(`${shield.gatewayUrl}/x`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example.com', 'access-control-request-method': 'GET', 'access-control-request-headers': 'x-secret-admin' },
    });
    assert.equal(hdr.status, 403);
  });

  test("the upstream's reflected CORS headers never reach a foreign origin", async () => {
    const evil = await httpRequest(`${shield.gatewayUrl}/x`, { headers: { origin: 'https://evil.example' } });
    assert.equal(evil.status, 200);
    assert.equal(evil.headers['access-control-allow-origin'], undefined);
    assert.equal(evil.headers['access-control-allow-credentials'], undefined);
    const good = await httpRequest(`${shield.gatewayUrl}/x`, { headers: { origin: 'https://app.example.com' } });
    assert.equal(good.headers['access-control-allow-origin'], 'https://app.example.com');
  });
});

describe('error scrubbing', () => {
  test('a real stack trace from the upstream is replaced by a problem carrying the request id', async () => {
    const up = await startUpstream((req, res) => {
      if (req.url === '/boom') {
        const err = new Error('SQLITE_ERROR: near "\'": syntax error');
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(err.stack);
        return;
      }
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end('{"error":"maintenance"}');
    });
    const shield = await startTestShield(`apis: [{ name: up, upstream: ${up.url} }]`);
    try {
      const r = await httpRequest(`${shield.gatewayUrl}/boom`);
      assert.equal(r.status, 500);
      assert.equal(r.headers['content-type'], 'application/problem+json');
      const p = JSON.parse(r.body) as { type: string; requestId: string };
      assert.equal(p.type, 'urn:palisade:problem:upstream-error');
      assert.equal(p.requestId, r.headers['x-request-id']);
      assert.doesNotMatch(r.body, /SQLITE|at |\.js:/);
      const benign = await httpRequest(`${shield.gatewayUrl}/maintenance`);
      assert.equal(benign.status, 503);
      assert.equal(benign.body, '{"error":"maintenance"}', 'a 5xx that leaks nothing passes unchanged');
    } finally {
      await shield.close();
      await up.close();
    }
  });
});

describe('recording and the admin API', () => {
  test('exchanges are recorded with secrets redacted; the admin API needs its token', async () => {
    const up = await echoUpstream();
    const shield = await startTestShield(`apis: [{ name: up, upstream: ${up.url} }]\nrecording: { flushIntervalMs: 20 }`);
    try {
      const r = await httpRequest(`${shield.gatewayUrl}/orders?api_key=sekret&page=2`, { headers: { authorization: 'Bearer topsecret', cookie: 'sid=abc' } });
      assert.equal(r.status, 200);
      const id = r.headers['x-request-id'] as string;
      assert.equal((await fetch(`${shield.adminUrl}/exchanges`)).status, 401);
      assert.equal((await fetch(`${shield.adminUrl}/exchanges`, { headers: { authorization: 'Bearer wrong' } })).status, 401);
      const x = await waitFor(async () => {
        const res = await adminFetch(shield, `/exchanges/${id}`);
        return res.status === 200 ? ((await res.json()) as Record<string, unknown>) : undefined;
      }, 10_000, 'the exchange record');
      const text = JSON.stringify(x);
      assert.doesNotMatch(text, /topsecret|sekret|sid=abc/);
      assert.equal((x.requestHeaders as Record<string, string>).authorization, 'Bearer [redacted]');
      assert.match(x.url as string, /page=2/);
      assert.equal(x.status, 200);
      assert.equal(x.method, 'GET');
      const metrics = await (await adminFetch(shield, '/metrics')).text();
      assert.match(metrics, /palisade_requests_total\{route="up:\*\/",status="200",verdict="forwarded"\} \d+/);
      assert.match(metrics, /palisade_request_duration_seconds_bucket/);
      assert.match(metrics, /palisade_recorder_dropped_total 0/);
      assert.equal((await fetch(`${shield.adminUrl}/healthz`)).status, 200);
      assert.equal((await fetch(`${shield.adminUrl}/readyz`)).status, 200);
      const cfg = (await (await adminFetch(shield, '/config')).json()) as { apis: unknown[] };
      assert.equal(cfg.apis.length, 1);
    } finally {
      await shield.close();
      await up.close();
    }
  });

  test('the dynamic block list: block through the admin API, then unblock', async () => {
    const up = await echoUpstream();
    const shield = await startTestShield(`apis: [{ name: up, upstream: ${up.url} }]`);
    try {
      const add = await adminFetch(shield, '/blocks', { method: 'POST', body: JSON.stringify({ entry: '127.0.0.0/8', reason: 'test', ttlSeconds: 60 }), headers: { 'content-type': 'application/json' } });
      assert.equal(add.status, 201);
      const blocked = await httpRequest(`${shield.gatewayUrl}/x`);
      assert.equal(blocked.status, 403);
      assert.equal((JSON.parse(blocked.body) as { type: string }).type, 'urn:palisade:problem:ip-blocked');
      const list = (await (await adminFetch(shield, '/blocks')).json()) as { blocks: Array<{ entry: string }> };
      assert.deepEqual(list.blocks.map((b) => b.entry), ['127.0.0.0/8']);
      const bad = await adminFetch(shield, '/blocks', { method: 'POST', body: JSON.stringify({ entry: 'not-an-ip' }) });
      assert.equal(bad.status, 400);
      const del = await adminFetch(shield, `/blocks/${encodeURIComponent('127.0.0.0/8')}`, { method: 'DELETE' });
      assert.equal(del.status, 200);
      assert.equal((await httpRequest(`${shield.gatewayUrl}/x`)).status, 200);
    } finally {
      await shield.close();
      await up.close();
    }
  });
});

describe('graceful shutdown', () => {
  test('in-flight requests finish; new connections are refused', async () => {
    const up = await startUpstream((_req, res) => {
      setTimeout(() => res.end('slow but complete'), 400);
    });
    const shield = await startTestShield(`apis: [{ name: up, upstream: ${up.url} }]`);
    const inflight = httpRequest(`${shield.gatewayUrl}/slow`);
    await sleep(100);
    const closing = shield.close();
    const r = await inflight;
    assert.equal(r.status, 200);
    assert.equal(r.body, 'slow but complete');
    await closing;
    await assert.rejects(httpRequest(`${shield.gatewayUrl}/x`), /ECONNREFUSED/);
    await up.close();
  });
});

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkDestination, checkUrl, classifyAddress } from './ssrf.js';
import { safeFetch, SafeFetchError } from './safe-fetch.js';

// Every one of these points at something internal, however it is spelled.
const INTERNAL: Array<[string, string]> = [
  ['http://127.0.0.1/', 'loopback'],
  ['http://127.1/', 'loopback'],
  ['http://127.0.1/', 'loopback'],
  ['http://2130706433/', 'loopback'],
  ['http://0x7f000001/', 'loopback'],
  ['http://0x7f.0x0.0x0.0x1/', 'loopback'],
  ['http://0177.0.0.1/', 'loopback'],
  ['http://017700000001/', 'loopback'],
  ['http://127.000.000.001/', 'loopback'],
  ['http://[::1]/', 'loopback'],
  ['http://[0:0:0:0:0:0:0:1]/', 'loopback'],
  ['http://[::ffff:127.0.0.1]/', 'loopback'],
  ['http://[::ffff:7f00:1]/', 'loopback'],
  ['http://[64:ff9b::7f00:1]/', 'loopback'],
  ['http://[2002:7f00:1::]/', 'loopback'],
  ['http://localhost/', 'loopback'],
  ['http://LOCALHOST./', 'loopback'],
  ['http://api.localhost/', 'loopback'],
  ['http://0.0.0.0/', 'unspecified'],
  ['http://0/', 'unspecified'],
  ['http://[::]/', 'unspecified'],
  ['http://10.1.2.3/', 'private'],
  ['http://172.16.0.1/', 'private'],
  ['http://172.31.255.255/', 'private'],
  ['http://192.168.1.1/', 'private'],
  ['http://0xc0a80101/', 'private'],
  ['http://[fd12:3456::1]/', 'private'],
  ['http://[::ffff:10.0.0.1]/', 'private'],
  ['http://169.254.169.254/latest/meta-data/', 'metadata'],
  ['http://2852039166/', 'metadata'],
  ['http://0xa9fea9fe/', 'metadata'],
  ['http://[::ffff:169.254.169.254]/', 'metadata'],
  ['http://[fd00:ec2::254]/', 'metadata'],
  ['http://100.100.100.200/', 'metadata'],
  ['http://169.254.10.10/', 'link-local'],
  ['http://[fe80::1]/', 'link-local'],
  ['http://100.64.0.1/', 'carrier-grade-nat'],
  ['http://224.0.0.1/', 'multicast'],
  ['http://[ff02::1]/', 'multicast'],
  ['http://255.255.255.255/', 'broadcast'],
  ['http://198.18.0.1/', 'reserved'],
];

describe('SSRF destination rules', () => {
  for (const [url, cls] of INTERNAL) {
    test(`refuses ${url} (${cls})`, () => {
      const v = checkUrl(url);
      assert.equal(v.ok, false);
      assert.match(!v.ok ? v.reason : '', new RegExp(cls === 'loopback' && /localhost/i.test(url) ? 'loopback' : cls));
    });
  }

  test('allows public addresses and names', () => {
    for (const u of ['https://example.com/a', 'http://93.184.216.34/', 'http://[2606:4700:4700::1111]/', 'http://8.8.8.8:8080/x', 'http://172.32.0.1/', 'http://11.0.0.1/']) {
      assert.equal(checkUrl(u).ok, true, u);
    }
  });

  test('schemes, credentials, ports and host allow-lists', () => {
    assert.match((checkUrl('file:///etc/passwd') as { reason: string }).reason, /scheme file/);
    assert.match((checkUrl('gopher://example.com/') as { reason: string }).reason, /scheme gopher/);
    assert.match((checkUrl('http://user:pw@example.com/') as { reason: string }).reason, /credentials/);
    assert.match((checkUrl('http://example.com:25/', { ports: [80, 443] }) as { reason: string }).reason, /port 25/);
    assert.equal(checkUrl('https://api.partner.com/x', { allowHosts: ['*.partner.com'] }).ok, true);
    assert.equal(checkUrl('https://partner.com.evil.com/x', { allowHosts: ['*.partner.com'] }).ok, false);
    assert.equal(checkUrl('not a url').ok, false);
    assert.equal(checkUrl('http://10.0.0.5/', { allowClasses: ['private'] }).ok, true, 'internal targets can be allowed explicitly');
  });

  test('classifyAddress', () => {
    assert.equal(classifyAddress('8.8.8.8'), 'public');
    assert.equal(classifyAddress('::ffff:192.168.0.1'), 'private');
    assert.equal(classifyAddress('2001:db8::1'), 'reserved');
  });

  test('names are resolved and every address checked: one internal answer is enough to refuse', async () => {
    const resolver = async (h: string) => (h === 'rebind.example' ? ['93.184.216.34', '127.0.0.1'] : h === 'ok.example' ? ['93.184.216.34'] : []);
    const bad = await checkDestination('http://rebind.example/', {}, resolver);
    assert.equal(bad.ok, false);
    assert.match(!bad.ok ? bad.reason : '', /resolves to loopback address 127\.0\.0\.1/);
    const good = await checkDestination('http://ok.example/', {}, resolver);
    assert.ok(good.ok);
    assert.deepEqual(good.ok && good.addresses, ['93.184.216.34']);
    assert.equal((await checkDestination('http://nowhere.example/', {}, resolver)).ok, false);
  });
});

describe('safeFetch', () => {
  async function server(handler: http.RequestListener): Promise<{ port: number; close(): Promise<void> }> {
    const s = http.createServer(handler);
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
    return { port: (s.address() as AddressInfo).port, close: () => new Promise<void>((r) => s.close(() => r())) };
  }

  test('a DNS name that resolves to loopback is refused at connection time', async () => {
    let hits = 0;
    const s = await server((_req, res) => {
      hits++;
      res.end('internal secret');
    });
    try {
      // A public-looking name whose DNS answer is loopback: the classic rebinding set-up.
      const resolver = async () => ['127.0.0.1'];
      await assert.rejects(safeFetch(`http://innocent.example:${s.port}/`, { resolver }), (e: unknown) => e instanceof SafeFetchError && e.code === 'destination-denied');
      await assert.rejects(safeFetch(`http://localhost:${s.port}/`), (e: unknown) => e instanceof SafeFetchError && e.code === 'destination-denied');
      assert.equal(hits, 0, 'no connection was made');
    } finally {
      await s.close();
    }
  });

  test('allowed destinations work; redirects to internal addresses are checked and refused', async () => {
    const internal = await server((_req, res) => res.end('metadata'));
    const s = await server((req, res) => {
      if (req.url === '/redirect') {
        res.writeHead(302, { location: `http://127.0.0.1:${internal.port}/` });
        return res.end();
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ price: 4.99, carrier: 'Acme' }));
    });
    // The test's "public" partner lives on loopback, so it is allowed by name only.
    const resolver = async () => ['127.0.0.1'];
    const policy = { resolver, allowClasses: ['loopback' as const], allowHosts: ['partner.test'] };
    try {
      const r = await safeFetch(`http://partner.test:${s.port}/quote`, policy);
      assert.equal(r.status, 200);
      assert.deepEqual(r.json(), { price: 4.99, carrier: 'Acme' });
      await assert.rejects(safeFetch(`http://partner.test:${s.port}/redirect`, policy), (e: unknown) => e instanceof SafeFetchError && e.code === 'destination-denied' && /allow-list/.test(e.message));
      const manual = await safeFetch(`http://partner.test:${s.port}/redirect`, { ...policy, maxRedirects: 0 });
      assert.equal(manual.status, 302);
    } finally {
      await s.close();
      await internal.close();
    }
  });

  test('size, time and schema limits', async () => {
    const s = await server((req, res) => {
      if (req.url === '/big') return res.end(Buffer.alloc(2 * 1024 * 1024));
      if (req.url === '/slow') return void setTimeout(() => res.end('late'), 2000);
      if (req.url === '/evil') return res.end(JSON.stringify({ price: -40, note: '<script>' }));
      res.end(JSON.stringify({ price: 4.99 }));
    });
    const opts = { resolver: async () => ['127.0.0.1'], allowClasses: ['loopback' as const] };
    const schema = { type: 'object', required: ['price'], properties: { price: { type: 'number', minimum: 0 } }, additionalProperties: false };
    try {
      await assert.rejects(safeFetch(`http://p.test:${s.port}/big`, { ...opts, maxBytes: 1024 * 1024 }), (e: unknown) => e instanceof SafeFetchError && e.code === 'response-too-large');
      await assert.rejects(safeFetch(`http://p.test:${s.port}/slow`, { ...opts, timeoutMs: 200 }), (e: unknown) => e instanceof SafeFetchError && e.code === 'timeout');
      await assert.rejects(safeFetch(`http://p.test:${s.port}/evil`, { ...opts, schema }), (e: unknown) => e instanceof SafeFetchError && e.code === 'invalid-response' && /price/.test(e.message));
      const ok = await safeFetch(`http://p.test:${s.port}/ok`, { ...opts, schema });
      assert.deepEqual(ok.json(), { price: 4.99 });
    } finally {
      await s.close();
    }
  });
});

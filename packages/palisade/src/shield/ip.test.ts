import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { IpMatcher, normalizeCidr, normalizeIp, parseCidr, parseIp } from './ip.js';

describe('parseIp', () => {
  it('parses IPv4 dotted quads', () => {
    assert.deepEqual(parseIp('0.0.0.0'), { v: 4, value: 0n });
    assert.deepEqual(parseIp('192.168.1.10'), { v: 4, value: 0xc0a8010an });
    assert.deepEqual(parseIp('255.255.255.255'), { v: 4, value: 0xffffffffn });
  });

  it('refuses malformed IPv4, including ambiguous leading zeros', () => {
    for (const s of ['', '1.2.3', '1.2.3.4.5', '256.1.1.1', '1.2.3.-4', '01.2.3.4', '1..2.3', '1.2.3.4 ', 'a.b.c.d', '1.2.3.4/8']) {
      assert.equal(parseIp(s), null, s);
    }
  });

  it('parses IPv6 in full, compressed and mixed forms', () => {
    assert.deepEqual(parseIp('::'), { v: 6, value: 0n });
    assert.deepEqual(parseIp('::1'), { v: 6, value: 1n });
    assert.deepEqual(parseIp('2001:db8::'), { v: 6, value: 0x20010db8n << 96n });
    assert.deepEqual(parseIp('2001:DB8:0:0:0:0:0:1'), parseIp('2001:db8::1'));
    assert.deepEqual(parseIp('1:2:3:4:5:6:7::'), parseIp('1:2:3:4:5:6:7:0'));
    assert.deepEqual(parseIp('64:ff9b::192.0.2.33'), { v: 6, value: (0x64ff9bn << 96n) | 0xc0000221n });
  });

  it('strips zone ids', () => {
    assert.deepEqual(parseIp('fe80::1%eth0'), parseIp('fe80::1'));
    assert.equal(parseIp('fe80::1%'), null);
  });

  it('turns IPv4-mapped IPv6 into IPv4', () => {
    assert.deepEqual(parseIp('::ffff:10.1.2.3'), { v: 4, value: 0x0a010203n });
    assert.deepEqual(parseIp('::FFFF:0a01:0203'), { v: 4, value: 0x0a010203n });
  });

  it('refuses malformed IPv6', () => {
    for (const s of [':', ':::', '1::2::3', '12345::', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7', 'g::1', '::1:', '1:2:3:4:5:6:7::8', '::ffff:1.2.3']) {
      assert.equal(parseIp(s), null, s);
    }
  });
});

describe('normalizeIp', () => {
  it('formats per RFC 5952 and maps IPv4-mapped addresses to IPv4', () => {
    assert.equal(normalizeIp('2001:0DB8:0000:0000:0001:0000:0000:0001'), '2001:db8::1:0:0:1');
    assert.equal(normalizeIp('2001:db8:0:1:1:1:1:1'), '2001:db8:0:1:1:1:1:1');
    assert.equal(normalizeIp('0:0:0:0:0:0:0:0'), '::');
    assert.equal(normalizeIp('::ffff:127.0.0.1'), '127.0.0.1');
    assert.equal(normalizeIp('fe80::1%lo0'), 'fe80::1');
    assert.equal(normalizeIp('10.0.0.1'), '10.0.0.1');
  });

  it('returns text that is not an address unchanged', () => {
    assert.equal(normalizeIp(''), '');
    assert.equal(normalizeIp('unknown'), 'unknown');
  });
});

describe('parseCidr / normalizeCidr', () => {
  it('clears host bits and canonicalises', () => {
    assert.equal(normalizeCidr('10.1.2.3/8'), '10.0.0.0/8');
    assert.equal(normalizeCidr('10.1.2.3/32'), '10.1.2.3');
    assert.equal(normalizeCidr('2001:db8:ffff::1/32'), '2001:db8::/32');
    assert.equal(normalizeCidr('::ffff:10.0.0.0/104'), '10.0.0.0/8');
    assert.equal(normalizeCidr('10.0.0.0/33'), null);
    assert.equal(parseCidr('::/129'), null);
    assert.deepEqual(parseCidr('0.0.0.0/0'), { v: 4, network: 0, prefix: 0 });
  });
});

describe('IpMatcher', () => {
  it('matches IPv4 addresses and blocks', () => {
    const m = new IpMatcher(['10.0.0.0/8', '192.168.1.7', '172.16.0.0/12']);
    assert.equal(m.size, 3);
    assert.ok(m.matches('10.255.0.1'));
    assert.ok(m.matches('192.168.1.7'));
    assert.ok(m.matches('172.31.255.255'));
    assert.ok(!m.matches('172.32.0.0'));
    assert.ok(!m.matches('192.168.1.8'));
    assert.ok(!m.matches('11.0.0.0'));
    assert.ok(!m.matches('not an ip'));
    assert.ok(!m.matches(''));
  });

  it('reports the most specific entry as written', () => {
    const m = new IpMatcher(['10.0.0.0/8', '10.1.0.0/16', ' 10.1.2.3 ']);
    assert.equal(m.match('10.1.2.3'), ' 10.1.2.3 ');
    assert.equal(m.match('10.1.9.9'), '10.1.0.0/16');
    assert.equal(m.match('10.9.9.9'), '10.0.0.0/8');
    assert.equal(m.match('9.9.9.9'), undefined);
  });

  it('handles /0 for each family separately', () => {
    const v4 = new IpMatcher(['0.0.0.0/0']);
    assert.ok(v4.matches('1.2.3.4') && v4.matches('255.255.255.255'));
    assert.ok(!v4.matches('2001:db8::1'));
    const v6 = new IpMatcher(['::/0']);
    assert.ok(v6.matches('2001:db8::1') && v6.matches('::'));
    assert.ok(!v6.matches('1.2.3.4'));
  });

  it('matches IPv6 /128, /64 and /48 blocks', () => {
    const m = new IpMatcher(['2001:db8::1/128', '2001:db8:1:2::/64', '2001:db8:aaaa::/48']);
    assert.ok(m.matches('2001:db8::1'));
    assert.ok(!m.matches('2001:db8::2'));
    assert.ok(m.matches('2001:db8:1:2:ffff:ffff:ffff:ffff'));
    assert.ok(!m.matches('2001:db8:1:3::'));
    assert.ok(m.matches('2001:db8:aaaa:ffff::1'));
    assert.ok(!m.matches('2001:db8:aaab::1'));
    // The cache must answer repeats identically.
    for (let i = 0; i < 3; i++) assert.ok(m.matches('2001:DB8:AAAA::5%eth0'));
  });

  it('matches prefixes that do not fall on a word boundary', () => {
    const m = new IpMatcher(['2001:db8:8000::/33', '10.0.0.128/25']);
    assert.ok(m.matches('2001:db8:8000::1'));
    assert.ok(m.matches('2001:db8:ffff::1'));
    assert.ok(!m.matches('2001:db8:7fff::1'));
    assert.ok(m.matches('10.0.0.200'));
    assert.ok(!m.matches('10.0.0.127'));
  });

  it('treats IPv4-mapped clients and entries as IPv4', () => {
    const m = new IpMatcher(['192.0.2.0/24', '::ffff:198.51.100.0/120']);
    assert.ok(m.matches('::ffff:192.0.2.55'));
    assert.ok(m.matches('198.51.100.9'));
    assert.ok(!m.matches('::ffff:198.51.101.9'));
  });

  it('stays correct when the IPv6 cache overflows', () => {
    const m = new IpMatcher(['2001:db8::/32']);
    for (let i = 0; i < 3000; i++) {
      const inside = i % 2 === 0;
      const ip = `${inside ? '2001:db8' : '2001:db9'}::${i.toString(16)}`;
      assert.equal(m.matches(ip), inside, ip);
    }
  });

  it('names the bad entry when an entry is invalid', () => {
    assert.throws(() => new IpMatcher(['10.0.0.0/8', '10.0.0.0/40']), /'10\.0\.0\.0\/40'.*at most 32/);
    assert.throws(() => new IpMatcher(['example.com']), /'example\.com' is not a valid IP address/);
    assert.throws(() => new IpMatcher(['10.0.0.0/']), /'10\.0\.0\.0\/'/);
    assert.throws(() => new IpMatcher(['::ffff:1.2.3.4/64']), /IPv4-mapped/);
    assert.throws(() => new IpMatcher(['2001:db8::/129']), /at most 128/);
  });
});

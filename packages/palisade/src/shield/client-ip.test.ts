import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { forwardedFor, parseHop, resolveClientIp } from './client-ip.js';
import { IpMatcher } from './ip.js';

const trusted = new IpMatcher(['10.0.0.0/8', '2001:db8:cafe::/48']);

describe('resolveClientIp', () => {
  it('uses the peer when no proxy is trusted', () => {
    assert.equal(resolveClientIp('198.51.100.4', { 'x-forwarded-for': '1.1.1.1' }, null), '198.51.100.4');
  });

  it('ignores forwarding headers from an untrusted peer (spoofing)', () => {
    assert.equal(resolveClientIp('198.51.100.4', { 'x-forwarded-for': '10.0.0.1, 1.1.1.1' }, trusted), '198.51.100.4');
    assert.equal(resolveClientIp('198.51.100.4', { forwarded: 'for=1.1.1.1' }, trusted), '198.51.100.4');
  });

  it('normalises the peer address', () => {
    assert.equal(resolveClientIp('::ffff:198.51.100.4', {}, trusted), '198.51.100.4');
    assert.equal(resolveClientIp('::ffff:10.0.0.2', {}, trusted), '10.0.0.2');
  });

  it('takes the first untrusted hop from the right of X-Forwarded-For', () => {
    const headers = { 'x-forwarded-for': '6.6.6.6, 203.0.113.9, 10.1.1.1' };
    assert.equal(resolveClientIp('10.0.0.2', headers, trusted), '203.0.113.9');
  });

  it('does not let a client prepend a fake address', () => {
    // The client sent 'X-Forwarded-For: 10.9.9.9' hoping to look internal; the proxy appended its real address.
    const headers = { 'x-forwarded-for': '10.9.9.9, 203.0.113.9' };
    assert.equal(resolveClientIp('10.0.0.2', headers, trusted), '203.0.113.9');
  });

  it('joins repeated X-Forwarded-For headers', () => {
    const headers = { 'x-forwarded-for': ['203.0.113.9', '10.1.1.1'] };
    assert.equal(resolveClientIp('10.0.0.2', headers, trusted), '203.0.113.9');
  });

  it('accepts ports and brackets in hops', () => {
    assert.equal(resolveClientIp('10.0.0.2', { 'x-forwarded-for': '203.0.113.9:5123' }, trusted), '203.0.113.9');
    assert.equal(resolveClientIp('10.0.0.2', { 'x-forwarded-for': '[2001:DB8::9]:443' }, trusted), '2001:db8::9');
    assert.equal(resolveClientIp('10.0.0.2', { 'x-forwarded-for': '2001:db8::9' }, trusted), '2001:db8::9');
  });

  it('stops at a malformed hop and uses the last good address', () => {
    assert.equal(resolveClientIp('10.0.0.2', { 'x-forwarded-for': '203.0.113.9, garbage, 10.1.1.1' }, trusted), '10.1.1.1');
    assert.equal(resolveClientIp('10.0.0.2', { 'x-forwarded-for': 'unknown' }, trusted), '10.0.0.2');
    assert.equal(resolveClientIp('10.0.0.2', { 'x-forwarded-for': '' }, trusted), '10.0.0.2');
    assert.equal(resolveClientIp('10.0.0.2', { 'x-forwarded-for': '203.0.113.9,' }, trusted), '10.0.0.2');
  });

  it('uses the leftmost hop when every hop is trusted', () => {
    assert.equal(resolveClientIp('10.0.0.2', { 'x-forwarded-for': '10.3.3.3, 10.2.2.2' }, trusted), '10.3.3.3');
  });

  it('reads RFC 7239 Forwarded when there is no X-Forwarded-For', () => {
    const headers = { forwarded: 'for=6.6.6.6, for="[2001:db8:1::17]:4711";proto=https, For=10.1.1.1;by=10.0.0.2' };
    assert.equal(resolveClientIp('10.0.0.2', headers, trusted), '2001:db8:1::17');
    assert.equal(resolveClientIp('10.0.0.2', { forwarded: 'for="192.0.2.60:8080"' }, trusted), '192.0.2.60');
  });

  it('stops at obfuscated or missing Forwarded identifiers', () => {
    assert.equal(resolveClientIp('10.0.0.2', { forwarded: 'for=_hidden, for=10.1.1.1' }, trusted), '10.1.1.1');
    assert.equal(resolveClientIp('10.0.0.2', { forwarded: 'for=192.0.2.1, proto=https' }, trusted), '10.0.0.2');
    assert.equal(resolveClientIp('10.0.0.2', { forwarded: 'for=unknown' }, trusted), '10.0.0.2');
  });

  it('skips trusted IPv6 proxies', () => {
    const headers = { forwarded: 'for=192.0.2.1, for="[2001:db8:cafe::2]"' };
    assert.equal(resolveClientIp('10.0.0.2', headers, trusted), '192.0.2.1');
  });
});

describe('forwardedFor', () => {
  it('parses pairs, quoting and escapes', () => {
    assert.deepEqual(forwardedFor('for=1.2.3.4;proto=http, host="a,b";for="[::1]:80", by=x'), ['1.2.3.4', '[::1]:80', null]);
    assert.deepEqual(forwardedFor('for="\\"x"'), ['"x']);
  });

  it('ends with null at a syntax error', () => {
    assert.deepEqual(forwardedFor('for=1.2.3.4, for=2001:db8::1'), ['1.2.3.4', null]);
    assert.deepEqual(forwardedFor('for="unterminated'), [null]);
    assert.deepEqual(forwardedFor(''), [null]);
  });
});

describe('parseHop', () => {
  it('refuses what is not one address', () => {
    for (const s of ['', '  ', '1.2.3.4:', '1.2.3.4:abc', '[1.2.3.4]', '[::1', '[::1]x', '[::1]:99999999', 'host.example']) {
      assert.equal(parseHop(s), null, s);
    }
    assert.equal(parseHop(' 1.2.3.4 '), '1.2.3.4');
  });
});

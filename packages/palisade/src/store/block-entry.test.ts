import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalBlockEntry } from './block-entry.js';

describe('canonicalBlockEntry', () => {
  const cases: Array<[string, string]> = [
    ['192.0.2.1', '192.0.2.1'],
    [' 192.0.2.1 ', '192.0.2.1'],
    ['192.0.2.1/32', '192.0.2.1'],
    ['192.0.2.77/24', '192.0.2.0/24'],
    ['10.255.255.255/8', '10.0.0.0/8'],
    ['172.31.255.1/12', '172.16.0.0/12'],
    ['203.0.113.9/0', '0.0.0.0/0'],
    ['2001:DB8:0:0::1', '2001:db8::1'],
    ['2001:db8::1/128', '2001:db8::1'],
    ['2001:db8:abcd:1234::ff/48', '2001:db8:abcd::/48'],
    ['2001:db8::ffff/127', '2001:db8::fffe/127'],
    ['::ffff:192.0.2.1', '::ffff:192.0.2.1'],
    ['::ffff:192.0.2.200/120', '::ffff:192.0.2.0/120'],
    ['::', '::'],
    ['fe80::1:2:3:4/64', 'fe80::/64'],
  ];
  for (const [input, expected] of cases) {
    it(`${JSON.stringify(input)} → ${expected}`, () => assert.equal(canonicalBlockEntry(input), expected));
  }

  for (const bad of ['', 'localhost', '192.0.2.1/33', '192.0.2.1/-1', '192.0.2.1/', '192.0.2.1/1.5', '256.0.0.1', '::1/129', 'fe80::1%eth0', '1.2.3.4/24/1']) {
    it(`rejects ${JSON.stringify(bad)}`, () => assert.throws(() => canonicalBlockEntry(bad), TypeError));
  }
});

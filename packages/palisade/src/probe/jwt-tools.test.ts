import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJwt, hmacMatches, signHmac, tampered, unsigned } from './jwt-tools.js';
import { JWT_SECRET_CANDIDATES } from './checks/jwt-secrets.js';

test('JWT tools: sign, verify a guess, forge alg none, tamper', () => {
  const t = signHmac({ alg: 'HS256', typ: 'JWT' }, { sub: '1' }, 'changeme');
  const d = decodeJwt(t)!;
  assert.equal(hmacMatches(d, 'changeme'), true);
  assert.equal(hmacMatches(d, 'changeme2'), false);
  assert.equal(decodeJwt(unsigned(d.header, d.payload))!.header.alg, 'none');
  assert.ok(unsigned(d.header, d.payload).endsWith('.'));
  const x = decodeJwt(tampered(d, { sub: '2' }))!;
  assert.equal(x.payload.sub, '2');
  assert.equal(x.signature, d.signature);
  assert.equal(decodeJwt('not.a.jwt'), undefined);
  assert.ok(JWT_SECRET_CANDIDATES.length >= 200 && JWT_SECRET_CANDIDATES.includes('secret'));
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { WEAK_SECRET_COUNT, weakSecretReason } from './weak-secrets.js';

const check = (s: string, min = 32) => weakSecretReason(Buffer.from(s), min, s);

describe('weak HMAC secrets', () => {
  it('has a list of a few hundred entries', () => {
    assert.ok(WEAK_SECRET_COUNT >= 200 && WEAK_SECRET_COUNT <= 600, String(WEAK_SECRET_COUNT));
  });

  it('refuses documentation placeholders and framework defaults, however spelled', () => {
    for (const s of [
      'secret',
      'your-256-bit-secret',
      'YOUR_256_BIT_SECRET',
      'y0ur-256-b1t-s3cr3t',
      'a-string-secret-at-least-256-bits-long',
      'super-secret-jwt-token-with-at-least-32-characters-long',
      'keyboard cat',
      'changeme',
      'changeme2024',
      'jwt_secret',
      'JWT-SECRET-KEY',
      'qwertyuiop',
      'password123',
      'please-change-this-secret-in-production',
    ]) {
      assert.match(check(s) ?? '', /well-known|bytes/, s);
    }
  });

  it('refuses long secrets that are repetitions or sequences', () => {
    assert.ok(check('changeme'.repeat(5)));
    assert.ok(check('secret'.repeat(8)));
    assert.ok(check('ab'.repeat(20)));
    assert.ok(check('abcdefghijklmnopqrstuvwxyzabcdefghij'));
    assert.ok(check('0123456789012345678901234567890123'));
    assert.ok(weakSecretReason(Buffer.alloc(64, 1), 32));
  });

  it('refuses secrets shorter than the hash of the algorithm (RFC 7518 §3.2)', () => {
    const s31 = randomBytes(31);
    assert.match(weakSecretReason(s31, 32) ?? '', /31 bytes/);
    const s40 = randomBytes(40);
    assert.equal(weakSecretReason(s40, 32), undefined);
    assert.match(weakSecretReason(s40, 48) ?? '', /48 bytes/, 'HS384 needs 48');
    assert.match(weakSecretReason(randomBytes(60), 64) ?? '', /64 bytes/, 'HS512 needs 64');
  });

  it('accepts random secrets', () => {
    for (let i = 0; i < 50; i++) {
      const b64 = randomBytes(48).toString('base64');
      assert.equal(check(b64), undefined, b64);
      assert.equal(weakSecretReason(randomBytes(32), 32), undefined);
    }
    assert.equal(check('Tr0ub4dor&3-horse-battery-staple-but-much-longer!'), undefined);
  });
});

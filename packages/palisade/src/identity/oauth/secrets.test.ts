// Password hashing (scrypt) and client-secret hashing, and the sealing of stored secrets.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isPalisadeError } from '../../core/index.js';
import { generateClientSecret, hashClientSecret, hashPassword, verifyClientSecret, verifyPassword } from './secrets.js';
import { Sealer } from './seal.js';

const FAST = { N: 2 ** 10, r: 8, p: 1 };

describe('password hashes', () => {
  it('are salted, self-describing and verify only the right password', async () => {
    const a = await hashPassword('correct horse battery staple');
    const b = await hashPassword('correct horse battery staple');
    assert.notEqual(a, b, 'a fresh salt each time');
    assert.match(a, /^scrypt\$N=32768,r=8,p=3\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    assert.deepStrictEqual(await verifyPassword('correct horse battery staple', a), { ok: true, needsRehash: false });
    assert.equal((await verifyPassword('correct horse battery stapler', a)).ok, false);
    assert.equal((await verifyPassword('', a)).ok, false);
  });

  it('verify hashes made with other parameters, and ask for a rehash when they were weaker', async () => {
    const weak = await hashPassword('pässwörd-Ω', FAST);
    assert.deepStrictEqual(await verifyPassword('pässwörd-Ω', weak), { ok: true, needsRehash: true });
    // NFKC: the same password typed with a composed or a decomposed ä matches.
    assert.equal((await verifyPassword('pa\u0308sswörd-Ω', weak)).ok, true);
    assert.deepStrictEqual(await verifyPassword('wrong', weak), { ok: false, needsRehash: false });
  });

  it('never match an unreadable or tampered hash', async () => {
    for (const bad of ['', 'plain', 'scrypt$N=3,r=8,p=1$AAAAAAAAAAA$AAAA', 'scrypt$N=1073741824,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$' + 'A'.repeat(43), '$2b$10$abcdefghijklmnopqrstuv']) {
      assert.equal((await verifyPassword('x', bad)).ok, false, bad);
    }
  });
});

describe('client secrets', () => {
  it('are 256-bit random, stored as SHA-256 and compared exactly', () => {
    const s = generateClientSecret();
    assert.match(s, /^pcs_[A-Za-z0-9_-]{43}$/);
    assert.notEqual(generateClientSecret(), s);
    const h = hashClientSecret(s);
    assert.match(h, /^sha256\$[A-Za-z0-9_-]{43}$/);
    assert.ok(!h.includes(s.slice(4)));
    assert.equal(verifyClientSecret(s, h), true);
    assert.equal(verifyClientSecret(s + 'x', h), false);
    assert.equal(verifyClientSecret(h, h), false, 'the hash itself is not the secret');
    assert.equal(verifyClientSecret(s, undefined), false);
    assert.equal(verifyClientSecret(s, 'plain'), false);
  });
});

describe('Sealer', () => {
  const secret = 'x'.repeat(40);

  it('round-trips, binds a value to its row and refuses another secret or a tampered value', () => {
    const sealer = new Sealer(secret);
    const sealed = sealer.seal('totp', 'user-1', 'JBSWY3DPEHPK3PXP');
    assert.match(sealed, /^v1\./);
    assert.ok(!sealed.includes('JBSWY3DPEHPK3PXP'));
    assert.notEqual(sealer.seal('totp', 'user-1', 'JBSWY3DPEHPK3PXP'), sealed, 'a fresh IV each time');
    assert.equal(sealer.open('totp', 'user-1', sealed), 'JBSWY3DPEHPK3PXP');
    const refused = (f: () => unknown) => assert.throws(f, (e: unknown) => isPalisadeError(e) && e.code === 'PALISADE_ERR_OAUTH_SECRET');
    refused(() => sealer.open('totp', 'user-2', sealed));
    refused(() => sealer.open('signing-key', 'user-1', sealed));
    refused(() => new Sealer('y'.repeat(40)).open('totp', 'user-1', sealed));
    const body = sealed.split('.');
    const flipped = Buffer.from(body[2]!, 'base64url');
    flipped[0] = flipped[0]! ^ 1;
    refused(() => sealer.open('totp', 'user-1', `${body[0]}.${body[1]}.${flipped.toString('base64url')}`));
    refused(() => sealer.open('totp', 'user-1', 'garbage'));
  });

  it('refuses a short master secret and derives stable cookie keys', () => {
    assert.throws(() => new Sealer('short'), (e: unknown) => isPalisadeError(e) && e.code === 'PALISADE_ERR_OAUTH_SECRET');
    assert.deepStrictEqual(new Sealer(secret).cookieKeys(), new Sealer(secret).cookieKeys());
    assert.notDeepStrictEqual(new Sealer(secret).cookieKeys(), new Sealer('z'.repeat(40)).cookieKeys());
  });
});

// RFC 6238 Appendix B, RFC 4226 Appendix D and RFC 4648 §10 test vectors, and the verifier's window.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { base32Decode, base32Encode, generateTotpSecret, hotp, otpauthUri, totp, totpStep, verifyTotp } from './totp.js';

const SHA1_SEED = Buffer.from('12345678901234567890');
const SHA256_SEED = Buffer.from('12345678901234567890123456789012');
const SHA512_SEED = Buffer.from('1234567890123456789012345678901234567890123456789012345678901234');

describe('TOTP (RFC 6238)', () => {
  it('matches the RFC 6238 Appendix B vectors for SHA-1, SHA-256 and SHA-512', () => {
    const vectors: [number, string, string, string][] = [
      [59, '94287082', '46119246', '90693936'],
      [1111111109, '07081804', '68084774', '25091201'],
      [1111111111, '14050471', '67062674', '99943326'],
      [1234567890, '89005924', '91819424', '93441116'],
      [2000000000, '69279037', '90698825', '38618901'],
      [20000000000, '65353130', '77737706', '47863826'],
    ];
    for (const [t, sha1, sha256, sha512] of vectors) {
      assert.equal(totp(SHA1_SEED, t * 1000, { digits: 8 }), sha1, `SHA-1 at ${t}`);
      assert.equal(totp(SHA256_SEED, t * 1000, { digits: 8, algorithm: 'sha256' }), sha256, `SHA-256 at ${t}`);
      assert.equal(totp(SHA512_SEED, t * 1000, { digits: 8, algorithm: 'sha512' }), sha512, `SHA-512 at ${t}`);
    }
  });

  it('matches the RFC 4226 Appendix D HOTP vectors', () => {
    const expected = ['755224', '287082', '359152', '969429', '338314', '254676', '287922', '162583', '399871', '520489'];
    expected.forEach((code, counter) => assert.equal(hotp(SHA1_SEED, counter), code));
  });

  it('accepts a code one step either side of now, names its step, and refuses others', () => {
    const now = 1_700_000_000_000;
    const step = totpStep(now);
    const at = (s: number) => hotp(SHA1_SEED, s);
    assert.equal(verifyTotp(SHA1_SEED, at(step), now), step);
    assert.equal(verifyTotp(SHA1_SEED, at(step - 1), now), step - 1);
    assert.equal(verifyTotp(SHA1_SEED, at(step + 1), now), step + 1);
    assert.equal(verifyTotp(SHA1_SEED, at(step - 2), now), undefined);
    assert.equal(verifyTotp(SHA1_SEED, at(step + 2), now), undefined);
    assert.equal(verifyTotp(SHA1_SEED, ` ${at(step).slice(0, 3)} ${at(step).slice(3)} `, now), step, 'spaces are ignored');
    for (const bad of ['', '12345', '1234567', 'abcdef', '12345a']) assert.equal(verifyTotp(SHA1_SEED, bad, now), undefined, bad);
  });
});

describe('base32 (RFC 4648)', () => {
  it('encodes and decodes the RFC 4648 vectors without padding', () => {
    const vectors: [string, string][] = [['', ''], ['f', 'MY'], ['fo', 'MZXQ'], ['foo', 'MZXW6'], ['foob', 'MZXW6YQ'], ['fooba', 'MZXW6YTB'], ['foobar', 'MZXW6YTBOI']];
    for (const [plain, encoded] of vectors) {
      assert.equal(base32Encode(Buffer.from(plain)), encoded);
      assert.equal(base32Decode(encoded).toString(), plain);
      assert.equal(base32Decode(`${encoded.toLowerCase()}====`).toString(), plain);
    }
    assert.throws(() => base32Decode('MZ1W'), TypeError);
    const secret = generateTotpSecret();
    assert.equal(secret.length, 20);
    assert.deepStrictEqual(base32Decode(base32Encode(secret)), secret);
  });

  it('builds the otpauth URI authenticator apps import', () => {
    const text = otpauthUri(SHA1_SEED, 'alice@acme.test', 'Acme Shop');
    assert.ok(text.startsWith('otpauth://totp/Acme%20Shop:alice%40acme.test?'), text);
    const uri = new URL(text);
    assert.equal(uri.searchParams.get('secret'), base32Encode(SHA1_SEED));
    assert.equal(uri.searchParams.get('issuer'), 'Acme Shop');
    assert.equal(uri.searchParams.get('digits'), '6');
    assert.equal(uri.searchParams.get('period'), '30');
    assert.equal(uri.searchParams.get('algorithm'), 'SHA1');
  });
});

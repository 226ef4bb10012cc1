import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SensitiveClassifier, isEmail, isIban, isPasswordHash, isPaymentCard, isPhone, isUsSsn, jwtAlg, luhn } from './sensitive.js';

const c = new SensitiveClassifier();

test('payment cards: issuer, length and Luhn', () => {
  assert.ok(luhn('4111111111111111'));
  assert.ok(!luhn('4111111111111112'));
  assert.ok(isPaymentCard('4111 1111 1111 1111'));
  assert.ok(isPaymentCard('5555555555554444'));
  assert.ok(isPaymentCard('378282246310005')); // amex, 15 digits
  assert.ok(!isPaymentCard('4111111111111112'), 'Luhn fails');
  assert.ok(!isPaymentCard('378282246310005' + '0'), 'amex has 15 digits');
  assert.ok(!isPaymentCard('1234567812345670'), 'passes Luhn but no issuer starts with 1');
  assert.ok(!isPaymentCard('0000000000000000'));
  assert.equal(c.classify('card', '4012888888881881'), 'payment-card');
  assert.equal(c.classify('orderNumber', 4111111111111111), 'payment-card', 'as a JSON number too');
});

test('IBAN: country length and mod-97', () => {
  assert.ok(isIban('GB82WEST12345698765432'));
  assert.ok(isIban('DE89 3704 0044 0532 0130 00'));
  assert.ok(!isIban('GB82WEST12345698765433'), 'checksum');
  assert.ok(!isIban('DE89370400440532013'), 'German IBANs have 22 characters');
  assert.ok(!isIban('ZZ82WEST12345698765432'), 'no such country');
  assert.equal(c.classify('iban', 'FR1420041010050500013M02606'), 'iban');
});

test('US SSN: area, group and serial rules', () => {
  assert.ok(isUsSsn('123-45-6789'));
  assert.ok(!isUsSsn('000-45-6789'));
  assert.ok(!isUsSsn('666-45-6789'));
  assert.ok(!isUsSsn('900-45-6789'));
  assert.ok(!isUsSsn('123-00-6789'));
  assert.ok(!isUsSsn('123-45-0000'));
  assert.ok(!isUsSsn('078-05-1120'), 'the Woolworth example number');
  assert.equal(c.classify('ssn', '219-45-6789'), 'us-ssn');
});

test('phone numbers are validated with libphonenumber metadata', () => {
  assert.ok(isPhone('+14155552671'));
  assert.ok(isPhone('+44 20 7946 0958'));
  assert.ok(!isPhone('+1 000 000 0000'), 'no such US number');
  assert.ok(!isPhone('+999123456789'), 'no such country code');
  assert.ok(!isPhone('4155552671'), 'national numbers only with a phone-like field name');
  assert.ok(isPhone('(415) 555-2671', true));
  assert.equal(c.classify('phone', '(415) 555-2671'), 'phone');
  assert.equal(c.classify('orderId', '4155552671'), undefined);
});

test('e-mail addresses', () => {
  assert.ok(isEmail('alice@acme.test'));
  assert.ok(!isEmail('alice@@acme.test'));
  assert.ok(!isEmail('@acme.test'));
  assert.ok(!isEmail('alice@acme'));
  assert.equal(c.classify('contact', 'bob.smith+tag@example.co.uk'), 'email');
});

test('JWTs need a decodable header with alg', () => {
  const h = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
  const p = Buffer.from(JSON.stringify({ sub: '1' })).toString('base64url');
  assert.equal(jwtAlg(`${h}.${p}.sig`), 'HS256');
  const noAlg = Buffer.from(JSON.stringify({ typ: 'JWT' })).toString('base64url');
  assert.equal(jwtAlg(`${noAlg}.${p}.sig`), undefined);
  assert.equal(jwtAlg('eyJub3Rqc29u.x.y'), undefined);
  assert.equal(c.classify('token', `${h}.${p}.sig`), 'jwt');
});

test('provider API keys and secrets', () => {
  assert.equal(c.classify('k', 'AKIAIOSFODNN7EXAMPLE'), 'aws-access-key');
  assert.equal(c.classify('k', 'AKIAIOSFODNN7EXAMPL'), undefined, 'one character short');
  assert.equal(c.classify('k', 'ghp_' + 'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8'), 'github-token');
  assert.equal(c.classify('k', 'github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRS'), 'github-token');
  assert.equal(c.classify('k', 'xoxb-1234567890-abcdefghijkl'), 'slack-token');
  assert.equal(c.classify('k', 'sk_live_' + '4eC39HqLyjWDarjtT1zdp7dc'), 'stripe-secret-key');
  assert.equal(c.classify('k', 'AIza' + 'SyA1234567890abcdefghijklmnopqrstuv'), 'google-api-key');
  assert.equal(c.classify('k', 'pal_4a8xbk8BOqsCdhbl_3ABEvFmyjuRM2I98YK4QNM5aAcoJgxoBjulkiUuHUeC1Yonse'), 'palisade-api-key');
  assert.equal(c.classify('client_secret', 'Zx8Qp2Lm7Vn4Rt6Yb1Wc9Ke3'), 'secret');
  assert.equal(c.classify('description', 'Zx8Qp2Lm7Vn4Rt6Yb1Wc9Ke3'), undefined, 'random-looking, but not under a secret-like key');
  assert.equal(c.classify('api_key', 'aaaaaaaaaaaaaaaaaaaaaaaa'), undefined, 'low entropy');
  assert.equal(c.classify('token', '[redacted]'), undefined);
});

test('password hashes and private keys', () => {
  assert.ok(isPasswordHash('$2b$12$' + 'R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW', 'x'));
  assert.ok(isPasswordHash('$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG', 'x'));
  assert.ok(isPasswordHash('$scrypt$ln=16,r=8,p=1$aM15713r3Xsvxbi31lqr1Q$nFNh2CVHVjNldFVKDHDlm4CbdRSCdEBsjjJxD+iCs5E', 'x'));
  const sha = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
  assert.ok(isPasswordHash(sha, 'password_hash'), 'unsalted SHA-256 in a password field');
  assert.ok(!isPasswordHash(sha, 'etag'), 'a hex digest elsewhere is not a password hash');
  assert.equal(c.classify('passwordHash', sha), 'password-hash');
  assert.equal(c.classify('key', '-----BEGIN RSA PRIVATE KEY-----\nMIIE...\n-----END RSA PRIVATE KEY-----'), 'private-key');
  assert.equal(c.classify('key', '-----BEGIN PUBLIC KEY-----\nMIIB...'), undefined);
});

test('IP addresses', () => {
  assert.equal(c.classify('ip', '203.0.113.7'), 'ip-address');
  assert.equal(c.classify('ip', '2001:db8::1'), 'ip-address');
  assert.equal(c.classify('ip', '999.1.1.1'), undefined);
});

test('user-defined classes run with RE2', () => {
  const u = new SensitiveClassifier([
    { name: 'employee-id', valuePattern: '^EMP-\\d{6}$' },
    { name: 'tax-id', keyPattern: '(?i)^tax_?id$' },
  ]);
  assert.equal(u.classify('x', 'EMP-123456'), 'custom:employee-id');
  assert.equal(u.classify('x', 'EMP-12345'), undefined);
  assert.equal(u.classify('TaxId', 'anything'), 'custom:tax-id');
  // Catastrophic in a backtracking engine (2^5000 paths); RE2 answers at once, or this test would hang.
  const evil = new SensitiveClassifier([{ name: 'evil', valuePattern: '^(a+)+$' }]);
  assert.equal(evil.classify('x', 'a'.repeat(5000) + 'b'), undefined);
  assert.throws(() => new SensitiveClassifier([{ name: 'bad', valuePattern: '(?<=x)y' }]), /bad: valuePattern .* not valid RE2/);
  assert.throws(() => new SensitiveClassifier([{ name: 'none' }]), /needs keyPattern or valuePattern/);
});

test('ordinary values are not sensitive', () => {
  for (const [k, v] of [['id', '1234'], ['name', 'Anvil'], ['price', '12.50'], ['status', 'shipped'], ['created', '2024-01-01T00:00:00Z'], ['sku', 'ABC-123-XYZ'], ['order', '100000000001']] as const) {
    assert.equal(c.classify(k, v), undefined, `${k}=${v}`);
  }
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generatePassword, hashPassword, passwordProblem, verifyPassword } from './passwords.js';

describe('console passwords', () => {
  it('hashes with scrypt, a random salt and the parameters in the string; verifies only the right password', async () => {
    const h1 = await hashPassword('correct horse battery');
    const h2 = await hashPassword('correct horse battery');
    assert.match(h1, /^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    assert.notEqual(h1, h2, 'a fresh salt each time');
    assert.equal(await verifyPassword('correct horse battery', h1), true);
    assert.equal(await verifyPassword('correct horse batterY', h1), false);
    assert.equal(await verifyPassword('', h1), false);
  });

  it('treats canonically equal Unicode spellings as the same password', async () => {
    const h = await hashPassword('Zoe\u0301-password-1');
    assert.equal(await verifyPassword('Zo\u00e9-password-1', h), true);
  });

  it('refuses malformed or abusive hashes instead of throwing or burning memory', async () => {
    const good = await hashPassword('some-long-password');
    const [, , r, p, salt, key] = good.split('$');
    for (const bad of ['', 'sha256$abc', 'scrypt$x$8$1$a$b', `scrypt$${2 ** 24}$${r}$${p}$${salt}$${key}`, `scrypt$32768$8$1$${salt}$short`]) {
      assert.equal(await verifyPassword('some-long-password', bad), false, bad);
    }
  });

  it('sets a minimum length and generates long random passwords', () => {
    assert.match(passwordProblem('short-pass') ?? '', /at least 12/);
    assert.equal(passwordProblem('twelve-chars'), undefined);
    assert.match(passwordProblem('x'.repeat(2000)) ?? '', /at most/);
    const a = generatePassword();
    assert.equal(a.length, 24);
    assert.notEqual(a, generatePassword());
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeConnection, scrub, validSchemaName } from './connection.js';

describe('describeConnection', () => {
  it('names user, host, port and database without the password', () => {
    const t = describeConnection('postgres://app:p%40ss%3Aword@db.internal:6543/palisade?sslmode=require');
    assert.equal(t.description, 'postgres://app@db.internal:6543/palisade');
    assert.ok(t.secrets.includes('p%40ss%3Aword'));
    assert.ok(t.secrets.includes('p@ss:word'));
  });

  it('fills the defaults and reads a password given as a parameter', () => {
    const t = describeConnection('postgresql:///?host=/var/run/postgresql&user=me&password=hunter2');
    assert.equal(t.description, 'postgres://me@/var/run/postgresql:5432/me');
    assert.deepStrictEqual(t.secrets, ['hunter2']);
  });

  it('hides the whole text of an unparseable URL', () => {
    const t = describeConnection('not a url with secret');
    assert.equal(t.description, 'an unparseable PostgreSQL URL');
    assert.equal(scrub('failed for not a url with secret', t.secrets), 'failed for ***');
  });
});

describe('scrub', () => {
  it('replaces every occurrence, longest secret first', () => {
    const { secrets } = describeConnection('postgres://u:ab%25cd@h/d');
    assert.equal(scrub('x ab%cd y ab%25cd z', secrets), 'x *** y *** z');
  });
});

describe('validSchemaName', () => {
  it('accepts plain lower-case identifiers only', () => {
    assert.ok(validSchemaName('palisade'));
    assert.ok(validSchemaName('palisade_test_0a1b_3'));
    for (const bad of ['Palisade', 'a-b', '1abc', '', 'pg_catalog', 'x'.repeat(64), 'a;drop']) assert.ok(!validSchemaName(bad), bad);
  });
});

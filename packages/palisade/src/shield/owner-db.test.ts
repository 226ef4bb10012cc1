import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseOwnerQuery } from './owner-db.js';

describe('owner queries', () => {
  it('turns {name} placeholders into bound parameters, in order, never inside literals', () => {
    const q = parseOwnerQuery("SELECT owner, 'x{notAParam}' AS t FROM \"ord{ers}\" WHERE id = {orderId} AND shop = {shopId} AND id2 = {orderId};");
    assert.deepEqual(q.names, ['orderId', 'shopId', 'orderId']);
    assert.equal(q.pieces.join('?'), "SELECT owner, 'x{notAParam}' AS t FROM \"ord{ers}\" WHERE id = ? AND shop = ? AND id2 = ?");
  });

  it('accepts WITH ... SELECT and doubled quotes inside literals', () => {
    assert.deepEqual(parseOwnerQuery("WITH o AS (SELECT * FROM orders WHERE note <> 'it''s') SELECT owner FROM o WHERE id = {id}").names, ['id']);
  });

  it('refuses what is not one SELECT with a placeholder, saying why', () => {
    const cases: Array<[string, RegExp]> = [
      ['DELETE FROM orders WHERE id = {id}', /single SELECT/],
      ['SELECT owner FROM orders WHERE id = {id}; DROP TABLE orders', /one statement/],
      ['SELECT owner FROM orders -- {id}', /comments/],
      ['SELECT owner FROM orders /* */ WHERE id = {id}', /comments/],
      ['SELECT owner FROM orders', /no \{parameter\}/],
      ["SELECT owner FROM orders WHERE id = 'x", /unterminated string literal/],
      ['SELECT owner FROM orders WHERE id = {1bad}', /placeholder is \{name\}/],
    ];
    for (const [sql, why] of cases) assert.throws(() => parseOwnerQuery(sql), why, sql);
  });
});

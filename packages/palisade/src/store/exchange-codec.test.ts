import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { exchangeFilter, exchangeToRow, queryLimit, rowToExchange } from './exchange-codec.js';
import { fullExchange } from './contract.test-suite.js';

describe('exchange rows', () => {
  it('put queried fields in columns and nothing twice', () => {
    const x = fullExchange();
    const row = exchangeToRow(x);
    assert.equal(row.principal_id, 'user-42');
    assert.equal(row.duration, 12.375);
    assert.equal(row.blocked_by, 'waf');
    const data = JSON.parse(row.data) as Record<string, unknown>;
    for (const k of ['id', 'startedAt', 'api', 'route', 'method', 'status', 'clientIp', 'blockedBy']) assert.ok(!(k in data), k);
    assert.deepStrictEqual(data['principal'], { method: 'jwt', roles: ['admin', 'billing'], tenant: 'acme' });
    assert.deepStrictEqual(data['timings'], { upstream: 9.25 });
    assert.deepStrictEqual(rowToExchange(row), x);
  });
});

describe('queryLimit', () => {
  it('defaults to 100, caps at 1000, and never goes below 1', () => {
    assert.equal(queryLimit(undefined), 100);
    assert.equal(queryLimit(Number.NaN), 100);
    assert.equal(queryLimit(25.9), 25);
    assert.equal(queryLimit(10_000), 1000);
    assert.equal(queryLimit(Number.POSITIVE_INFINITY), 1000);
    assert.equal(queryLimit(-5), 1);
  });
});

describe('exchangeFilter', () => {
  it('renders no clause for no filter', () => {
    assert.deepStrictEqual(exchangeFilter({}, () => '?'), { where: '', params: [] });
  });

  it('numbers parameters in order for PostgreSQL', () => {
    const f = exchangeFilter({ api: 'a', status: 404, blocked: true, before: 10, beforeId: 'x' }, (n) => `$${n}`);
    assert.equal(f.where, 'WHERE api = $1 AND status = $2 AND blocked_by IS NOT NULL AND (started_at < $3 OR (started_at = $4 AND id < $5))');
    assert.deepStrictEqual(f.params, ['a', 404, 10, 10, 'x']);
  });

  it('never interpolates values', () => {
    const f = exchangeFilter({ route: "x' OR 1=1 --", clientIp: '1.2.3.4', blocked: false, before: 5 }, () => '?');
    assert.equal(f.where, 'WHERE route = ? AND client_ip = ? AND blocked_by IS NULL AND started_at < ?');
    assert.deepStrictEqual(f.params, ["x' OR 1=1 --", '1.2.3.4', 5]);
  });
});

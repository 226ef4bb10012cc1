import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { OperatorInit, OperatorTx } from '../types.js';
import { OPERATORS } from './index.js';

class Tx implements OperatorTx {
  captures = new Map<number, string>();
  constructor(readonly capturing: boolean) {}
  expand(text: string): string {
    return text;
  }
  setCapture(i: number, v: string): void {
    this.captures.set(i, v);
  }
}

const init: OperatorInit = {
  baseDir: '.',
  readFile: () => {
    throw new Error('no files');
  },
};

test('@detectSQLi is registered; a match carries the fingerprint, captured as TX:0', () => {
  const op = OPERATORS.get('detectsqli')!.create('', init);
  const tx = new Tx(true);
  assert.deepEqual(op.execute(tx, "1' or '1'='1"), { matched: true, data: 's&sos' });
  assert.equal(tx.captures.get(0), 's&sos');
  const quiet = new Tx(false);
  assert.equal(op.execute(quiet, '1 union select 1').matched, true);
  assert.equal(quiet.captures.size, 0);
  assert.deepEqual(op.execute(tx, "O'Brien"), { matched: false });
  assert.throws(() => OPERATORS.get('detectsqli')!.create('x', init), /takes no parameter/);
});

test('@detectXSS is registered; TX:0 is the value, the data says what was found', () => {
  const op = OPERATORS.get('detectxss')!.create('', init);
  const tx = new Tx(true);
  const payload = '<img src=x onerror=alert(1)>';
  assert.deepEqual(op.execute(tx, payload), { matched: true, data: 'attr:onerror' });
  assert.equal(tx.captures.get(0), payload);
  assert.deepEqual(op.execute(tx, '<b>bold</b>'), { matched: false });
  assert.throws(() => OPERATORS.get('detectxss')!.create('1', init), /takes no parameter/);
});

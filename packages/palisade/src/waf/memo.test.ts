// The engine's hot-path shortcuts (decision 0029) must not change a single result: remembered
// non-matches, remembered @rx matches (with their captures), and exclusions sorted per target.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WafEngine } from './engine.js';
import { OPERATORS } from './operators/index.js';
import { TRANSFORMATIONS } from './transformations/index.js';
import type { OperatorFactory } from './types.js';
import type { Transaction } from './transaction.js';

function engine(text: string, operators: ReadonlyMap<string, OperatorFactory> = OPERATORS): WafEngine {
  return WafEngine.load([{ text: `SecRuleEngine On\n${text}`, name: 'memo.conf' }], { operators, transformations: TRANSFORMATIONS });
}

function get(e: WafEngine, uri: string, headers: [string, string][] = []): Transaction {
  const tx = e.newTransaction({ clientIp: '10.0.0.1' });
  tx.processRequestHeaders({ method: 'GET', uri, protocol: 'HTTP/1.1', headers: [['Host', 'example.com'], ...headers] });
  tx.processRequestBody();
  tx.processLogging();
  return tx;
}

const ids = (tx: Transaction): number[] => tx.matchedRules.map((r) => r.id);

test('a remembered non-match of one rule does not answer for another rule with another pattern', () => {
  const e = engine(`
SecRule ARGS "@rx ^abc$" "id:1,phase:1,pass,log"
SecRule ARGS "@rx ^xyz$" "id:2,phase:1,pass,log"
SecRule ARGS "@rx ^abc$" "id:3,phase:1,pass,log,t:uppercase"
`);
  for (let i = 0; i < 3; i++) {
    assert.deepEqual(ids(get(e, '/?a=abc')), [1]);
    assert.deepEqual(ids(get(e, '/?a=xyz')), [2]);
  }
  // The same raw value reaches rule 3 transformed (ABC): its own slot, its own answer.
  assert.deepEqual(ids(get(e, '/?a=ABC')), []);
});

test('negated rules still match on a remembered non-match', () => {
  const e = engine(`SecRule ARGS:a "!@rx ^[0-9]+$" "id:1,phase:1,pass,log"`);
  for (let i = 0; i < 3; i++) {
    assert.deepEqual(ids(get(e, '/?a=x1')), [1]);
    assert.deepEqual(ids(get(e, '/?a=12')), []);
  }
});

test('an @rx parameter with a macro is never remembered: the pattern differs per transaction', () => {
  const e = engine(`
SecRule ARGS:p "@rx ^(.*)$" "id:1,phase:1,pass,nolog,capture,setvar:tx.pat=%{tx.1}"
SecRule ARGS:v "@rx ^%{tx.pat}$" "id:2,phase:1,pass,log"
`);
  assert.deepEqual(ids(get(e, '/?p=foo&v=bar')), [1]);
  assert.deepEqual(ids(get(e, '/?p=bar&v=bar')), [1, 2]);
  assert.deepEqual(ids(get(e, '/?p=foo&v=bar')), [1]);
});

test('an operator given through the options is run every time, even under a built-in name', () => {
  let calls = 0;
  const counting: OperatorFactory = {
    name: 'rx',
    create: () => ({
      execute: () => {
        calls++;
        // Stateful on purpose: matches every third call, so a remembered answer would be wrong.
        return { matched: calls % 3 === 0 };
      },
    }),
  };
  const e = engine(`SecRule ARGS:a "@rx whatever" "id:1,phase:1,pass,log"`, new Map([...OPERATORS, ['rx', counting]]));
  const hits = [0, 1, 2, 3, 4, 5].map(() => ids(get(e, '/?a=same')).length);
  assert.equal(calls, 6);
  assert.deepEqual(hits, [0, 0, 1, 0, 0, 1]);
});

test('a remembered @rx match sets the same captures and match data in a later transaction', () => {
  const e = engine(`SecRule ARGS:a "@rx ^(\\w+)-(\\d+)$" "id:1,phase:1,pass,log,capture,logdata:'%{tx.0} %{tx.1} %{tx.2}'"`);
  for (let i = 0; i < 3; i++) {
    const tx = get(e, '/?a=item-42');
    assert.equal(tx.matchedRules[0]?.data, 'item-42 item 42');
    assert.equal(tx.matchedRules[0]?.matchedData, 'item-42');
    assert.equal(tx.tx.first('2'), '42');
  }
});

test('exclusions apply per variable, alone and together with ctl:ruleRemoveTargetById', () => {
  const e = engine(`
SecRule ARGS:off "@streq 1" "id:10,phase:1,pass,nolog,ctl:ruleRemoveTargetById=2;ARGS:b"
SecRule ARGS|REQUEST_HEADERS|!ARGS:a|!REQUEST_HEADERS:Host "@rx evil" "id:2,phase:1,pass,log"
SecRule ARGS "@rx evil" "id:3,phase:1,pass,log"
`);
  const names = (tx: Transaction): string[] => tx.matchedRules.filter((r) => r.id === 2).map((r) => r.matchedVar);
  assert.deepEqual(ids(get(e, '/?a=evil')), [3]);
  assert.deepEqual(names(get(e, '/?b=evil')), ['ARGS:b']);
  assert.deepEqual(names(get(e, '/?b=evil', [['X-A', 'evil']])), ['REQUEST_HEADERS:X-A']);
  // The ctl removes ARGS:b from rule 2 only; its own exclusions still hold; rule 3 is untouched.
  assert.deepEqual(ids(get(e, '/?off=1&a=evil&b=evil')), [10, 3]);
  assert.deepEqual(names(get(e, '/?off=1&a=evil&b=evil', [['X-A', 'evil']])), ['REQUEST_HEADERS:X-A']);
});

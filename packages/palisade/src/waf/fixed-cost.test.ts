// The per-transaction shortcuts of decision 0043 must not change a result: rules skipped because
// their variables hold nothing, ctl exclusions merged once per ctl list, skipAfter resolved at
// load, `^literal` key regexes, and remembered @ipMatch answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WafEngine } from './engine.js';
import { OPERATORS } from './operators/index.js';
import { TRANSFORMATIONS } from './transformations/index.js';
import type { Transaction } from './transaction.js';

function engine(text: string): WafEngine {
  return WafEngine.load([{ text: `SecRuleEngine On\nSecRequestBodyAccess On\n${text}`, name: 'fixed-cost.conf' }], { operators: OPERATORS, transformations: TRANSFORMATIONS });
}

function run(e: WafEngine, uri: string, headers: [string, string][] = [], body?: string, clientIp = '10.0.0.1'): Transaction {
  const tx = e.newTransaction({ clientIp });
  const h: [string, string][] = [['Host', 'example.com'], ...headers];
  if (body !== undefined) h.push(['Content-Type', 'application/x-www-form-urlencoded'], ['Content-Length', String(body.length)]);
  tx.processRequestHeaders({ method: body === undefined ? 'GET' : 'POST', uri, protocol: 'HTTP/1.1', headers: h });
  if (body !== undefined) tx.appendRequestBody(body);
  tx.processRequestBody();
  tx.processLogging();
  return tx;
}

const ids = (tx: Transaction): number[] => tx.matchedRules.map((r) => r.id);

test('a rule whose variables are all empty is skipped, and runs as soon as one of them holds a value', () => {
  const e = engine(`
SecRule ARGS|ARGS_NAMES|REQUEST_COOKIES|REQUEST_HEADERS:X-Probe|XML:/* "@rx ." "id:1,phase:2,pass,log"
SecRule ARGS "!@rx ^ok$" "id:2,phase:2,pass,log"
SecRule REQUEST_BODY "@rx evil" "id:3,phase:2,pass,log"
SecRule &ARGS "@eq 0" "id:4,phase:2,pass,log"
SecRule REQUEST_HEADERS_NAMES "@rx ^X-Probe$" "id:5,phase:1,pass,log"
`);
  for (let i = 0; i < 2; i++) {
    // Nothing to inspect: a negated operator does not match "no value" either (as before), and a count is 0, a value.
    assert.deepEqual(ids(run(e, '/')), [4]);
    assert.deepEqual(ids(run(e, '/', [['X-Probe', 'y']])), [5, 1, 4]);
    assert.deepEqual(ids(run(e, '/', [['Cookie', 'a=b']])), [1, 4]);
    assert.deepEqual(ids(run(e, '/?a=ok')), [1]);
    assert.deepEqual(ids(run(e, '/?a=no')), [1, 2]);
    assert.deepEqual(ids(run(e, '/', [], 'q=evil')), [1, 2, 3]);
  }
});

test('a ctl:ruleRemoveTargetByTag applies only to the transactions that ran it, though its merge is remembered', () => {
  const e = engine(`
SecRule ARGS:off "@streq 1" "id:10,phase:1,pass,nolog,ctl:ruleRemoveTargetByTag=T1;ARGS:q"
SecRule ARGS:off2 "@streq 1" "id:11,phase:1,pass,nolog,ctl:ruleRemoveTargetById=20;ARGS:r"
SecRule ARGS "@rx evil" "id:20,phase:1,pass,log,tag:'t1'"
SecRule ARGS "@rx evil" "id:21,phase:1,pass,log,tag:'t2'"
`);
  for (let i = 0; i < 2; i++) {
    assert.deepEqual(ids(run(e, '/?q=evil')), [20, 21]);
    assert.deepEqual(ids(run(e, '/?off=1&q=evil')), [10, 21]);
    assert.deepEqual(ids(run(e, '/?r=evil')), [20, 21]);
    assert.deepEqual(ids(run(e, '/?off2=1&r=evil')), [11, 21]);
    // Both ctls: another list, another merge.
    assert.deepEqual(ids(run(e, '/?off=1&off2=1&q=evil&r=evil')), [10, 11, 21]);
    assert.deepEqual(ids(run(e, '/?off=1&off2=1&q=evil')), [10, 11, 21]);
    assert.deepEqual(ids(run(e, '/?off=1&r=evil')), [10, 20, 21]);
  }
});

test('skipAfter lands after the marker or rule it names, at or after the rule, else at the end of the phase', () => {
  const e = engine(`
SecMarker AGAIN
SecAction "id:30,phase:1,pass,nolog,skipAfter:AGAIN"
SecAction "id:31,phase:1,pass,log"
SecMarker AGAIN
SecAction "id:32,phase:1,pass,log,skipAfter:34"
SecAction "id:33,phase:1,pass,log"
SecAction "id:34,phase:1,pass,log"
SecAction "id:35,phase:1,pass,log"
SecAction "id:36,phase:1,pass,log,skipAfter:NOWHERE"
SecAction "id:37,phase:1,pass,log"
SecAction "id:38,phase:2,pass,log"
`);
  for (let i = 0; i < 2; i++) assert.deepEqual(ids(run(e, '/')), [30, 32, 35, 36, 38]);
});

test('a ^literal key regex selects the same keys as the regex, without regard to case', () => {
  const e = engine(`
SecAction "id:40,phase:1,pass,nolog,setvar:tx.Hdr_Name_1=a,setvar:tx.hdr_name_2=b,setvar:tx.xhdr_name_3=c"
SecRule TX:/^HDR_NAME_/ "@rx ^[abc]$" "id:41,phase:1,pass,log,setvar:tx.n=+1"
SecRule TX:N "@eq 2" "id:42,phase:1,pass,log"
`);
  const tx = run(e, '/');
  assert.deepEqual(ids(tx), [40, 41, 42]);
});

test('@ipMatch answers the same for a repeated address and follows a new one', () => {
  const e = engine(`SecRule REMOTE_ADDR "@ipMatch 127.0.0.1,10.1.0.0/16,::1" "id:50,phase:1,pass,log"`);
  for (let i = 0; i < 3; i++) {
    assert.deepEqual(ids(run(e, '/', [], undefined, '127.0.0.1')), [50]);
    assert.deepEqual(ids(run(e, '/', [], undefined, '10.2.0.1')), []);
    assert.deepEqual(ids(run(e, '/', [], undefined, '10.1.200.3')), [50]);
    assert.deepEqual(ids(run(e, '/', [], undefined, '::1')), [50]);
    assert.deepEqual(ids(run(e, '/', [], undefined, 'not an ip')), []);
  }
});

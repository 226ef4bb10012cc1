import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lexDirectives, splitActions, splitArgs } from './lexer.js';
import { WafRuleError } from '../types.js';

test('continuation lines join, comments are skipped, lines are counted from the start', () => {
  const d = lexDirectives('# c\nSecRule ARGS "@rx a" \\\n  "id:1,\\\n  pass"\n\nSecMarker END\n', 'f.conf');
  assert.deepEqual(
    d.map((x) => [x.name, x.args, x.line]),
    [
      ['SecRule', ['ARGS', '@rx a', 'id:1,  pass'], 2],
      ['SecMarker', ['END'], 6],
    ],
  );
});

test('only a backslash before the quote is an escape inside quotes', () => {
  assert.deepEqual(splitArgs('SecRule ARGS "@rx \\"a\\\\d\\" b" \'x\'', 'f', 1), ['SecRule', 'ARGS', '@rx "a\\\\d" b', 'x']);
  assert.throws(() => splitArgs('SecRule "abc', 'f.conf', 7), (e: unknown) => e instanceof WafRuleError && /f\.conf:7: unterminated/.test(e.message));
});

test('actions split on commas outside single quotes; \\\' escapes a quote', () => {
  assert.deepEqual(splitActions("id:1, msg:'a, b', t:none,nolog,tag:'it\\'s'", 'f', 1), [
    { name: 'id', value: '1' },
    { name: 'msg', value: 'a, b' },
    { name: 't', value: 'none' },
    { name: 'nolog', value: undefined },
    { name: 'tag', value: "it's" },
  ]);
  assert.deepEqual(splitActions('ctl:ruleRemoveTargetById=1;ARGS:x,setvar:tx.a=+%{tx.b}', 'f', 1), [
    { name: 'ctl', value: 'ruleRemoveTargetById=1;ARGS:x' },
    { name: 'setvar', value: 'tx.a=+%{tx.b}' },
  ]);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WafEngine } from './engine.js';
import { createAuditLogger } from './audit-log.js';
import type { AuditRecord } from './audit-log.js';
import { TEST_OPERATORS, TEST_TRANSFORMATIONS } from './test-doubles.test-support.js';

const engine = WafEngine.load(
  [
    {
      text: `SecRuleEngine On
SecRule ARGS "@rx hunter2" "id:1,phase:1,deny,status:403,log,msg:'secret seen',logdata:'%{MATCHED_VAR}',severity:CRITICAL,tag:'t1',setvar:tx.blocking_inbound_anomaly_score=5"
SecRule ARGS:q "@rx x" "id:2,phase:1,pass,nolog"`,
    },
  ],
  { operators: TEST_OPERATORS, transformations: TEST_TRANSFORMATIONS },
);

function tx(uri: string) {
  const t = engine.newTransaction({ clientIp: '192.0.2.1', id: 'abc' });
  t.processRequestHeaders({ method: 'GET', uri, protocol: 'HTTP/1.1', headers: [['Authorization', 'Bearer t0k'], ['Host', 'h']] });
  t.processLogging();
  return t;
}

test('an interrupted exchange is one JSON line with the matched rules, scores, and redactions', () => {
  const lines: string[] = [];
  const log = createAuditLogger({ write: (l) => lines.push(l) });
  log.log(tx('/login?password=hunter2&q=1'));
  assert.equal(lines.length, 1);
  const rec = JSON.parse(lines[0]!) as AuditRecord;
  assert.equal(rec.id, 'abc');
  assert.equal(rec.request.uri, '/login?password=[redacted]&q=1');
  assert.equal(rec.request.headers.Authorization, '[redacted]');
  assert.deepEqual(rec.interruption, { ruleId: 1, action: 'deny', status: 403, phase: 1 });
  assert.equal(rec.anomalyScore.inbound, 5);
  assert.deepEqual(rec.matched, [{ id: 1, phase: 1, msg: 'secret seen', data: '[redacted]', severity: 'CRITICAL', tags: ['t1'], variable: 'ARGS:password' }]);
  assert.ok(!lines[0]!.includes('hunter2') && !lines[0]!.includes('t0k'));
});

test('RelevantOnly skips exchanges with no audited match; nolog matches are not relevant', () => {
  const lines: string[] = [];
  const log = createAuditLogger({ write: (l) => lines.push(l) });
  log.log(tx('/?q=x'));
  log.log(tx('/?a=b'));
  assert.equal(lines.length, 0);
});

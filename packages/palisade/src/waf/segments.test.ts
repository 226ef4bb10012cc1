// TX-only segments (seclang/segments.ts) are replayed from a memo. A transaction with `profile` set
// never replays (every rule runs and is timed), so it is the reference: each test runs the same
// requests both ways and requires the same TX (keys, values, order), records and interruption.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { WafEngine } from './engine.js';
import { RECOMMENDED_SETUP, loadWaf } from './index.js';
import type { RequestLine, Transaction } from './transaction.js';

const RULES = `
SecRuleEngine On
SecRule ARGS:off "@streq 1" "id:1,phase:1,pass,nolog,ctl:ruleRemoveById=5"
SecRule ARGS:s "@rx ^([0-9]+)$" "id:2,phase:1,pass,nolog,capture,setvar:tx.base=%{tx.1}"
SecRule &TX:base "@eq 0" "id:3,phase:1,pass,nolog,setvar:tx.base=0"
SecRule TX:base "@ge 5" "id:4,phase:1,pass,log,msg:'high %{tx.base}',logdata:'%{tx.base}',setvar:tx.level=high,skipAfter:END-LEVEL"
SecAction "id:5,phase:1,pass,nolog,setvar:tx.level=low"
SecAction "id:6,phase:1,pass,nolog,setvar:tx.score=+%{tx.base}"
SecMarker END-LEVEL
SecRule TX:base "@eq 9" "id:7,phase:1,pass,nolog,skip:2"
SecAction "id:8,phase:1,pass,nolog,setvar:tx.after=1"
SecRule TX:level "@streq high" "id:9,phase:1,deny,status:403,log,msg:'level %{tx.level} score %{tx.score}'"
SecAction "id:10,phase:1,pass,nolog,setvar:tx.tail=1"
`;

function request(uri: string): RequestLine {
  return { method: 'GET', uri, protocol: 'HTTP/1.1', headers: [['Host', 'example.com']] };
}

function run(e: WafEngine, req: RequestLine, reference: boolean, body?: string): Transaction {
  const tx = e.newTransaction({ clientIp: '10.0.0.1', id: 'x' });
  if (reference) tx.profile = new Map();
  tx.processRequestHeaders(req);
  if (body !== undefined) tx.appendRequestBody(body);
  tx.processRequestBody();
  tx.processResponseHeaders({ status: 200, headers: [['Content-Type', 'text/plain']] });
  tx.processResponseBody();
  tx.processLogging();
  return tx;
}

function outcome(tx: Transaction): unknown {
  return {
    tx: tx.tx.items.map((x) => [x.key, x.value]),
    rules: tx.matchedRules.map((r) => [r.id, r.phase, r.msg, r.data, r.matchedVar, r.matchedValue, r.matchedData, r.disruptive]),
    interruption: tx.interruption,
  };
}

test('a TX-only segment replays exactly what running it does, for each TX input', () => {
  const e = loadWaf([{ text: RULES, name: 'segments.conf' }]);
  const segments = e.rules.segments[1]!.filter((s) => s !== undefined);
  assert.equal(segments.length, 1, 'rules 3–8 form one segment (rule 2 reads ARGS, 9 denies)');
  assert.deepEqual(segments[0]!.rules.map((r) => r.id), [3, 4, 5, 6, 7, 8]);
  // Each input twice: the second run of a value replays the first's memo.
  const uris = ['/', '/?s=3', '/?s=7', '/?s=9', '/?s=3&off=1', '/?s=9', '/', '/?s=3', '/?s=7', '/?s=3&off=1'];
  for (const uri of uris) assert.deepEqual(outcome(run(e, request(uri), false)), outcome(run(e, request(uri), true)), uri);
  assert.ok(segments[0]!.memo.length >= 3, 'the segment was memoised');
});

test('a runtime removal of a segment rule runs the segment rule by rule', () => {
  const e = loadWaf([{ text: RULES, name: 'segments.conf' }]);
  const off = run(e, request('/?s=3&off=1'), false);
  assert.equal(off.tx.first('level'), undefined, 'rule 5 was removed by ctl');
  const on = run(e, request('/?s=3'), false);
  assert.equal(on.tx.first('level'), 'low');
  assert.equal(run(e, request('/?s=3&off=1'), false).tx.first('level'), undefined, 'not replayed from the run without the removal');
});

const crs = fileURLToPath(new URL('../../../../../shared/corpora/crs-4.28.0', import.meta.url));

test('CRS v4.28.0: replaying its TX-only segments changes nothing', (t) => {
  if (!existsSync(`${crs}/rules`)) return t.skip(`CRS not found at ${crs}`);
  for (const pl of [1, 2]) {
    const e = loadWaf([
      { text: RECOMMENDED_SETUP },
      { file: `${crs}/crs-setup.conf.example` },
      { text: `SecAction "id:19000001,phase:1,pass,nolog,setvar:tx.blocking_paranoia_level=${pl},setvar:tx.detection_paranoia_level=${pl}"` },
      { file: `${crs}/rules/*.conf` },
    ]);
    const browser: [string, string][] = [['Host', 'shop.example.com'], ['User-Agent', 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0'], ['Accept', 'text/html'], ['Cookie', 'session=8f3a9c2e']];
    const requests: [RequestLine, string | undefined][] = [
      [request('/'), undefined],
      [{ method: 'GET', uri: '/products?q=blue+shoes&page=2', protocol: 'HTTP/1.1', headers: browser }, undefined],
      [{ method: 'GET', uri: "/search?q=1'+UNION+SELECT+password+FROM+users--", protocol: 'HTTP/1.1', headers: browser }, undefined],
      [{ method: 'GET', uri: '/?x=<script>alert(1)</script>', protocol: 'HTTP/1.1', headers: browser }, undefined],
      [{ method: 'GET', uri: '/?f=../../etc/passwd&c=;cat+/etc/shadow', protocol: 'HTTP/1.1', headers: browser }, undefined],
      [{ method: 'POST', uri: '/orders', protocol: 'HTTP/1.1', headers: [...browser, ['Content-Type', 'application/json']] }, '{"item":"shoe","note":"O\'Brien & sons","qty":2}'],
      [{ method: 'GET', uri: '/', protocol: 'HTTP/1.1', headers: [['Host', '10.0.0.1']] }, undefined],
    ];
    for (let round = 0; round < 2; round++) {
      for (const [req, body] of requests) {
        assert.deepEqual(outcome(run(e, req, false, body)), outcome(run(e, req, true, body)), `PL${pl} ${req.method} ${req.uri}`);
      }
    }
    const used = e.rules.segments.flat().filter((s) => s !== undefined && s.memo.length > 0).length;
    assert.ok(used > 10, `segments were replayed at PL${pl} (${used} memoised)`);
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import type { OperatorInit, OperatorTx } from '../types.js';
import { OPERATORS } from './index.js';
import { toInt } from './common.js';
import { AhoCorasick } from './aho-corasick.js';

class FakeTx implements OperatorTx {
  captures = new Map<number, string>();
  constructor(
    readonly vars: Record<string, string> = {},
    readonly capturing = false,
  ) {}
  expand(text: string): string {
    return text.replace(/%\{([^}]+)\}/g, (_m, name: string) => this.vars[name.toLowerCase()] ?? '');
  }
  setCapture(i: number, v: string): void {
    this.captures.set(i, v);
  }
}

const dir = mkdtempSync(join(tmpdir(), 'palisade-ops-'));
const init: OperatorInit = {
  baseDir: dir,
  readFile: (p) => readFileSync(isAbsolute(p) ? p : join(dir, p), 'latin1'),
};
writeFileSync(join(dir, 'words.data'), '# comment\n\nSelect\n  union all  \n/etc/passwd\n');
writeFileSync(join(dir, 'more.data'), 'drop table\n');
writeFileSync(join(dir, 'ips.data'), '# blocked\n10.0.0.0/8\n2001:db8::/32\n192.0.2.7\n');

function run(op: string, param: string, input: string, tx: OperatorTx = new FakeTx()) {
  const f = OPERATORS.get(op.toLowerCase());
  assert.ok(f, `operator ${op} is registered`);
  return f.create(param, init).execute(tx, input);
}

/** [operator, parameter, input, expected match] */
const VECTORS: [string, string, string, boolean][] = [
  ['rx', '(?i)union\\s+select', 'x UNION  select y', true],
  ['rx', '^abc$', 'abc\n', false], // $ is end of input, not before a final newline
  ['rx', 'a.c', 'a\nc', true], // dotall, as ModSecurity and Coraza
  ['rx', '\\x{e9}', 'caf\xe9', true],
  ['pm', 'foo bar', 'xxBARxx', true],
  ['pm', 'foo bar', 'fo ba', false],
  ['pm', '( )', 'a(b', true],
  ['pmFromFile', 'words.data', 'x UNION ALL y', true],
  ['pmFromFile', 'words.data more.data', 'DROP TABLE t', true],
  ['pmFromFile', 'words.data', '# comment', false],
  ['pmf', 'words.data', 'cat /etc/passwd', true],
  ['within', 'GET POST HEAD', 'POST', true],
  ['within', 'GET POST HEAD', 'PUT', false],
  ['within', 'GET POST', '', true],
  ['streq', 'POST', 'POST', true],
  ['streq', 'POST', 'post', false],
  ['contains', '-->', 'a-->b', true],
  ['contains', '-->', 'a->b', false],
  ['containsWord', 'select', 'a select b', true],
  ['containsWord', 'select', 'selection', false],
  ['beginsWith', 'GET /', 'GET /x', true],
  ['beginsWith', 'GET /', 'XGET /', false],
  ['endsWith', '.pdf', 'a.pdf', true],
  ['endsWith', '.pdf', 'a.pdf.exe', false],
  ['strmatch', 'WebZIP', 'Mozilla WebZIP/4', true],
  ['eq', '0', 'abc', true], // non-numeric reads as 0
  ['eq', '5', ' 5xyz', true],
  ['eq', '5', '6', false],
  ['ge', '5', '5', true],
  ['gt', '5', '5', false],
  ['gt', '5', '10', true],
  ['le', '5', '-3', true],
  ['lt', '5', '5', false],
  ['lt', '1', '', true],
  ['ipMatch', '127.0.0.1,::1', '127.0.0.1', true],
  ['ipMatch', '127.0.0.1,::1', '::1', true],
  ['ipMatch', '192.168.0.0/16, 2001:db8::/32', '192.168.4.5', true],
  ['ipMatch', '192.168.0.0/16, 2001:db8::/32', '2001:db8:1::9', true],
  ['ipMatch', '192.168.0.0/16', '192.169.0.1', false],
  ['ipMatch', '192.168.0.0/16', 'not-an-ip', false],
  ['ipMatchFromFile', 'ips.data', '10.1.2.3', true],
  ['ipMatchF', 'ips.data', '192.0.2.8', false],
  ['validateByteRange', '32-126', 'plain text', false],
  ['validateByteRange', '32-126', 'tab\there', true],
  ['validateByteRange', '9,10,13,32-126,128-255', 'caf\xe9\n', false],
  ['validateByteRange', '1-255', 'a\0b', true],
  ['validateUrlEncoding', '', 'a%20b', false],
  ['validateUrlEncoding', '', 'a%2', true],
  ['validateUrlEncoding', '', 'a%zzb', true],
  ['validateUrlEncoding', '', '%', true],
  ['validateUtf8Encoding', '', 'caf\xc3\xa9', false],
  ['validateUtf8Encoding', '', '\xc0\xaf', true], // over-long '/'
  ['validateUtf8Encoding', '', '\xe0\x80\xaf', true], // over-long, 3 bytes
  ['validateUtf8Encoding', '', '\xc3', true], // missing byte
  ['validateUtf8Encoding', '', '\xc3(', true], // bad continuation
  ['validateUtf8Encoding', '', '\xf4\x90\x80\x80', true], // above U+10FFFF
  ['validateUtf8Encoding', '', '\xff', true],
  ['validateUtf8Encoding', '', '\xf0\x9f\x98\x80', false],
  ['unconditionalMatch', '', 'x', true],
  ['noMatch', '', 'x', false],
  ['detectSQLi', '', "1' or '1'='1", true], // more in operators/detect.test.ts and detect/
  ['detectSQLi', '', "O'Brien", false],
  ['detectXSS', '', '<svg onload=alert(1)>', true],
  ['detectXSS', '', '<b>bold</b>', false],
  ['verifyCC', '\\d{13,16}', 'card 4111111111111111 ok', true],
  ['verifyCC', '\\d{13,16}', 'card 4111111111111112 ok', false],
  ['verifyCC', '(?:\\d[ -]?){13,16}', 'card: 4111 1111 1111 1111', true],
  ['verifySSN', '\\d{3}-?\\d{2}-?\\d{4}', 'ssn 123-45-6789', true],
  ['verifySSN', '\\d{3}-?\\d{2}-?\\d{4}', 'ssn 666-45-6789 000-12-3456', false],
];

test('every operator vector', () => {
  for (const [op, param, input, expected] of VECTORS) {
    assert.equal(run(op, param, input).matched, expected, `@${op} ${JSON.stringify(param)} on ${JSON.stringify(input)}`);
  }
});

test('every registered operator has vectors or refuses with a reason', () => {
  const covered = new Set(VECTORS.map(([n]) => n.toLowerCase()));
  for (const [key, f] of OPERATORS) {
    assert.equal(key, f.name.toLowerCase());
    if (covered.has(key)) continue;
    assert.throws(() => f.create('x', init), /is not supported: /, `@${f.name} neither tested nor refused`);
  }
  for (const n of ['inspectFile', 'geoLookup', 'rbl', 'validateDTD', 'validateSchema']) {
    assert.throws(() => OPERATORS.get(n.toLowerCase())!.create('x', init), new RegExp(`@${n} is not supported`));
  }
});

test('the operators CRS v4 uses are registered (detectSQLi/detectXSS come from the detectors)', () => {
  const crs = 'rx lt eq ge pmFromFile gt pm streq within validateByteRange endsWith contains ipMatch unconditionalMatch validateUtf8Encoding validateUrlEncoding beginsWith';
  for (const n of crs.split(' ')) assert.ok(OPERATORS.has(n.toLowerCase()), n);
});

test('@rx captures TX:0-9 only when the rule captures', () => {
  const tx = new FakeTx({}, true);
  const r = run('rx', '^([a-z]+)=(\\d+)(x)?', 'id=42;', tx);
  assert.deepEqual(r, { matched: true, data: 'id=42' });
  assert.deepEqual([...tx.captures], [[0, 'id=42'], [1, 'id'], [2, '42'], [3, '']]);
  const quiet = new FakeTx({}, false);
  run('rx', '^([a-z]+)', 'abc', quiet);
  assert.equal(quiet.captures.size, 0);
});

test('@pm captures the phrase found', () => {
  const tx = new FakeTx({}, true);
  assert.deepEqual(run('pm', 'alpha beta', 'xxBETAyy', tx), { matched: true, data: 'beta' });
  assert.equal(tx.captures.get(0), 'beta');
});

test('macros in parameters are expanded at run time', () => {
  const rx = OPERATORS.get('rx')!.create('^%{tx.prefix}[0-9]+$', init);
  assert.equal(rx.execute(new FakeTx({ 'tx.prefix': 'id' }), 'id12').matched, true);
  assert.equal(rx.execute(new FakeTx({ 'tx.prefix': 'no' }), 'id12').matched, false);
  const within = OPERATORS.get('within')!.create('%{tx.restricted_extensions}', init);
  assert.equal(within.execute(new FakeTx({ 'tx.restricted_extensions': '.asa/ .bak/' }), '.bak/').matched, true);
  assert.equal(within.execute(new FakeTx({ 'tx.restricted_extensions': '.asa/' }), '.bak/').matched, false);
  const lt = OPERATORS.get('lt')!.create('%{tx.paranoia_level}', init);
  assert.equal(lt.execute(new FakeTx({ 'tx.paranoia_level': '2' }), '1').matched, true);
  const streq = OPERATORS.get('streq')!.create('%{TX.2}', init);
  assert.equal(streq.execute(new FakeTx({ 'tx.2': 'abc' }), 'abc').matched, true);
});

test('bad parameters fail at load with a message naming the problem', () => {
  assert.throws(() => run('ipMatch', '10.0.0.0/33', '1.2.3.4'), /bad prefix length/);
  assert.throws(() => run('ipMatch', 'example.com', '1.2.3.4'), /"example.com" is not an IP address/);
  assert.throws(() => run('validateByteRange', '10-300', 'x'), /bad range "10-300"/);
  assert.throws(() => run('validateByteRange', 'abc', 'x'), /"abc" is not a byte/);
  assert.throws(() => run('rx', '(a', 'x'), /missing closing \)/);
  assert.throws(() => run('rx', '(?=a)', 'x'), /lookarounds/);
  assert.throws(() => run('pmFromFile', 'missing.data', 'x'), /cannot read missing.data/);
  assert.throws(() => run('pm', '  ', 'x'), /at least one phrase/);
});

test('toInt reads integers as std::stoi does', () => {
  assert.equal(toInt('42'), 42);
  assert.equal(toInt('  -7abc'), -7);
  assert.equal(toInt('+3'), 3);
  assert.equal(toInt('x1'), 0);
  assert.equal(toInt(''), 0);
  assert.equal(toInt('99999999999'), 0);
});

test('Aho-Corasick finds overlapping phrases, suffixes and case variants', () => {
  const ac = new AhoCorasick(['he', 'she', 'his', 'hers', 'ushers-x']);
  assert.equal(ac.phrases[ac.search('USHERS')]!, 'she'); // 'she' ends first (at index 3)
  assert.equal(ac.search('hi'), -1);
  assert.equal(ac.phrases[ac.search('xhisx')]!, 'his');
  const suffix = new AhoCorasick(['abcd', 'bc']);
  assert.equal(suffix.phrases[suffix.search('abce')]!, 'bc'); // found through a failure link
  const big = new AhoCorasick(Array.from({ length: 5000 }, (_, i) => `word${i}x`));
  assert.equal(big.phrases[big.search(`${'word'.repeat(10000)}WORD4999X`)]!, 'word4999x');
});

const crsRules = new URL('../../../../../../shared/corpora/crs-4.28.0/rules/', import.meta.url);

test('@pmFromFile loads every CRS v4.28.0 data file and finds its phrases case-insensitively', (t) => {
  const rulesDir = crsRules.pathname;
  let files: string[];
  try {
    files = readdirSync(rulesDir).filter((f) => f.endsWith('.data'));
  } catch {
    t.skip(`CRS corpus not found at ${rulesDir}`);
    return;
  }
  const crsInit: OperatorInit = { baseDir: rulesDir, readFile: (p) => readFileSync(join(rulesDir, p), 'latin1') };
  let phrases = 0;
  for (const f of files) {
    const lines = readFileSync(join(rulesDir, f), 'latin1')
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
    phrases += lines.length;
    const op = OPERATORS.get('pmfromfile')!.create(f, crsInit);
    // Every listed phrase is found inside surrounding text, in ASCII upper case too (bytes above 0x7F do not fold).
    for (const line of lines) {
      assert.equal(op.execute(new FakeTx(), `zz${line.replace(/[a-z]+/g, (m) => m.toUpperCase())}zz`).matched, true, `${f}: ${line}`);
    }
    assert.equal(op.execute(new FakeTx(), '\x01\x02\x03').matched, false, f);
  }
  assert.equal(files.length, 21);
  t.diagnostic(`${files.length} data files, ${phrases} phrases`);
});

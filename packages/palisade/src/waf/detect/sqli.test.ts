import { test } from 'node:test';
import assert from 'node:assert/strict';
import { detectSqli, explainSqli, foldSql } from './sqli.js';
import { SqlContext, tokenizeSql, type SqlToken } from './sql-tokenizer.js';

function types(input: string, ctx: SqlContext = SqlContext.AsIs): string {
  const out: SqlToken[] = [];
  tokenizeSql(input, ctx, out, 64);
  return out.map((t) => t.type).join('');
}

function folded(input: string, ctx: SqlContext = SqlContext.AsIs): string {
  const out: SqlToken[] = [];
  tokenizeSql(input, ctx, out, 64);
  return foldSql(out).tokens.map((t) => t.type).join('');
}

test('tokenizer: literals, names, operators, comments', () => {
  assert.equal(types("1 'a' \"b\" name @v @@version"), '1ssnvv');
  assert.equal(types('0x1F 0b101 1.5e-3 .5 1e5'), '11111');
  assert.equal(types("N'x' _utf8'y' X'41'"), 'sss');
  assert.equal(types('select a from b union all select'), 'EnknUE');
  assert.equal(types('a >= 1 and b <=> 2 || c'), 'no1&no1&n');
  assert.equal(types('1 -- c\n2 # c\n3 /* c */ 4'), '1c1c1c1');
  // MySQL's executable comments and nested comments are evasions.
  assert.equal(types('1 /*!50000union*/'), '1X');
  assert.equal(types('1 /* /* */ */'), '1Xoo');
  // `--` needs a space, the end, or a line break to be a comment ("--INFANT" is prose).
  assert.equal(types('a --b'), 'noon');
  assert.equal(types('a--'), 'nc');
  // Digits glued to a keyword split (`1union`), glued to other letters are a name (`1a`).
  assert.equal(types('1union select'), '1UE');
  assert.equal(types('2nd'), 'n');
  // ... unless the word is called: `713system(` is 713 then a call (XML text runs together so).
  assert.equal(types("713system('id')"), '1n(s)');
  // PostgreSQL casts vanish; `\N` is NULL.
  assert.equal(types('1::text + \\N'), '1o1');
});

test('tokenizer: quoted contexts start inside the string', () => {
  assert.equal(types("x' or 'a'='a", SqlContext.SingleQuote), 's&sos');
  assert.equal(types('x" or 1', SqlContext.DoubleQuote), 's&1');
  assert.equal(types("no quote here", SqlContext.SingleQuote), 's');
  // Backslash and doubled quotes escape.
  assert.equal(types("it\\'s '' still' and", SqlContext.SingleQuote), 's&');
});

test('folding: unary signs, arithmetic and literal comparisons collapse', () => {
  assert.equal(folded('-1 union select'), '1UE');
  assert.equal(folded('1 = 1 or 1'), '1&1');
  assert.equal(folded("1*1--"), '1c');
  assert.equal(folded('1 /* x */ union'), '1U');
  // A call is not folded into the value before it.
  assert.equal(folded('1+pi()'), '1on()');
});

const ATTACKS = [
  "1' or '1'='1",
  "' or 1=1--",
  "admin'--",
  "admin' #",
  '1 or 1=1',
  '1 union select 1,2,3',
  '-1 UNION ALL SELECT null, version()--',
  "1'; DROP TABLE users; --",
  "x' AND sleep(5)#",
  '1 AND (SELECT 1 FROM dual)',
  "1) or (1=1",
  "') or ('a'='a",
  '1 /*!50000union*/ select 1',
  'SELECT * FROM users WHERE id = 1',
  "1; waitfor delay '0:0:5'--",
  'ascii(substring(version(),1,1))',
  "x' and extractvalue(1,concat(0x7e,user()))--",
  "1' order by 3--",
  '1 and 1=2 union select password from users',
  '@@version--',
  // A number, then a call no statement would hold: an operator or function the tables don't know.
  "713system('id');",
  '1 sleep(5)',
  '1 foo(@x)',
];

const BENIGN = [
  "O'Brien",
  "Don't select the union option or you'll regret it",
  "I'd like 1-2 items",
  "john.o'reilly@example.com",
  '{"name": "O\'Brien", "age": 42, "tags": ["a", "b"]}',
  'https://example.com/search?q=union+select&page=2',
  "Prices: 1-2 dollars, or 3-4 if you're late",
  'select your size from the list',
  "Tom & Jerry's or Bob's",
  "it's 5 o'clock -- time to go",
  "He said 'yes' or 'no' and left",
  "Mary's order by Friday",
  'A or B; then C',
  'She\'s 5\'6" tall',
  "the 'and' operator",
  "rock 'n' roll and jazz",
  'price = 5 or less',
  "we're #1 -- really",
  "L'Oréal and Lancôme",
  "where is O'Hare airport?",
  'drop me a line at bob@x.org',
  'update: the table is set',
  '10 or less',
  '80% wool and 20% silk',
  'rock and roll',
  '1,2,3',
  'order #1234 -- shipped',
  'Please select one from the menu below',
  '2024-01-05',
  'SKU-1611-abc--',
  "Let's meet at 5 or 6 o'clock",
  'Is it true or false?',
  'null',
  'a=1&b=2',
  '2 pages (3)',
  '2 eggs (large)',
  '10am (x)',
];

test('detects common injections', () => {
  for (const a of ATTACKS) assert.equal(detectSqli(a).isSqli, true, `should flag: ${a} (${explainSqli(a).map((e) => e.fingerprint).join(' ')})`);
});

test('does not flag prose, names with apostrophes, e-mail, JSON, URLs, prices', () => {
  for (const b of BENIGN) assert.equal(detectSqli(b).isSqli, false, `should pass: ${b} (${explainSqli(b).map((e) => e.fingerprint).join(' ')})`);
});

test('reports the fingerprint of the matching context', () => {
  assert.equal(detectSqli("1' or '1'='1").fingerprint, 's&sos');
  assert.equal(detectSqli('1 union select 1').fingerprint, '1UE1');
  assert.equal(detectSqli('hello world').fingerprint, 'nn');
  assert.equal(detectSqli('hello').fingerprint, '', 'single words take the fast path');
});

test('the token caps bound long inputs (tokens beyond the window are not read)', () => {
  const long = `1 or 1=1 ${'and x '.repeat(20000)}`;
  assert.equal(detectSqli(long).isSqli, true);
  const benign = 'word '.repeat(20000);
  assert.equal(detectSqli(benign).isSqli, false);
  const quotes = "'".repeat(100000);
  assert.equal(typeof detectSqli(quotes).isSqli, 'boolean');
});

/**
 * The @detectSQLi / @detectXSS detectors measured against libinjection's own vectors and samples
 * (agreement, recall, false positives), Palisade's made-up benign text, per-call cost on benign
 * values, and the worst time over adversarial 64 KB inputs (budget: 50 ms per call).
 *
 *   npm run measure:waf-detect [-- --size 65536 --misses 20 --text a.txt,b.txt]
 *
 * `--text` adds plain-text files whose non-empty lines are all benign (e.g. the licence texts in
 * /usr/share/common-licenses/*): each line is one input.
 *
 * Measures and prints; asserts nothing (the floors live in detect/libinjection-corpus.test.ts).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type * as Sqli from '../packages/palisade/dist/waf/detect/sqli.js';
import type * as Xss from '../packages/palisade/dist/waf/detect/xss.js';
import type * as Corpus from '../packages/palisade/dist/waf/detect/libinjection-corpus.js';

const dist = new URL('../../packages/palisade/dist/waf/detect/', import.meta.url);
const { detectSqli } = (await import(new URL('sqli.js', dist).href)) as typeof Sqli;
const { detectXss } = (await import(new URL('xss.js', dist).href)) as typeof Xss;
const corpus = (await import(new URL('libinjection-corpus.js', dist).href)) as typeof Corpus;

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : dflt;
}
const size = Number(arg('size', '65536'));
const showMisses = Number(arg('misses', '0'));
const BUDGET_MS = 50;
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const dir = corpus.libinjectionDir(repoRoot);

// 1. Agreement with libinjection.
if (corpus.corpusPresent(dir)) {
  const m = corpus.measureDetectors(dir, detectSqli, detectXss);
  const line = (label: string, f: Corpus.Figure) => {
    console.log(`${label.padEnd(46)} ${corpus.pct(f)}`);
    for (const miss of f.misses.slice(0, showMisses)) console.log(`    ${miss}`);
  };
  console.log(`libinjection corpus: ${dir}`);
  line('SQLi: test-sqli-*.txt "is it SQLi" agreement', m.sqliVectors);
  line('SQLi: same fingerprint (where SQLi expected)', m.sqliFingerprints);
  line('SQLi: recall on data/sqli-*.txt', m.sqliRecall);
  line('SQLi: flagged in data/false_positives.txt', m.sqliFalsePositives);
  line('XSS:  recall on data/xss-*.txt', m.xssRecall);
  line('XSS:  flagged in data/false_positives.txt', m.xssFalsePositives);
  line('HTML5 tokens as test-html5-*.txt expects', corpus.measureHtmlTokenizer(dir, corpus.htmlTokensAsLibinjection));
} else {
  console.log(`SKIP agreement: libinjection corpus not found at ${dir}`);
}

// 2. Made-up benign text: what CRS at PL1 sees in ordinary form fields and JSON.
const BENIGN = [
  "O'Brien", "Don't select the union option or you'll regret it", "I'd like 1-2 items",
  "john.o'reilly@example.com", '{"name": "O\'Brien", "age": 42, "tags": ["a", "b"]}',
  "Prices: 1-2 dollars, or 3-4 if you're late", 'select your size from the list',
  "Tom & Jerry's or Bob's", "it's 5 o'clock -- time to go", "He said 'yes' or 'no' and left",
  "Mary's order by Friday", 'A or B; then C', 'She\'s 5\'6" tall', "the 'and' operator",
  "rock 'n' roll and jazz", 'price = 5 or less', "we're #1 -- really", "L'Oréal and Lancôme",
  "where is O'Hare airport?", 'drop me a line at bob@x.org', 'update: the table is set',
  '10 or less', '80% wool and 20% silk', '1,2,3', 'order #1234 -- shipped', '2024-01-05',
  "Let's meet at 5 or 6 o'clock", 'Is it true or false?', 'a=1&b=2', 'https://example.com/a?b=c&d=e',
  'Union members select a delegate from each branch.', "I can't decide: union or non-union?",
  'Please delete my account or update my e-mail address', '"Quoted" and "double quoted" text',
  'x < y and y > z', 'see <a href="https://example.com">this link</a>', '<b>bold</b> text',
  '<p class="note">Hello</p>', 'Tom\'s "onion" online=yes', '{"html":"<em>hi</em>"}',
  'He wrote 3 < 4 in the margin', "C'est l'été, n'est-ce pas ?", 'mailto:someone@example.com',
  '1/2 cup sugar, 3-4 eggs', 'SKU 12-345-678', '#hashtag and @mention', 'on the fly; online only',
];
let sqliFp = 0;
let xssFp = 0;
for (const b of BENIGN) {
  if (detectSqli(b).isSqli) {
    sqliFp++;
    console.log(`    benign flagged as SQLi: ${JSON.stringify(b)} ${detectSqli(b).fingerprint}`);
  }
  if (detectXss(b).isXss) {
    xssFp++;
    console.log(`    benign flagged as XSS: ${JSON.stringify(b)} ${detectXss(b).reason}`);
  }
}
console.log(`made-up benign text: SQLi flagged ${sqliFp}/${BENIGN.length}, XSS flagged ${xssFp}/${BENIGN.length}`);
const textFiles = arg('text', '').split(',').filter((f) => f !== '');
if (textFiles.length > 0) {
  let lines = 0;
  let sq = 0;
  let xs = 0;
  for (const file of textFiles) {
    for (const raw of readFileSync(file, 'latin1').split('\n')) {
      const l = raw.trim();
      if (l.length < 3) continue;
      lines++;
      if (detectSqli(l).isSqli) sq++;
      if (detectXss(l).isXss) xs++;
    }
  }
  console.log(`text lines (${textFiles.length} files): SQLi flagged ${sq}/${lines} (${((100 * sq) / lines).toFixed(2)} %), XSS flagged ${xs}/${lines}`);
}

// 3. Cost per call on benign values (what every request pays).
function perCall(fn: (s: string) => unknown): number {
  let n = 0;
  const c = process.cpuUsage();
  const t = performance.now();
  while (performance.now() - t < 1000) {
    for (const b of BENIGN) fn(b);
    n += BENIGN.length;
  }
  const cpu = process.cpuUsage(c);
  return ((cpu.user + cpu.system) * 1000) / n;
}
perCall(detectSqli);
perCall(detectXss);
console.log(`benign cost (CPU time, the ${BENIGN.length} texts above): detectSQLi ${perCall(detectSqli).toFixed(0)} ns/call, detectXSS ${perCall(detectXss).toFixed(0)} ns/call`);

// 4. Worst case on adversarial inputs of `size` bytes.
function fill(unit: string, head = '', tail = ''): string {
  return head + unit.repeat(Math.ceil((size - head.length - tail.length) / unit.length)) + tail;
}
const adversarial: [string, string][] = [
  ['quotes', fill("'")],
  ['escaped quotes', fill("\\'")],
  ['dq + sq', fill('"\'')],
  ['dashes', fill('-')],
  ['dash pairs + word', fill('--a')],
  ['open comments', fill('/*')],
  ['nested comments', fill('/*/*')],
  ['parens', fill('(')],
  ['1 or ', fill('1 or ')],
  ["' or '", fill("' or '")],
  ['select list', fill('1,', 'select ')],
  ['words', fill('union ')],
  ['numbers', fill('1.')],
  ['backticks', fill('`')],
  ['at signs', fill('@')],
  ['tag opens', fill('<a ')],
  ['lt', fill('<')],
  ['comment opens', fill('<!--')],
  ['attributes', fill(' a=b', '<x')],
  ['entity soup', fill('&#', '<a href="', '">')],
  ['bogus comments', fill('</ ')],
  ['unquoted values', fill('x=', '<a ')],
  ['random bytes', Array.from({ length: size }, (_, i) => String.fromCharCode((i * 2654435761) % 251)).join('')],
];
// Timed as CPU time of this process (process.cpuUsage), so that other work on a shared machine
// does not count against the detector; wall time is printed beside it.
let worstAll = 0;
for (const [name, input] of adversarial) {
  let worstCpu = 0;
  let worstWall = 0;
  for (const fn of [detectSqli, detectXss] as ((s: string) => unknown)[]) {
    // Warm (JIT tiers up over the first calls, as it does in a running gateway), then keep the
    // slowest of three runs.
    for (let w = 0; w < 3; w++) fn(input);
    for (let r = 0; r < 3; r++) {
      const c = process.cpuUsage();
      const t = performance.now();
      fn(input);
      const wall = performance.now() - t;
      const cpu = process.cpuUsage(c);
      worstCpu = Math.max(worstCpu, (cpu.user + cpu.system) / 1000);
      worstWall = Math.max(worstWall, wall);
    }
  }
  worstAll = Math.max(worstAll, worstCpu);
  console.log(`  ${name.padEnd(20)} ${worstCpu.toFixed(2)} ms CPU (${worstWall.toFixed(2)} ms wall)`);
}
console.log(`max worst-case CPU time over ${adversarial.length} adversarial ${size}-byte inputs: ${worstAll.toFixed(2)} ms ${worstAll <= BUDGET_MS ? 'PASS' : 'FAIL'} (budget ${BUDGET_MS} ms)`);

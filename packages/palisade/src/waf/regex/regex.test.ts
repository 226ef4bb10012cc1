import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import RE2 from 're2';
import { RegexCache, compileRegex, warmPrefilters } from './compile.js';
import type { RegexEngine } from './compile.js';
import { parseRegex } from './parse.js';
import { checkBacktrackingSafety } from './safety.js';
import { prefilterOf } from './prefilter.js';
import { adversarialInputs, rng, sampleMatch } from './adversarial.js';
import { distinctPatterns, readCrsRxPatterns } from './crs-corpus.js';

const ENGINES: RegexEngine[] = ['js', 're2'];

/** [pattern, input, expected first match or null] — RE2 semantics over byte strings. */
const VECTORS: [string, string, string | null][] = [
  ['a\\s+b', 'a \t\n\f\rb', 'a \t\n\f\rb'],
  ['a\\sb', 'a\x0bb', null], // RE2's \s has no \v
  ['a\\sb', 'a\xa0b', null], // nor NBSP (JS's \s has both)
  ['^abc$', 'abc\n', null], // $ is the end of the input
  ['(?m)^abc$', 'x\nabc\ny', 'abc'],
  ['(?m)^b', 'ab', null],
  ['a.c', 'a\nc', 'a\nc'], // dotall by default, as ModSecurity and Coraza
  ['(?-s)a.c', 'a\nc', null],
  ['(?-s)a.c', 'a\rc', 'a\rc'], // only \n is excluded (JS would also exclude \r)
  ['(?i)SeLeCt', 'xselectx', 'select'],
  ['a(?i:b)c', 'aBc', 'aBc'],
  ['a(?i:b)c', 'aBC', null],
  ['(?i)a(?-i:b)', 'Ab', 'Ab'],
  ['(?i)a(?-i:b)', 'AB', null],
  ['x(?i)y|z', 'Z', 'Z'], // (?i) lasts across | until the group ends
  ['(?:a(?i)b)c', 'aBc', 'aBc'],
  ['(?:a(?i)b)c', 'aBC', null],
  ['(?i)\\x{c0}', '\xe0', null], // case folding is ASCII only, as ModSecurity's PCRE without UTF
  ['\\x{e2}\\x80', 'x\xe2\x80y', '\xe2\x80'],
  ['\\xe2', '\xe2', '\xe2'],
  ['\\x{2028}', '\xe2\x80\xa8', '\xe2\x80\xa8'], // above 0xFF: its UTF-8 bytes
  ['€', '\xe2\x82\xac', '\xe2\x82\xac'], // a literal above 0xFF (pattern not Latin-1 decoded): its UTF-8 bytes
  ['\xe9', 'caf\xe9', '\xe9'], // a Latin-1 character is the byte itself
  ['[[:alpha:]]+', '12abC3', 'abC'],
  ['[[:^digit:]]+', '12ab3', 'ab'],
  ['[^[:space:]]+', ' \tab ', 'ab'],
  ['\\Qa.b*\\E+', 'a.b**', 'a.b**'],
  ['\\Aab', 'xab', null],
  ['ab\\z', 'xab', 'ab'],
  ['\\bfoo\\b', 'a foo.', 'foo'],
  ['\\bfoo\\b', 'afoo', null],
  ['\\Bfoo', 'afoo', 'foo'],
  ['[\\d-z]+', 'a9-z', '9-z'],
  ['[a-]+', 'x-a-', '-a-'],
  ['[]a]+', 'x]a]', ']a]'],
  ['a{2,3}', 'aaaa', 'aaa'],
  ['a{2,3}?', 'aaaa', 'aa'],
  ['a{,2}', 'a{,2}', 'a{,2}'], // not a repeat in RE2: literal
  ['(a|ab)(c|bcd)', 'abcd', 'abcd'], // leftmost-first (Perl order): a, then bcd
  ['(a|ab)(c|d)', 'abd', 'abd'],
  ['\\101\\0', 'A\0', 'A\0'],
  ['[^\\x00-\\x{7f}]', 'abc\xe9', '\xe9'],
  ['(?U)a+', 'aaa', 'a'],
  ['(?P<word>\\w+)-(?<n>\\d)', '~ab-1', 'ab-1'],
  ['\\.\\*\\?\\+\\(\\)\\[\\]\\{\\}\\|\\^\\$\\\\\\/', '.*?+()[]{}|^$\\/', '.*?+()[]{}|^$\\/'],
  ['[\\x{100}-\\x{200}a]', 'xa', 'a'], // code points above 0xFF dropped from a class
];

test('RE2 semantics vectors, on both back ends', () => {
  for (const [pattern, input, expected] of VECTORS) {
    for (const engine of ENGINES) {
      const m = compileRegex(pattern, { engine }).exec(input);
      assert.equal(m?.[0] ?? null, expected, `${engine}: /${pattern}/ on ${JSON.stringify(input)}`);
    }
  }
});

test('syntax outside RE2 is refused with the offset and the reason', () => {
  const bad: [string, RegExp][] = [
    ['(?=a)', /offset 0: .*lookarounds/],
    ['(?<!a)b', /lookarounds/],
    ['(a)\\1', /offset 3: backreferences are not supported/],
    ['a**', /bad repetition operator/],
    ['*a', /missing argument to repetition operator/],
    ['(ab', /missing closing \)/],
    ['ab)', /unmatched/],
    ['[ab', /missing closing \]/],
    ['a{1001}', /repeat count above 1000/],
    ['a{3,2}', /bad repeat/],
    ['\\xZZ', /bad \\x escape/],
    ['\\pL', /Unicode classes/],
    ['[[:nope:]]', /unknown POSIX class/],
    ['[z-a]', /bad character class range/],
    ['\\q', /unknown escape \\q/],
    ['(?x)a', /unknown flag "x"/],
    ['[\\x{100}]', /only code points above 0xFF/],
  ];
  for (const [p, re] of bad) assert.throws(() => parseRegex(p), re, p);
  assert.throws(() => parseRegex('('.repeat(600) + ')'.repeat(600)), /nesting deeper than 500/);
  assert.throws(() => parseRegex('(?:(?:a{1000}){1000}){10}'), /too large after expanding/);
});

test('the static check routes only bounded patterns to JS', () => {
  const safe = (p: string) => checkBacktrackingSafety(parseRegex(p, { flags: 's' }).root).safe;
  assert.equal(safe('(?i)\\b(?:select|union|insert)\\b'), true);
  assert.equal(safe('^[a-z]{1,10}=\\d{1,5}$'), true);
  assert.equal(safe('foo.*'), true); // tail repeat: reached once, then the match succeeds
  assert.equal(safe('a\\s*='), false); // quadratic on "aaaa…" with spaces and no '='
  assert.equal(safe('(a+)+b'), false); // exponential
  assert.equal(safe('(?:a|a){1,30}b'), false); // ambiguity under a counted repeat
  assert.equal(safe('(?:x+)*'), false); // nested unbounded, even in tail position
  assert.equal(compileRegex('a\\s*=').engine, 're2');
  assert.equal(compileRegex('(?i)\\bunion\\b').engine, 'js');
});

test('prefilters are a necessary condition: they match wherever the pattern does', () => {
  const pre = prefilterOf(parseRegex('(?i)union\\s+select\\s+\\w+', { flags: 's' }).root);
  assert.ok(pre);
  const gated = compileRegex('(?i)union\\s+select\\s+\\w+');
  assert.ok(gated.prefilter?.includes('[Ss][Ee][Ll][Ee][Cc][Tt]'), gated.prefilter ?? 'none'); // the most selective run
  assert.equal(gated.exec('a UNION  SELECT x')?.[0], 'UNION  SELECT x');
  assert.equal(gated.exec('a union'), null);
  assert.equal(compileRegex('^\\s*x+=').prefilter, 'x='); // a run from the middle of the sequence
  assert.equal(prefilterOf(parseRegex('a*b?\\s*', { flags: 's' }).root), null); // nothing required: no gate
  // A gate never hides a match: on inputs that match, the gate matches too.
  for (const p of ['(?i)union\\s+select\\s+\\w+', '^\\s*x+=', '(?:ab+c|d\\s*e)f']) {
    const c = compileRegex(p);
    const gate = new RegExp(c.prefilter ?? '');
    for (const input of ['x UNION  SELECT 1', '  xx=1', 'abbbcf', 'd  ef', 'nothing']) {
      if (compileRegex(p, { engine: 're2', prefilter: false }).test(input)) assert.ok(gate.test(input), `${p} gate on ${input}`);
    }
  }
});

test('a prefilter is found on first use, or ahead of it by warmPrefilters', () => {
  const first = compileRegex('(?i)union\\s+select\\s+\\w+\\s+from');
  assert.equal(first.exec('1 UNION SELECT a FROM t')?.[0], 'UNION SELECT a FROM'); // found here
  const warmed = compileRegex('(?i)union\\s+select\\s+\\w+\\s+into');
  while (!warmPrefilters(1));
  assert.ok(warmed.prefilter?.includes('[Ss][Ee][Ll][Ee][Cc][Tt]'), warmed.prefilter ?? 'none');
  assert.equal(warmed.exec('1 union select a from x'), null);
  assert.equal(warmed.exec('1 union select a  into x')?.[0], 'union select a  into');
});

test('the cache compiles a pattern once and stays bounded', () => {
  const cache = new RegexCache(2);
  const a = cache.get('a+b');
  assert.equal(cache.get('a+b'), a);
  cache.get('c');
  cache.get('d');
  assert.equal(cache.size, 2);
  assert.notEqual(cache.get('a+b'), a);
});

const rulesDir = fileURLToPath(new URL('../../../../../../shared/corpora/crs-4.28.0/rules', import.meta.url));

test('every CRS v4.28.0 @rx pattern compiles, and both back ends and RE2 itself agree on it', (t) => {
  if (!existsSync(rulesDir)) {
    t.skip(`CRS corpus not found at ${rulesDir}`);
    return;
  }
  const all = readCrsRxPatterns(rulesDir);
  const pats = distinctPatterns(all);
  assert.equal(all.length, 318, '@rx operators in CRS v4.28.0');
  assert.equal(pats.length, 294, 'distinct @rx patterns in CRS v4.28.0');
  const benign = ['GET /index.html HTTP/1.1', 'Mozilla/5.0 (X11; Linux x86_64)', 'a=1&b=2', 'select', '<script>alert(1)</script>', "' or 1=1--", '../../etc/passwd', '; cat /etc/passwd', ''];
  let checked = 0;
  let engines = { js: 0, re2: 0 };
  for (const [i, p] of pats.entries()) {
    const where = `${p.file}:${p.line} (id ${p.id})`;
    const hybrid = compileRegex(p.pattern);
    engines[hybrid.engine]++;
    // Forcing JS on a pattern the static check refused could backtrack for minutes: compare it
    // only where it is safe (the vectors above cover the JS emitter's other constructs).
    const js = hybrid.engine === 'js' ? compileRegex(p.pattern, { engine: 'js' }) : null;
    const re2 = compileRegex(p.pattern, { engine: 're2', prefilter: false });
    const reference = new RE2(`(?s)${p.pattern}`); // RE2 parsing the original text itself
    const root = parseRegex(p.pattern, { flags: 's' }).root;
    const r = rng(i + 1);
    const inputs = [...benign];
    for (let k = 0; k < 6; k++) {
      const s = sampleMatch(root, r, 300);
      inputs.push(s, s.slice(0, -1), `xx ${s} yy`);
    }
    for (const input of inputs) {
      const a = js ? js.exec(input) : re2.exec(input);
      const b = re2.exec(input);
      const h = hybrid.exec(input);
      assert.equal(a?.[0], b?.[0], `${where}: JS and RE2 differ on ${JSON.stringify(input)}`);
      assert.equal(a?.index, b?.index, `${where}: match positions differ`);
      assert.equal(h?.[0], b?.[0], `${where}: the hybrid differs on ${JSON.stringify(input)}`);
      if (!/[\x80-\uffff]/.test(input)) {
        // Latin-1 letters fold in RE2's UTF-8 mode but not in ModSecurity; compare ASCII inputs only.
        assert.equal(reference.exec(input)?.[0], b?.[0], `${where}: differs from RE2 on the original pattern, input ${JSON.stringify(input)}`);
      }
      checked++;
    }
  }
  t.diagnostic(`${pats.length} patterns compiled (${engines.js} on JS RegExp, ${engines.re2} on RE2); ${checked} inputs agreed on all back ends`);
  engines = { js: 0, re2: 0 };
});

test('adversarial inputs have the requested size and exercise the repeats', () => {
  const root = parseRegex('a(?:b|c)+d\\s*e', { flags: 's' }).root;
  const inputs = adversarialInputs(root, 4096, 3);
  assert.ok(inputs.length >= 8);
  for (const { input } of inputs) assert.ok(input.length <= 4096);
  assert.ok(inputs.some(({ name, input }) => name.startsWith('pump') && input.length === 4096));
});

/**
 * Agreement with libinjection's published vectors and samples, read in place from
 * ../shared/corpora/libinjection-85e252a. The floors are what the detectors reach today: a
 * change that lowers one fails here. `npm run measure:waf-detect` prints the full figures.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { corpusPresent, htmlTokensAsLibinjection, libinjectionDir, measureDetectors, measureHtmlTokenizer, pct, type Figure } from './libinjection-corpus.js';
import { detectSqli } from './sqli.js';
import { detectXss } from './xss.js';

// dist/waf/detect/ → repository root.
const repoRoot = fileURLToPath(new URL('../../../../../', import.meta.url));
const dir = libinjectionDir(repoRoot);
const present = corpusPresent(dir);
const skip = present ? false : `libinjection corpus not found at ${dir}`;

function rate(f: Figure): number {
  return f.hits / f.total;
}

test('SQLi and XSS detectors against libinjection vectors and samples', { skip }, () => {
  const m = measureDetectors(dir, detectSqli, detectXss);
  const show = (f: Figure) => `${pct(f)}\n  ${f.misses.slice(0, 10).join('\n  ')}`;
  assert.ok(m.sqliVectors.total >= 50, 'test-sqli-*.txt vectors read');
  assert.ok(rate(m.sqliVectors) >= 0.98, `SQLi vector agreement ${show(m.sqliVectors)}`);
  assert.ok(rate(m.sqliFingerprints) >= 0.6, `SQLi fingerprint equality ${show(m.sqliFingerprints)}`);
  assert.ok(m.sqliRecall.total >= 2000, 'data/sqli-*.txt samples read');
  assert.ok(rate(m.sqliRecall) >= 0.955, `SQLi recall ${show(m.sqliRecall)}`);
  assert.ok(m.xssRecall.total >= 1600, 'data/xss-*.txt samples read');
  assert.ok(rate(m.xssRecall) >= 0.985, `XSS recall ${show(m.xssRecall)}`);
  assert.ok(m.sqliFalsePositives.total >= 400, 'data/false_positives.txt read');
  assert.ok(rate(m.sqliFalsePositives) <= 0.006, `SQLi false positives ${show(m.sqliFalsePositives)}`);
  assert.ok(rate(m.xssFalsePositives) <= 0.003, `XSS false positives ${show(m.xssFalsePositives)}`);
});

test('HTML5 tokenizer against libinjection test-html5-*.txt (tags, attributes, comments)', { skip }, () => {
  const f = measureHtmlTokenizer(dir, htmlTokensAsLibinjection);
  assert.ok(f.total >= 60, 'test-html5-*.txt vectors read');
  // The rest are deliberate: CDATA is a bogus comment in HTML content, as the standard says.
  assert.ok(rate(f) >= 0.9, `HTML5 token agreement ${pct(f)}\n  ${f.misses.join('\n  ')}`);
});

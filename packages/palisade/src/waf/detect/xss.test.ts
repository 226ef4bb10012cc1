import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeEntities, detectXss, scriptScheme } from './xss.js';
import { HtmlState, tokenizeHtml } from './html5-tokenizer.js';

function tokens(input: string, state: HtmlState = HtmlState.Data): string[] {
  const out: string[] = [];
  tokenizeHtml(input, state, (type, text, attr) => {
    out.push(`${type}:${text}${attr === '' ? '' : `@${attr}`}`);
    return false;
  });
  return out;
}

test('html5 tokenizer: tags, attributes in every quoting, comments', () => {
  assert.deepEqual(tokens('a <b class="x" id=\'y\' hidden data=z>t</b>'), [
    '1:b', '3:class@=', '4:x@class', '3:id@=', '4:y@id', '3:hidden', '3:data@=', '4:z@data', '2:b',
  ]);
  assert.deepEqual(tokens('<svg/onload=alert(1)>'), ['1:svg', '3:onload@=', '4:alert(1)@onload']);
  assert.deepEqual(tokens('<!-- c --><!x><?pi?>'), ['5: c ', '5:x', '5:pi?']);
  // A `<` not followed by a letter is text; NULs in names are dropped.
  assert.deepEqual(tokens('1 < 2 <3 <scr\0ipt>'), ['1:script']);
  // End-tag attributes are parsed and dropped.
  assert.deepEqual(tokens('</a onclick=x>'), ['2:a']);
});

test('html5 tokenizer: starting inside attribute values', () => {
  assert.deepEqual(tokens('x" onerror="y', HtmlState.ValueDouble), ['4:x', '3:onerror@=', '4:y@onerror']);
  assert.deepEqual(tokens("x' autofocus onfocus=y", HtmlState.ValueSingle), ['4:x', '3:autofocus', '3:onfocus@=', '4:y@onfocus']);
  assert.deepEqual(tokens('x onmouseover=y', HtmlState.ValueUnquoted), ['4:x', '3:onmouseover@=', '4:y@onmouseover']);
  assert.deepEqual(tokens('x> <img>', HtmlState.ValueUnquoted), ['4:x', '1:img']);
});

test('entity decoding and script schemes', () => {
  assert.equal(decodeEntities('jav&#x61;script&colon;a', 100), 'javascript:a');
  assert.equal(decodeEntities('&#106&#97', 100), 'ja');
  assert.equal(scriptScheme(' java\tscript:alert(1)'), 'javascript');
  assert.equal(scriptScheme('&#x6A;avascript:x'), 'javascript');
  assert.equal(scriptScheme('data:text/html;base64,xx'), 'data');
  assert.equal(scriptScheme('data:image/png;base64,xx'), '');
  assert.equal(scriptScheme('https://example.com/javascript:'), '');
});

const ATTACKS: [string, string][] = [
  ['<script>alert(1)</script>', 'tag:script'],
  ['<img src=x onerror=alert(1)>', 'attr:onerror'],
  ['<svg/onload=alert(1)>', 'tag:svg'],
  ['<a href="javascript:alert(1)">x</a>', 'url:javascript'],
  ['<a href="jav&#x09;ascript:alert(1)">x</a>', 'url:javascript'],
  ['<iframe src=//evil>', 'tag:iframe'],
  ['<object data="data:text/html,<script>alert(1)</script>">', 'tag:object'],
  ['<div style="width: expression(alert(1))">', 'attr:style'],
  ['"><img src=x onerror=alert(1)>', 'attr:onerror'],
  ['" onfocus="alert(1)" autofocus="', 'attr:onfocus'],
  ["' onmouseover='alert(1)", 'attr:onmouseover'],
  ['x onmouseover=alert(1)', 'attr:onmouseover'],
  ['<x:script xmlns:x="http://www.w3.org/1999/xhtml">alert(1)</x:script>', 'tag:x:script'],
  ['<!--[if gte IE 4]><script>alert(1)</script><![endif]-->', 'comment'],
  ['<form><button formaction="javascript:alert(1)">x</button></form>', 'url:javascript'],
  ['<iframe srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;">', 'tag:iframe'],
  ['<details open ontoggle=alert(1)>', 'attr:ontoggle'],
];

const BENIGN = [
  'a < b and c > d',
  '<b>bold</b> and <i>it</i>',
  'I <3 you',
  '<bob@example.com>',
  'Tom\'s "onion" online=yes',
  'x onclick',
  'see <a href="https://example.com">link</a>',
  '<p class="x">hi</p>',
  '{"html": "<em>x</em>"}',
  'once upon a time',
  '5 > 3 && 2 < 4',
  '<!-- note -->',
  'javascript:alert(1) is text here',
  '<img src="/logo.png" alt="Logo">',
  'O\'Brien said "hello" to the online crowd',
  'He wrote <code> in a sentence',
  '<a href="mailto:me@example.com">mail</a>',
  '<img src="data:image/png;base64,iVBORw0KGgo=">',
];

test('detects script tags, handlers, script URLs, styles and IE comments', () => {
  for (const [a, reason] of ATTACKS) assert.deepEqual(detectXss(a), { isXss: true, reason }, a);
});

test('does not flag text, harmless markup and plain attribute-like prose', () => {
  for (const b of BENIGN) assert.equal(detectXss(b).isXss, false, b);
});

test('long inputs are one pass per state', () => {
  assert.equal(detectXss(`${'<b>'.repeat(20000)}<script>`).isXss, true);
  assert.equal(detectXss('<a '.repeat(20000)).isXss, false);
  assert.equal(detectXss('"\''.repeat(50000)).isXss, false);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TRANSFORMATIONS } from './index.js';

/** [transformation, input, expected] — vectors written from the ModSecurity reference manual and v3 test cases. */
const VECTORS: [string, string, string][] = [
  ['none', 'AbC%20', 'AbC%20'],
  ['lowercase', 'HeLLo World 123', 'hello world 123'],
  ['lowercase', 'ÀÉ', 'ÀÉ'], // ASCII only: Latin-1 letters (0xC0, 0xC9) unchanged
  ['lowercase', 'already', 'already'],
  ['uppercase', 'Hello é', 'HELLO é'],
  ['urlDecode', 'a%20b+c', 'a b c'],
  ['urlDecode', '%41%42%43', 'ABC'],
  ['urlDecode', '%zz%4', '%zz%4'], // invalid and incomplete kept
  ['urlDecode', '%', '%'],
  ['urlDecode', '%00x', '\0x'],
  ['urlDecode', '%c3%a9', '\xc3\xa9'], // bytes, not characters
  ['urlDecode', '%u0041', '%u0041'],
  ['urlDecodeUni', '%u0041%u0062', 'Ab'],
  ['urlDecodeUni', '%uff1c', '<'], // full-width '<' folds to ASCII
  ['urlDecodeUni', '%U0041', 'A'],
  ['urlDecodeUni', '%u12', '%u12'], // incomplete kept
  ['urlDecodeUni', '%u004g', '%u004g'],
  ['urlDecodeUni', '%2f+%41', '/ A'],
  ['urlDecodeUni', '%u2215', '\x15'], // low byte, as ModSecurity without a unicode map
  ['jsDecode', '\\x41\\u0042\\n', 'AB\n'],
  ['jsDecode', '\\101\\60', 'A0'],
  ['jsDecode', '\\477', "'7"], // 3 digits starting above 3: only 2 used (\47 = ')
  ['jsDecode', '\\uff1c\\q\\', '<q\\'],
  ['jsDecode', '\\x4', 'x4'],
  ['jsDecode', 'plain', 'plain'],
  ['cssDecode', '\\41\\42 C', 'ABC'],
  ['cssDecode', 'j\\61vascript', 'javascript'],
  ['cssDecode', '\\000041', 'A'],
  ['cssDecode', '\\ff1c', '<'],
  ['cssDecode', 'a\\\nb', 'ab'],
  ['cssDecode', '\\"x', '"x'],
  ['cssDecode', 'end\\', 'end'],
  ['cssDecode', '\\e9', '\xe9'],
  ['htmlEntityDecode', '&lt;script&gt;', '<script>'],
  ['htmlEntityDecode', '&#60;&#x3c;&#X3C', '<<<'],
  ['htmlEntityDecode', '&QUOT;&amp;&nbsp;', '"&\xa0'],
  ['htmlEntityDecode', '&#;&#x;&foo;&', '&#;&#x;&foo;&'],
  ['htmlEntityDecode', '&#256;', '\0'], // low byte
  ['htmlEntityDecode', '&ltx', '&ltx'],
  ['utf8toUnicode', 'a\xc3\xa9b', 'a%u00e9b'],
  ['utf8toUnicode', '\xe2\x80\xa8', '%u2028'],
  ['utf8toUnicode', '\xf0\x9f\x98\x80', '%u1f600'],
  ['utf8toUnicode', '\xc3(', '\xc3('], // invalid continuation kept
  ['utf8toUnicode', 'ascii', 'ascii'],
  ['removeNulls', 'a\0b\0\0c', 'abc'],
  ['replaceNulls', 'a\0b', 'a b'],
  ['removeWhitespace', ' a\tb\nc\x0bd\xa0e ', 'abcde'],
  ['compressWhitespace', 'a  b\t\t\nc\xa0d', 'a b c d'],
  ['compressWhitespace', 'a b', 'a b'],
  ['trim', ' \t a b \n', 'a b'],
  ['trim', '\xa0x\xa0', '\xa0x\xa0'],
  ['trimLeft', '  a ', 'a '],
  ['trimRight', '  a \x0b', '  a'],
  ['cmdLine', 'C:\\WINDOWS\\System32\\cmd.exe /c "dir"', 'c:windowssystem32cmd.exe/c dir'],
  ['cmdLine', "w'h'o^a\\m\"i", 'whoami'],
  ['cmdLine', 'cat ,;  /etc/passwd', 'cat/etc/passwd'],
  ['cmdLine', 'echo  (X);ls', 'echo(x) ls'],
  ['replaceComments', 'a/*x*/b/*y', 'a b '],
  ['replaceComments', 'a*/b', 'a*/b'],
  ['removeComments', 'SELECT/*x*/1 -- rest', 'SELECT1 '],
  ['removeComments', 'a<!--x-->b#c', 'ab'],
  ['removeComments', 'a/*open', 'a '],
  ['removeCommentsChar', '/*a*/b<!--c-->d--e#f', 'abcdef'],
  ['normalizePath', '/a/b/../c/./d//e', '/a/c/d/e'],
  ['normalizePath', '/../../etc/passwd', '/etc/passwd'],
  ['normalizePath', '../a/../../b', '../../b'],
  ['normalizePath', '/a/b/..', '/a/'],
  ['normalizePath', '/a/', '/a/'],
  ['normalizePath', 'plain/path', 'plain/path'],
  ['normalisePath', '/x//y', '/x/y'],
  ['normalizePathWin', 'C:\\a\\..\\b\\.\\c', 'C:/b/c'],
  ['normalisePathWin', '\\\\x\\..\\y', '/y'],
  ['escapeSeqDecode', '\\n\\t\\x41\\101\\\\\\?', '\n\tAA\\?'],
  ['escapeSeqDecode', '\\q\\x4g\\', '\\q\\x4g\\'],
  ['escapeSeqDecode', '\\0', '\0'],
  ['length', '', '0'],
  ['length', 'a\xffb', '3'],
  ['base64Decode', 'SGVsbG8=', 'Hello'],
  ['base64Decode', 'SGVsbG8', 'Hello'],
  ['base64Decode', 'SGVs bG8=', 'Hel'],
  ['base64Decode', '/w==', '\xff'],
  ['base64DecodeExt', 'SGVs bG8.', 'Hello'],
  ['base64Encode', 'Hello\xff', 'SGVsbG//'],
  ['sha1', 'abc', Buffer.from('a9993e364706816aba3e25717850c26c9cd0d89d', 'hex').toString('latin1')],
  ['md5', 'abc', Buffer.from('900150983cd24fb0d6963f7d28e17f72', 'hex').toString('latin1')],
  ['hexEncode', 'A\xff\0', '41ff00'],
  ['hexDecode', '414243', 'ABC'],
  ['hexDecode', '41zz4', 'Azz4'],
  ['sqlHexDecode', 'SELECT 0x414243 x', 'SELECT ABC x'],
  ['sqlHexDecode', '0x4', '0x4'],
  ['urlEncode', 'a b/é*-._', 'a+b%2f%e9*-._'],
];

test('every transformation vector', () => {
  for (const [name, input, expected] of VECTORS) {
    const t = TRANSFORMATIONS.get(name.toLowerCase());
    assert.ok(t, `transformation ${name} is registered`);
    assert.equal(t.fn(input), expected, `${name}(${JSON.stringify(input)})`);
  }
});

test('every registered transformation has vectors and keeps byte strings within 0–255', () => {
  const covered = new Set(VECTORS.map(([n]) => n.toLowerCase()));
  const bytes = Array.from({ length: 256 }, (_, i) => String.fromCharCode(i)).join('');
  for (const [key, t] of TRANSFORMATIONS) {
    assert.equal(key, t.name.toLowerCase());
    assert.ok(covered.has(key), `no vector for ${t.name}`);
    for (const input of [bytes, `%u${bytes}\\x&#`, '']) {
      const out = t.fn(input);
      assert.ok(!/[\u0100-\uffff]/.test(out), `${t.name} produced a character above 0xFF`);
    }
  }
});

test('the transformations CRS v4 uses are all registered', () => {
  const crs = 'none urlDecodeUni lowercase jsDecode htmlEntityDecode utf8toUnicode removeNulls cssDecode cmdLine removeWhitespace replaceComments normalizePath escapeSeqDecode compressWhitespace normalizePathWin length base64Decode sha1 hexEncode removeCommentsChar';
  for (const n of crs.split(' ')) assert.ok(TRANSFORMATIONS.has(n.toLowerCase()), n);
});

test('long hostile inputs stay fast (no quadratic scans)', () => {
  const spaces = `a${' '.repeat(64 * 1024)}a`;
  for (const [, t] of TRANSFORMATIONS) {
    // A correctness check on a big input; the point is that it finishes, timing is the bench's job.
    const out = t.fn(spaces);
    assert.equal(typeof out, 'string');
  }
  assert.equal(TRANSFORMATIONS.get('trim')!.fn(spaces), spaces);
  assert.equal(TRANSFORMATIONS.get('compresswhitespace')!.fn(spaces), 'a a');
});

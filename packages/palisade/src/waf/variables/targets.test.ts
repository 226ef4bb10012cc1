import { test } from 'node:test';
import assert from 'node:assert/strict';
import { excludes, parseTargets, splitTargets } from './targets.js';

test('targets split on | outside regex keys; XPath keys are not regexes', () => {
  assert.deepEqual(splitTargets('ARGS|!ARGS:/a|b/|XML:/*|XML://@*|&TX:x'), ['ARGS', '!ARGS:/a|b/', 'XML:/*', 'XML://@*', '&TX:x']);
});

test('counts, exclusions, keys lower-cased, regex keys case-insensitive', () => {
  const [a, b, c, d] = parseTargets("&REQUEST_HEADERS:Host|!ARGS:Id|REQUEST_COOKIES:/^_ga/|ARGS:'quoted key'");
  assert.deepEqual([a!.name, a!.key, a!.count], ['REQUEST_HEADERS', 'host', true]);
  assert.deepEqual([b!.exclude, b!.key], [true, 'id']);
  assert.ok(c!.keyRegex!.test('_GA_x'));
  assert.equal(d!.key, 'quoted key');
  assert.ok(excludes(b!, 'ARGS', 'id'));
  assert.ok(!excludes(b!, 'ARGS_GET', 'id'));
});

test('unknown variables and keys on scalars are errors naming the target', () => {
  assert.throws(() => parseTargets('ARGZ'), /unknown variable "ARGZ"/);
  assert.throws(() => parseTargets('REQUEST_URI:x'), /has no keys/);
  assert.throws(() => parseTargets('XML://a/b'), /XPath .* not supported/);
  assert.throws(() => parseTargets('ARGS:/(/'), /invalid key regex/);
});

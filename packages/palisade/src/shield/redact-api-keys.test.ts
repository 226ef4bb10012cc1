// Palisade's own API keys are redacted from records wherever they appear, by their shape, not by
// the name of the header, parameter or field that carries them; the key id is kept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateApiKey } from '../identity/index.js';
import { createRedactor } from './redact.js';

test('an API key is redacted by its shape in any header, URL or body, keeping its id', () => {
  const { key, id } = generateApiKey();
  const kept = `pal_${id}_[redacted]`;
  const secret = key.slice(21);
  const r = createRedactor();
  const headers = r.headers({ 'x-partner': key, forwarded: `for=1.2.3.4;note=${key}`, accept: 'application/json' });
  assert.equal(headers['x-partner'], kept);
  assert.equal(headers['forwarded'], `for=1.2.3.4;note=${kept}`);
  assert.equal(headers['accept'], 'application/json');
  const url = r.url(`/v1/${key}/items?k=${key}&page=2`);
  assert.ok(!url.includes(secret), url);
  assert.ok(url.startsWith(`/v1/${kept}/items?k=`), url);
  assert.ok(url.endsWith('&page=2'), url);
  for (const [sample, type] of [
    [`{"credentials":{"value":"${key}"},"n":1}`, 'application/json'],
    [`{"note":"${key}`, 'application/json'],
    [`k=${key}&x=1`, 'application/x-www-form-urlencoded'],
    [`plain ${key} text`, 'text/plain'],
  ] as const) {
    const out = r.body(sample, type);
    assert.ok(!out.includes(secret), out);
    assert.ok(out.includes(id), out);
  }
});

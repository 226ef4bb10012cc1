import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Exchange } from '../core/index.js';
import { observed } from './observe.js';
import type { RawExchange } from './recorder.js';

function raw(headers: RawExchange['requestHeaders']): RawExchange {
  return { id: 'x', startedAt: 0, method: 'GET', url: '/', host: 'h', clientIp: '1.2.3.4', requestHeaders: headers, requestBytes: 0, status: 200, responseHeaders: {}, responseBytes: 0, totalMs: 1, outcomes: [] };
}
const record = { id: 'x' } as Exchange;

describe('observed exchanges', () => {
  it('carries fingerprints of the credential and session, never the secrets', () => {
    const a = observed(record, raw({ authorization: 'Bearer eyJhbGciOi.secret.sig', cookie: 'theme=dark; sessionid=abcdef0123456789' }));
    const b = observed(record, raw({ authorization: 'Bearer eyJhbGciOi.secret.sig' }));
    const c = observed(record, raw({ 'x-api-key': 'pal_key_other' }));
    assert.match(a.credential!, /^[A-Za-z0-9_-]{16}$/);
    assert.equal(a.credential, b.credential, 'one token, one fingerprint');
    assert.notEqual(a.credential, c.credential);
    assert.match(a.session!, /^[A-Za-z0-9_-]{16}$/);
    assert.ok(!JSON.stringify(a).includes('secret') && !JSON.stringify(a).includes('abcdef0123'));
    assert.equal(b.session, undefined);
    assert.deepEqual(observed(record, raw({ cookie: 'theme=dark' })), { exchange: record });
  });
});

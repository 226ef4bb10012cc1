import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genericFault, mediaTypeParam, soapVersionOfType, summarizeEnvelope, unquoteAction } from './soap.js';
import { envelope11, envelope12 } from './stages/soap-fixture.js';

test('content types: version, action parameter (quoted or not), SOAPAction quotes', () => {
  assert.equal(soapVersionOfType('text/xml; charset=utf-8'), '1.1');
  assert.equal(soapVersionOfType('Application/SOAP+XML'), '1.2');
  assert.equal(soapVersionOfType('application/xml'), undefined);
  assert.equal(soapVersionOfType(undefined), undefined);
  assert.equal(mediaTypeParam('application/soap+xml; charset=utf-8; action="urn:a;b\\"c"', 'action'), 'urn:a;b"c');
  assert.equal(mediaTypeParam('application/soap+xml;action=urn:x;charset=utf-8', 'ACTION'), 'urn:x');
  assert.equal(mediaTypeParam('application/soap+xml; charset="x;action=urn:evil"', 'action'), undefined, 'a parameter inside a quoted value is not one');
  assert.equal(mediaTypeParam('application/soap+xml', 'action'), undefined);
  assert.equal(unquoteAction('"urn:x#Op"'), 'urn:x#Op');
  assert.equal(unquoteAction(' "" '), '');
  assert.equal(unquoteAction(undefined), '');
  assert.equal(unquoteAction(['"a"', '"b"']), 'a", "b');
});

test('summarizeEnvelope tells the version and whether the Body holds a Fault', () => {
  assert.deepEqual(summarizeEnvelope(envelope11('<soap:Fault><faultcode>soap:Server</faultcode></soap:Fault>')), { version: '1.1', fault: true });
  assert.deepEqual(summarizeEnvelope(envelope12('<env:Fault/>')), { version: '1.2', fault: true });
  assert.deepEqual(summarizeEnvelope(envelope12('<m:Fault xmlns:m="urn:mine"/>')), { version: '1.2', fault: false });
  assert.deepEqual(summarizeEnvelope(envelope11('<r/>') + '<broken'), { version: '1.1', fault: false });
  assert.equal(summarizeEnvelope('<error>boom</error>'), undefined);
  assert.equal(summarizeEnvelope('{"error":"boom"}'), undefined);
  assert.equal(summarizeEnvelope('<!DOCTYPE x [<!ENTITY e "x">]>' + envelope11('<soap:Fault/>').replace('<?xml version="1.0"?>', '')), undefined);
});

test('generic faults are well-formed envelopes that summarize as faults', () => {
  for (const v of ['1.1', '1.2'] as const) {
    for (const status of [400, 500]) {
      const f = genericFault(v, status, 'id-1');
      assert.deepEqual(summarizeEnvelope(f.body), { version: v, fault: true });
      assert.match(f.body, /request id id-1/);
    }
  }
});

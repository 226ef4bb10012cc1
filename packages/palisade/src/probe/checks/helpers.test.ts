import { test } from 'node:test';
import assert from 'node:assert/strict';
import { soapTextElements, withPayload } from './inject-common.js';
import type { InjectionPoint } from './inject-common.js';
import { nestedSelection } from './graphql.js';
import { shieldProblem } from '../runner.js';
import type { Runner, ScanResponse } from '../runner.js';
import { Session } from '../identities.js';
import { parseScanConfig } from '../scan-config.js';

const ENVELOPE = '<?xml version="1.0"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Header><t>keep</t></soap:Header><soap:Body><n:Search xmlns:n="urn:x"><n:text>a &amp; b</n:text><n:page>1</n:page></n:Search></soap:Body></soap:Envelope>';

test('SOAP injection points are the leaf elements of the Body, and a payload replaces one text, escaped', () => {
  assert.deepEqual(soapTextElements(ENVELOPE), [{ name: 'text', value: 'a & b' }, { name: 'page', value: '1' }]);
  const pt = { obs: { request: { method: 'POST', url: '/soap', body: ENVELOPE }, op: { path: '/soap' }, pathValues: {} }, where: 'xml', name: 'text', value: 'a & b' } as unknown as InjectionPoint;
  const body = String(withPayload(pt, "x' <y>").body);
  assert.match(body, /<n:text>x' &lt;y&gt;<\/n:text><n:page>1<\/n:page>/);
  assert.match(body, /<soap:Header><t>keep<\/t><\/soap:Header>/, 'the header is left alone');
});

test('a nested GraphQL selection repeats the cycle to the depth asked and ends in __typename', () => {
  assert.equal(nestedSelection(['author', 'notes'], 3), '{ author { notes { author { __typename } } } }');
});

test("Shield's refusals are told from the API's own errors by the problem type", () => {
  const r = (status: number, ct: string, body: string) => ({ status, headers: { 'content-type': ct }, body }) as unknown as ScanResponse;
  assert.equal(shieldProblem(r(403, 'application/problem+json', '{"type":"urn:palisade:problem:forbidden","status":403}')), 'forbidden');
  assert.equal(shieldProblem(r(403, 'application/problem+json', '{"type":"https://example.com/probs/no","status":403}')), undefined);
  assert.equal(shieldProblem(r(403, 'application/json', '{"type":"urn:palisade:problem:forbidden"}')), undefined);
  assert.equal(shieldProblem(r(200, 'application/problem+json', '{"type":"urn:palisade:problem:forbidden"}')), undefined);
});

test('login.use: checks — the identity acts with its headers, and the login is kept for the login checks', async () => {
  const cfg = parseScanConfig({ identities: [{ name: 'alice', headers: { authorization: 'Bearer gateway-token' }, login: { use: 'checks', path: '/login', body: { email: 'a@x.test', password: 'pw-1' }, extract: { json: 'token' } } }] });
  assert.equal(cfg.identities[0]!.login!.use, 'checks');
  assert.equal(parseScanConfig({ identities: [{ name: 'bob', login: { path: '/login', extract: { json: 'token' } } }] }).identities[0]!.login!.use, 'session');
  const s = new Session(cfg.identities[0]);
  // Nothing is sent: a runner that throws proves the login request is not used to sign in.
  await s.authenticate({ send: () => Promise.reject(new Error('no request expected')) } as unknown as Runner);
  assert.equal(s.token, undefined);
  assert.equal(s.canRefresh, false);
  assert.deepEqual(s.headers(), { authorization: 'Bearer gateway-token' });
  assert.deepEqual(s.credentials(), { userField: 'email', user: 'a@x.test', passwordField: 'password', password: 'pw-1' });
});

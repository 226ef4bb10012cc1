// DEMO-API10 (unsafe consumption of APIs): the shop trusts whatever its shipping partner answers.
// With a compromised or redirecting partner the exploits work directly; through the gateway with
// the demo configuration (contract.responses: block), the tampered answer never reaches the client.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DEMO_JWT_SECRET, ALICE, CAROL } from 'palisade-demo';
import type { RunningDemo } from 'palisade-demo';
import type { RunningShield } from 'palisade';
import { adminFetch, httpRequest, startUpstream, waitFor } from './helpers.js';
import type { RawResponse, Upstream } from './helpers.js';
import { startDemoStack } from './demo-stack.js';
import type { DemoStack } from './demo-stack.js';

type PartnerMode = 'honest' | 'compromised' | 'redirecting';

const MALICIOUS_QUOTE = { carrier: 'Evil Express', price: -40, note: '<img src=x onerror=alert(document.cookie)>', adminOverride: true };

let partnerMode: PartnerMode = 'honest';
let partner: Upstream;
let stack: DemoStack;
let demo: RunningDemo;
let shield: RunningShield;

before(async () => {
  // One partner whose behaviour each test picks: the demo is told its URL once, at start.
  partner = await startUpstream((req, res) => {
    const order = Number(new URL(req.url ?? '/', 'http://partner').searchParams.get('order'));
    if (partnerMode === 'redirecting') {
      // Anywhere the shop can reach and the client cannot: here, the shop's own debug endpoint.
      res.writeHead(307, { location: `${demo.url}/debug/config` }).end();
      return;
    }
    const quote = partnerMode === 'compromised' ? MALICIOUS_QUOTE : { carrier: 'Speedy Parcels', price: 4.99, currency: 'USD', etaDays: 2 + (order % 4), note: 'Leave at the front door' };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(quote));
  });
  stack = await startDemoStack({ partnerUrl: partner.url });
  demo = stack.demo;
  shield = stack.shield;
});
after(async () => {
  // When the start failed, what did start is still closed: an open server would keep the file running.
  await stack?.close();
  await partner?.close();
});

/** An access token of the built-in authorization server, which the gateway and the demo API both accept. */
function login(email: string, password: string): Promise<string> {
  return stack.userToken(email, password);
}

function quote(base: string, orderId: number, token: string): Promise<RawResponse> {
  return httpRequest(`${base}/api/v2/orders/${orderId}/shipping-quote`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
}

async function orderTotal(orderId: number, token: string): Promise<number> {
  const r = await httpRequest(`${demo.url}/api/v2/orders/${orderId}`, { headers: { authorization: `Bearer ${token}` } });
  return (JSON.parse(r.body) as { total: number }).total;
}

interface Refusal {
  type: string;
  status: number;
  violations: Array<{ pointer: string; message: string }>;
}

function refusal(r: RawResponse): Refusal {
  assert.equal(r.status, 502, r.body);
  assert.equal(r.headers['content-type'], 'application/problem+json');
  const p = JSON.parse(r.body) as Refusal;
  assert.equal(p.type, 'urn:palisade:problem:response-contract-violation');
  return p;
}

test('an honest partner: the quote goes through the gateway untouched', async () => {
  partnerMode = 'honest';
  const alice = await login(ALICE.email, ALICE.password);
  const r = await quote(shield.gatewayUrl, 1002, alice);
  assert.equal(r.status, 200, r.body);
  const q = JSON.parse(r.body) as { carrier: string; price: number; orderId: number };
  assert.equal(q.carrier, 'Speedy Parcels');
  assert.equal(q.price, 4.99);
  assert.equal(q.orderId, 1002);
});

test("DEMO-API10-01: a compromised partner's quote (negative price, markup, extra fields) is refused, not echoed", async () => {
  partnerMode = 'compromised';
  const carol = await login(CAROL.email, CAROL.password);
  const direct = await quote(demo.url, 1004, carol);
  assert.equal(direct.status, 200);
  const echoed = JSON.parse(direct.body) as { price: number; note: string; adminOverride: boolean; newTotal: number };
  assert.equal(echoed.price, -40, 'directly, the negative price is applied and echoed');
  assert.equal(echoed.newTotal, 50, '90 + (−40)');
  assert.equal(echoed.adminOverride, true);
  assert.match(echoed.note, /onerror/);

  const alice = await login(ALICE.email, ALICE.password);
  const before = await orderTotal(1001, alice);
  const tampered = Math.round((before - 40) * 100) / 100;
  const gw = await quote(shield.gatewayUrl, 1001, alice);
  const p = refusal(gw);
  const pointers = p.violations.map((v) => v.pointer);
  assert.ok(pointers.includes('/response/body/price'), gw.body);
  assert.ok(pointers.includes('/response/body/adminOverride'), gw.body);
  for (const leaked of ['Evil Express', 'onerror', '-40', String(tampered)]) assert.ok(!gw.body.includes(leaked), `the refusal must not carry ${leaked}`);
  // What the gateway cannot undo: the shop stored the tampered quote before answering. That part
  // needs the fix in the API (validating the partner's data), as the catalogue says.
  assert.equal(await orderTotal(1001, alice), tampered);
});

test("DEMO-API10-02: a redirecting partner's internal data (the debug configuration) is refused, secrets included", async () => {
  partnerMode = 'redirecting';
  const alice = await login(ALICE.email, ALICE.password);
  const direct = await quote(demo.url, 1001, alice);
  assert.equal(direct.status, 200);
  assert.ok(direct.body.includes(DEMO_JWT_SECRET), 'directly, the JWT secret comes back as a quote');
  assert.match(direct.body, /acme-pay-demo-key/);

  const gw = await quote(shield.gatewayUrl, 1001, alice);
  const p = refusal(gw);
  const pointers = p.violations.map((v) => v.pointer);
  assert.ok(pointers.includes('/response/body/carrier'), 'a quote without a carrier');
  assert.ok(pointers.includes('/response/body/jwt'), 'foreign fields');
  assert.ok(!gw.body.includes(DEMO_JWT_SECRET), 'no JWT secret');
  assert.doesNotMatch(gw.body, /acme-pay-demo-key|HS256|sqlite|v\d+\.\d+\.\d+/);
});

test('where the demo config only reports (profile answers that always leak), the answer passes and the exchange record names the violations', async () => {
  const alice = await login(ALICE.email, ALICE.password);
  const r = await httpRequest(`${shield.gatewayUrl}/api/v2/users/me`, { headers: { authorization: `Bearer ${alice}` } });
  assert.equal(r.status, 200, r.body);
  const id = r.headers['x-request-id'] as string;
  const x = await waitFor(async () => {
    const res = await adminFetch(shield, `/exchanges/${encodeURIComponent(id)}`);
    return res.status === 200 ? ((await res.json()) as { verdicts: Array<{ stage: string; outcome: string; code?: string; violations?: Array<{ pointer: string }> }> }) : undefined;
  }, 10_000, 'the exchange record');
  const report = x.verdicts.find((v) => v.stage === 'contract' && v.outcome === 'report');
  assert.ok(report, JSON.stringify(x.verdicts));
  assert.equal(report.code, 'response-contract-violation');
  assert.ok(report.violations?.some((v) => v.pointer === '/response/body/password_hash'), JSON.stringify(report));
});

test('block mode leaves legitimate use alone: documented answers of the blocking routes pass, errors included', async () => {
  partnerMode = 'honest';
  const bob = await login('bob@acme.test', 'bob-pass-2');
  const auth = { authorization: `Bearer ${bob}` };
  const json = { ...auth, 'content-type': 'application/json' };
  const calls: Array<[string, string, Record<string, string>?, string?, number?]> = [
    ['GET', '/api/health'],
    ['HEAD', '/api/health'],
    ['GET', '/api/v2/products?page=3&limit=50'],
    ['GET', '/api/v2/products/42'],
    ['GET', '/api/v2/products/999999', {}, undefined, 404],
    ['GET', '/api/v2/products/search?q=Acme%20Product%201'],
    ['GET', '/api/v2/products/7/thumbnail?size=64'],
    ['POST', '/api/v2/orders', json, JSON.stringify({ productId: 42, quantity: 2 }), 201],
    ['POST', '/api/v2/orders', json, JSON.stringify({ productId: 999999 }), 404],
    ['GET', '/api/v2/orders', auth],
    ['GET', '/api/v2/orders', {}, undefined, 401],
    ['GET', '/api/v2/orders/1003', auth],
    ['PATCH', '/api/v2/orders/1003', json, JSON.stringify({ shippingAddress: '2 Oak Avenue, Springfield' })],
    ['GET', '/api/v2/orders/1003/invoice', auth],
    ['GET', '/api/v2/orders/1001/invoice', auth, undefined, 404],
    ['POST', '/api/v2/orders/1003/shipping-quote', auth],
    ['POST', '/api/v2/coupons/redeem', json, JSON.stringify({ code: 'WELCOME10' })],
    ['POST', '/api/v2/coupons/redeem', json, JSON.stringify({ code: 'NOPE' }), 404],
  ];
  for (const [method, path, headers = {}, body, status = 200] of calls) {
    const r = await httpRequest(shield.gatewayUrl + path, { method, headers, ...(body !== undefined ? { body } : {}) });
    assert.equal(r.status, status, `${method} ${path}: ${r.body}`);
  }
});

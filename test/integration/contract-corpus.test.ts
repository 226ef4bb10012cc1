// Contract enforcement on a corpus of valid and invalid requests for the demo's OpenAPI document,
// through a real gateway in front of the real demo. A valid request must reach the API (whatever
// the API then answers); an invalid one must be refused by Shield with the right problem and the
// JSON pointer of what is wrong.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { RunningShield } from 'palisade';
import { httpRequest } from './helpers.js';
import { startDemoStack } from './demo-stack.js';
import type { DemoStack } from './demo-stack.js';

let stack: DemoStack;
let shield: RunningShield;
let bearer = '';

before(async () => {
  // The demo's own configuration, minus the login guard (the corpus fails logins on purpose), the
  // page-size guard (which would answer the limit cases before the contract sees them) and
  // authorization (which runs before validation and refuses undocumented operations, admin
  // operations for a customer and mass assignment first; demo-identity.test.ts covers it).
  stack = await startDemoStack({
    edit: (text) => {
      const yaml = text
        .replace(/loginGuard:\n\s+enabled: true/, 'loginGuard:\n    enabled: false')
        .replace(/maxPageSize: 100/, 'maxPageSize: 0')
        .replace(/authorize:\n\s+enabled: true/, 'authorize:\n    enabled: false');
      assert.match(yaml, /loginGuard:\n\s+enabled: false/);
      assert.match(yaml, /maxPageSize: 0/);
      assert.match(yaml, /authorize:\n\s+enabled: false/);
      return yaml;
    },
  });
  shield = stack.shield;
  // Authentication stays on: Carol's token comes from the built-in authorization server.
  bearer = await stack.userToken('carol@acme.test', 'carol-pass-3');
});
after(async () => {
  await stack?.close();
});

interface Case {
  method: string;
  path: string;
  body?: unknown;
  /** Raw body, for content that is not JSON.stringify's. */
  raw?: string;
  type?: string;
  /** undefined: valid, must reach the API. Otherwise the problem code and, for violations, a pointer. */
  refused?: 'contract-violation' | 'undocumented-operation' | 'undocumented-method';
  pointer?: string;
}

const json = 'application/json';
const CORPUS: Case[] = [
  // Valid: reach the API.
  { method: 'GET', path: '/api/health' },
  { method: 'GET', path: '/api/v2/products' },
  { method: 'GET', path: '/api/v2/products?page=2&limit=50' },
  { method: 'GET', path: '/api/v2/products/search?q=Acme%20Product' },
  { method: 'GET', path: '/api/v2/products/42' },
  { method: 'GET', path: '/api/v2/products/7/thumbnail?size=64' },
  { method: 'GET', path: '/api/v2/users/me' },
  { method: 'PATCH', path: '/api/v2/users/me', body: { name: 'Carol C.' } },
  { method: 'PATCH', path: '/api/v2/users/me', body: { phone: '+1 555 0100', address: '3 Elm Road' } },
  { method: 'GET', path: '/api/v2/users/lookup?email=bob%40acme.test' },
  { method: 'POST', path: '/api/v2/users/me/avatar', body: { url: 'https://images.example/cat.png' } },
  { method: 'GET', path: '/api/v2/orders?limit=10' },
  { method: 'POST', path: '/api/v2/orders', body: { productId: 42, quantity: 2 } },
  { method: 'GET', path: '/api/v2/orders/1001' },
  { method: 'PATCH', path: '/api/v2/orders/1001', body: { shippingAddress: '9 New Street' } },
  { method: 'GET', path: '/api/v2/orders/1001/invoice' },
  { method: 'POST', path: '/api/v2/coupons/redeem', body: { code: 'WELCOME10' } },
  { method: 'GET', path: '/api/v2/admin/users' },
  { method: 'GET', path: '/api/v2/admin/users/2' },
  { method: 'POST', path: '/api/v2/auth/login', body: { email: 'nobody@acme.test', password: 'long-enough-1' } },
  // Invalid parameters.
  { method: 'GET', path: '/api/v2/products?limit=0', refused: 'contract-violation', pointer: '/query/limit' },
  { method: 'GET', path: '/api/v2/products?limit=101', refused: 'contract-violation', pointer: '/query/limit' },
  { method: 'GET', path: '/api/v2/products?limit=ten', refused: 'contract-violation', pointer: '/query/limit' },
  { method: 'GET', path: '/api/v2/products?page=-1', refused: 'contract-violation', pointer: '/query/page' },
  { method: 'GET', path: '/api/v2/products?limit=1&limit=2', refused: 'contract-violation', pointer: '/query/limit' },
  { method: 'GET', path: '/api/v2/products/search', refused: 'contract-violation', pointer: '/query/q' },
  { method: 'GET', path: `/api/v2/products/search?q=${'a'.repeat(101)}`, refused: 'contract-violation', pointer: '/query/q' },
  { method: 'GET', path: '/api/v2/products/search?q=%3Cscript%3E', refused: 'contract-violation', pointer: '/query/q' },
  { method: 'GET', path: '/api/v2/products/abc', refused: 'contract-violation', pointer: '/path/productId' },
  { method: 'GET', path: '/api/v2/products/0', refused: 'contract-violation', pointer: '/path/productId' },
  { method: 'GET', path: '/api/v2/products/7/thumbnail?size=8', refused: 'contract-violation', pointer: '/query/size' },
  { method: 'GET', path: '/api/v2/products/7/thumbnail?size=8192', refused: 'contract-violation', pointer: '/query/size' },
  { method: 'GET', path: '/api/v2/users/lookup?email=not-an-email', refused: 'contract-violation', pointer: '/query/email' },
  { method: 'GET', path: '/api/v2/users/lookup', refused: 'contract-violation', pointer: '/query/email' },
  { method: 'GET', path: '/api/v2/orders/1.5', refused: 'contract-violation', pointer: '/path/orderId' },
  { method: 'GET', path: '/api/v2/admin/users/-3', refused: 'contract-violation', pointer: '/path/userId' },
  // Invalid bodies.
  { method: 'PATCH', path: '/api/v2/users/me', body: {}, refused: 'contract-violation', pointer: '/body' },
  { method: 'PATCH', path: '/api/v2/users/me', body: { role: 'admin' }, refused: 'contract-violation', pointer: '/body/role' },
  { method: 'PATCH', path: '/api/v2/users/me', body: { name: 'x', balance: 10 }, refused: 'contract-violation', pointer: '/body/balance' },
  { method: 'PATCH', path: '/api/v2/users/me', body: { name: '' }, refused: 'contract-violation', pointer: '/body/name' },
  { method: 'PATCH', path: '/api/v2/users/me', body: { address: 'x'.repeat(201) }, refused: 'contract-violation', pointer: '/body/address' },
  { method: 'PATCH', path: '/api/v2/users/me', body: [{ name: 'x' }], refused: 'contract-violation', pointer: '/body' },
  { method: 'POST', path: '/api/v2/orders', body: { productId: '42' }, refused: 'contract-violation', pointer: '/body/productId' },
  { method: 'POST', path: '/api/v2/orders', body: { productId: 42, quantity: 11 }, refused: 'contract-violation', pointer: '/body/quantity' },
  { method: 'POST', path: '/api/v2/orders', body: { quantity: 1 }, refused: 'contract-violation', pointer: '/body/productId' },
  { method: 'POST', path: '/api/v2/orders', body: { productId: 42, price: 0 }, refused: 'contract-violation', pointer: '/body/price' },
  { method: 'POST', path: '/api/v2/orders', raw: '{"productId": 42', refused: 'contract-violation', pointer: '/body' },
  { method: 'POST', path: '/api/v2/orders', raw: 'productId=42', type: 'application/x-www-form-urlencoded', refused: 'contract-violation' },
  { method: 'POST', path: '/api/v2/orders', raw: '', refused: 'contract-violation' },
  { method: 'PATCH', path: '/api/v2/orders/1001', body: { shippingAddress: '' }, refused: 'contract-violation', pointer: '/body/shippingAddress' },
  { method: 'POST', path: '/api/v2/coupons/redeem', body: { code: 'welcome10' }, refused: 'contract-violation', pointer: '/body/code' },
  { method: 'POST', path: '/api/v2/coupons/redeem', body: { code: "' OR 1=1--" }, refused: 'contract-violation', pointer: '/body/code' },
  { method: 'POST', path: '/api/v2/users/me/avatar', body: { url: 'gopher://127.0.0.1:25/' }, refused: 'contract-violation', pointer: '/body/url' },
  { method: 'POST', path: '/api/v2/users/me/avatar', body: { url: 'not a url' }, refused: 'contract-violation', pointer: '/body/url' },
  { method: 'POST', path: '/api/v2/auth/login', body: { email: 'alice@acme.test' }, refused: 'contract-violation', pointer: '/body/password' },
  { method: 'POST', path: '/api/v2/auth/login', body: { email: 'alice', password: 'long-enough-1' }, refused: 'contract-violation', pointer: '/body/email' },
  { method: 'POST', path: '/api/v2/auth/login', body: { email: { $ne: null }, password: { $ne: null } }, refused: 'contract-violation', pointer: '/body/email' },
  // Undocumented operations (strict mode).
  { method: 'GET', path: '/api/v1/users/2', refused: 'undocumented-operation' },
  { method: 'GET', path: '/debug/config', refused: 'undocumented-operation' },
  { method: 'GET', path: '/api/v2/internal/metrics', refused: 'undocumented-operation' },
  { method: 'GET', path: '/api/v2/products/7/thumbnail/extra', refused: 'undocumented-operation' },
  { method: 'DELETE', path: '/api/v2/orders/1001', refused: 'undocumented-method' },
  { method: 'PUT', path: '/api/v2/users/me', body: { name: 'x' }, refused: 'undocumented-method' },
  { method: 'POST', path: '/api/v2/products', body: { name: 'x' }, refused: 'undocumented-method' },
];

test(`the demo contract: ${CORPUS.length} valid and invalid requests through the gateway`, async () => {
  const wrong: string[] = [];
  for (const c of CORPUS) {
    const headers: Record<string, string> = { authorization: `Bearer ${bearer}` };
    let body: string | undefined;
    if (c.body !== undefined || c.raw !== undefined) {
      body = c.raw ?? JSON.stringify(c.body);
      headers['content-type'] = c.type ?? json;
    }
    const r = await httpRequest(shield.gatewayUrl + c.path, { method: c.method, headers, ...(body !== undefined ? { body } : {}) });
    const problem = r.headers['content-type'] === 'application/problem+json' ? (JSON.parse(r.body) as { type: string; violations?: { pointer: string }[] }) : undefined;
    const code = problem?.type.replace('urn:palisade:problem:', '');
    const label = `${c.method} ${c.path.slice(0, 70)} ${body?.slice(0, 60) ?? ''}`;
    if (!c.refused) {
      if (code === 'contract-violation' || code === 'undocumented-operation' || code === 'undocumented-method') wrong.push(`${label}: valid but refused ${r.body}`);
      continue;
    }
    if (code !== c.refused) {
      wrong.push(`${label}: expected ${c.refused}, got ${r.status} ${r.body.slice(0, 200)}`);
      continue;
    }
    if (c.pointer && !problem?.violations?.some((v) => v.pointer === c.pointer)) wrong.push(`${label}: no violation at ${c.pointer}: ${r.body}`);
  }
  assert.deepEqual(wrong, []);
});

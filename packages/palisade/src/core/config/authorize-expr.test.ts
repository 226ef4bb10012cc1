import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EXPR_LIMITS, evaluate, parseExpression } from './authorize-expr.js';
import type { Expr, ExprScope } from './authorize-expr.js';
import { StageSettingsSchema } from './schema.js';

function expr(src: string): Expr {
  const r = parseExpression(src);
  assert.ok(r.ok, r.ok ? '' : r.error);
  return r.expr;
}

function error(src: string): string {
  const r = parseExpression(src);
  assert.ok(!r.ok, `${src} should not parse`);
  return r.error;
}

const alice: ExprScope['principal'] = {
  id: '1',
  method: 'jwt',
  roles: ['customer'],
  scopes: ['orders:read'],
  tenant: 'acme',
  claims: { orders: ['1001', 1002], realm_access: { roles: ['viewer'] }, 'https://example.com/accounts': ['A-7'], 'a.b': 'flat' },
};

test('the documented forms parse and evaluate', () => {
  const scope: ExprScope = { path: { accountId: '1', orderId: '1002' }, query: new URLSearchParams('tenant=acme'), body: { userId: 1, nested: { owner: '1' } }, principal: alice };
  assert.equal(evaluate(expr('path.accountId == principal.sub'), scope), true);
  assert.equal(evaluate(expr('path.accountId == principal.id'), scope), true);
  assert.equal(evaluate(expr('path.orderId in principal.claims.orders'), scope), true, 'numbers in a claim list match their text');
  assert.equal(evaluate(expr('body.userId == principal.id'), scope), true, 'a JSON number equals the same id as text');
  assert.equal(evaluate(expr('body.nested.owner == principal.id'), scope), true);
  assert.equal(evaluate(expr('query.tenant == principal.tenant'), scope), true);
  assert.equal(evaluate(expr("'customer' in principal.roles"), scope), true);
  assert.equal(evaluate(expr("'viewer' in principal.claims.realm_access.roles"), scope), true);
  assert.equal(evaluate(expr("'A-7' in principal.claims['https://example.com/accounts']"), scope), true);
  assert.equal(evaluate(expr("principal.claims.a.b == 'flat'"), scope), true, 'a claim whose name has dots');
  assert.equal(evaluate(expr('path.accountId != principal.tenant'), scope), true);
  assert.equal(evaluate(expr('path.orderId == 1002'), scope), true);
});

test('and, or and parentheses', () => {
  const scope: ExprScope = { path: { id: '2' }, principal: alice };
  assert.equal(evaluate(expr("path.id == principal.id or 'customer' in principal.roles"), scope), true);
  assert.equal(evaluate(expr("path.id == principal.id and 'customer' in principal.roles"), scope), false);
  assert.equal(evaluate(expr("(path.id == principal.id or path.id == '2') and principal.tenant == 'acme'"), scope), true);
  assert.equal(evaluate(expr("path.id == principal.id or path.id == '2' and principal.tenant == 'other'"), scope), false, 'and binds tighter than or');
});

test('a missing value makes every comparison false, != included', () => {
  const scope: ExprScope = { path: {}, query: new URLSearchParams('tenant=a&tenant=b'), body: { userId: { id: 1 } }, principal: { id: '1', method: 'jwt', roles: [], scopes: [] } };
  assert.equal(evaluate(expr('path.accountId == principal.id'), scope), false);
  assert.equal(evaluate(expr('path.accountId != principal.id'), scope), false);
  assert.equal(evaluate(expr('query.tenant == principal.tenant'), scope), false, 'both missing is not equal');
  assert.equal(evaluate(expr("query.tenant == 'a'"), scope), false, 'a repeated parameter is ambiguous');
  assert.equal(evaluate(expr('body.userId == principal.id'), scope), false, 'an object is not a scalar');
  assert.equal(evaluate(expr('body.missing.deeper == principal.id'), scope), false);
  assert.equal(evaluate(expr('principal.id == principal.claims.sub'), scope), false);
  assert.equal(evaluate(expr('path.id in principal.claims.orders'), { path: { id: '1' }, principal: { ...alice!, claims: { orders: '1 2' } } }), false, 'in needs a list');
  assert.equal(evaluate(expr('path.id == principal.id'), { path: { id: '1' } }), false, 'no principal');
});

test('prototype members are never values', () => {
  const scope: ExprScope = { body: JSON.parse('{"__proto__": {"x": "1"}}') as unknown, principal: alice };
  assert.equal(evaluate(expr('body.constructor.name == principal.id'), scope), false);
  assert.equal(evaluate(expr('body.toString == principal.id'), scope), false);
  assert.equal(evaluate(expr("body.__proto__.x == '1'"), scope), true, 'an own __proto__ key from JSON is an ordinary property');
  assert.equal(evaluate(expr('principal.claims.constructor == principal.id'), scope), false);
});

test('array items by index in body values', () => {
  assert.equal(evaluate(expr("body.items.0.id == '5'"), { body: { items: [{ id: 5 }] } , principal: alice }), true);
});

test('errors name the column and what was expected', () => {
  assert.match(error('path.id = principal.id'), /column 9: use '==' to compare/);
  assert.match(error('path.id == '), /column 12: expected a value/);
  assert.match(error('path.id principal.id'), /column 9: expected '==', '!=' or 'in' after path.id/);
  assert.match(error("'a' == 'b'"), /compares two constants/);
  assert.match(error("path.id in 'abc'"), /right side of 'in' must be a list value/);
  assert.match(error('user.id == principal.id'), /unknown value 'user'/);
  assert.match(error('principal.name == path.id'), /unknown principal value 'name'/);
  assert.match(error('principal.claims == path.id'), /needs a claim name/);
  assert.match(error('principal.roles.x == path.id'), /principal.roles has no members/);
  assert.match(error('path.a.b == principal.id'), /exactly one name/);
  assert.match(error('path == principal.id'), /'path' needs a name/);
  assert.match(error('(path.id == principal.id'), /expected '\)'/);
  assert.match(error('path.id == principal.id)'), /unexpected '\)'/);
  assert.match(error("path.id == 'unterminated"), /unterminated string/);
  assert.match(error('path.id == principal.id; drop'), /unexpected character ";"/);
  assert.match(error('path.id == principal.id && x'), /unexpected character "&"/);
  assert.match(error(''), /empty condition/);
  assert.match(error('process.exit(1) == path.id'), /unknown value 'process'/);
});

test('conditions have limits', () => {
  assert.match(error('x'.repeat(EXPR_LIMITS.maxLength + 1)), /longer than/);
  const many = Array.from({ length: EXPR_LIMITS.maxComparisons + 1 }, (_v, i) => `path.id == '${i}'`).join(' or ');
  assert.match(error(many), /more than 16 comparisons/);
  const deep = '('.repeat(EXPR_LIMITS.maxDepth + 1) + 'path.id == principal.id' + ')'.repeat(EXPR_LIMITS.maxDepth + 1);
  assert.match(error(deep), /nested deeper than 8/);
  assert.match(error(`path.id == '${'a'.repeat(EXPR_LIMITS.maxLiteralLength + 1)}'`), /string longer than/);
  assert.match(error(`body${'.a'.repeat(EXPR_LIMITS.maxSegments + 1)} == principal.id`), /more than 8 names/);
});

test('the schema refuses a bad condition with its rule index, and inconsistent rules', () => {
  const r = StageSettingsSchema.safeParse({
    authorize: {
      rules: [
        { operations: ['getOrder'], owner: 'path.orderId == principal.id' },
        { operations: ['updateOrder'], owner: 'path.orderId = principal.id' },
      ],
    },
  });
  assert.ok(!r.success);
  const issue = r.error.issues.find((i) => i.path.join('.') === 'authorize.rules.1.owner');
  assert.ok(issue, JSON.stringify(r.error.issues));
  assert.match(issue.message, /invalid owner condition: at column 14: use '==' to compare/);

  const flows = StageSettingsSchema.safeParse({ authorize: { flows: [{ name: 'f', operations: ['createOrder'], quota: 1, periodSeconds: 60, when: 'lookup.owner == principal.id' }] } });
  assert.ok(!flows.success);
  assert.match(flows.error.issues[0]!.message, /lookup\. cannot be used here/);

  const anon = StageSettingsSchema.safeParse({ authorize: { rules: [{ operations: ['*'], anonymous: true, roles: ['admin'] }] } });
  assert.ok(!anon.success);
  assert.deepEqual(anon.error.issues[0]!.path, ['authorize', 'rules', 0, 'anonymous']);

  const lookupUnused = StageSettingsSchema.safeParse({ authorize: { rules: [{ operations: ['getOrder'], owner: 'path.id == principal.id', ownerLookup: { path: '/owners/{id}' } }] } });
  assert.ok(!lookupUnused.success);
  assert.match(lookupUnused.error.issues[0]!.message, /ownerLookup needs an owner condition that reads its answer/);

  const lookupMissing = StageSettingsSchema.safeParse({ authorize: { rules: [{ operations: ['getOrder'], owner: 'lookup.owner == principal.id' }] } });
  assert.ok(!lookupMissing.success);
  assert.match(lookupMissing.error.issues[0]!.message, /no ownerLookup/);

  const selector = StageSettingsSchema.safeParse({ authorize: { rules: [{ operations: ['get /orders'] }] } });
  assert.ok(!selector.success);
  assert.deepEqual(selector.error.issues[0]!.path, ['authorize', 'rules', 0, 'operations', 0]);

  const prop = StageSettingsSchema.safeParse({ authorize: { rules: [{ operations: ['*'], readable: { customer: ['items[0].email'] } }] } });
  assert.ok(!prop.success);

  const ok = StageSettingsSchema.parse({
    authorize: {
      enabled: true,
      rules: [
        { name: 'orders', operations: ['getOrder', 'GET /orders/{orderId}', 'tag:orders', 'prefix:/orders', '*'], roles: ['customer'], owner: 'lookup.owner == principal.id', ownerLookup: { path: '/owners/{orderId}' }, writable: { '*': ['name', 'items[].qty'] }, readable: { customer: ['[].id', '*'] } },
      ],
      flows: [{ name: 'flash-sale', operations: ['POST /orders'], when: 'body.productId == 1', quota: 1, periodSeconds: 86400 }],
    },
  });
  assert.equal(ok.authorize.rules[0]!.ownerLookup!.cacheSeconds, 60);
  assert.equal(ok.authorize.defaultPolicy, 'deny');
});

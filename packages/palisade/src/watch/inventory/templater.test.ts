import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Templater, paramNameFor } from './templater.js';

test('identifiers become parameters named after the literal before them', () => {
  const t = new Templater();
  assert.equal(t.template('/users/1234/orders/9f8c7e6d5a4b').template, '/users/{userId}/orders/{orderId}');
  assert.equal(t.template('/users/77/orders/0a1b2c3d4e5f').template, '/users/{userId}/orders/{orderId}');
  assert.equal(t.template('/categories/550e8400-e29b-41d4-a716-446655440000').template, '/categories/{categoryId}');
  assert.equal(t.template('/people/alice@example.com').template, '/people/{email}');
  const r = t.template('/users/1234/orders/9f8c7e6d5a4b?x=1');
  assert.deepEqual(r.params.map((p) => [p.name, p.cls, p.value]), [['userId', 'integer', '1234'], ['orderId', 'opaque', '9f8c7e6d5a4b']]);
});

test('parameter names: singular, camel case, deduplicated', () => {
  assert.equal(paramNameFor('shipping-quotes', 'integer'), 'shippingQuoteId');
  assert.equal(paramNameFor(undefined, 'integer'), 'id');
  assert.equal(paramNameFor('v1', 'integer'), 'id');
  assert.equal(paramNameFor('reports', 'date'), 'reportDate');
  const t = new Templater();
  assert.equal(t.template('/1/2').template, '/{id}/{id2}');
});

test('words stay literal beside a parameter', () => {
  const t = new Templater();
  t.template('/api/v2/users/12');
  assert.equal(t.template('/api/v2/users/me').template, '/api/v2/users/me');
  assert.equal(t.template('/api/v2/users/lookup').template, '/api/v2/users/lookup');
  assert.equal(t.template('/api/v2/users/13').template, '/api/v2/users/{userId}');
  assert.equal(t.template('/api/v1/users/13').template, '/api/v1/users/{userId}', 'versions stay literal');
});

test('sibling cardinality: few distinct strings stay literal, many become a parameter', () => {
  const t = new Templater({ genericSiblings: 5 });
  const names = ['alpha1x', 'bravo2y', 'charlie', 'deltaq', 'echoz'];
  for (const n of names) assert.equal(t.template(`/teams/${n}`).template, `/teams/${n}`);
  const sixth = t.template('/teams/foxtrotk');
  assert.equal(sixth.template, '/teams/{teamId}');
  assert.ok(sixth.merged, 'the merge is reported so callers can re-key');
  // Earlier literals now lead to the parameter too.
  assert.equal(t.canonical('/teams/alpha1x'), '/teams/{teamId}');
  assert.equal(t.template('/teams/golfm').template, '/teams/{teamId}');
  // A different parent keeps its own few literals.
  assert.equal(t.template('/envs/prodx').template, '/envs/prodx');
});

test('subtrees merge with their parents', () => {
  const t = new Templater({ genericSiblings: 3 });
  t.template('/repos/aaa/issues');
  t.template('/repos/bbb/pulls');
  t.template('/repos/ccc/issues/5');
  const r = t.template('/repos/ddd/issues');
  assert.equal(r.template, '/repos/{repoId}/issues');
  assert.equal(t.canonical('/repos/bbb/pulls'), '/repos/{repoId}/pulls');
  assert.equal(t.canonical('/repos/ccc/issues/{issueId}'), '/repos/{repoId}/issues/{issueId}');
});

test('a date near the root is a version; deeper, or once many, it is a parameter', () => {
  const t = new Templater();
  assert.equal(t.template('/2024-01-01/charges').template, '/2024-01-01/charges');
  assert.equal(t.template('/2023-10-16/charges').template, '/2023-10-16/charges');
  assert.equal(t.template('/reports/daily/2024-01-05').template, '/reports/daily/{dailyDate}');
});

test('overrides: merge pins a parameter (and names it), split pins literals', () => {
  const t = new Templater();
  t.template('/files/readme');
  t.template('/files/setup');
  assert.equal(t.template('/files/license').template, '/files/license');
  t.applyOverride({ action: 'merge', template: '/files/{fileName}' });
  assert.equal(t.canonical('/files/readme'), '/files/{fileName}');
  assert.equal(t.template('/files/changelog').template, '/files/{fileName}');

  const s = new Templater();
  s.applyOverride({ action: 'split', template: '/tenants/{tenantId}' });
  assert.equal(s.template('/tenants/123').template, '/tenants/123');
  assert.equal(s.template('/tenants/456').template, '/tenants/456');
  assert.throws(() => s.applyOverride({ action: 'merge', template: '/no/params' }), /no \{parameter\}/);
});

test('memory stays bounded: a flood of distinct words folds into a parameter', () => {
  const t = new Templater({ wordSiblings: 5 });
  const words = ['search', 'lookup', 'admin', 'login', 'export', 'import', 'users'];
  const out = words.map((w) => t.template(`/x/${w}`).template);
  assert.deepEqual(out.slice(0, 5), words.slice(0, 5).map((w) => `/x/${w}`));
  assert.equal(out[6], '/x/{xId}');
  const deep = new Templater({ maxDepth: 3 });
  assert.equal(deep.template('/a/b/c/d/e/f').template.split('/').length, 4);
});

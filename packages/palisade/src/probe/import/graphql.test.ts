import { test } from 'node:test';
import assert from 'node:assert/strict';
import { importApiText } from './index.js';

/** An introspection result as a server returns it (only what the importer reads). */
const named = (kind: string, name: string) => ({ kind, name, ofType: null });
const nonNull = (t: object) => ({ kind: 'NON_NULL', name: null, ofType: t });
const INTROSPECTION = {
  data: {
    __schema: {
      queryType: { name: 'Query' },
      mutationType: { name: 'Mutation' },
      types: [
        { kind: 'OBJECT', name: 'Query', fields: [
          { name: 'user', args: [{ name: 'id', type: nonNull(named('SCALAR', 'ID')) }], type: named('OBJECT', 'User') },
          { name: 'search', args: [{ name: 'q', type: named('SCALAR', 'String') }, { name: 'role', type: named('ENUM', 'Role') }, { name: 'page', type: named('INPUT_OBJECT', 'Page') }], type: { kind: 'LIST', name: null, ofType: named('OBJECT', 'User') } },
        ] },
        { kind: 'OBJECT', name: 'Mutation', fields: [
          { name: 'rename', args: [{ name: 'name', type: nonNull(named('SCALAR', 'String')) }], type: named('SCALAR', 'Boolean') },
          { name: 'deleteUser', args: [{ name: 'id', type: nonNull(named('SCALAR', 'ID')) }], type: named('SCALAR', 'Boolean') },
        ] },
        { kind: 'OBJECT', name: 'User', fields: [{ name: 'id', args: [], type: named('SCALAR', 'ID') }, { name: 'name', args: [], type: named('SCALAR', 'String') }, { name: 'friends', args: [], type: named('OBJECT', 'User') }] },
        { kind: 'ENUM', name: 'Role', enumValues: [{ name: 'ADMIN' }, { name: 'USER' }] },
        { kind: 'INPUT_OBJECT', name: 'Page', inputFields: [{ name: 'size', type: nonNull(named('SCALAR', 'Int')) }, { name: 'cursor', type: named('SCALAR', 'String') }] },
      ],
    },
  },
};

test('a saved introspection result becomes one POST operation per query and mutation field', () => {
  const m = importApiText(JSON.stringify(INTROSPECTION), '/tmp/schema.json');
  assert.equal(m.format, 'graphql');
  assert.deepEqual(m.operations.map((o) => `${o.method} ${o.path} ${o.operationId} ${o.exercisable}`), ['POST /graphql query.user true', 'POST /graphql query.search true', 'POST /graphql mutation.rename true', 'POST /graphql mutation.deleteUser false']);
  assert.ok(m.defects.some((d) => /\/graphql on the target is assumed/.test(d.message)));
  const search = m.operations[1]!.body!.example as { query: string; variables: Record<string, unknown> };
  assert.equal(search.query, 'query Palisade($q: String, $role: Role, $page: Page) { search(q: $q, role: $role, page: $page) { id name } }');
  assert.deepEqual(search.variables, { q: 'palisade', role: 'ADMIN', page: { size: 1, cursor: 'palisade' } });
  const user = m.operations[0]!.body!.example as { query: string; variables: Record<string, unknown> };
  assert.equal(user.query, 'query Palisade($id: ID!) { user(id: $id) { id name } }');
  assert.deepEqual(user.variables, { id: '1' });
});

test('an introspection result without types is an input error naming the document', () => {
  assert.throws(() => importApiText(JSON.stringify({ __schema: { queryType: { name: 'Query' } } }), '/tmp/bad.json'), /\/tmp\/bad\.json: not a GraphQL introspection result/);
});

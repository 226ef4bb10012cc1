// The console API's OpenAPI document: well-formed, every route documented, and real answers of the
// endpoints valid against it (assertDocumented, which other console tests use as well).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CONSOLE_DOC, assertDocumented, patternToPath } from './openapi-check.test-support.js';
import { ConsoleClient, startConsole } from './console.test-support.js';
import type { TestConsole } from './console.test-support.js';

let t: TestConsole;

before(async () => {
  t = await startConsole();
});

after(async () => {
  await t.close();
});

/** One real call: who makes it, what, and the status expected. */
interface Call {
  as: 'anonymous' | 'viewer' | 'operator' | 'admin';
  method: string;
  path: string;
  body?: unknown;
  status: number;
}

// The sign-in, users and audit endpoints; the other console test files check theirs with
// assertDocumented, and the sweep below calls every documented GET without parameters.
const CALLS: Call[] = [
  { as: 'anonymous', method: 'GET', path: '/session', status: 401 },
  { as: 'viewer', method: 'GET', path: '/session', status: 200 },
  { as: 'anonymous', method: 'POST', path: '/session', body: { username: 'nobody', password: 'wrong-password' }, status: 401 },
  { as: 'anonymous', method: 'POST', path: '/session', body: { username: 'x' }, status: 400 },
  { as: 'admin', method: 'POST', path: '/users', body: { username: 'big', role: 'viewer', displayName: 'x'.repeat(9000) }, status: 413 },
  { as: 'anonymous', method: 'GET', path: '/sso', status: 200 },
  { as: 'anonymous', method: 'GET', path: '/openapi.json', status: 200 },
  { as: 'admin', method: 'GET', path: '/users', status: 200 },
  { as: 'viewer', method: 'GET', path: '/users', status: 403 },
  { as: 'admin', method: 'POST', path: '/users', body: { username: 'doc-user', role: 'viewer' }, status: 201 },
  { as: 'admin', method: 'POST', path: '/users', body: { username: 'doc-user', role: 'viewer' }, status: 409 },
  { as: 'admin', method: 'POST', path: '/users', body: { username: 'doc-user2', role: 'viewer', password: 'short' }, status: 400 },
  { as: 'admin', method: 'PATCH', path: '/users/doc-user', body: { role: 'operator', displayName: 'Doc' }, status: 200 },
  { as: 'admin', method: 'PATCH', path: '/users/absent', body: { role: 'operator' }, status: 404 },
  { as: 'admin', method: 'GET', path: '/audit?limit=10', status: 200 },
  { as: 'admin', method: 'DELETE', path: '/users/doc-user', status: 204 },
  { as: 'viewer', method: 'DELETE', path: '/session', status: 204 },
];

describe('console OpenAPI document', () => {
  it('is an OpenAPI 3.1 document whose references all resolve', () => {
    assert.equal(CONSOLE_DOC['openapi'], '3.1.0');
    const schemas = (CONSOLE_DOC['components'] as { schemas: Record<string, unknown> }).schemas;
    const refs = JSON.stringify(CONSOLE_DOC).match(/"\$ref":"#\/components\/schemas\/[^"]+"/g) ?? [];
    for (const r of refs) {
      const name = r.slice('"$ref":"#/components/schemas/'.length, -1);
      assert.ok(schemas[name], `dangling reference ${name}`);
    }
  });

  it('documents every route the console serves', () => {
    const paths = CONSOLE_DOC['paths'] as Record<string, Record<string, unknown>>;
    const missing = t.console.routes.filter((r) => !paths[patternToPath(r.pattern)]?.[r.method.toLowerCase()]).map((r) => `${r.method} ${r.pattern}`);
    assert.deepEqual(missing, [], 'routes without an OpenAPI operation');
  });

  it('is served at /console/api/openapi.json', async () => {
    const r = await fetch(`${t.url}/console/api/openapi.json`);
    assert.equal(r.status, 200);
    assert.deepEqual(await r.json(), JSON.parse(JSON.stringify(CONSOLE_DOC)));
  });

  it('matches the real answers of the sign-in, users and audit endpoints', async () => {
    const clients: Record<string, ConsoleClient> = {};
    for (const call of CALLS) {
      const c = call.as === 'anonymous' ? new ConsoleClient(t.url) : (clients[call.as] ??= await t.signedIn(call.as));
      const res = await c.request(`/console/api${call.path}`, { method: call.method, ...(call.body !== undefined ? { body: call.body } : {}) });
      assert.equal(res.status, call.status, `${call.as} ${call.method} ${call.path}`);
      await assertDocumented(res, call.method, call.path);
    }
  });

  it('matches the answers of every documented GET without path parameters, for an admin', async () => {
    const admin = await t.signedIn('admin');
    const paths = CONSOLE_DOC['paths'] as Record<string, Record<string, unknown>>;
    const gets = Object.keys(paths).filter((p) => paths[p]!['get'] && !p.includes('{') && !p.startsWith('/sso/'));
    assert.ok(gets.length >= 5, gets.join(' '));
    for (const p of gets) {
      const res = await admin.request(`/console/api${p}`);
      // Some answer 503 here (no configuration file in this harness): any documented answer will do, never a crash.
      assert.notEqual(res.status, 500, `GET ${p}`);
      await assertDocumented(res, 'GET', p);
    }
  });
});

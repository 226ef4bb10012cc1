import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { StageSettings, Verdict } from '../../core/index.js';
import { compileContract } from '../../core/index.js';
import { createContractStage } from './contract.js';
import { fakeContext, settingsFor } from './fake-context.js';

function doc(): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: { title: 't', version: '1' },
    paths: {
      '/items': {
        get: {
          parameters: [{ name: 'limit', in: 'query', schema: { type: 'integer', maximum: 100 } }],
          responses: { '200': { description: 'ok' } },
        },
        post: {
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: { type: 'object', required: ['name'], properties: { name: { type: 'string', maxLength: 10 }, price: { type: 'number', minimum: 0 } } },
              },
            },
          },
          responses: { '201': { description: 'created' } },
        },
      },
      '/items/{id}': {
        get: { parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'integer' } }], responses: { '200': { description: 'ok' } } },
      },
    },
  };
}

const identity = (p: string) => p;

function stageWith(over: Partial<StageSettings['contract']> = {}, mapPath = identity) {
  const settings = settingsFor('contract', { enabled: true, ...over });
  const contract = compileContract(doc(), 'test.yaml', { rejectUnknownProperties: settings.rejectUnknownProperties });
  const stage = createContractStage(settings, contract, mapPath);
  assert.ok(stage);
  return stage;
}

function head(stage: ReturnType<typeof stageWith>, method: string, url: string, headers: Record<string, string> = {}) {
  const ctx = fakeContext({ method, url, headers });
  return { ctx, verdict: stage.request!(ctx) as Verdict };
}

function send(stage: ReturnType<typeof stageWith>, body: string, type = 'application/json'): Verdict | undefined {
  const headers = { 'content-type': type, 'content-length': String(Buffer.byteLength(body)) };
  const { ctx, verdict } = head(stage, 'POST', '/items', headers);
  if (verdict.kind === 'deny') return verdict;
  const ins = stage.requestBody!(ctx);
  if (!ins) return undefined;
  const buf = Buffer.from(body);
  let v: Verdict | undefined;
  for (let i = 0; i < buf.length && !v; i += 7) v = ins.push(buf.subarray(i, i + 7));
  return v ?? (ins.end() as Verdict | undefined);
}

function pointers(v: Verdict | undefined): string[] {
  assert.ok(v && v.kind === 'deny', 'expected a refusal');
  assert.equal(v.code, 'contract-violation');
  return (v.extensions!.violations as { pointer: string }[]).map((x) => x.pointer);
}

test('the stage is off unless enabled and a contract is loaded', () => {
  assert.equal(createContractStage(settingsFor('contract', {}), compileContract(doc(), 'x'), identity), null);
  assert.equal(createContractStage(settingsFor('contract', { enabled: true }), undefined, identity), null);
});

test('query and path parameters are validated, with JSON pointers', () => {
  const s = stageWith();
  assert.equal(head(s, 'GET', '/items?limit=10').verdict.kind, 'continue');
  assert.deepEqual(pointers(head(s, 'GET', '/items?limit=1000').verdict), ['/query/limit']);
  assert.deepEqual(pointers(head(s, 'GET', '/items?limit=ten').verdict), ['/query/limit']);
  assert.equal(head(s, 'GET', '/items/42').verdict.kind, 'continue');
  assert.deepEqual(pointers(head(s, 'GET', '/items/abc').verdict), ['/path/id']);
});

test('undocumented paths and methods pass unless strict, then 404 and 405 with Allow', () => {
  const lax = stageWith();
  assert.equal(head(lax, 'GET', '/debug/config').verdict.kind, 'continue');
  assert.equal(head(lax, 'DELETE', '/items').verdict.kind, 'continue');
  const strict = stageWith({ strict: true });
  const nf = head(strict, 'GET', '/debug/config').verdict;
  assert.ok(nf.kind === 'deny' && nf.code === 'undocumented-operation' && nf.status === 404);
  const mna = head(strict, 'DELETE', '/items').verdict;
  assert.ok(mna.kind === 'deny' && mna.code === 'undocumented-method' && mna.status === 405);
  assert.match(String(mna.headers?.allow), /GET/);
  assert.match(String(mna.headers?.allow), /POST/);
});

test('JSON bodies are validated whatever the chunking; bad JSON and bad content types are refused', () => {
  const s = stageWith();
  assert.equal(send(s, '{"name":"lamp","price":3}'), undefined);
  // A missing required property is reported where it should be.
  assert.deepEqual(pointers(send(s, '{"price":-1}')).sort(), ['/body/name', '/body/price']);
  assert.deepEqual(pointers(send(s, '{"name":"a very long name indeed"}')), ['/body/name']);
  assert.deepEqual(pointers(send(s, '{"name":')), ['/body']);
  assert.ok(pointers(send(s, 'name=lamp', 'application/x-www-form-urlencoded')).length > 0, 'undocumented content type');
  // Open objects accept extra properties unless rejectUnknownProperties closes them.
  assert.equal(send(s, '{"name":"lamp","role":"admin"}'), undefined);
  assert.deepEqual(pointers(send(stageWith({ rejectUnknownProperties: true }), '{"name":"lamp","role":"admin"}')), ['/body/role']);
});

test('bodies larger than contract.maxBodyBytes are refused while they stream', () => {
  const s = stageWith({ maxBodyBytes: 1024 });
  const v = send(s, JSON.stringify({ name: 'x', pad: 'a'.repeat(4096) }));
  assert.ok(v && v.kind === 'deny' && v.code === 'body-too-large' && v.status === 413);
});

test('violations are capped at 20 with a count of the rest', () => {
  const props: Record<string, unknown> = {};
  for (let i = 0; i < 30; i++) props[`p${i}`] = { type: 'integer' };
  const d = doc();
  (d.paths as Record<string, unknown>)['/many'] = {
    get: { parameters: Object.keys(props).map((name) => ({ name, in: 'query', schema: { type: 'integer' } })), responses: { '200': { description: 'ok' } } },
  };
  const stage = createContractStage(settingsFor('contract', { enabled: true }), compileContract(d, 'x'), identity)!;
  const q = Object.keys(props).map((k) => `${k}=x`).join('&');
  const v = stage.request!(fakeContext({ url: `/many?${q}` })) as Verdict;
  assert.ok(v.kind === 'deny');
  assert.equal((v.extensions!.violations as unknown[]).length, 20);
  assert.equal(v.extensions!.truncated, 10);
});

test('the document is matched on the path the upstream sees (route prefix stripped)', () => {
  const s = stageWith({ strict: true }, (p) => p.replace(/^\/shop/, ''));
  assert.equal(head(s, 'GET', '/shop/items/7').verdict.kind, 'continue');
  assert.equal(head(s, 'GET', '/items/7').verdict.kind, 'continue');
  assert.equal(head(s, 'GET', '/other/items/7').verdict.kind, 'deny');
});

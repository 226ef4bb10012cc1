import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import type { StageSettings, Verdict } from '../../core/index.js';
import { compileContract } from '../../core/index.js';
import type { Stage } from '../stage.js';
import { createContractStage } from './contract.js';
import { fakeContext, fakeEnv, settingsFor } from './fake-context.js';

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

// ------------------------------------------------------------------------------------ responses

function quoteDoc(): Record<string, unknown> {
  const quote = {
    type: 'object',
    required: ['carrier', 'price'],
    properties: { carrier: { type: 'string', maxLength: 40 }, price: { type: 'number', minimum: 0 }, note: { type: 'string', maxLength: 200 } },
  };
  return {
    openapi: '3.1.0',
    info: { title: 'quotes', version: '1' },
    paths: {
      '/orders/{id}/quote': {
        post: {
          operationId: 'quote',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'integer' } }],
          responses: {
            '200': { description: 'quote', content: { 'application/json': { schema: quote } } },
            '404': { description: 'none', content: { 'application/json': { schema: { type: 'object', properties: { error: { type: 'string' } } } } } },
          },
        },
      },
      '/things': {
        get: {
          responses: {
            '200': {
              description: 'composed',
              content: { 'application/json': { schema: { allOf: [{ type: 'object', properties: { id: { type: 'integer' } } }, { properties: { name: { type: 'string' } } }] } } },
            },
          },
        },
      },
      '/pictures/{id}': { get: { responses: { '200': { description: 'a picture', content: { 'image/png': {} } } } } },
    },
  };
}

function responseStage(over: Partial<StageSettings['contract']> = {}) {
  const settings = settingsFor('contract', { enabled: true, responses: 'block', ...over });
  const contract = compileContract(quoteDoc(), 'quotes.yaml', { responses: settings.rejectUnknownResponseProperties ? 'closed' : 'open' });
  const env = fakeEnv();
  const stage = createContractStage(settings, contract, identity, env);
  assert.ok(stage);
  return { stage, env };
}

interface Answer {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  truncated?: boolean;
}

/** Sends a request, then has the stage see the upstream's answer as the gateway would. */
function answer(stage: Stage, method: string, url: string, a: Answer = {}) {
  const ctx = fakeContext({ method, url });
  assert.equal((stage.request!(ctx) as Verdict).kind, 'continue');
  const raw = a.body === undefined ? Buffer.alloc(0) : Buffer.isBuffer(a.body) ? a.body : Buffer.from(typeof a.body === 'string' ? a.body : JSON.stringify(a.body));
  const head = { status: a.status ?? 200, headers: { 'content-type': 'application/json', ...a.headers } };
  if (stage.responseHead!(ctx, head) !== 'buffer') return { ctx, buffered: false, verdict: undefined };
  const body = a.truncated ? raw.subarray(0, stage.maxBufferBytes) : raw;
  return { ctx, buffered: true, verdict: stage.responseBody!(ctx, head, body, a.truncated === true) };
}

const MALICIOUS = { carrier: 'Evil Express', price: -40, note: '<img src=x onerror=alert(1)>', adminOverride: 'root-token-123' };

function refused(v: Verdict | undefined): { pointers: string[]; text: string } {
  assert.ok(v && v.kind === 'deny', 'expected the response to be replaced');
  assert.equal(v.code, 'response-contract-violation');
  assert.equal(v.status, 502);
  const text = JSON.stringify(v);
  return { pointers: (v.extensions!.violations as Array<{ pointer: string }>).map((x) => x.pointer).sort(), text };
}

test('responses are not checked unless contract.responses asks for it', () => {
  const stage = stageWith();
  assert.equal(stage.responseHead, undefined);
  assert.equal(stage.responseBody, undefined);
});

test('block: a documented response passes untouched; extra fields, wrong types and bounds are refused with pointers, never values', () => {
  const { stage, env } = responseStage();
  const ok = answer(stage, 'POST', '/orders/7/quote', { body: { carrier: 'Speedy', price: 4.99, note: 'front door' } });
  assert.equal(ok.buffered, true);
  assert.equal(ok.verdict, undefined);
  assert.deepEqual(ok.ctx.outcomes, []);

  const bad = answer(stage, 'POST', '/orders/7/quote', { body: MALICIOUS, headers: { 'set-cookie': 'upstream=1' } });
  const r = refused(bad.verdict);
  assert.deepEqual(r.pointers, ['/response/body/adminOverride', '/response/body/price']);
  for (const leaked of ['Evil', '-40', 'onerror', 'root-token-123', 'upstream=1']) assert.ok(!r.text.includes(leaked), `the refusal must not echo ${leaked}`);
  assert.deepEqual(bad.verdict?.kind === 'deny' && bad.verdict.extensions?.violations, [
    { pointer: '/response/body/adminOverride', message: 'is not a documented property' },
    { pointer: '/response/body/price', message: 'must be >= 0' },
  ]);
  const warn = env.logs.find((l) => l.level === 'warn');
  assert.ok(warn, 'the refusal is logged');
  assert.equal(warn.fields?.requestId, 'req-test-1');
  assert.equal(warn.fields?.operation, 'quote');
  assert.ok(!JSON.stringify(env.logs).includes('root-token-123'), 'nor is a value logged');

  assert.deepEqual(refused(answer(stage, 'POST', '/orders/7/quote', { body: { carrier: 7, price: 'free' } }).verdict).pointers, ['/response/body/carrier', '/response/body/price']);
  assert.deepEqual(refused(answer(stage, 'POST', '/orders/7/quote', { body: '{"carrier":"x", "price": 1,' }).verdict).pointers, ['/response/body']);
});

test('block: undocumented statuses and content types are refused; documented non-JSON bodies are not even buffered', () => {
  const { stage } = responseStage();
  assert.deepEqual(refused(answer(stage, 'POST', '/orders/7/quote', { status: 500, body: { error: 'boom' } }).verdict).pointers, ['/response/status']);
  assert.deepEqual(refused(answer(stage, 'POST', '/orders/7/quote', { headers: { 'content-type': 'text/html' }, body: '<h1>debug</h1>' }).verdict).pointers, ['/response/headers/content-type']);
  assert.equal(answer(stage, 'POST', '/orders/7/quote', { status: 404, body: { error: 'no such order' } }).verdict, undefined);
  assert.equal(answer(stage, 'GET', '/pictures/1', { headers: { 'content-type': 'image/png' }, body: 'PNG' }).buffered, false);
  // HEAD and 204-style answers have no body: only their status is looked at.
  assert.equal(answer(stage, 'HEAD', '/things').buffered, false);
  assert.deepEqual(refused(answer(stage, 'HEAD', '/things', { status: 418 }).verdict).pointers, ['/response/status']);
});

test('block: an allOf composition accepts what its branches declare and refuses the rest', () => {
  const { stage } = responseStage();
  assert.equal(answer(stage, 'GET', '/things', { body: { id: 1, name: 'lamp' } }).verdict, undefined);
  assert.deepEqual(refused(answer(stage, 'GET', '/things', { body: { id: 1, name: 'lamp', internal: true } }).verdict).pointers, ['/response/body/internal']);
});

test('rejectUnknownResponseProperties: false leaves open schemas open', () => {
  const { stage } = responseStage({ rejectUnknownResponseProperties: false });
  assert.equal(answer(stage, 'POST', '/orders/7/quote', { body: { carrier: 'x', price: 1, extra: true } }).verdict, undefined);
  assert.deepEqual(refused(answer(stage, 'POST', '/orders/7/quote', { body: { carrier: 'x', price: -1, extra: true } }).verdict).pointers, ['/response/body/price']);
});

test('report: the response passes unchanged, the violations are recorded on the exchange and logged', () => {
  const { stage, env } = responseStage({ responses: 'report' });
  const r = answer(stage, 'POST', '/orders/7/quote', { body: MALICIOUS });
  assert.equal(r.verdict, undefined);
  assert.equal(r.ctx.outcomes.length, 1);
  const o = r.ctx.outcomes[0]!;
  assert.equal(o.stage, 'contract');
  assert.equal(o.outcome, 'report');
  assert.equal(o.code, 'response-contract-violation');
  assert.deepEqual(o.violations?.map((v) => v.pointer).sort(), ['/response/body/adminOverride', '/response/body/price']);
  assert.ok(!JSON.stringify(o).includes('root-token-123'));
  assert.equal(env.logs.length, 1);
  assert.equal(env.logs[0]!.level, 'warn');
  assert.equal(env.logs[0]!.fields?.requestId, 'req-test-1');
  assert.deepEqual(answer(stage, 'POST', '/orders/7/quote', { body: { carrier: 'x', price: 1 } }).ctx.outcomes, []);
});

test('bodies larger than maxResponseBytes are not validated: report lets them through, block refuses them', () => {
  const big = { carrier: 'x', price: 1, note: 'a'.repeat(4096) };
  const report = responseStage({ responses: 'report', maxResponseBytes: 1024 });
  assert.equal(report.stage.maxBufferBytes, 1024);
  const r = answer(report.stage, 'POST', '/orders/7/quote', { body: big, truncated: true });
  assert.equal(r.verdict, undefined);
  assert.deepEqual(r.ctx.outcomes.map((o) => [o.outcome, o.rule, o.violations?.[0]?.pointer]), [['report', 'not-validated', '/response/body']]);
  // Padding a response past the limit must not be a way around block mode.
  const block = responseStage({ maxResponseBytes: 1024 });
  const b = refused(answer(block.stage, 'POST', '/orders/7/quote', { body: { ...MALICIOUS, pad: 'a'.repeat(4096) }, truncated: true }).verdict);
  assert.deepEqual(b.pointers, ['/response/body']);
  assert.match(b.text, /larger than 1024 bytes/);
  // Another buffering stage may hand over more than this stage's limit: still not validated.
  assert.equal(refused(answer(block.stage, 'POST', '/orders/7/quote', { body: big }).verdict).pointers[0], '/response/body');
});

test('compressed responses are decoded before they are validated', () => {
  const { stage } = responseStage();
  const gz = (v: unknown) => gzipSync(Buffer.from(JSON.stringify(v)));
  assert.equal(answer(stage, 'POST', '/orders/7/quote', { body: gz({ carrier: 'x', price: 1 }), headers: { 'content-encoding': 'gzip' } }).verdict, undefined);
  assert.deepEqual(refused(answer(stage, 'POST', '/orders/7/quote', { body: gz(MALICIOUS), headers: { 'content-encoding': 'gzip' } }).verdict).pointers, ['/response/body/adminOverride', '/response/body/price']);
  assert.deepEqual(refused(answer(stage, 'POST', '/orders/7/quote', { body: 'not gzip', headers: { 'content-encoding': 'gzip' } }).verdict).pointers, ['/response/body']);
});

test('responses of undocumented operations (lax mode) are not checked', () => {
  const { stage } = responseStage();
  assert.equal(answer(stage, 'GET', '/debug/config', { status: 200, body: { secret: 'x' } }).buffered, false);
});

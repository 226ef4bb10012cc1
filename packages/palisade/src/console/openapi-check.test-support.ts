// Checks a real answer of the console API against its OpenAPI document with ajv (JSON Schema
// 2020-12, the dialect of OpenAPI 3.1). Console test files call `assertDocumented(res, method, path)`
// on the answers they get; openapi.test.ts also checks that every route is documented.
import assert from 'node:assert/strict';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { consoleOpenApi } from './openapi/base.js';

type Json = Record<string, unknown>;

const DOC_ID = 'urn:palisade:console-openapi';
export const CONSOLE_DOC = consoleOpenApi();

const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
// The whole document is one schema resource, so `#/components/schemas/X` references resolve.
ajv.addSchema({ ...CONSOLE_DOC, $id: DOC_ID });

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

function pointer(parts: string[]): string {
  return '#/' + parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
}

/** The documented path template a concrete path (relative to /console/api) answers to. */
export function templateOf(path: string): string | undefined {
  const parts = path.split('/').filter(Boolean);
  const paths = CONSOLE_DOC['paths'] as Record<string, Json>;
  // Literal segments beat parameters: '/scans/{id}' must not swallow '/scans/active'.
  let best: { t: string; score: number } | undefined;
  for (const t of Object.keys(paths)) {
    const tp = t.split('/').filter(Boolean);
    if (tp.length !== parts.length) continue;
    let score = 0;
    let ok = true;
    for (let i = 0; i < tp.length; i++) {
      if (/^\{.+\}$/.test(tp[i]!)) continue;
      if (tp[i] !== parts[i]) {
        ok = false;
        break;
      }
      score++;
    }
    if (ok && (!best || score > best.score)) best = { t, score };
  }
  return best?.t;
}

/** Route pattern ('/findings/:id') to OpenAPI path ('/findings/{id}'). */
export function patternToPath(pattern: string): string {
  return pattern.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

/**
 * Asserts that the answer's status is documented for the operation and that its JSON body
 * (application/json or application/problem+json) validates against the documented schema.
 * `path` is relative to /console/api and may carry a query string. Consumes the body.
 */
export async function assertDocumented(res: Response, method: string, path: string): Promise<unknown> {
  const bare = path.split('?')[0]!;
  const template = templateOf(bare);
  assert.ok(template, `${method} ${bare}: no such path in the console OpenAPI document`);
  const item = (CONSOLE_DOC['paths'] as Record<string, Json>)[template]!;
  const m = method.toLowerCase();
  assert.ok(METHODS.includes(m) && item[m], `${method} ${template}: operation not documented`);
  const responses = (item[m] as Json)['responses'] as Record<string, Json>;
  const key = String(res.status) in responses ? String(res.status) : 'default' in responses ? 'default' : undefined;
  const text = await res.text();
  assert.ok(key, `${method} ${template}: status ${res.status} is not documented (body: ${text.slice(0, 300)})`);
  const content = responses[key]!['content'] as Record<string, Json> | undefined;
  const type = (res.headers.get('content-type') ?? '').split(';')[0]!.trim();
  if (!content) {
    assert.ok(text.length === 0 || !type.includes('json'), `${method} ${template} ${res.status}: a JSON body is sent but none is documented`);
    return undefined;
  }
  assert.ok(content[type], `${method} ${template} ${res.status}: content type ${type || '(none)'} not documented (documented: ${Object.keys(content).join(', ')})`);
  if (!type.includes('json')) return text;
  const body: unknown = JSON.parse(text);
  const validate = ajv.getSchema(DOC_ID + pointer(['paths', template, m, 'responses', key, 'content', type, 'schema']));
  assert.ok(validate, `${method} ${template} ${res.status}: no schema for ${type}`);
  const ok = validate(body);
  assert.ok(ok, `${method} ${path} ${res.status} does not match the document: ${ajv.errorsText(validate.errors, { dataVar: 'body' })}\n${text.slice(0, 500)}`);
  return body;
}

// Keeps the demo's three descriptions in step: the route table, openapi.yaml (documented
// operations only) and VULNERABILITIES.md (every id exploited by a test and marked in the code).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { ROUTES } from './routes.js';
import { DEMO_OPENAPI_PATH, DEMO_VULNERABILITIES_PATH } from './index.js';

// Tests run from dist/; the sources sit beside it in src/.
const SRC_DIR = fileURLToPath(new URL('../src/', import.meta.url));
const HTTP_METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);

interface Operation {
  operationId?: string;
  security?: unknown[];
  parameters?: Array<{ $ref?: string; name?: string; in?: string; schema?: { maximum?: number } }>;
}
interface OpenApiDoc {
  openapi: string;
  security?: unknown[];
  paths: Record<string, Record<string, Operation | unknown>>;
  components: { securitySchemes: Record<string, { type: string; scheme?: string; bearerFormat?: string }>; parameters: Record<string, { schema?: { maximum?: number } }> };
}

function loadSpec(): OpenApiDoc {
  return parse(readFileSync(DEMO_OPENAPI_PATH, 'utf8')) as OpenApiDoc;
}

function operations(doc: OpenApiDoc): Array<{ method: string; path: string; op: Operation }> {
  const out: Array<{ method: string; path: string; op: Operation }> = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [key, op] of Object.entries(item)) if (HTTP_METHODS.has(key)) out.push({ method: key.toUpperCase(), path, op: op as Operation });
  }
  return out;
}

interface VulnRow {
  id: string;
  cells: string[];
}

function vulnerabilityRows(): VulnRow[] {
  const rows: VulnRow[] = [];
  for (const line of readFileSync(DEMO_VULNERABILITIES_PATH, 'utf8').split('\n')) {
    const m = /^\| (DEMO-[A-Z0-9]+-\d{2}) \|/.exec(line);
    if (!m) continue;
    // Split on unescaped pipes; the exploits contain `\|` in shell pipelines.
    const cells = line.slice(1, -1).split(/(?<!\\)\|/).map((c) => c.trim());
    rows.push({ id: m[1]!, cells });
  }
  return rows;
}

test('openapi.yaml documents exactly the operations with an operationId in the route table', () => {
  const doc = loadSpec();
  assert.equal(doc.openapi, '3.1.0');
  const documented = operations(doc)
    .map((o) => `${o.method} ${o.path} ${o.op.operationId}`)
    .sort();
  const implemented = ROUTES.filter((r) => r.operationId !== undefined)
    .map((r) => `${r.method} ${r.template} ${r.operationId}`)
    .sort();
  assert.deepEqual(documented, implemented);
});

test('the shadow and zombie endpoints (API9) are absent from openapi.yaml', () => {
  const doc = loadSpec();
  const shadow = ROUTES.filter((r) => r.operationId === undefined);
  assert.ok(shadow.length >= 3);
  for (const r of shadow) assert.equal(doc.paths[r.template], undefined, `${r.template} must stay undocumented`);
  assert.doesNotMatch(readFileSync(DEMO_OPENAPI_PATH, 'utf8'), /\/api\/v1\/|\/debug\//);
});

test('openapi.yaml declares bearer JWT security, public operations opt out, paging has maximums', () => {
  const doc = loadSpec();
  assert.deepEqual(doc.components.securitySchemes.bearerAuth, { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'The token from POST /api/v2/auth/login, valid one hour.' });
  assert.deepEqual(doc.security, [{ bearerAuth: [] }]);
  const publicOps = operations(doc)
    .filter((o) => Array.isArray(o.op.security) && o.op.security.length === 0)
    .map((o) => o.op.operationId)
    .sort();
  assert.deepEqual(publicOps, ['getHealth', 'getProduct', 'getProductThumbnail', 'listProducts', 'login', 'searchProducts']);
  assert.equal(doc.components.parameters.Limit?.schema?.maximum, 100);
  const ids = operations(doc).map((o) => o.op.operationId);
  assert.equal(new Set(ids).size, ids.length, 'operationIds are unique');
});

test('VULNERABILITIES.md: well-formed rows, unique ids, a curl against the demo for each', () => {
  const rows = vulnerabilityRows();
  assert.ok(rows.length >= 20);
  const ids = rows.map((r) => r.id);
  assert.equal(new Set(ids).size, ids.length, 'ids are unique');
  const categories = new Set<string>();
  for (const { id, cells } of rows) {
    assert.equal(cells.length, 8, `${id}: id | endpoint | OWASP | CWE | description | exploit | stopped by | status`);
    const [, , owasp, cwe, , exploit, stoppedBy] = cells;
    const cat = /\bAPI(10|[1-9])\b/.exec(owasp!);
    assert.ok(cat, `${id}: OWASP category`);
    categories.add(cat[1]!);
    assert.match(cwe!, /^CWE-\d+/, `${id}: CWE`);
    assert.match(exploit!, /curl .*http:\/\/127\.0\.0\.1:3001\//, `${id}: exploit with curl against the demo`);
    assert.match(stoppedBy!, /Shield|Probe|Watch/, `${id}: the protection expected to stop it`);
  }
  assert.deepEqual([...categories].map(Number).sort((a, b) => a - b), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 'every OWASP API Top 10 2023 category');
});

test('every documented vulnerability has an exploit test and is marked where it lives in the code', () => {
  const ids = vulnerabilityRows().map((r) => r.id);
  const exploitTests = new Set([...readFileSync(`${SRC_DIR}exploits.test.ts`, 'utf8').matchAll(/^test\(['"](DEMO-[A-Z0-9]+-\d{2}):/gm)].map((m) => m[1]!));
  const code = readdirSync(SRC_DIR)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && f !== 'test-support.ts')
    .map((f) => readFileSync(`${SRC_DIR}${f}`, 'utf8'))
    .join('\n');
  const marked = new Set([...code.matchAll(/DEMO-[A-Z0-9]+-\d{2}/g)].map((m) => m[0]));
  for (const id of ids) {
    assert.ok(exploitTests.has(id), `${id} has no test in exploits.test.ts`);
    assert.ok(marked.has(id), `${id} is not marked in the code`);
  }
  for (const id of exploitTests) assert.ok(ids.includes(id), `exploits.test.ts tests ${id}, which VULNERABILITIES.md does not list`);
  for (const id of marked) assert.ok(ids.includes(id), `the code marks ${id}, which VULNERABILITIES.md does not list`);
});

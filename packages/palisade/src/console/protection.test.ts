// Apply protection, the parts: each kind of change written into a real palisade.yaml text and
// validated by the configuration loader; layout and comments kept; atomic swap with validation;
// the unified diff.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadDocument, parseConfig } from '../core/index.js';
import type { ProtectionIntent, StoredFinding } from '../core/index.js';
import { planProtection, protectionIntent, swapConfig, validateConfigText } from './protection.js';
import { carryEdit, unifiedDiff } from './yaml-diff.js';

const dir = mkdtempSync(join(tmpdir(), 'palisade-protection-'));
after(() => rmSync(dir, { recursive: true, force: true }));

writeFileSync(
  join(dir, 'openapi.yaml'),
  `openapi: 3.0.3
info: { title: Shop, version: '1' }
paths:
  /users/{userId}:
    get:
      operationId: getUser
      responses:
        '200':
          description: A user
          content: { application/json: { schema: { type: object, properties: { id: { type: string }, name: { type: string } } } } }
    patch:
      operationId: updateUser
      requestBody: { content: { application/json: { schema: { type: object, properties: { name: { type: string } } } } } }
      responses: { '200': { description: Updated } }
  /login:
    post: { operationId: login, responses: { '200': { description: ok } } }
`,
);

const BASE = `# A shop (protection test)
apis:
  - name: shop
    upstream: http://127.0.0.1:9   # the API
    openapi: openapi.yaml
defaults:
  authenticate:
    enabled: true
    methods: [apiKey]
`;

function finding(protection: ProtectionIntent | undefined, operation?: StoredFinding['operation']): StoredFinding {
  return {
    fingerprint: 'f',
    source: 'scan',
    checkId: 'PAL-TEST',
    title: 't',
    severity: 'high',
    category: 'API1:2023',
    api: 'shop',
    ...(operation ? { operation } : {}),
    evidence: [],
    remediation: { summary: 's' },
    ...(protection ? { protection } : {}),
    firstSeenAt: 0,
    lastSeenAt: 0,
    status: 'new',
  };
}

async function plan(text: string, f: StoredFinding) {
  const config = parseConfig(text, 'palisade.yaml', { baseDir: dir });
  return planProtection(f, { text, config, loadSpec: loadDocument });
}

const getUser = { method: 'GET', path: '/users/{userId}', operationId: 'getUser' };

describe('protection changes', () => {
  const cases: Array<[string, ProtectionIntent, StoredFinding['operation'] | undefined, RegExp]> = [
    ['require authentication', { kind: 'require-auth', operation: 'getUser' }, getUser, /- name: console-getUser\n\s+operations: \[getUser\]/],
    ['an owner rule', { kind: 'owner-rule', operation: 'getUser', owner: "path.userId == principal.id or 'admin' in principal.roles" }, getUser, /owner: path\.userId == principal\.id or 'admin' in principal\.roles/],
    ['a readable property rule from the document', { kind: 'property-rule', operation: 'getUser', side: 'readable', properties: [] }, getUser, /readable: \{ '\*': \[id, name\] \}|readable: \{"\*": \[id, name\]\}|readable: \{ "\*": \[ id, name \] \}|readable:.*id, name/],
    ['a writable property rule from the document', { kind: 'property-rule', operation: 'updateUser', side: 'writable', properties: [] }, { method: 'PATCH', path: '/users/{userId}', operationId: 'updateUser' }, /writable:.*\[name\]/],
    ['a rate limit on a route', { kind: 'rate-limit', operation: 'GET /users/{userId}', points: 60, durationSeconds: 60 }, getUser, /pathPrefix: \/users\n[\s\S]*points: 60/],
    ['contract strict mode', { kind: 'contract', strict: true }, undefined, /contract:\n\s+enabled: true\n\s+strict: true/],
    ['an administrators-only operation', { kind: 'admin-only', operation: 'DELETE /users/{userId}' }, { method: 'DELETE', path: '/users/{userId}' }, /adminOperations:.*\n?.*DELETE \/users\/\{userId\}/],
    ['a blocked address', { kind: 'block-ip', entry: '203.0.113.7' }, undefined, /deny:\n\s+- 203\.0\.113\.7/],
    ['the login guard', { kind: 'login-guard', method: 'POST', path: '/login' }, undefined, /endpoints:\n\s+- \{ ?method: POST, path: \/login/],
    ['the SSRF guard', { kind: 'ssrf-guard', jsonPaths: ['url'] }, undefined, /ssrfGuard:\n\s+enabled: true\n\s+jsonPaths:\n\s+- url/],
    ['a page-size limit', { kind: 'max-page-size', max: 100 }, undefined, /maxPageSize: 100/],
  ];
  for (const [name, intent, op, expected] of cases) {
    it(`writes ${name} that the loader accepts, keeping the rest of the file`, async () => {
      const p = await plan(BASE, finding(intent, op));
      assert.equal(p.available, true, p.description);
      const after = p.preview!.after;
      assert.match(after, expected);
      assert.deepEqual(validateConfigText(after, join(dir, 'palisade.yaml')), []);
      assert.ok(after.startsWith('# A shop (protection test)\napis:\n  - name: shop\n    upstream: http://127.0.0.1:9   # the API\n'), after);
      assert.match(p.preview!.diff, /^--- a\/palisade\.yaml\n\+\+\+ b\/palisade\.yaml\n@@ /);
      // Applying the same intent to the result changes nothing more.
      const again = await plan(after, finding(intent, op));
      assert.equal(again.available, false);
      assert.match(again.description, /^Already in place|already has an owner condition/);
    });
  }

  it('turns the WAF on only when it has rules to run (Shield refuses an empty WAF at reload)', async () => {
    const none = await plan(BASE, finding({ kind: 'waf' }));
    assert.equal(none.available, false);
    assert.match(none.description, /no rule set/);
    const withRules = `${BASE}  waf:\n    rulesAfter: [own.conf]\n`;
    const p = await plan(withRules, finding({ kind: 'waf' }));
    assert.equal(p.available, true, p.description);
    assert.match(p.preview!.after, /waf:\n\s+rulesAfter: \[own\.conf\]\n\s+enabled: true\n\s+mode: blocking|waf:\n\s+rulesAfter: \[own\.conf\]\n\s+enabled: true/);
    assert.deepEqual(validateConfigText(p.preview!.after, join(dir, 'palisade.yaml')), []);
  });

  it('splits an operation out of a rule that names several, keeping the rule\'s other settings', async () => {
    const text = `${BASE}  authorize:
    enabled: true
    rules:
      - name: public   # open to all
        operations: [getUser, login]
        anonymous: true
        readable: { '*': [id] }
`;
    const p = await plan(text, finding({ kind: 'require-auth', operation: 'getUser' }, getUser));
    assert.equal(p.available, true);
    const cfg = parseConfig(p.preview!.after, 'palisade.yaml', { baseDir: dir });
    const rules = cfg.defaults.authorize.rules;
    assert.deepEqual(rules.map((r) => [r.name, r.operations, r.anonymous, r.readable]), [
      ['public-getUser', ['getUser'], false, { '*': ['id'] }],
      ['public', ['login'], true, { '*': ['id'] }],
    ]);
    assert.match(p.preview!.after, /- name: public {3}# open to all/);
  });

  it('turns authorization on with defaultPolicy allow when it was off, so other operations keep working', async () => {
    const p = await plan(BASE, finding({ kind: 'require-auth', operation: 'getUser' }, getUser));
    const cfg = parseConfig(p.preview!.after, 'palisade.yaml', { baseDir: dir });
    assert.equal(cfg.defaults.authorize.enabled, true);
    assert.equal(cfg.defaults.authorize.defaultPolicy, 'allow');
  });

  it('offers nothing it cannot do, and says why', async () => {
    const noAuth = 'apis: [{ name: shop, upstream: "http://127.0.0.1:9" }]\n';
    assert.match((await plan(noAuth, finding({ kind: 'require-auth', operation: 'getUser' }, getUser))).description, /Authentication is not configured/);
    assert.match((await plan(noAuth, finding({ kind: 'contract', strict: true }))).description, /No API has an OpenAPI document/);
    assert.match((await plan(BASE, finding(undefined))).description, /API itself must be fixed/);
    const p = await plan(BASE, finding({ kind: 'property-rule', operation: 'login', side: 'readable', properties: [] }, { method: 'POST', path: '/login', operationId: 'login' }));
    assert.equal(p.available, false);
    assert.match(p.description, /names no response properties/);
  });

  it('knows the protection of the common checks', () => {
    assert.deepEqual(protectionIntent({ checkId: 'PAL-SCAN-AUTH-001', operation: getUser }), { kind: 'require-auth', operation: 'getUser' });
    assert.deepEqual(protectionIntent({ checkId: 'PAL-SCAN-INJ-004' }), { kind: 'waf' });
    assert.deepEqual(protectionIntent({ checkId: 'PAL-SCAN-INV-003' }), { kind: 'contract', strict: true });
    assert.deepEqual(protectionIntent({ checkId: 'PAL-SCAN-BOLA-001', operation: { method: 'GET', path: '/orders/{orderId}' } }), {
      kind: 'owner-rule',
      operation: 'GET /orders/{orderId}',
      owner: "path.orderId == principal.id or 'admin' in principal.roles",
    });
    assert.equal(protectionIntent({ checkId: 'PAL-SCAN-CONF-001' }), undefined);
  });
});

describe('swapConfig', () => {
  const path = join(dir, 'swap.yaml');

  it('refuses an invalid text with its issues and leaves the file alone', async () => {
    writeFileSync(path, BASE);
    const r = await swapConfig(path, BASE, `${BASE}  waf:\n    enabled: maybe\n`, async () => ({ ok: true }));
    assert.equal(r.ok, false);
    assert.ok(!r.ok && r.status === 422 && r.issues?.some((i) => i.path === 'defaults.waf.enabled' && i.line === 11), JSON.stringify(r));
    assert.equal(readFileSync(path, 'utf8'), BASE);
  });

  it('refuses when the file changed since the change was prepared', async () => {
    writeFileSync(path, `${BASE}# edited by hand\n`);
    const r = await swapConfig(path, BASE, `${BASE}  waf:\n    enabled: true\n`, undefined);
    assert.ok(!r.ok && r.status === 409);
    assert.equal(readFileSync(path, 'utf8'), `${BASE}# edited by hand\n`);
  });

  it('writes, reloads, and on a failed reload puts the old text back and reloads again', async () => {
    writeFileSync(path, BASE);
    const seen: string[] = [];
    const next = `${BASE}  waf:\n    enabled: true\n`;
    let ok = false;
    const reload = async () => {
      seen.push(readFileSync(path, 'utf8'));
      return ok ? { ok: true } : { ok: false, error: 'boom', details: ['more'] };
    };
    const failed = await swapConfig(path, BASE, next, reload);
    assert.ok(!failed.ok && failed.code === 'reload-failed');
    assert.deepEqual(seen, [next, BASE]);
    assert.equal(readFileSync(path, 'utf8'), BASE);
    ok = true;
    assert.deepEqual(await swapConfig(path, BASE, next, reload), { ok: true });
    assert.equal(readFileSync(path, 'utf8'), next);
  });
});

describe('diffs', () => {
  it('renders a unified diff with hunks and context', () => {
    assert.equal(unifiedDiff('a\n', 'a\n'), '');
    const before = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10'].join('\n') + '\n';
    const after = before.replace('5\n', 'five\n').replace('10\n', '10\n11\n');
    assert.equal(unifiedDiff(before, after, 'x.yaml'), ['--- a/x.yaml', '+++ b/x.yaml', '@@ -2,9 +2,10 @@', ' 2', ' 3', ' 4', '-5', '+five', ' 6', ' 7', ' 8', ' 9', ' 10', '+11', ''].join('\n'));
    assert.equal(unifiedDiff('', 'a\n'), '--- a/palisade.yaml\n+++ b/palisade.yaml\n@@ -0,0 +1,1 @@\n+a\n');
  });

  it('carries an edit of a re-printed text over to the original lines', () => {
    assert.equal(carryEdit('a:   1   # one\nb: 2\n', 'a: 1 # one\nb: 2\n', 'a: 1 # one\nb: 3\nc: 4\n'), 'a:   1   # one\nb: 3\nc: 4\n');
    assert.equal(carryEdit('a: [1,\n  2]\n', 'a: [1, 2]\n', 'a: [1, 2, 3]\n'), undefined);
  });
});

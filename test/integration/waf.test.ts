// The WAF stage through a real gateway, with OWASP CRS 4.28.0 from the shared corpus: blocking and
// detection-only, per-route exclusions, a response (data leakage) rule, broken rule files at load
// and at reload, the audit log, and DEMO-INJ-01 stopped by the WAF alone.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PalisadeError, parseConfig } from 'palisade';
import type { Exchange } from 'palisade';
import { ROOT, adminFetch, httpRequest, sleep, startTestShield, startUpstream, tempDir, waitFor } from './helpers.js';
import type { TestShield, Upstream } from './helpers.js';
import { startDemoStack } from './demo-stack.js';

const CRS = join(ROOT, '..', 'shared', 'corpora', 'crs-4.28.0');
const SKIP = existsSync(join(CRS, 'rules')) ? false : `CRS 4.28.0 not found at ${CRS}: the WAF integration tests need the shared corpus`;

const SQLI = encodeURIComponent("1' UNION SELECT username,password FROM users--");
const XSS = encodeURIComponent('<script>alert(document.cookie)</script>');
// A password that CRS's libinjection rule (942100) alone takes for SQL: the route's known false positive.
const FP_PASSWORD = "x' or '1'='1";
const SQL_ERROR = 'You have an error in your SQL syntax; check the manual that corresponds to your MySQL server version for the right syntax to use near \'\'\' at line 1';

interface Problem {
  type: string;
  status: number;
  requestId: string;
  detail?: string;
}

async function record(shield: TestShield, id: string): Promise<Exchange> {
  return waitFor(async () => {
    const r = await adminFetch(shield, `/exchanges/${id}`);
    return r.status === 200 ? ((await r.json()) as Exchange) : undefined;
  }, 10_000, `exchange ${id}`);
}

function wafVerdict(x: Exchange) {
  return x.verdicts.find((v) => v.stage === 'waf');
}

describe('WAF stage with OWASP CRS through the gateway', { skip: SKIP }, () => {
  let up: Upstream;
  let shield: TestShield;
  let dir: { dir: string; cleanup(): void };
  const seen: string[] = [];
  /** Request bodies the upstream received whole. */
  const bodies: string[] = [];

  before(async () => {
    up = await startUpstream((req, res) => {
      seen.push(req.url ?? '');
      if (req.url?.endsWith('/leak')) {
        res.writeHead(500, { 'content-type': 'text/html' });
        res.end(`<html><body><h1>Database error</h1><p>${SQL_ERROR}</p></body></html>`);
        return;
      }
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        bodies.push(Buffer.concat(chunks).toString());
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ok: true, url: req.url, bytes: Buffer.concat(chunks).length }));
      });
    });
    dir = tempDir();
    const yaml = `
apis:
  - { name: up, upstream: ${up.url} }
routes:
  - { api: up, pathPrefix: /block }
  - { api: up, pathPrefix: /detect, stages: { waf: { mode: detection-only } } }
  - api: up
    pathPrefix: /login
    stages: { waf: { ruleRemoveTargetById: [{ id: 942100, target: 'ARGS:password' }] } }
  - { api: up, pathPrefix: /off, stages: { waf: { enabled: false } } }
defaults:
  errorScrubbing: { enabled: false }
  waf:
    enabled: true
    crs: ${JSON.stringify(CRS)}
    responseInspection: true
    auditLog: audit.jsonl
    setup: { allowed_methods: 'GET HEAD POST OPTIONS' }
`;
    shield = await startTestShield(yaml);
  });
  after(async () => {
    await shield?.close();
    await up?.close();
    dir?.cleanup();
  });

  test('a benign request passes and leaves no WAF verdict', async () => {
    // A name in Host: CRS 920350 rightly notes a numeric address (recorded, under the threshold).
    const r = await httpRequest(`${shield.gatewayUrl}/block/products?q=blue+lamp&page=2`, { headers: { host: 'shop.example' } });
    assert.equal(r.status, 200);
    const x = await record(shield, r.headers['x-request-id'] as string);
    assert.equal(wafVerdict(x), undefined);
  });

  for (const [name, q, attack] of [['SQL injection', SQLI, 'attack-sqli'], ['XSS', XSS, 'attack-xss']] as const) {
    test(`${name} is blocked with the waf-blocked problem and the request id, and recorded`, async () => {
      const before = seen.length;
      const r = await httpRequest(`${shield.gatewayUrl}/block/search?q=${q}`);
      assert.equal(r.status, 403);
      assert.match(String(r.headers['content-type']), /application\/problem\+json/);
      const p = JSON.parse(r.body) as Problem;
      assert.equal(p.type, 'urn:palisade:problem:waf-blocked');
      assert.equal(p.requestId, r.headers['x-request-id']);
      // Nothing about the rules reaches the client.
      assert.doesNotMatch(r.body, /94[12]\d{3}|949110|libinjection|anomaly|attack-/i);
      assert.equal(seen.length, before, 'the upstream never saw it');
      const x = await record(shield, p.requestId);
      const v = wafVerdict(x);
      assert.ok(v, 'a waf verdict');
      assert.equal(v.outcome, 'deny');
      assert.equal(v.code, 'waf-blocked');
      assert.equal(v.rule, '949110');
      assert.ok(v.waf);
      assert.equal(v.waf.mode, 'blocking');
      assert.ok(v.waf.inboundScore >= 5, String(v.waf.inboundScore));
      assert.ok(v.waf.attacks.includes(attack), v.waf.attacks.join());
      assert.ok(v.waf.matched.some((m) => m.tags.includes(attack) && m.variable === 'ARGS:q'));
      assert.ok(v.waf.matched.every((m) => m.data.length <= 65));
    });
  }

  test('a SQL injection in a JSON body is blocked before the upstream gets the body', async () => {
    const body = JSON.stringify({ name: 'lamp', filter: "1' UNION SELECT username,password FROM users--" });
    const r = await httpRequest(`${shield.gatewayUrl}/block/items`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    assert.equal(r.status, 403);
    assert.equal((JSON.parse(r.body) as Problem).type, 'urn:palisade:problem:waf-blocked');
    await sleep(100);
    assert.ok(!bodies.some((b) => b.includes('UNION')), 'the upstream never received the blocked body whole');
    const ok = await httpRequest(`${shield.gatewayUrl}/block/items`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'lamp', price: 12 }) });
    assert.equal(ok.status, 200);
    assert.equal((JSON.parse(ok.body) as { bytes: number }).bytes, JSON.stringify({ name: 'lamp', price: 12 }).length);
  });

  test('detection-only lets the same attacks through and records the matched rules', async () => {
    for (const [q, attack] of [[SQLI, 'attack-sqli'], [XSS, 'attack-xss']] as const) {
      const r = await httpRequest(`${shield.gatewayUrl}/detect/search?q=${q}`);
      assert.equal(r.status, 200);
      const x = await record(shield, r.headers['x-request-id'] as string);
      const v = wafVerdict(x);
      assert.ok(v?.waf, 'a waf report');
      assert.equal(v.outcome, 'report');
      assert.equal(v.waf.mode, 'detection-only');
      assert.equal(v.waf.interruptedBy, undefined);
      assert.ok(v.waf.inboundScore >= 5);
      assert.ok(v.waf.attacks.includes(attack));
      assert.ok(v.waf.matched.some((m) => m.id === 949110), 'the blocking evaluation matched without blocking');
    }
  });

  test('a route exclusion lets a known false positive through on that route only', async () => {
    const q = `password=${encodeURIComponent(FP_PASSWORD)}&user=ann`;
    const login = await httpRequest(`${shield.gatewayUrl}/login?${q}`);
    assert.equal(login.status, 200, login.body);
    const elsewhere = await httpRequest(`${shield.gatewayUrl}/block/account?${q}`);
    assert.equal(elsewhere.status, 403);
    // The exclusion is for that field only: the same value elsewhere on the route is still blocked.
    const other = await httpRequest(`${shield.gatewayUrl}/login?user=${encodeURIComponent(FP_PASSWORD)}`);
    assert.equal(other.status, 403);
  });

  test('a data leakage rule on the response body withholds the SQL error in blocking mode', async () => {
    const r = await httpRequest(`${shield.gatewayUrl}/block/leak`);
    assert.equal(r.status, 403);
    assert.doesNotMatch(r.body, /SQL syntax|MySQL/);
    const p = JSON.parse(r.body) as Problem;
    assert.equal(p.type, 'urn:palisade:problem:waf-blocked');
    const x = await record(shield, p.requestId);
    const v = wafVerdict(x);
    assert.ok(v?.waf);
    assert.ok(v.waf.matched.some((m) => m.id >= 951000 && m.id < 952000), v.waf.matched.map((m) => m.id).join());
    assert.ok(v.waf.outboundScore >= 4);
    // Detection-only passes it on, recorded.
    const d = await httpRequest(`${shield.gatewayUrl}/detect/leak`);
    assert.equal(d.status, 500);
    assert.match(d.body, /SQL syntax/);
    // Without the WAF the route is untouched.
    assert.equal((await httpRequest(`${shield.gatewayUrl}/off/search?q=${SQLI}`)).status, 200);
  });

  test('the audit log has one redacted JSON line per blocked or matched exchange', async () => {
    const r = await httpRequest(`${shield.gatewayUrl}/block/search?q=${SQLI}&token=sekrit-value-123`, { headers: { authorization: 'Bearer abc.def.ghi' } });
    assert.equal(r.status, 403);
    const id = r.headers['x-request-id'] as string;
    const line = await waitFor(() => readFileSync(join(shield.dir, 'audit.jsonl'), 'utf8').split('\n').find((l) => l.includes(id)), 5000, 'audit line');
    const rec = JSON.parse(line) as { id: string; interruption: { ruleId: number }; request: { uri: string; headers: Record<string, string> } };
    assert.equal(rec.interruption.ruleId, 949110);
    assert.doesNotMatch(line, /sekrit-value-123|abc\.def\.ghi/);
  });
});

describe('WAF rule files at load and at reload', { skip: SKIP }, () => {
  let up: Upstream;
  before(async () => {
    up = await startUpstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    });
  });
  after(async () => up?.close());

  const yamlWith = (rules: string) => `
apis:
  - { name: up, upstream: ${up.url} }
defaults:
  waf: { enabled: true, crs: ${JSON.stringify(CRS)}, rulesAfter: [${rules}] }
`;

  test('a broken extra rule file refuses the configuration, naming file and line', async () => {
    const t = tempDir();
    try {
      writeFileSync(join(t.dir, 'local.conf'), '# local rules\nSecRule ARGS "@rx foo" "id:10001,phase:2,deny,status:403"\nSecRule ARGS "@nosuchop x" "id:10002,phase:2,deny"\n');
      await assert.rejects(startTestShield(yamlWith('local.conf'), { dir: t.dir, baseDir: t.dir }), (err: unknown) => {
        assert.ok(err instanceof PalisadeError);
        assert.equal(err.code, 'PALISADE_ERR_WAF_RULES');
        assert.match([err.message, ...err.details].join('\n'), /local\.conf:3:/);
        return true;
      });
    } finally {
      t.cleanup();
    }
  });

  test('at reload a broken rule file is refused and the previous rules keep serving', async () => {
    const t = tempDir();
    const configPath = join(t.dir, 'palisade.yaml');
    writeFileSync(join(t.dir, 'local.conf'), 'SecRule ARGS:probe "@streq one" "id:10001,phase:2,deny,status:418"\n');
    writeFileSync(configPath, yamlWith('local.conf'));
    const shield = await startTestShield(readFileSync(configPath, 'utf8'), { configPath, dir: t.dir, baseDir: t.dir });
    try {
      assert.equal((await httpRequest(`${shield.gatewayUrl}/x?probe=one`)).status, 418);
      writeFileSync(join(t.dir, 'broken.conf'), 'SecRule ARGS:probe "@streq two" "id:10003,phase:2,deny,status:418"\nSecRule ARGS "@rx (" "id:10004,phase:2,deny"\n');
      writeFileSync(configPath, yamlWith('local.conf, broken.conf'));
      const r = await shield.reload();
      assert.equal(r.ok, false);
      assert.match([r.error ?? '', ...(r.details ?? [])].join('\n'), /broken\.conf:2/);
      assert.equal((await httpRequest(`${shield.gatewayUrl}/x?probe=one`)).status, 418, 'the previous rules serve');
      assert.equal((await httpRequest(`${shield.gatewayUrl}/x?probe=two`)).status, 200, 'the refused rules do not');
      writeFileSync(join(t.dir, 'broken.conf'), 'SecRule ARGS:probe "@streq two" "id:10003,phase:2,deny,status:418"\n');
      const ok = await shield.reload();
      assert.equal(ok.ok, true, JSON.stringify(ok));
      assert.equal((await httpRequest(`${shield.gatewayUrl}/x?probe=two`)).status, 418);
    } finally {
      await shield.close();
    }
  });

  test('waf.crs must be a CRS v4 folder', () => {
    const t = tempDir();
    try {
      const cfg = parseConfig(`apis: [{ name: up, upstream: ${up.url} }]\ndefaults: { waf: { enabled: true, crs: nowhere } }\n`, 'x.yaml', { baseDir: t.dir });
      assert.equal(cfg.defaults.waf.crs, join(t.dir, 'nowhere'), 'relative to the config file');
    } finally {
      t.cleanup();
    }
  });
});

describe('DEMO-INJ-01 stopped by the WAF alone', { skip: SKIP }, () => {
  test('with the contract off on the search route, CRS blocks the UNION injection; directly it still leaks', async () => {
    const stack = await startDemoStack({
      edit: (yaml) =>
        yaml.replace(
          /^routes:\n/m,
          `routes:\n  - api: demo\n    pathPrefix: /api/v2/products/search\n    stages: { contract: { enabled: false }, waf: { enabled: true, crs: ${JSON.stringify(CRS)} } }\n`,
        ),
    });
    try {
      const q = encodeURIComponent("zzz%' UNION SELECT id,email,password_hash,role FROM users--");
      const direct = await httpRequest(`${stack.demo.url}/api/v2/products/search?q=${q}`);
      assert.equal(direct.status, 200);
      assert.match(direct.body, /@acme\.test/, 'directly, e-mails leak');
      const g = await httpRequest(`${stack.gatewayUrl}/api/v2/products/search?q=${q}`);
      assert.equal(g.status, 403, g.body);
      const p = JSON.parse(g.body) as Problem;
      assert.equal(p.type, 'urn:palisade:problem:waf-blocked');
      assert.equal(p.requestId, g.headers['x-request-id']);
      assert.doesNotMatch(g.body, /@acme\.test/);
      assert.equal((await httpRequest(`${stack.gatewayUrl}/api/v2/products/search?q=lamp`)).status, 200);
    } finally {
      await stack.close();
    }
  });
});

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PalisadeConfig, StageSettings, Verdict } from '../../core/index.js';
import { PalisadeError, StageSettingsSchema, parseConfig } from '../../core/index.js';
import { compilePipeline, runDone, runRequestStages, runResponseBody, runResponseHead } from '../pipeline.js';
import type { ResponseHead, Stage } from '../stage.js';
import { WafRuleSets } from '../waf-rules.js';
import type { RouteWaf, WafSettings } from '../waf-rules.js';
import { createWafStage } from './waf.js';
import { fakeContext, fakeEnv } from './fake-context.js';

// A small rule set in SecLang, standing in for CRS: anomaly scoring like CRS, blocking at 5.
const RULES = `
SecRule REQUEST_HEADERS:User-Agent "@contains evilbot" "id:1001,phase:1,deny,status:403,msg:'Bad bot',tag:'attack-reputation-scanner',severity:CRITICAL"
SecRule ARGS "@rx (?i)union\\s+select" "id:1002,phase:2,pass,msg:'SQL injection',tag:'attack-sqli',severity:CRITICAL,setvar:tx.blocking_inbound_anomaly_score=+5"
SecRule ARGS "@contains <script" "id:1003,phase:2,pass,msg:'XSS',tag:'attack-xss',severity:CRITICAL,setvar:tx.blocking_inbound_anomaly_score=+5"
SecRule TX:blocking_inbound_anomaly_score "@ge %{tx.inbound_anomaly_score_threshold}" "id:1009,phase:2,deny,status:403,msg:'Inbound anomaly score exceeded'"
SecRule RESPONSE_BODY "@contains SQL syntax" "id:1010,phase:4,deny,status:403,msg:'SQL error leak',tag:'attack-disclosure',severity:CRITICAL"
SecRule ARGS:redirect_me "@streq yes" "id:1011,phase:2,redirect:https://example.com/elsewhere"
SecRule RESPONSE_STATUS "@streq 502" "id:1012,phase:3,pass,log,msg:'Bad gateway',tag:'attack-disclosure'"
`;

let dir: string;
let config: PalisadeConfig;
const sets: WafRuleSets[] = [];

function wafSettings(over: Partial<WafSettings> = {}): WafSettings {
  return StageSettingsSchema.parse({ waf: { enabled: true, rulesAfter: [join(dir, 'rules.conf')], ...over } }).waf;
}

function compile(...settings: WafSettings[]): (RouteWaf | null)[] {
  const s = new WafRuleSets(() => undefined);
  sets.push(s);
  const r = s.compile(config, settings.map((w, i) => ({ label: `route ${i}`, settings: w })));
  r.commit();
  return [...r.routes];
}

function pipelineOf(rw: RouteWaf | null) {
  const settings: StageSettings = StageSettingsSchema.parse({ limits: { enabled: false }, securityHeaders: { enabled: false }, errorScrubbing: { enabled: false }, methods: { enabled: false }, ipFilter: { enabled: false } });
  return compilePipeline(settings, fakeEnv(), { waf: createWafStage(rw) });
}

function run(rw: RouteWaf | null, init: Parameters<typeof fakeContext>[0], body?: string) {
  const p = pipelineOf(rw);
  const ctx = fakeContext({ headers: { host: 'api.example', 'user-agent': 'test/1', ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}) }, ...init });
  let v = runRequestStages(p, ctx) as Verdict;
  if (v.kind === 'continue' && body !== undefined) {
    for (const s of p.body) {
      const ins = s.requestBody!(ctx);
      if (s.name === 'waf') assert.ok(ins, 'a body inspector');
      if (!ins) continue;
      assert.equal(ins.push(Buffer.from(body)), undefined);
      const r = ins.end() as Verdict | undefined;
      if (r) {
        v = r;
        ctx.outcomes.push({ stage: s.name, outcome: r.kind === 'deny' ? 'deny' : 'respond', ...(r.kind === 'deny' ? { code: r.code } : {}), ...(r.kind !== 'continue' && r.rule !== undefined ? { rule: r.rule } : {}) });
      }
    }
  }
  return { p, ctx, v };
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'palisade-waf-stage-'));
  writeFileSync(join(dir, 'rules.conf'), RULES);
  config = parseConfig('apis: [{ name: a, upstream: "http://127.0.0.1:1" }]\nrecording: { redactBodyFields: [pin] }\n', 't.yaml', { baseDir: dir });
});
after(() => {
  for (const s of sets) s.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('waf stage', () => {
  test('off, or disabled, builds no stage', () => {
    const [a, b] = compile(wafSettings({ mode: 'off' }), wafSettings({ enabled: false }));
    assert.equal(a, null);
    assert.equal(b, null);
    assert.equal(createWafStage(null), null);
  });

  test('a phase 1 rule blocks with waf-blocked, the rule kept for the record only', () => {
    const [rw] = compile(wafSettings());
    const { v, ctx, p } = run(rw!, { url: '/x', headers: { host: 'api.example', 'user-agent': 'evilbot/2' } });
    assert.equal(v.kind, 'deny');
    if (v.kind !== 'deny') return;
    assert.equal(v.code, 'waf-blocked');
    assert.equal(v.status, 403);
    assert.equal(v.rule, '1001');
    assert.doesNotMatch(v.detail ?? '', /1001|bot/i);
    runDone(p, ctx, (_s, err) => assert.fail(err as Error));
    const o = ctx.outcomes.find((x) => x.stage === 'waf');
    assert.equal(o?.outcome, 'deny');
    assert.equal(o?.waf?.interruptedBy, 1001);
    assert.deepEqual(o?.waf?.attacks, ['attack-reputation-scanner']);
    assert.match(o?.waf?.matched[0]?.variable ?? '', /^REQUEST_HEADERS:user-agent$/i);
  });

  test('phase 2 runs on the query string when there is no body', () => {
    const [rw] = compile(wafSettings());
    const { v } = run(rw!, { url: '/search?q=1%20UNION%20SELECT%20pw' });
    assert.equal(v.kind, 'deny');
    assert.equal(v.kind === 'deny' && v.rule, '1009');
    assert.equal(run(rw!, { url: '/search?q=lamp' }).v.kind, 'continue');
  });

  test('phase 2 on a body decides in the inspector, so the body is held back', () => {
    const [rw] = compile(wafSettings());
    const bad = run(rw!, { method: 'POST', url: '/items', headers: { host: 'h', 'content-type': 'application/x-www-form-urlencoded', 'content-length': '24' } }, 'q=a%20union%20select%20b');
    assert.equal(bad.v.kind, 'deny');
    const good = run(rw!, { method: 'POST', url: '/items', headers: { host: 'h', 'content-type': 'application/json', 'content-length': '14' } }, '{"name":"lamp"}');
    assert.equal(good.v.kind, 'continue');
    const json = run(rw!, { method: 'POST', url: '/items', headers: { host: 'h', 'content-type': 'application/json', 'content-length': '30' } }, '{"f":"<script>alert(1)</script>"}');
    assert.equal(json.v.kind, 'deny', 'JSON leaves are arguments');
  });

  test('a body over requestBodyLimit is body-too-large (reject) or inspected in part', () => {
    const [rj, part] = compile(wafSettings({ requestBodyLimit: 1024 }), wafSettings({ requestBodyLimit: 1024, requestBodyLimitAction: 'inspect-partial' }));
    const big = `q=${'a'.repeat(2000)}`;
    const h = { host: 'h', 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(big.length) };
    const r = run(rj!, { method: 'POST', url: '/u', headers: h }, big);
    assert.equal(r.v.kind === 'deny' && r.v.code, 'body-too-large');
    assert.equal(run(part!, { method: 'POST', url: '/u', headers: h }, big).v.kind, 'continue');
  });

  test('detection-only runs every rule, blocks nothing, and records the matches', () => {
    const [rw] = compile(wafSettings({ mode: 'detection-only' }));
    const { v, ctx, p } = run(rw!, { url: '/s?q=1%20union%20select%202&c=%3Cscript%3E', headers: { host: 'h', 'user-agent': 'evilbot' } });
    assert.equal(v.kind, 'continue');
    runDone(p, ctx, (_s, err) => assert.fail(err as Error));
    const o = ctx.outcomes.find((x) => x.stage === 'waf');
    assert.equal(o?.outcome, 'report');
    assert.equal(o?.code, 'waf-match');
    assert.equal(o?.waf?.mode, 'detection-only');
    assert.equal(o?.waf?.interruptedBy, undefined);
    assert.equal(o?.waf?.inboundScore, 10);
    assert.deepEqual(o?.waf?.matched.map((m) => m.id), [1001, 1002, 1003, 1009]);
    assert.deepEqual([...(o?.waf?.attacks ?? [])].sort(), ['attack-reputation-scanner', 'attack-sqli', 'attack-xss']);
  });

  test('routes that differ only in mode and exclusions share one engine; each gets its own profile', () => {
    const [plain, byId, byTarget, byTag, again] = compile(
      wafSettings(),
      wafSettings({ ruleRemoveById: ['1001-1002'] }),
      wafSettings({ ruleRemoveTargetById: [{ id: 1002, target: 'ARGS:comment' }] }),
      wafSettings({ ruleRemoveByTag: ['attack-xss'] }),
      wafSettings({ ruleRemoveById: ['1001-1002'] }),
    );
    for (const r of [byId, byTarget, byTag, again]) assert.equal(r!.engine, plain!.engine);
    assert.equal(plain!.profile, undefined);
    assert.equal(byId!.profile, again!.profile);
    assert.notEqual(byId!.profile, byTarget!.profile);
    const sqli = '/s?comment=1%20union%20select%202';
    assert.equal(run(plain!, { url: sqli }).v.kind, 'deny');
    assert.equal(run(byId!, { url: sqli }).v.kind, 'continue');
    assert.equal(run(byTarget!, { url: sqli }).v.kind, 'continue');
    assert.equal(run(byTarget!, { url: '/s?other=1%20union%20select%202' }).v.kind, 'deny', 'only that target is excluded');
    assert.equal(run(byTag!, { url: '/s?c=%3Cscript%3Ex%3Cscript%3E' }).v.kind, 'continue');
    assert.equal(run(byTag!, { url: sqli }).v.kind, 'deny');
    assert.equal(run(plain!, { url: '/s?c=lamp' }).v.kind, 'continue');
  });

  test('thresholds and paranoia levels shape the engine; equal settings reuse it across compiles', () => {
    const rs = new WafRuleSets(() => undefined);
    sets.push(rs);
    const a = rs.compile(config, [{ label: 'r', settings: wafSettings() }]);
    a.commit();
    const b = rs.compile(config, [{ label: 'r', settings: wafSettings() }]);
    assert.equal(b.routes[0]!.engine, a.routes[0]!.engine, 'unchanged: kept');
    b.commit();
    const c = rs.compile(config, [{ label: 'r', settings: wafSettings({ inboundAnomalyThreshold: 10 }) }]);
    assert.notEqual(c.routes[0]!.engine, a.routes[0]!.engine);
    assert.equal(run(c.routes[0]!, { url: '/s?q=1%20union%20select%202' }).v.kind, 'continue', 'one match scores 5 < 10');
    assert.equal(run(c.routes[0]!, { url: '/s?q=1%20union%20select%202&c=%3Cscript%3E' }).v.kind, 'deny');
    assert.throws(() => rs.compile(config, [{ label: 'r', settings: wafSettings({ paranoiaLevel: 3, detectionParanoiaLevel: 2 }) }]), /detectionParanoiaLevel/);
  });

  test('response rules buffer only when response inspection is on, and replace a leaking answer', () => {
    const [on, off] = compile(wafSettings({ responseInspection: true }), wafSettings());
    const leak = Buffer.from('<p>You have an error in your SQL syntax near</p>');
    for (const [rw, inspects] of [[on!, true], [off!, false]] as const) {
      const { p, ctx, v } = run(rw, { url: '/page' });
      assert.equal(v.kind, 'continue');
      const head: ResponseHead = { status: 500, headers: { 'content-type': 'text/html; charset=utf-8' } };
      const buffering = runResponseHead(p, ctx, head, true);
      if (!inspects) {
        assert.equal(buffering, undefined, 'streams');
        continue;
      }
      assert.equal(buffering?.length, 1);
      const r = runResponseBody(buffering!, ctx, head, leak, false);
      assert.equal(r?.kind === 'deny' && r.code, 'waf-blocked');
      runDone(p, ctx, (_s, err) => assert.fail(err as Error));
      assert.equal(ctx.outcomes.find((x) => x.stage === 'waf')?.waf?.interruptedBy, 1010);
    }
    // A media type not listed streams even with inspection on.
    const { p, ctx } = run(on!, { url: '/img' });
    assert.equal(runResponseHead(p, ctx, { status: 200, headers: { 'content-type': 'image/png' } }, true), undefined);
  });

  test("Shield's own answers (a 502 after the request passed) are not judged by the response rules", () => {
    const [rw] = compile(wafSettings({ responseInspection: true }));
    const head = (): ResponseHead => ({ status: 502, headers: { 'content-type': 'application/problem+json' } });
    // The upstream's own 502 is judged by phase 3 ...
    const up = run(rw!, { url: '/page' });
    runResponseHead(up.p, up.ctx, head(), true);
    runDone(up.p, up.ctx, (_s, err) => assert.fail(err as Error));
    assert.deepEqual(up.ctx.outcomes.find((x) => x.stage === 'waf')?.waf?.matched.map((m) => m.id), [1012]);
    // ... the gateway's (upstream unreachable) is not, and phase 5 still runs: nothing is recorded.
    const own = run(rw!, { url: '/page' });
    assert.equal(runResponseHead(own.p, own.ctx, head(), false), undefined);
    runDone(own.p, own.ctx, (_s, err) => assert.fail(err as Error));
    assert.equal(own.ctx.outcomes.find((x) => x.stage === 'waf'), undefined);
  });

  test('a redirect action answers with the location', () => {
    const [rw] = compile(wafSettings());
    const { v } = run(rw!, { url: '/x?redirect_me=yes' });
    assert.equal(v.kind, 'respond');
    assert.equal(v.kind === 'respond' && v.headers.location, 'https://example.com/elsewhere');
  });

  test('matched values of secret fields are redacted, others truncated', () => {
    const [rw] = compile(wafSettings({ mode: 'detection-only' }));
    const data = (query: string): string => {
      const { ctx, p } = run(rw!, { url: `/l?${query}` });
      runDone(p, ctx, (_s, err) => assert.fail(err as Error));
      return ctx.outcomes.find((x) => x.stage === 'waf')!.waf!.matched.find((x) => x.id === 1002)!.data;
    };
    assert.equal(data(`password=${encodeURIComponent('a union select b')}`), '[redacted]');
    assert.equal(data(`pin=${encodeURIComponent('c union select d')}`), '[redacted]', 'recording.redactBodyFields count too');
    const q = data(`q=${encodeURIComponent(`1 union select ${'x'.repeat(200)}`)}`);
    assert.ok(q.length <= 65 && q.length > 0, q);
  });

  test('the audit log gets one redacted line per matched exchange and rotates at its size bound', () => {
    const log = join(dir, 'audit.jsonl');
    const [rw] = compile(wafSettings({ auditLog: log, auditLogMaxBytes: 64 * 1024 }));
    for (let i = 0; i < 60; i++) {
      const { ctx, p } = run(rw!, { url: `/a?q=1%20union%20select%202&token=tok-secret-${i}&pad=${'p'.repeat(1000)}`, requestId: `req-${i}` });
      runDone(p, ctx, (_s, err) => assert.fail(err as Error));
    }
    const { ctx, p } = run(rw!, { url: '/benign?q=lamp', requestId: 'req-benign' });
    runDone(p, ctx, () => assert.fail());
    const text = readFileSync(log, 'utf8') + readFileSync(`${log}.1`, 'utf8');
    assert.ok(readFileSync(log).length <= 64 * 1024);
    assert.doesNotMatch(text, /tok-secret/);
    assert.doesNotMatch(text, /req-benign/);
    assert.match(text, /"id":"req-59"/);
  });

  test('audit files opened for a configuration that does not go live are closed (discard)', { skip: existsSync('/proc/self/fd') ? false : 'needs /proc' }, () => {
    // How many descriptors of this process point at the file: the leak is an fd that stays open.
    const openFds = (path: string): number => readdirSync('/proc/self/fd').filter((fd) => { try { return readlinkSync(`/proc/self/fd/${fd}`) === path; } catch { return false; } }).length;
    const rs = new WafRuleSets(() => undefined);
    sets.push(rs);
    const live = join(dir, 'live-audit.jsonl');
    const refused = join(dir, 'refused-audit.jsonl');
    rs.compile(config, [{ label: 'r', settings: wafSettings({ auditLog: live }) }]).commit();
    assert.equal(openFds(live), 1);
    // A reload whose later part fails: the gateway discards the result instead of committing it.
    const r = rs.compile(config, [{ label: 'r', settings: wafSettings({ auditLog: live }) }, { label: 's', settings: wafSettings({ auditLog: refused }) }]);
    assert.equal(openFds(refused), 1);
    r.discard();
    assert.equal(openFds(refused), 0, 'the new file is closed');
    assert.equal(openFds(live), 1, 'the live configuration keeps its own');
    rs.close();
    assert.equal(openFds(live), 0);
  });

  test('a broken rule file is PALISADE_ERR_WAF_RULES with its file and line; no rules at all is refused', () => {
    writeFileSync(join(dir, 'broken.conf'), '# one\n\nSecRule ARGS "@nosuchoperator x" "id:2001,phase:2,deny"\n');
    assert.throws(
      () => compile(wafSettings({ rulesAfter: [join(dir, 'broken.conf')] })),
      (err: unknown) => err instanceof PalisadeError && err.code === 'PALISADE_ERR_WAF_RULES' && err.details.some((d) => d.includes('broken.conf:3')) && err.message.includes('route 0'),
    );
    assert.throws(() => compile(wafSettings({ rulesAfter: [] })), /has no rules/);
    assert.throws(() => compile(wafSettings({ crs: join(dir, 'no-crs-here') })), /no rules\/ folder/);
  });

  test('the stage implements every phase hook the pipeline knows', () => {
    const [rw] = compile(wafSettings());
    const s = createWafStage(rw!) as Stage;
    for (const k of ['request', 'requestBody', 'responseHead', 'responseBody', 'done'] as const) assert.equal(typeof s[k], 'function', k);
  });
});

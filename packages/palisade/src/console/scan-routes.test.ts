// The console's scan and settings endpoints through the real admin server: scans of the demo API
// (progress, report, findings, cancel, queue, SSRF rule), palisade.yaml view/validate/save, API
// keys and OAuth clients (secret shown once), sinks. Every JSON answer is checked against the
// console's OpenAPI document.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ScanRecord } from '../core/index.js';
import { ApiKeyManager, OAuthClients, verifyClientSecret } from '../identity/index.js';
import { startConsole } from './console.test-support.js';
import type { ConsoleClient, TestConsole } from './console.test-support.js';
import { ingestReport } from './findings.js';
import { consoleOpenApi } from './openapi/base.js';
import { ScanManager } from './scan-manager.js';

interface Demo {
  url: string;
  close(): Promise<void>;
}
interface DemoModule {
  startDemo(o: { host: string; port: number; quiet: boolean }): Promise<Demo>;
  DEMO_OPENAPI_PATH: string;
}

// The demo API lives in its own workspace package, loaded the way the cli loads it (`palisade start --demo`).
const demoSpecifier = 'palisade-demo';
const demoModule = (await import(demoSpecifier)) as DemoModule;

const ADMIN_TOKEN_IN_FILE = 'file-admin-token-9f8e7d6c5b4a39281706f5e4d3c2b1a0';
const doc = consoleOpenApi() as { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: unknown }> }> }>>; components: unknown };
const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });

/** Checks a JSON answer against the document: the operation's response for that status must exist and match. */
function conforms(method: string, template: string, status: number, body: unknown, type = 'application/json'): void {
  const op = doc.paths[template]?.[method.toLowerCase()];
  assert.ok(op, `the document describes ${method} ${template}`);
  const response = op.responses[String(status)];
  assert.ok(response, `the document describes ${status} for ${method} ${template}`);
  const schema = response.content?.[type]?.schema;
  assert.ok(schema, `the document gives a ${type} schema for ${status} of ${method} ${template}`);
  const validate = ajv.compile({ ...(schema as object), components: doc.components });
  assert.ok(validate(body), `${method} ${template} ${status}: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(body).slice(0, 600)}`);
}

let t: TestConsole;
let demo: Demo;
let manager: ScanManager;
let configDir: string;
let configPath: string;
let configText: string;
let reloads = 0;
let oauthClients: OAuthClients;

function configFile(demoUrl: string): string {
  return [
    '# Palisade in front of the demo (console settings test)',
    'admin:',
    `  token: ${ADMIN_TOKEN_IN_FILE}   # the admin API's bearer token`,
    'apis:',
    '  - name: demo',
    `    upstream: ${demoUrl}`,
    `    openapi: ${demoModule.DEMO_OPENAPI_PATH}`,
    'watch:',
    '  alerts:',
    '    sinks:',
    '      - { type: webhook, url: "https://hooks.example.com/palisade?token=abc123" }',
    '',
  ].join('\n');
}

before(async () => {
  demo = await demoModule.startDemo({ host: '127.0.0.1', port: 0, quiet: true });
  configDir = mkdtempSync(join(tmpdir(), 'palisade-console-config-'));
  configPath = join(configDir, 'palisade.yaml');
  configText = configFile(demo.url);
  writeFileSync(configPath, configText);
  const input = {
    admin: { token: ADMIN_TOKEN_IN_FILE },
    apis: [{ name: 'demo', upstream: demo.url, openapi: demoModule.DEMO_OPENAPI_PATH }],
    watch: { alerts: { sinks: [{ type: 'webhook' as const, url: 'https://hooks.example.com/palisade?token=abc123' }] } },
  };
  t = await startConsole(input, (store, logger) => {
    manager = new ScanManager({ store, logger, ingest: (report, { scanId }) => ingestReport(store, report, 'scan', scanId) });
    oauthClients = new OAuthClients(store, new Set(['shop:read']));
    return {
      configPath,
      reload: async () => {
        reloads++;
        return { ok: true, changed: true };
      },
      apiKeys: new ApiKeyManager(store.apiKeys, { knownApis: () => ['demo'] }),
      oauth: { clients: oauthClients },
      scanManager: manager,
    };
  });
});

after(async () => {
  await manager?.close();
  await t?.close();
  await demo?.close();
  rmSync(configDir, { recursive: true, force: true });
});

const FAST = [
  'identities:',
  '  - name: alice',
  '    login: { path: /api/v2/auth/login, body: { email: alice@acme.test, password: alice-pass-1 }, extract: { json: token } }',
  'checks: { enable: [PAL-SCAN-CONF] }',
  'budgets: { maxRequests: 600, maxDurationSeconds: 60 }',
].join('\n');
// The same scan held to two requests a second: still running when the test acts on it.
const SLOW = `${FAST}\nexclude: []\nsensitiveFlows: []\n`.replace('maxDurationSeconds: 60 }', 'maxDurationSeconds: 120, requestsPerSecond: 2 }');

async function until(c: ConsoleClient, id: string, done: (s: ScanRecord) => boolean): Promise<ScanRecord> {
  for (;;) {
    const r = await c.json<ScanRecord>(`/console/api/scans/${id}`);
    assert.equal(r.status, 200);
    conforms('GET', '/scans/{id}', 200, r.body);
    if (done(r.body)) return r.body;
    await new Promise((res) => setTimeout(res, 100));
  }
}

describe('scans', () => {
  it('runs a scan of the demo API started through the API to finished, with progress, a report and stored findings', { timeout: 90_000 }, async () => {
    const op = await t.signedIn('operator');
    const viewer = await t.signedIn('viewer');
    assert.equal((await viewer.json('/console/api/scans', { body: { api: 'demo', configYaml: FAST } })).status, 403, 'a viewer cannot start a scan');
    const started = await op.json<ScanRecord>('/console/api/scans', { body: { api: 'demo', configYaml: FAST } });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    conforms('POST', '/scans', 202, started.body);
    assert.equal(started.body.target, demo.url, 'api picks the upstream as target');
    assert.equal(started.body.specSource, demoModule.DEMO_OPENAPI_PATH, 'api picks its OpenAPI document');
    const done = await until(op, started.body.id, (s) => !['queued', 'running'].includes(s.status));
    assert.equal(done.status, 'finished', done.error);
    assert.equal(done.progress?.phase, 'done');
    assert.ok((done.progress?.requests ?? 0) > 0, 'progress counts the requests');
    assert.ok(done.summary && done.summary.findings > 0, 'the demo has misconfigurations for PAL-SCAN-CONF to find');
    assert.equal(done.summary.fingerprints.length, done.summary.findings);
    assert.equal(done.summary.stored?.created, done.summary.findings, 'the findings were handed to store.findings');
    const stored = await t.store.findings.list({ source: 'scan' });
    assert.deepEqual(stored.map((f) => f.fingerprint).sort(), [...done.summary.fingerprints].sort());
    assert.ok(stored.every((f) => f.scanId === done.id));
    assert.ok(done.hasReport);
    const report = await viewer.request(`/console/api/scans/${done.id}/report.html`);
    assert.equal(report.status, 200);
    assert.match(report.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(report.headers.get('content-security-policy') ?? '', /sandbox/);
    const html = await report.text();
    assert.match(html, /^<!doctype html>/i);
    assert.match(html, /PAL-SCAN-CONF-00\d/);
    const list = await viewer.json<{ scans: ScanRecord[] }>('/console/api/scans');
    conforms('GET', '/scans', 200, list.body);
    assert.ok(list.body.scans.some((s) => s.id === done.id));
    const missing = await viewer.json('/console/api/scans/nope');
    assert.equal(missing.status, 404);
    conforms('GET', '/scans/{id}', 404, missing.body, 'application/problem+json');
    const entries = await t.store.consoleUsers.listAudit({ limit: 50 });
    assert.ok(entries.some((e) => e.action === 'scan.start' && e.target === done.id));
  });

  it('cancels a running scan and queued ones, caps the queue, and keeps other hosts for admins', { timeout: 90_000 }, async () => {
    const op = await t.signedIn('operator');
    const admin = await t.signedIn('admin');
    const slow = await op.json<ScanRecord>('/console/api/scans', { body: { api: 'demo', configYaml: SLOW } });
    assert.equal(slow.status, 202);
    const id = slow.body.id;
    await until(op, id, (s) => s.status === 'running' && (s.progress?.requests ?? 0) > 0);

    const foreign = { target: 'http://198.51.100.7:8080', spec: JSON.stringify({ openapi: '3.0.3', info: { title: 't', version: '1' }, paths: { '/a': { get: { responses: { '200': { description: 'ok' } } } } } }) };
    const refused = await op.json('/console/api/scans', { body: foreign });
    assert.equal(refused.status, 403, 'an operator may not point the scanner at another host');
    conforms('POST', '/scans', 403, refused.body, 'application/problem+json');
    const queued: string[] = [];
    const byAdmin = await admin.json<ScanRecord>('/console/api/scans', { body: foreign });
    assert.equal(byAdmin.status, 202, 'an admin may');
    assert.equal(byAdmin.body.specSource, 'inline');
    queued.push(byAdmin.body.id);
    const picked = await op.json<ScanRecord>('/console/api/scans', { body: { api: 'demo' } });
    assert.equal(picked.status, 202);
    assert.equal(picked.body.target, demo.url);
    queued.push(picked.body.id);
    for (let i = 0; i < 3; i++) queued.push((await op.json<ScanRecord>('/console/api/scans', { body: { api: 'demo', configYaml: FAST } })).body.id);
    const full = await op.json('/console/api/scans', { body: { api: 'demo', configYaml: FAST } });
    assert.equal(full.status, 429, 'five scans wait at most');
    conforms('POST', '/scans', 429, full.body, 'application/problem+json');

    for (const q of queued) {
      const c = await op.json<ScanRecord>(`/console/api/scans/${q}/cancel`, { method: 'POST' });
      assert.equal(c.status, 200);
      conforms('POST', '/scans/{id}/cancel', 200, c.body);
      assert.equal(c.body.status, 'cancelled');
    }
    const cancel = await op.json<ScanRecord>(`/console/api/scans/${id}/cancel`, { method: 'POST' });
    assert.equal(cancel.status, 200);
    const ended = await until(op, id, (s) => s.status !== 'running');
    assert.equal(ended.status, 'cancelled');
    assert.match(ended.error ?? '', /cancelled by operator/);
    assert.equal(ended.hasReport, false);
    const again = await op.json(`/console/api/scans/${id}/cancel`, { method: 'POST' });
    assert.equal(again.status, 409);
    const bad = await op.json('/console/api/scans', { body: { api: 'demo', configYaml: 'budgets: { maxRequests: -1 }' } });
    assert.equal(bad.status, 422);
    assert.match(JSON.stringify(bad.body), /maxRequests/);
    const envRead = await op.json<ScanRecord>('/console/api/scans', { body: { api: 'demo', configYaml: 'spec: /etc/passwd' } });
    assert.equal(envRead.status, 400, 'a posted configuration cannot name a file of the server');
  });
});

describe('settings', () => {
  it('lists the APIs with their document and audit score', async () => {
    const viewer = await t.signedIn('viewer');
    const r = await viewer.json<{ apis: Array<{ name: string; spec?: { operations: number }; audit?: { score: number }; scanConfig?: string }> }>('/console/api/apis');
    assert.equal(r.status, 200);
    conforms('GET', '/apis', 200, r.body);
    const [api] = r.body.apis;
    assert.equal(api?.name, 'demo');
    assert.ok((api?.spec?.operations ?? 0) > 10);
    assert.ok(api?.audit && api.audit.score >= 0 && api.audit.score <= 100);
    assert.match(api?.scanConfig ?? '', /palisade-scan\.yaml$/, 'the demo scan configuration beside its document is found');
  });

  it('shows palisade.yaml redacted, validates with located issues, refuses a broken file without touching disk, saves a good one', async () => {
    const admin = await t.signedIn('admin');
    const op = await t.signedIn('operator');
    assert.equal((await op.json('/console/api/config')).status, 403, 'configuration is for admins');
    const view = await admin.json<{ yaml: string; valid: boolean; path: string }>('/console/api/config');
    assert.equal(view.status, 200);
    conforms('GET', '/config', 200, view.body);
    assert.equal(view.body.valid, true);
    assert.ok(!view.body.yaml.includes(ADMIN_TOKEN_IN_FILE), 'the admin token is not shown');
    assert.ok(!view.body.yaml.includes('abc123'), 'a secret in a URL is not shown');
    assert.match(view.body.yaml, /token: "\[redacted\]" {3}# the admin API's bearer token/, 'comments and layout stay');

    const broken = view.body.yaml.replace('apis:', 'gateway:\n  listen:\n    port: not-a-port\napis:');
    const v = await admin.json<{ valid: boolean; issues: Array<{ path?: string; line?: number; column?: number; message: string }> }>('/console/api/config/validate', { body: { yaml: broken } });
    assert.equal(v.status, 200);
    conforms('POST', '/config/validate', 200, v.body);
    assert.equal(v.body.valid, false);
    const portIssue = v.body.issues.find((i) => i.path === 'gateway.listen.port');
    assert.ok(portIssue, JSON.stringify(v.body.issues));
    assert.equal(portIssue.line, 6);
    assert.equal(portIssue.column, 11);
    const syntax = await admin.json<{ valid: boolean; issues: Array<{ line?: number; message: string }> }>('/console/api/config/validate', { body: { yaml: 'apis:\n  - name: demo\n    upstream: [unclosed\n' } });
    assert.equal(syntax.body.valid, false);
    assert.ok(syntax.body.issues.every((i) => typeof i.line === 'number' && i.line >= 1), JSON.stringify(syntax.body.issues));

    const bytesBefore = readFileSync(configPath, 'utf8');
    const refused = await admin.json<{ issues: unknown[] }>('/console/api/config', { method: 'PUT', body: { yaml: broken } });
    assert.equal(refused.status, 422);
    conforms('PUT', '/config', 422, refused.body, 'application/problem+json');
    assert.ok(refused.body.issues.length > 0);
    assert.equal(readFileSync(configPath, 'utf8'), bytesBefore, 'nothing changed on disk');
    assert.equal(reloads, 0, 'nothing was reloaded');

    const edited = view.body.yaml.replace('# Palisade in front of the demo', '# Palisade in front of the demo, edited');
    const saved = await admin.json<{ saved: boolean; changeId: string }>('/console/api/config', { method: 'PUT', body: { yaml: edited } });
    assert.equal(saved.status, 200, JSON.stringify(saved.body));
    conforms('PUT', '/config', 200, saved.body);
    const onDisk = readFileSync(configPath, 'utf8');
    assert.match(onDisk, /edited/);
    assert.ok(onDisk.includes(ADMIN_TOKEN_IN_FILE) && onDisk.includes('token=abc123'), 'the redacted secrets were kept');
    assert.equal(onDisk, bytesBefore.replace('the demo', 'the demo, edited'), 'only the edit changed');
    assert.equal(reloads, 1);
    const change = await t.store.findings.getChange(saved.body.changeId);
    assert.equal(change?.before, bytesBefore, 'the previous version is kept as a config change');
    const invented = await admin.json('/console/api/config/validate', { body: { yaml: `${edited}store:\n  url: "[redacted]"\n` } });
    assert.match(JSON.stringify(invented.body), /no secret at this option/);
  });

  it('issues an API key whose secret is shown once, rotates and revokes it', async () => {
    const admin = await t.signedIn('admin');
    const created = await admin.json<{ key: string; apiKey: { id: string } }>('/console/api/keys', { body: { api: 'demo', name: 'ci pipeline', scopes: ['shop:read'] } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    conforms('POST', '/keys', 201, created.body);
    const secret = created.body.key;
    assert.match(secret, /^pal_/);
    const list = await admin.json<{ keys: Array<{ id: string }> }>('/console/api/keys');
    conforms('GET', '/keys', 200, list.body);
    assert.ok(list.body.keys.some((k) => k.id === created.body.apiKey.id));
    assert.ok(!JSON.stringify(list.body).includes(secret.slice(-20)), 'the list never carries the secret');
    const rotated = await admin.json<{ key: string; previous: { status: string } }>(`/console/api/keys/${created.body.apiKey.id}/rotate`, { method: 'POST', body: { grace: '1h' } });
    assert.equal(rotated.status, 201);
    conforms('POST', '/keys/{id}/rotate', 201, rotated.body);
    assert.notEqual(rotated.body.key, secret);
    assert.equal(rotated.body.previous.status, 'grace');
    const revoked = await admin.json<{ apiKey: { status: string } }>(`/console/api/keys/${created.body.apiKey.id}`, { method: 'DELETE' });
    assert.equal(revoked.status, 200);
    conforms('DELETE', '/keys/{id}', 200, revoked.body);
    assert.equal(revoked.body.apiKey.status, 'revoked');
    const unknown = await admin.json('/console/api/keys', { body: { api: 'nope', name: 'x' } });
    assert.equal(unknown.status, 400);
    const audit = JSON.stringify(await t.store.consoleUsers.listAudit({ limit: 100 }));
    assert.match(audit, /key\.create/);
    assert.ok(!audit.includes(secret.slice(-20)) && !audit.includes(rotated.body.key.slice(-20)), 'the audit log never holds a key');
    const op = await t.signedIn('operator');
    assert.equal((await op.json('/console/api/keys')).status, 403);
  });

  it('registers, rotates and deletes an OAuth client with the secret shown once', async () => {
    const admin = await t.signedIn('admin');
    const created = await admin.json<{ client: { clientId: string }; clientSecret: string }>('/console/api/oauth/clients', { body: { name: 'billing service', grantTypes: ['client_credentials'], scopes: ['shop:read'] } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    conforms('POST', '/oauth/clients', 201, created.body);
    const list = await admin.json('/console/api/oauth/clients');
    conforms('GET', '/oauth/clients', 200, list.body);
    assert.ok(!JSON.stringify(list.body).includes(created.body.clientSecret));
    const rotated = await admin.json<{ clientSecret: string; client: { clientId: string } }>(`/console/api/oauth/clients/${created.body.client.clientId}/rotate`, { method: 'POST' });
    assert.equal(rotated.status, 200);
    conforms('POST', '/oauth/clients/{id}/rotate', 200, rotated.body);
    assert.notEqual(rotated.body.clientSecret, created.body.clientSecret);
    assert.equal(rotated.body.client.clientId, created.body.client.clientId);
    const record = await t.store.oauth.getClient(created.body.client.clientId);
    assert.ok(record?.secretHash && !record.secretHash.includes(rotated.body.clientSecret));
    assert.equal(verifyClientSecret(rotated.body.clientSecret, record.secretHash), true, 'the new secret works');
    assert.equal(verifyClientSecret(created.body.clientSecret, record.secretHash), false, 'the old one no longer does');
    assert.deepEqual(record.scopes, ['shop:read'], 'the client keeps its settings');
    assert.equal((await admin.request(`/console/api/oauth/clients/${created.body.client.clientId}`, { method: 'DELETE' })).status, 204);
    assert.equal((await admin.json(`/console/api/oauth/clients/${created.body.client.clientId}/rotate`, { method: 'POST' })).status, 404);
  });

  it('lists alert sinks with their secrets redacted', async () => {
    const admin = await t.signedIn('admin');
    const r = await admin.json<{ sinks: Array<{ type: string; destination: string }> }>('/console/api/sinks');
    assert.equal(r.status, 200);
    conforms('GET', '/sinks', 200, r.body);
    assert.equal(r.body.sinks[0]?.type, 'webhook');
    assert.equal(r.body.sinks[0]?.destination, 'https://hooks.example.com/palisade?token=[redacted]');
  });
});

// Watch's inventory, end to end: realistic traffic through Shield to the demo API, recorded
// into the store, followed live by the inventory and compared with the demo's OpenAPI document.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import SwaggerParser from '@apidevtools/swagger-parser';
import { startDemo, DEMO_OPENAPI_PATH } from 'palisade-demo';
import { Inventory, StoreFollower, buildReport, diffAgainstSpec, exportOpenApi, loadSpec, openStore } from 'palisade';
import { startTestShield, waitFor } from './helpers.js';
import { driveDemoTraffic, precisionRecall } from './watch-traffic.js';

test('inventory of the demo API from live traffic: templates, shadow endpoints, existence oracle', async (t) => {
  const demo = await startDemo({ host: '127.0.0.1', port: 0, quiet: true });
  const shield = await startTestShield(`apis: [{ name: demo, upstream: ${demo.url} }]\nrecording: { flushIntervalMs: 20, bodySampleBytes: 8192, queueSize: 100000 }`);
  const store = await openStore({ driver: 'sqlite', path: join(shield.dir, 'store.db') });
  try {
    const traffic = await driveDemoTraffic(shield.gatewayUrl, { rounds: 40, avatarUrl: `${demo.url}/api/health` });
    await waitFor(async () => ((await store.countExchanges()) >= traffic.requests ? true : undefined), 20_000, 'every exchange recorded');

    const inventory = new Inventory();
    const follower = new StoreFollower(store, inventory, { persistCursor: false });
    assert.equal(await follower.poll(), traffic.requests);
    const learnt = inventory.list().map((e) => `${e.method} ${e.template}`);
    const pr = precisionRecall(learnt, [...traffic.sent.keys()]);
    t.diagnostic(`templating over ${traffic.requests} requests: precision ${pr.precision.toFixed(3)}, recall ${pr.recall.toFixed(3)}; missing ${pr.missing.join(', ') || '-'}; extra ${pr.extra.join(', ') || '-'}`);
    assert.ok(pr.precision >= 0.95 && pr.recall >= 0.95, JSON.stringify(pr));
    // Parameter names follow the document's.
    for (const k of ['GET /api/v2/products/{productId}', 'GET /api/v2/orders/{orderId}/invoice', 'DELETE /api/v2/admin/users/{userId}', 'GET /api/v1/users/{userId}']) {
      assert.ok(learnt.includes(k), `${k} in ${learnt.join(', ')}`);
    }

    const spec = await loadSpec(DEMO_OPENAPI_PATH);
    const diff = diffAgainstSpec(inventory.list(), spec);
    const report = buildReport(inventory, diff);
    const ep = (m: string, tpl: string) => report.endpoints.find((e) => e.method === m && e.template === tpl)!;
    const v1 = ep('GET', '/api/v1/users/{userId}');
    assert.equal(v1.documentation?.shadow, true);
    assert.equal(v1.documentation?.zombie, true, 'v1 is older than the documented v2');
    assert.equal(ep('GET', '/debug/config').documentation?.shadow, true);
    assert.equal(ep('GET', '/api/v1/account').documentation?.shadow, true);
    assert.equal(ep('GET', '/api/v2/products/{productId}').documentation?.status, 'documented');
    assert.equal(report.totals.orphan, 0, report.orphans.map((o) => o.template).join(', '));
    assert.equal(report.totals.shadow, 3);
    // The whole user row leaks from /users/me: drift against the contract.
    assert.ok(ep('GET', '/api/v2/users/me').documentation!.drift.some((d) => d.startsWith('response.200.body.')));

    const lookup = ep('GET', '/api/v2/users/lookup');
    assert.equal(lookup.existenceOracle, true);
    const f = report.findings.find((x) => x.operation?.path === '/api/v2/users/lookup');
    assert.ok(f, 'lookup flagged');
    assert.equal(f.source, 'watch');
    assert.equal(f.category, 'API3:2023');
    assert.ok(lookup.sensitive.response.email && lookup.sensitive.response.phone, JSON.stringify(lookup.sensitive));
    // The login tells unknown accounts (404) from wrong passwords (401): API2.
    assert.equal(report.findings.find((x) => x.operation?.path === '/api/v2/auth/login')?.category, 'API2:2023');
    // Unauthenticated and leaking: the riskiest endpoints come first.
    assert.ok(v1.risk.score >= 50, JSON.stringify(v1.risk));
    assert.ok(report.endpoints[0]!.risk.score >= report.endpoints[report.endpoints.length - 1]!.risk.score);
    assert.ok(ep('GET', '/api/v2/products/{productId}').latencyMs.p95! > 0);

    const doc = exportOpenApi(inventory, { title: 'demo' });
    await SwaggerParser.validate(structuredClone(doc) as never);
    assert.ok((doc.paths as Record<string, unknown>)['/api/v2/orders/{orderId}/shipping-quote']);
  } finally {
    await store.close();
    await shield.close();
    await demo.close();
  }
});

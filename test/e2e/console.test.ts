// The console end to end, in Debian's Chromium driven by playwright-core, against what `npm start`
// runs: sign in, browse the demo API's inventory after traffic, start a scan and see it finish,
// open a finding and apply (then undo) its protection, block and unblock an actor.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { ATTACKER_IP, launchBrowser, makeTraffic, startConsoleStack } from './stack.js';
import type { ConsoleStack } from './stack.js';
import { consoleApi, signIn } from './console-api.js';
import type { ConsoleApi } from './console-api.js';

describe('console (browser)', { timeout: 240_000 }, () => {
  let stack: ConsoleStack;
  let browser: Browser;
  let page: Page;
  let api: ConsoleApi;

  before(async () => {
    stack = await startConsoleStack();
    await makeTraffic(stack);
    api = await consoleApi(stack);
    browser = await launchBrowser();
    page = await (await browser.newContext({ viewport: { width: 1280, height: 860 }, reducedMotion: 'reduce' })).newPage();
  });

  after(async () => {
    await browser?.close();
    await stack?.close();
  });

  const go = (path: string) => page.goto(new URL(`.${path}`, stack.consoleUrl).href);
  const nav = (name: string) => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true }).click();

  it('refuses a wrong password, then signs in with the generated admin password', async () => {
    await page.goto(stack.consoleUrl);
    await page.getByLabel('Username').fill(stack.username);
    await page.getByLabel('Password', { exact: true }).fill('not-the-password-123');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('alert').waitFor();
    await signIn(page, stack);
    assert.equal(await page.getByTestId('user-role').textContent(), 'admin');
    // The session cookie is HttpOnly: the page's scripts cannot read it.
    assert.equal(String(await page.evaluate('document.cookie')).includes('palisade_console'), false);
  });

  it('shows the inventory learnt from the traffic, with templated paths, and an endpoint page', async () => {
    await nav('Inventory');
    const table = page.getByTestId('inventory-table');
    await table.getByText('/api/v2/products/{productId}', { exact: true }).first().waitFor({ timeout: 15_000 });
    // The raw ids never appear as their own endpoints.
    assert.equal(await table.getByText('/api/v2/products/1', { exact: true }).count(), 0);
    await page.getByRole('searchbox').fill('products/{productId}');
    await table.getByRole('link', { name: /\/api\/v2\/products\/\{productId\}$/ }).first().click();
    await page.getByRole('heading', { name: /\/api\/v2\/products\/\{productId\}/ }).waitFor();
    await page.getByText(/schema/i).first().waitFor();
  });

  it('starts a scan of the demo API from the UI and sees it finish with a report', async () => {
    await nav('Scans');
    const form = page.getByTestId('new-scan-form');
    await form.waitFor();
    await form.getByRole('button', { name: /start scan/i }).click();
    const status = page.getByTestId('scan-status').first();
    await page.locator('[data-testid="scan-detail"][data-status="finished"], [data-testid="scan-detail"][data-status="failed"]').waitFor({ timeout: 150_000 });
    assert.equal(await page.getByTestId('scan-detail').getAttribute('data-status'), 'finished', `scan did not finish: ${await status.textContent()}`);
    const report = await fetchWithSession(page, await page.getByTestId('scan-report').getAttribute('href'));
    assert.equal(report.status, 200);
    assert.match(report.text, /<html/i);
  });

  it('opens a finding and applies its protection to palisade.yaml, then undoes it', async () => {
    const { findings } = await api.get<{ findings: { id: string; status: string }[] }>('/findings');
    assert.ok(findings.length > 0, 'the scan left no findings');
    let target: string | undefined;
    for (const f of findings) {
      const d = await api.get<{ protection?: { available?: boolean } }>(`/findings/${encodeURIComponent(f.id)}`);
      if (d.protection?.available) {
        target = f.id;
        break;
      }
    }
    assert.ok(target, 'no finding offers a protection');
    await nav('Findings');
    await page.getByTestId('findings-table').waitFor();
    await go(`/findings/${encodeURIComponent(target)}`);
    await page.getByTestId('evidence').waitFor();
    const before = readFileSync(stack.configPath, 'utf8');
    await page.getByRole('button', { name: 'Apply protection…' }).click();
    await page.getByTestId('yaml-diff').waitFor();
    await page.getByRole('button', { name: 'Apply and reload' }).click();
    await page
      .getByTestId('applied-change')
      .waitFor({ timeout: 15_000 })
      .catch(async (err: unknown) => {
        // Say what the dialog shows instead (a validation or reload error) rather than only "timeout".
        throw new Error(`no applied change: ${await page.getByTestId('protection-dialog').innerText().catch(() => '?')}`, { cause: err });
      });
    const changed = readFileSync(stack.configPath, 'utf8');
    assert.notEqual(changed, before, 'palisade.yaml did not change');
    await page.getByTestId('applied-change').getByRole('button', { name: 'Undo' }).click();
    await page.getByTestId('applied-change').filter({ hasText: /undone/i }).waitFor({ timeout: 15_000 });
    assert.equal(readFileSync(stack.configPath, 'utf8'), before, 'undo did not restore palisade.yaml byte for byte');
  });

  it('blocks and unblocks the attacker from the threats page, and the gateway follows', async () => {
    await nav('Threats');
    const card = page.locator(`[data-testid="actor-card"][data-actor*="${ATTACKER_IP}"]`).first();
    await card.waitFor({ timeout: 20_000 });
    const blockedNow = async () => (await api.get<{ blocks: { entry: string }[] }>('/blocks')).blocks.some((b) => b.entry === ATTACKER_IP);
    const toggle = async (verb: 'Block' | 'Unblock') => {
      await card.getByRole('button', { name: new RegExp(`^${verb} `) }).click();
      await page.getByRole('dialog').getByRole('button', { name: verb, exact: true }).click();
      await card.getByRole('button', { name: new RegExp(`^${verb === 'Block' ? 'Unblock' : 'Block'} `) }).waitFor({ timeout: 10_000 });
    };
    // Watch may already have blocked the scanner by itself; either way, exercise both directions.
    if (await blockedNow()) await toggle('Unblock');
    assert.equal(await blockedNow(), false);
    assert.notEqual(await gatewayStatus(stack, ATTACKER_IP), 403);
    await toggle('Block');
    assert.equal(await blockedNow(), true);
    assert.equal(await gatewayStatus(stack, ATTACKER_IP), 403);
    await toggle('Unblock');
    assert.equal(await blockedNow(), false);
    const { entries } = await api.get<{ entries: { action: string; target: string }[] }>('/audit?limit=50');
    assert.ok(entries.some((e) => /block/.test(e.action) && e.target.includes(ATTACKER_IP)), 'the block is not in the audit log');
  });
});

async function gatewayStatus(stack: ConsoleStack, from: string): Promise<number> {
  const res = await fetch(`${stack.gatewayUrl}/api/health`, { headers: { 'x-forwarded-for': from } });
  await res.arrayBuffer();
  return res.status;
}

async function fetchWithSession(page: Page, href: string | null): Promise<{ status: number; text: string }> {
  assert.ok(href, 'no report link');
  return page.evaluate(async (url) => {
    const r = await fetch(url, { credentials: 'same-origin' });
    return { status: r.status, text: await r.text() };
  }, href);
}

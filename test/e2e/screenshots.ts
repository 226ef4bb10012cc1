// Regenerates docs/screenshots/*.png (`npm run screenshots`): the demo stack as `npm start` runs
// it, some traffic and an attacker, one finished scan, then each main view of the console.
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { launchBrowser, makeTraffic, startConsoleStack } from './stack.js';
import { consoleApi, signIn, whenIdle } from './console-api.js';

const OUT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../docs/screenshots');

async function settle(page: Page): Promise<void> {
  await page.waitForLoadState('networkidle');
  // Lazy routes and charts render after their data arrives.
  await whenIdle(page);
  await page.waitForTimeout(400);
}

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const stack = await startConsoleStack();
  const browser = await launchBrowser();
  try {
    await makeTraffic(stack);
    const api = await consoleApi(stack);
    const scan = await api.startScan();
    await api.waitForScan(scan, 120_000);
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 860 }, reducedMotion: 'reduce', colorScheme: 'light' });
    const page = await ctx.newPage();
    await page.goto(stack.consoleUrl);
    await settle(page);
    await page.screenshot({ path: join(OUT, 'sign-in.png') });
    await signIn(page, stack);
    const shots: [string, string][] = [
      ['overview', '/'],
      ['inventory', '/inventory'],
      ['findings', '/findings'],
      ['threats', '/threats'],
      ['scans', `/scans/${encodeURIComponent(scan)}`],
      ['settings', '/settings'],
    ];
    for (const [name, path] of shots) {
      await page.goto(new URL(`.${path}`, stack.consoleUrl).href);
      await settle(page);
      await page.screenshot({ path: join(OUT, `${name}.png`), fullPage: false });
    }
    // A detail page of each kind: the riskiest endpoint and the most severe finding.
    await page.goto(new URL('./inventory', stack.consoleUrl).href);
    await settle(page);
    await page.locator('[data-testid="inventory-table"] a').first().click();
    await settle(page);
    await page.screenshot({ path: join(OUT, 'endpoint.png') });
    await page.goto(new URL('./findings', stack.consoleUrl).href);
    await settle(page);
    await page.locator('[data-testid="findings-table"] a').first().click();
    await settle(page);
    await page.screenshot({ path: join(OUT, 'finding.png') });
    // Dark theme, and a phone's width.
    const dark = await browser.newContext({ viewport: { width: 1280, height: 860 }, reducedMotion: 'reduce', colorScheme: 'dark' });
    const dp = await dark.newPage();
    await dp.goto(stack.consoleUrl);
    await signIn(dp, stack);
    await settle(dp);
    await dp.screenshot({ path: join(OUT, 'overview-dark.png') });
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, reducedMotion: 'reduce', isMobile: true, hasTouch: true });
    const pp = await phone.newPage();
    await pp.goto(new URL('./inventory', stack.consoleUrl).href);
    await signIn(pp, stack);
    await settle(pp);
    await pp.screenshot({ path: join(OUT, 'inventory-phone.png') });
    process.stdout.write(`screenshots written to ${OUT}\n`);
  } finally {
    await browser.close();
    await stack.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});

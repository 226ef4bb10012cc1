// `npm run measure:console`: the production bundle's size (gzipped, initial route vs everything)
// and time to interactive on localhost, in Debian's Chromium with a cold cache each time.
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { launchBrowser, startConsoleStack } from './stack.js';
import { signIn, whenIdle } from './console-api.js';

const WEB = resolve(dirname(fileURLToPath(import.meta.url)), '../../../packages/palisade/console-web');
const RUNS = Number(process.env.MEASURE_RUNS ?? 5);

function gz(file: string): number {
  return gzipSync(readFileSync(file), { level: 9 }).length;
}

/** What index.html loads before any lazy route: its scripts, module preloads and stylesheets. */
function initialFiles(): string[] {
  const html = readFileSync(join(WEB, 'index.html'), 'utf8');
  const refs = [...html.matchAll(/(?:src|href)="([^"]+\.(?:js|css))"/g)].map((m) => m[1]!);
  return refs.map((r) => join(WEB, r.replace(/^\/console\//, '')));
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function main(): Promise<void> {
  const initial = initialFiles();
  const initialGz = initial.reduce((n, f) => n + gz(f), 0);
  const all = readdirSync(join(WEB, 'assets')).filter((f) => /\.(js|css)$/.test(f));
  const allGz = all.reduce((n, f) => n + gz(join(WEB, 'assets', f)), 0);
  const lines = [
    `bundle: initial route ${(initialGz / 1024).toFixed(1)} KB gzipped (${initial.length} files; goal < 500 KB)`,
    `bundle: all routes    ${(allGz / 1024).toFixed(1)} KB gzipped (${all.length} files)`,
  ];
  const stack = await startConsoleStack();
  const browser = await launchBrowser();
  try {
    const signInTti: number[] = [];
    const overviewTti: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const ctx = await browser.newContext({ viewport: { width: 1280, height: 860 } });
      const page = await ctx.newPage();
      await page.goto(stack.consoleUrl, { waitUntil: 'commit' });
      // Interactive: the sign-in form is on screen and accepts input.
      await page.getByLabel('Username').waitFor();
      await page.getByLabel('Username').fill('x');
      signInTti.push(await page.evaluate(() => performance.now()));
      await page.getByLabel('Username').fill('');
      const t0 = Date.now();
      await signIn(page, stack);
      await page.locator('.card-value').first().waitFor();
      await whenIdle(page);
      overviewTti.push(Date.now() - t0);
      await ctx.close();
    }
    lines.push(
      `time to interactive (sign-in form usable, cold cache): median ${median(signInTti).toFixed(0)} ms over ${RUNS} runs (min ${Math.min(...signInTti).toFixed(0)}, max ${Math.max(...signInTti).toFixed(0)})`,
      `sign-in to overview with data: median ${median(overviewTti).toFixed(0)} ms`,
    );
  } finally {
    await browser.close();
    await stack.close();
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});

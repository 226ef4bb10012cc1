// What a person runs with `npm start`, for the console's end-to-end tests and the screenshot
// script: `palisade start --demo` as a child process in a temporary directory (its own SQLite store
// and console admin password), on free ports, with traffic from a few clients and one attacker.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const CLI = join(ROOT, 'packages/palisade/dist/cli/main.js');
export const CHROMIUM = process.env.PALISADE_CHROMIUM ?? '/usr/bin/chromium';
/** The address the attacker's requests claim through X-Forwarded-For (the gateway trusts loopback here). */
export const ATTACKER_IP = '203.0.113.66';

export interface ConsoleStack {
  dir: string;
  configPath: string;
  gatewayUrl: string;
  demoUrl: string;
  adminUrl: string;
  consoleUrl: string;
  username: string;
  password: string;
  output(): string;
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

export async function startConsoleStack(): Promise<ConsoleStack> {
  const dir = mkdtempSync(join(tmpdir(), 'palisade-e2e-'));
  // The shipped demo configuration, on free ports, trusting loopback as a proxy so the test's
  // clients can speak for several addresses. Apply-protection edits this copy, never the repo's.
  let yaml = readFileSync(join(ROOT, 'demo/palisade.yaml'), 'utf8');
  yaml = yaml
    .replace(/gateway:\n {2}listen: \{ host: 127\.0\.0\.1, port: 8080 \}/, 'gateway:\n  listen: { host: 127.0.0.1, port: 0 }\n  trustedProxies: [127.0.0.1]')
    .replace(/admin:\n {2}listen: \{ host: 127\.0\.0\.1, port: 9000 \}/, 'admin:\n  listen: { host: 127.0.0.1, port: 0 }')
    .replace(/openapi: openapi\.yaml/g, `openapi: ${join(ROOT, 'demo/openapi.yaml')}`);
  if (!yaml.includes('trustedProxies')) throw new Error('demo/palisade.yaml changed shape: the e2e stack cannot place its ports');
  const configPath = join(dir, 'palisade.yaml');
  writeFileSync(configPath, yaml);
  const oauthPort = await freePort();
  const child: ChildProcess = spawn(process.execPath, [CLI, 'start', '--demo', '-c', configPath, '--demo-port', '0', '--oauth-port', String(oauthPort)], {
    cwd: dir,
    env: { ...process.env, PALISADE_LOG_LEVEL: 'warn', NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const deadline = Date.now() + 60_000;
  const find = (label: string) => new RegExp(`${label}\\s+(http://[^\\s]+)`).exec(out)?.[1];
  while (!(find('Shield gateway') && find('admin API') && find('demo API \\(direct, unprotected\\)'))) {
    if (child.exitCode !== null) throw new Error(`palisade start exited with ${child.exitCode}:\n${out}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`palisade start did not print its addresses within 60 s:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const adminUrl = find('admin API')!.replace(/\/+$/, '');
  const passwordFile = join(dir, '.palisade/console-admin-password');
  if (!existsSync(passwordFile)) throw new Error(`no console admin password at ${passwordFile}:\n${out}`);
  return {
    dir,
    configPath,
    gatewayUrl: find('Shield gateway')!.replace(/\/+$/, ''),
    demoUrl: find('demo API \\(direct, unprotected\\)')!.replace(/\/+$/, ''),
    adminUrl,
    consoleUrl: `${adminUrl}/console/`,
    username: 'admin',
    password: readFileSync(passwordFile, 'utf8').trim(),
    output: () => out,
    async close() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(t);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function send(url: string, init: RequestInit & { from?: string } = {}): Promise<number> {
  const headers = new Headers(init.headers);
  if (init.from) headers.set('x-forwarded-for', init.from);
  const res = await fetch(url, { ...init, headers, redirect: 'manual' });
  await res.arrayBuffer();
  return res.status;
}

/**
 * Traffic through the gateway: several customers browsing and signing in, then one attacker with a
 * scanner's fingerprint probing paths and injecting. Returns once the exchanges are recorded.
 */
export async function makeTraffic(stack: ConsoleStack): Promise<void> {
  const g = stack.gatewayUrl;
  const customers = ['198.51.100.10', '198.51.100.11', '198.51.100.12', '198.51.100.13'];
  const accounts = [
    ['alice@acme.test', 'alice-pass-1'],
    ['bob@acme.test', 'bob-pass-2'],
    ['carol@acme.test', 'carol-pass-3'],
  ] as const;
  for (let round = 0; round < 3; round++) {
    for (const [i, ip] of customers.entries()) {
      await send(`${g}/api/health`, { from: ip });
      await send(`${g}/api/v2/products?limit=5`, { from: ip });
      await send(`${g}/api/v2/products/${1 + ((i + round) % 5)}`, { from: ip });
      await send(`${g}/api/v2/products/search?q=lamp`, { from: ip });
      const [email, password] = accounts[i % accounts.length]!;
      await send(`${g}/api/v2/auth/login`, { from: ip, method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
    }
  }
  // The attacker: a scanner's User-Agent, paths that do not exist, injections the WAF and the
  // contract refuse. Watch's scanner and injection detectors fire on this address.
  const ua = { 'user-agent': 'sqlmap/1.8.2#stable (https://sqlmap.org)' };
  for (let i = 0; i < 45; i++) {
    await send(`${g}/${['admin', 'backup', '.git/config', 'wp-login.php', 'phpinfo.php', 'server-status'][i % 6]}-${i}`, { from: ATTACKER_IP, headers: ua });
  }
  for (const q of ["' OR 1=1--", '<script>alert(1)</script>', '../../etc/passwd', "1; DROP TABLE users", '${7*7}', "admin'--"]) {
    await send(`${g}/api/v2/products/search?q=${encodeURIComponent(q)}`, { from: ATTACKER_IP, headers: ua });
  }
  // Exchanges are recorded asynchronously, in batches.
  await new Promise((r) => setTimeout(r, 1500));
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
  });
}

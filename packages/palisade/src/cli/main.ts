#!/usr/bin/env node
// The `palisade` command: argument parsing only; the work is done by the modules it calls.
import cluster from 'node:cluster';
import { parseArgs } from 'node:util';
import { existsSync, mkdirSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import type { Logger } from 'pino';
import type { PalisadeConfig } from '../core/index.js';
import { ConfigSchema, ENV_OVERRIDES, PalisadeError, configJsonSchema, loadConfigFile } from '../core/index.js';
import { runShieldWorker, startShield, workerCount } from '../shield/index.js';
import type { ExchangeObserver } from '../shield/index.js';
import { watchHooks } from './watch-live.js';
import { consoleHooks } from './console-live.js';
import { inventoryHooks } from './inventory-live.js';
import { DEMO_RESOURCE } from '../identity/index.js';
import { OAUTH_COMMANDS, oauthHelp, withDemoOAuth } from './oauth.js';
import { KEYS_COMMANDS, keysHelp } from './keys.js';
import { USERS_COMMANDS, usersHelp } from './users.js';
import { AUDIT_COMMANDS } from './audit.js';
import { SCAN_COMMANDS } from './scan.js';
import { CRS_COMMANDS } from './crs.js';
import { DISCOVER_COMMANDS } from './discover.js';
import { readVersion } from './command.js';
import type { Command, OptionSpec } from './command.js';

const VERSION = readVersion();

const portOptions: Record<string, OptionSpec> = {
  host: { type: 'string', description: 'address the gateway binds (PALISADE_GATEWAY_HOST)' },
  port: { type: 'string', short: 'p', description: 'gateway port (PALISADE_GATEWAY_PORT)' },
  'admin-host': { type: 'string', description: 'address the admin API binds (PALISADE_ADMIN_HOST)' },
  'admin-port': { type: 'string', description: 'admin API port (PALISADE_ADMIN_PORT)' },
  workers: { type: 'string', description: "gateway processes: a number or 'auto' (PALISADE_WORKERS)" },
  'oauth-port': { type: 'string', description: 'built-in authorization server port, when oauth.enabled (PALISADE_OAUTH_PORT)' },
};

const COMMANDS: Record<string, Command> = {
  start: {
    summary: 'Run Palisade: the Shield gateway and the admin API (with --demo, also the bundled demo API).',
    usage: 'palisade start [-c palisade.yaml] [--demo] [--port N] [--admin-port N] [--demo-port N]',
    details:
      'Without -c, --demo uses the demo configuration shipped with the demo API. Data lives in .palisade/ (SQLite).\nThe admin token is read from admin.token, PALISADE_ADMIN_TOKEN, or .palisade/admin-token (generated on first start).',
    options: {
      config: { type: 'string', short: 'c', description: 'configuration file' },
      demo: { type: 'boolean', description: 'also start the bundled, deliberately vulnerable demo API' },
      'demo-port': { type: 'string', description: 'demo API port (PALISADE_DEMO_PORT, default 3001)' },
      ...portOptions,
    },
    run: (v) => runStart(v, true),
  },
  gateway: {
    summary: 'Run the Shield gateway (and its admin API) from a configuration file.',
    usage: 'palisade gateway -c palisade.yaml [--port N] [--admin-port N] [--workers N|auto]',
    options: { config: { type: 'string', short: 'c', description: 'configuration file (required)' }, ...portOptions },
    run: (v) => runStart(v, false),
  },
  'config validate': {
    summary: 'Check a configuration file: every problem with its option path and line.',
    usage: 'palisade config validate palisade.yaml',
    options: {},
    run: async (_v, pos) => {
      const file = pos[0];
      if (!file) throw new PalisadeError('PALISADE_ERR_CLI_USAGE', 'config validate needs a file');
      const { config } = await loadConfigFile(file);
      process.stdout.write(`${file}: valid (${config.apis.length} API${config.apis.length === 1 ? '' : 's'}, ${config.routes.length} route${config.routes.length === 1 ? '' : 's'})\n`);
      return 0;
    },
  },
  'config schema': {
    summary: 'Print the JSON Schema of palisade.yaml (for editors and CI).',
    usage: 'palisade config schema > palisade.schema.json',
    options: {},
    run: async () => {
      process.stdout.write(JSON.stringify(configJsonSchema(), null, 2) + '\n');
      return 0;
    },
  },
  ...OAUTH_COMMANDS,
  ...KEYS_COMMANDS,
  ...USERS_COMMANDS,
  ...AUDIT_COMMANDS,
  ...SCAN_COMMANDS,
  ...CRS_COMMANDS,
  ...DISCOVER_COMMANDS,
};

function helpFor(name: string, c: Command): string {
  const lines = [`palisade ${name} — ${c.summary}`, '', `Usage: ${c.usage}`];
  if (c.details) lines.push('', c.details);
  const opts = Object.entries(c.options);
  lines.push('', 'Options:');
  for (const [k, o] of opts) {
    const flag = `${o.short ? `-${o.short}, ` : '    '}--${k}${o.type === 'string' ? ' VALUE' : ''}`;
    lines.push(`  ${flag.padEnd(28)} ${o.description}`);
  }
  lines.push(`  ${'-h, --help'.padEnd(28)} show this help`);
  return lines.join('\n') + '\n';
}

function mainHelp(): string {
  const lines = [
    `palisade ${VERSION} — protect, test and watch HTTP APIs`,
    '',
    'Usage: palisade <command> [options]',
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(([n, c]) => `  ${n.padEnd(18)} ${c.summary}`),
    '',
    'Environment variables override the configuration file:',
    ...ENV_OVERRIDES.map((e) => `  ${e.name.padEnd(24)} ${e.option}`),
    '',
    'Run `palisade <command> --help` for a command\'s options.',
  ];
  return lines.join('\n') + '\n';
}

export async function main(argv: string[]): Promise<number> {
  const words = argv.filter((a) => !a.startsWith('-'));
  if (argv.length === 0 || (words.length === 0 && (argv.includes('--help') || argv.includes('-h')))) {
    process.stdout.write(mainHelp());
    return 0;
  }
  // Only bare `palisade --version`: commands may have a --version option of their own (crs fetch).
  if (words.length === 0 && (argv.includes('--version') || argv.includes('-v'))) {
    process.stdout.write(VERSION + '\n');
    return 0;
  }
  const two = words.slice(0, 2).join(' ');
  const name = COMMANDS[two] ? two : words[0]!;
  const cmd = COMMANDS[name];
  if (!cmd) {
    if (name === 'users') {
      process.stdout.write(usersHelp(helpFor));
      return argv.includes('--help') || argv.includes('-h') ? 0 : 2;
    }
    if (name === 'keys') {
      process.stdout.write(keysHelp(helpFor));
      return argv.includes('--help') || argv.includes('-h') ? 0 : 2;
    }
    if (name === 'oauth') {
      process.stdout.write(oauthHelp(helpFor));
      return argv.includes('--help') || argv.includes('-h') ? 0 : 2;
    }
    if (name === 'config') {
      process.stdout.write(`${helpFor('config validate', COMMANDS['config validate']!)}\n${helpFor('config schema', COMMANDS['config schema']!)}`);
      return argv.includes('--help') || argv.includes('-h') ? 0 : 2;
    }
    process.stderr.write(`palisade: unknown command "${words.join(' ')}"\n\n${mainHelp()}`);
    return 2;
  }
  const rest = [...argv];
  for (const w of name.split(' ')) rest.splice(rest.indexOf(w), 1);
  let parsed: { values: Record<string, string | boolean | undefined>; positionals: string[] };
  try {
    const options = Object.fromEntries(Object.entries(cmd.options).map(([k, o]) => [k, o.short ? { type: o.type, short: o.short } : { type: o.type }]));
    parsed = parseArgs({ args: rest, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true }) as typeof parsed;
  } catch (err) {
    process.stderr.write(`palisade ${name}: ${(err as Error).message}\n\n${helpFor(name, cmd)}`);
    return 2;
  }
  if (parsed.values.help) {
    process.stdout.write(helpFor(name, cmd));
    return 0;
  }
  return cmd.run(parsed.values, parsed.positionals);
}

/** Flags become the same environment overrides the configuration loader already understands. */
function envWithFlags(v: Record<string, string | boolean | undefined>): NodeJS.ProcessEnv {
  const env = { ...process.env };
  const map: Record<string, string> = {
    host: 'PALISADE_GATEWAY_HOST',
    port: 'PALISADE_GATEWAY_PORT',
    'admin-host': 'PALISADE_ADMIN_HOST',
    'admin-port': 'PALISADE_ADMIN_PORT',
    workers: 'PALISADE_WORKERS',
    'oauth-port': 'PALISADE_OAUTH_PORT',
  };
  for (const [flag, name] of Object.entries(map)) {
    const val = v[flag];
    if (typeof val === 'string') env[name] = val;
  }
  return env;
}

interface DemoModule {
  startDemo(opts?: { host?: string; port?: number; quiet?: boolean; trustedIssuer?: { issuer: string; jwksUrl?: string; audience?: string } }): Promise<{ url: string; port: number; close(): Promise<void> }>;
  DEMO_CONFIG_PATH: string;
}

async function loadDemo(): Promise<DemoModule> {
  const specifier = 'palisade-demo';
  try {
    return (await import(specifier)) as DemoModule;
  } catch (err) {
    throw new PalisadeError('PALISADE_ERR_CLI_USAGE', `--demo needs the palisade-demo package (run from the Palisade repository after npm ci): ${(err as Error).message}`);
  }
}

async function runStart(v: Record<string, string | boolean | undefined>, isStart: boolean): Promise<number> {
  const env = envWithFlags(v);
  const worker = cluster.isWorker && process.env.PALISADE_CLUSTER_WORKER === '1';
  const wantDemo = isStart && v.demo === true && !worker;
  let demo: Awaited<ReturnType<DemoModule['startDemo']>> | undefined;
  let configPath = typeof v.config === 'string' ? resolve(v.config) : undefined;
  let demoModule: DemoModule | undefined;
  if (isStart && v.demo === true) {
    demoModule = await loadDemo();
    configPath ??= demoWorkingCopy(demoModule.DEMO_CONFIG_PATH);
  }
  if (!configPath) {
    if (isStart) throw new PalisadeError('PALISADE_ERR_CLI_USAGE', 'palisade start needs -c palisade.yaml, or --demo to run the bundled demo');
    throw new PalisadeError('PALISADE_ERR_CLI_USAGE', 'palisade gateway needs -c palisade.yaml');
  }
  let { config } = await loadConfigFile(configPath, { env });
  const log: Logger = pino({ level: config.log.level, base: { pid: process.pid, name: 'palisade' } });

  if (isStart && v.demo === true) config = withDemoIssuer(config);
  if (worker) {
    await runShieldWorker({ config: withDemoUpstream(config, env), configPath, logger: log });
    return -1;
  }

  if (wantDemo && demoModule) {
    const demoPort = Number(typeof v['demo-port'] === 'string' ? v['demo-port'] : (env.PALISADE_DEMO_PORT ?? 3001));
    if (!Number.isInteger(demoPort) || demoPort < 0 || demoPort > 65535) throw new PalisadeError('PALISADE_ERR_CLI_USAGE', `--demo-port must be a port number, got ${String(v['demo-port'])}`);
    // The demo API accepts the built-in authorization server's access tokens besides its own,
    // as the gateway does (decision 0015).
    const issuer = demoIssuer(config);
    const trustedIssuer = issuer ? { issuer, jwksUrl: `${issuer}/jwks`, audience: config.oauth.resources[0]?.indicator ?? DEMO_RESOURCE } : undefined;
    demo = await demoModule.startDemo({ host: '127.0.0.1', port: demoPort, quiet: true, ...(trustedIssuer ? { trustedIssuer } : {}) });
    // Workers re-read the config: hand them the demo's real address the same way.
    process.env.PALISADE_DEMO_UPSTREAM = demo.url;
    env.PALISADE_DEMO_UPSTREAM = demo.url;
    config = withDemoUpstream(config, env);
    // The demo also runs the built-in authorization server, with demo clients and users.
    config = withDemoOAuth(config);
  }

  const adminToken = config.admin.enabled ? resolveAdminToken(config) : undefined;
  let running;
  const watch = watchHooks(config, log, workerCount(config));
  const ui = consoleHooks(config, log);
  // The console's live inventory sees the exchanges Watch sees (single-process mode, like Watch).
  const inventory = ui.options.adminUi ? inventoryHooks(config, log) : undefined;
  const watchObserver = watch.options.observeExchanges;
  const observeExchanges: ExchangeObserver | undefined = inventory
    ? (batch) => {
        watchObserver?.(batch);
        inventory.observe(batch);
      }
    : watchObserver;
  let consoleAdmin: { passwordFile?: string } = {};
  try {
    running = await startShield({ config, configPath, logger: log, ...(adminToken ? { adminToken: adminToken.token } : {}), handleSignals: true, ...(wantDemo ? { oauthDemo: true } : {}), ...watch.options, ...(observeExchanges ? { observeExchanges } : {}), ...ui.options });
    const watchRuntime = watch.attach(running);
    if (inventory) void inventory.attach(running.store);
    consoleAdmin = await ui.attach(running, { configPath, watch: () => watchRuntime, demoAdmin: wantDemo, ...(inventory ? { inventory: () => inventory.inventory() } : {}) });
  } catch (err) {
    await running?.close();
    await demo?.close();
    throw err;
  }
  if (demo) {
    const d = demo;
    process.once('exit', () => void d.close());
  }
  const lines = ['', `Palisade ${VERSION} is running`, ''];
  if (demo) lines.push(`  demo API (direct, unprotected)   ${demo.url}`);
  lines.push(`  Shield gateway                   ${running.gatewayUrl}${running.workers > 1 ? `  (${running.workers} workers)` : ''}`);
  if (running.adminUrl) lines.push(`  admin API                        ${running.adminUrl}   (token in ${adminToken?.file ?? adminToken?.source})`);
  if (running.adminUrl && ui.options.adminUi) {
    lines.push(`  web console                      ${running.adminUrl}/console/${consoleAdmin.passwordFile ? `   (sign in as admin; password in ${consoleAdmin.passwordFile})` : '   (users: palisade users create NAME --role admin)'}`);
  }
  if (running.oauth) lines.push(`  authorization server (OAuth)     ${running.oauth.issuer}`);
  lines.push(`  configuration                    ${configPath}`, `  store                            ${config.store.driver === 'sqlite' ? resolve(config.store.path) : 'postgres'}`, '');
  if (demo) {
    const g = running.gatewayUrl;
    const d = demo.url;
    lines.push(
      'Try it:',
      `  curl -i ${g}/api/v2/products?limit=2             # through Shield: security headers, request id`,
      `  curl -i -X TRACE ${d}/api/health              # the demo answers TRACE, echoing your headers...`,
      `  curl -i -X TRACE ${g}/api/health              # ...Shield refuses it: 405 problem+json`,
      `  curl -s "${d}/api/v2/products/search?q='"     # the demo leaks an SQL error and a stack trace...`,
      `  curl -s "${g}/api/v2/products/search?q='"     # ...Shield's contract check refuses the quote: 400`,
      `  curl -s ${d}/debug/config                      # an undocumented debug page leaks secrets...`,
      `  curl -s ${g}/debug/config                      # ...no authorization rule opens it: 403 through Shield`,
      '  (demo/VULNERABILITIES.md lists every weakness of the demo)',
    );
  }
  const od = running.oauth?.demo;
  if (od && running.oauth) {
    const iss = running.oauth.issuer;
    lines.push(
      '',
      'Built-in authorization server (OAuth 2.0 / OpenID Connect):',
      `  open ${od.startUrl} in a browser     # authorization code + PKCE: sign in as alice@acme.test / alice-pass-1`,
      `  curl -s -u ${od.serviceClientId}:${od.serviceClientSecret} -d grant_type=client_credentials -d scope=shop:read ${iss}/token`,
      `      # client credentials; the secret above was generated for this run. Keys: ${iss}/jwks`,
    );
    if (demo) {
      // The gateway accepts only these tokens (demo/palisade.yaml): show one at work.
      lines.push(
        `  TOKEN=$(curl -s -u ${od.serviceClientId}:${od.serviceClientSecret} -d grant_type=client_credentials -d scope=shop:read ${iss}/token | sed -E 's/.*"access_token":"([^"]+)".*/\\1/')`,
        `  curl -s -H "Authorization: Bearer $TOKEN" "${running.gatewayUrl}/api/v2/users/lookup?email=bob@acme.test"   # through Shield: id and name only`,
      );
    }
  }
  if (running.adminUrl) {
    const token = adminToken?.file ? `$(cat ${adminToken.file})` : '$PALISADE_ADMIN_TOKEN';
    lines.push(
      `  curl -s -H "Authorization: Bearer ${token}" "${running.adminUrl}/exchanges?limit=5"   # recorded, redacted`,
      `  curl -s -H "Authorization: Bearer ${token}" ${running.adminUrl}/metrics             # Prometheus`,
    );
  }
  lines.push('', 'Ctrl-C stops gracefully; SIGHUP or editing the file reloads the configuration.', '');
  process.stdout.write(lines.join('\n'));
  return -1;
}

/**
 * `start --demo` without -c runs a working copy of the demo's configuration in .palisade/: the
 * console's "apply protection" and configuration editor change that copy, never the file shipped
 * with the demo. Made once; deleting it starts over from the shipped file.
 */
function demoWorkingCopy(shipped: string): string {
  const copy = resolve('.palisade', 'palisade.yaml');
  if (existsSync(copy)) return copy;
  mkdirSync(dirname(copy), { recursive: true, mode: 0o700 });
  // Paths in the file are relative to it: point the OpenAPI documents back at the demo's own.
  const text = readFileSync(shipped, 'utf8').replace(/^(\s*openapi:\s*)([^\s#'"]+)/gm, (all, key: string, p: string) =>
    /^[a-z][a-z0-9+.-]*:\/\//i.test(p) || isAbsolute(p) ? all : `${key}${resolve(dirname(shipped), p)}`,
  );
  writeFileSync(copy, `# Working copy of ${shipped}, made by palisade start --demo (delete it to start over).\n${text}`, { mode: 0o600 });
  return copy;
}

function withDemoUpstream(config: PalisadeConfig, env: NodeJS.ProcessEnv): PalisadeConfig {
  const url = env.PALISADE_DEMO_UPSTREAM;
  if (!url || !config.apis.some((a) => a.name === 'demo')) return config;
  const copy = structuredClone(config) as PalisadeConfig;
  const patched = ConfigSchema.parse({ ...copy, apis: copy.apis.map((a) => (a.name === 'demo' ? { ...a, upstream: url } : a)) });
  return deepFreeze(patched);
}

/** The built-in authorization server's address as demo/palisade.yaml writes it. */
const DEMO_FILE_ISSUER = 'http://127.0.0.1:9100';

/** Where the built-in authorization server of `--demo` will answer, when it can be known before it starts. */
function demoIssuer(config: PalisadeConfig): string | undefined {
  if (config.oauth.issuer) return config.oauth.issuer.replace(/\/+$/, '');
  const { host, port } = config.oauth.listen;
  if (port === 0) return undefined;
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/**
 * demo/palisade.yaml names the built-in server at its default address; when --oauth-port (or
 * PALISADE_OAUTH_PORT, PALISADE_OAUTH_ISSUER) moves it, the gateway's JWT settings follow.
 */
function withDemoIssuer(config: PalisadeConfig): PalisadeConfig {
  const actual = demoIssuer(config);
  const jwt = config.defaults.authenticate.jwt;
  if (!actual || !config.apis.some((a) => a.name === 'demo') || jwt?.issuer !== DEMO_FILE_ISSUER || actual === DEMO_FILE_ISSUER) return config;
  const copy = structuredClone(config) as PalisadeConfig;
  const patched = ConfigSchema.parse({ ...copy, defaults: { ...copy.defaults, authenticate: { ...copy.defaults.authenticate, jwt: { ...jwt, issuer: actual, jwksUrl: `${actual}/jwks` } } } });
  return deepFreeze(patched);
}

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}

function resolveAdminToken(config: PalisadeConfig): { token: string; source: string; file?: string } {
  if (config.admin.token) return { token: config.admin.token, source: 'admin.token / PALISADE_ADMIN_TOKEN' };
  const dir = config.store.driver === 'sqlite' ? dirname(resolve(config.store.path)) : resolve('.palisade');
  const file = resolve(dir, 'admin-token');
  if (existsSync(file)) {
    const token = readFileSync(file, 'utf8').trim();
    if (token.length >= 32) return { token, source: 'file', file };
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const token = randomBytes(32).toString('base64url');
  writeFileSync(file, token + '\n', { mode: 0o600 });
  chmodSync(file, 0o600);
  return { token, source: 'file', file };
}

function isMain(): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return resolve(entry) === fileURLToPath(import.meta.url) || resolve(entry).endsWith('/.bin/palisade');
  } catch {
    return false;
  }
}

if (isMain() || (cluster.isWorker && process.env.PALISADE_CLUSTER_WORKER === '1')) {
  main(process.argv.slice(2)).then(
    (code) => {
      if (code >= 0) process.exitCode = code;
    },
    (err: unknown) => {
      if (err instanceof PalisadeError) process.stderr.write(err.format() + '\n');
      else process.stderr.write(`palisade: ${(err as Error).stack ?? String(err)}\n`);
      process.exitCode = 1;
    },
  );
}


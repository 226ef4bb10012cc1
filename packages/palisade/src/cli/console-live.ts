// Wires the web console into `palisade start` / `palisade gateway`: the admin server hands `/` and
// /console to it, and it reads Shield's store, configuration, reload and block list. The console
// is built once Shield runs (it needs Shield's store), so the admin server gets a forwarder first.
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { PalisadeConfig } from '../core/index.js';
import { createConsole, generatePassword } from '../console/index.js';
import type { ConsoleDeps, ConsoleService } from '../console/index.js';
import { ApiKeyManager, OAuthClients } from '../identity/index.js';
import type { RunningShield } from '../shield/index.js';
import type { Inventory, WatchRuntime } from '../watch/index.js';

export interface ConsoleHooks {
  /** Options for startShield. */
  options: { adminUi?: { handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> } };
  /**
   * Builds the console over the running Shield. With `demoAdmin`, a first start with no console
   * user creates `admin` with a generated password written to a 0600 file; returns its path.
   */
  attach(
    running: RunningShield,
    o: { configPath: string; watch: () => WatchRuntime | undefined; demoAdmin: boolean; inventory?: () => Inventory | undefined },
  ): Promise<{ passwordFile?: string; service?: ConsoleService }>;
}

export function consoleHooks(config: PalisadeConfig, log: Logger): ConsoleHooks {
  if (!config.console.enabled || !config.admin.enabled) return { options: {}, attach: async () => ({}) };
  let service: ConsoleService | undefined;
  return {
    options: { adminUi: { handle: async (req, res) => (service ? service.handle(req, res) : false) } },
    async attach(running, o) {
      const deps: ConsoleDeps = {
        store: running.store,
        config: () => running.currentConfig(),
        configPath: o.configPath,
        reload: () => running.reload(),
        blocks: running.blocks,
        watch: o.watch,
        ...(o.inventory ? { inventory: o.inventory } : {}),
        ...(running.oauth ? { oauth: running.oauth.admin } : {}),
        apiKeys: new ApiKeyManager(running.store.apiKeys, { knownApis: () => running.currentConfig().apis.map((a) => a.name) }),
        // The same clients table the running authorization server reads: a client registered here works at once.
        ...(running.oauth ? { oauth: { clients: new OAuthClients(running.store, new Set(running.currentConfig().oauth.resources.flatMap((r) => r.scopes))) } } : {}),
        logger: log.child({ component: 'console' }),
      };
      service = createConsole(deps);
      if (!o.demoAdmin) return { service };
      const dir = config.store.driver === 'sqlite' ? dirname(resolve(config.store.path)) : resolve('.palisade');
      const file = resolve(dir, 'console-admin-password');
      // Not the first start: point at the file written then, if it is still there.
      if ((await running.store.consoleUsers.countUsers()) > 0) return existsSync(file) ? { service, passwordFile: file } : { service };
      const password = generatePassword();
      await service.users.create({ username: 'admin', role: 'admin', displayName: 'Administrator', password }, { username: 'palisade start --demo', role: 'system' });
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      if (existsSync(file)) chmodSync(file, 0o600);
      writeFileSync(file, password + '\n', { mode: 0o600 });
      chmodSync(file, 0o600);
      return { service, passwordFile: file };
    },
  };
}

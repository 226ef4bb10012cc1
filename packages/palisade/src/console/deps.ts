// What the console needs from the running Palisade, handed in by the cli (the one place that wires
// modules together). E2/E3 add the fields their routes need here with small edits; keep each
// optional part optional so tests can build a console from a store alone.
import type { Logger } from 'pino';
import type { PalisadeConfig, Store } from '../core/index.js';
import type { OAuthClients } from '../identity/index.js';
import type { BlockControl, ApiKeyAdmin } from '../shield/index.js';
import type { Inventory, WatchRuntime } from '../watch/index.js';
import type { ScanManager } from './scan-manager.js';

export interface ReloadOutcome {
  ok: boolean;
  changed?: boolean;
  error?: string;
  details?: readonly string[];
}

export interface ConsoleDeps {
  store: Store;
  /** The configuration in force (it changes on reload: always call, never keep the result). */
  config(): PalisadeConfig;
  /** The palisade.yaml the configuration came from, when there is one. */
  configPath?: string;
  /** Re-reads configPath and applies it (Shield's reload). */
  reload?(): Promise<ReloadOutcome>;
  /** Shield's dynamic block list: places and lifts blocks in every gateway process. */
  blocks?: BlockControl;
  /** Watch's detection runtime, once it runs (it starts after Shield: hence a getter). */
  watch?: () => WatchRuntime | undefined;
  /** A live endpoint inventory, when one is kept. */
  inventory?: () => Inventory | undefined;
  /** The built-in authorization server's clients (oauth.enabled): registered, rotated and deleted from Settings. */
  oauth?: { clients: OAuthClients };
  /** API key management. */
  apiKeys?: ApiKeyAdmin;
  /** palisade-scan.yaml per API name, picked by POST /scans {api}; without one, a palisade-scan.yaml beside the API's OpenAPI document is used. */
  scanConfigs?: Readonly<Record<string, string>>;
  /** Runs the console's scans; one is made from the store when absent. Hand one in to close it on shutdown (tests). */
  scanManager?: ScanManager;
  logger: Logger;
  /** Where the built web UI lives; defaults to the package's console-web/ folder. */
  webRoot?: string;
  /** For tests: cheaper password hashing (scrypt parameters; default N=2^15, r=8, p=1). */
  scrypt?: { N: number; r: number; p: number };
  /** The clock, replaceable by tests (session expiry, lockout). */
  now?: () => number;
  /** Environment for secrets named in the configuration (console.sso.clientSecretEnv); default process.env. */
  env?: NodeJS.ProcessEnv;
}

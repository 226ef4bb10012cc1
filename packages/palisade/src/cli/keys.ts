// `palisade keys ...`: issue, list, revoke and rotate API keys. These commands work on the store
// named by the configuration, so they need no running gateway; a running gateway sees a new key at
// once and a revocation or rotation within its cache TTL (5 s).
// A key is printed once, by create and rotate: only a hash of it is stored.
import { resolve } from 'node:path';
import type { PalisadeConfig } from '../core/index.js';
import { loadConfigFile } from '../core/index.js';
import { ApiKeyManager, parseDuration, parseExpiry } from '../identity/index.js';
import type { ApiKeySummary } from '../identity/index.js';
import { configPathFrom, groupHelp, list, out, str, usage, withStore } from './command.js';
import type { Command, OptionSpec, Values } from './command.js';

const common: Record<string, OptionSpec> = {
  config: { type: 'string', short: 'c', description: 'configuration file naming the store and the APIs (default: ./palisade.yaml)' },
  json: { type: 'boolean', description: 'print JSON' },
};

const ONCE = 'Store this key now: it cannot be shown again (only a hash of it is kept).';

async function loadConfig(v: Values): Promise<PalisadeConfig> {
  const path = configPathFrom(v);
  if (path === undefined) throw usage('keys needs the configuration that names the store and the APIs: pass -c palisade.yaml');
  return (await loadConfigFile(resolve(path))).config;
}

async function withManager<T>(v: Values, fn: (m: ApiKeyManager, config: PalisadeConfig) => Promise<T>): Promise<T> {
  const config = await loadConfig(v);
  return withStore(config, (store) => fn(new ApiKeyManager(store.apiKeys, { knownApis: () => config.apis.map((a) => a.name) }), config));
}

function when(ms: number | undefined): string {
  return ms === undefined ? '-' : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function describe(k: ApiKeySummary): string[] {
  const lines = [`id         ${k.id}   (${k.hint})`, `api        ${k.api}`, `name       ${k.name}`, `status     ${k.status}`];
  if (k.scopes.length) lines.push(`scopes     ${k.scopes.join(' ')}`);
  if (k.roles.length) lines.push(`roles      ${k.roles.join(', ')}`);
  if (k.tenant !== undefined) lines.push(`tenant     ${k.tenant}`);
  lines.push(`expires    ${k.expiresAt === undefined ? 'never' : when(k.expiresAt)}`);
  return lines;
}

function onlyPositionals(pos: string[], n: number, what: string): void {
  if (pos.length !== n) throw usage(n === 0 ? `${what} takes no arguments (got ${pos.join(' ')})` : `${what} needs exactly one key id (got ${pos.length === 0 ? 'none' : pos.length})`);
}

/** "--expires 30d | 2027-01-01": an epoch-ms time, or undefined when the flag is absent. */
function expiryOf(v: Values): number | undefined {
  const e = str(v, 'expires');
  return e === undefined ? undefined : parseExpiry(e, Date.now());
}

export const KEYS_COMMANDS: Record<string, Command> = {
  'keys create': {
    summary: 'Issue an API key for one API; it is printed once.',
    usage: 'palisade keys create --api NAME --name TEXT [--scopes a,b] [--roles r1,r2] [--tenant T] [--expires 30d|2027-01-01] [-c palisade.yaml]',
    details:
      'The key (pal_<id>_<secret>) is printed once: only a hash of it is stored. Clients send it as `X-Api-Key: <key>`\n(or the route\'s apiKey.header) or `Authorization: ApiKey <key>`. --expires takes a duration (30d, 12h, 2w) or a date (UTC).',
    options: {
      api: { type: 'string', description: 'the API the key is for (apis[].name); required' },
      name: { type: 'string', description: 'what the key is for, e.g. "nightly export"; required' },
      scopes: { type: 'string', description: 'scopes, comma-separated' },
      roles: { type: 'string', description: 'roles, comma-separated' },
      tenant: { type: 'string', description: 'tenant of the principal' },
      expires: { type: 'string', description: 'expiry: a duration (30d, 12h) or a date (2027-01-01); default never' },
      ...common,
    },
    run: async (v, pos) => {
      onlyPositionals(pos, 0, 'keys create');
      const api = str(v, 'api');
      const name = str(v, 'name');
      if (api === undefined) throw usage('keys create needs --api NAME (the API the key is for)');
      if (name === undefined) throw usage('keys create needs --name TEXT (what the key is for)');
      const expiresAt = expiryOf(v);
      const scopes = list(v.scopes);
      const roles = list(v.roles);
      const tenant = str(v, 'tenant');
      return withManager(v, async (m) => {
        const r = await m.create({
          api,
          name,
          createdBy: 'cli',
          ...(scopes ? { scopes } : {}),
          ...(roles ? { roles } : {}),
          ...(tenant !== undefined ? { tenant } : {}),
          ...(expiresAt !== undefined ? { expiresAt } : {}),
        });
        out(v, { key: r.key, apiKey: r.summary, warning: ONCE }, ['', `  ${r.key}`, '', ONCE, '', ...describe(r.summary)].join('\n'));
        return 0;
      });
    },
  },
  'keys list': {
    summary: 'List API keys with their state and last use (never a secret).',
    usage: 'palisade keys list [--api NAME] [--json] [-c palisade.yaml]',
    details: 'States: active; grace (rotated, still accepted until its grace ends); rotated; expired; revoked. Last use is written by gateways every 30 s.',
    options: {
      api: { type: 'string', description: 'only the keys of this API' },
      ...common,
    },
    run: async (v, pos) => {
      onlyPositionals(pos, 0, 'keys list');
      const api = str(v, 'api');
      return withManager(v, async (m) => {
        const keys = await m.list(api !== undefined ? { api } : {});
        const header = ['ID', 'API', 'STATUS', 'CREATED', 'EXPIRES', 'LAST USED', 'NAME'];
        const rows = keys.map((k) => [k.id, k.api, k.status, when(k.createdAt), when(k.expiresAt), when(k.lastUsedAt), k.name]);
        const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
        const fmt = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
        out(v, { keys }, keys.length === 0 ? `No API keys${api !== undefined ? ` for ${api}` : ''}.` : [fmt(header), ...rows.map(fmt)].join('\n'));
        return 0;
      });
    },
  },
  'keys revoke': {
    summary: 'Revoke an API key: refused from now on (by running gateways within 5 s).',
    usage: 'palisade keys revoke ID [-c palisade.yaml]',
    details: 'ID is the key id shown by `keys list` (the part after pal_); a whole key is accepted too. The record is kept, revoked.',
    options: { ...common },
    run: async (v, pos) => {
      onlyPositionals(pos, 1, 'keys revoke');
      return withManager(v, async (m) => {
        const r = await m.revoke(pos[0]!);
        out(v, { apiKey: r.summary, alreadyRevoked: r.already }, r.already ? `${r.summary.id} was already revoked (at ${when(r.summary.revokedAt)}).` : `Revoked ${r.summary.id} (${r.summary.name}).`);
        return 0;
      });
    },
  },
  'keys rotate': {
    summary: 'Replace an API key with a new one; the old key keeps working during a grace period.',
    usage: 'palisade keys rotate ID [--grace 24h] [--expires 30d|2027-01-01] [-c palisade.yaml]',
    details:
      'The new key has the same API, name, scopes, roles and tenant, and is printed once. The old key is accepted until the grace\nperiod ends (default 24h, at most 30d; 0s ends it at once). Without --expires the new key gets the old key\'s lifetime again.',
    options: {
      grace: { type: 'string', description: 'how long the old key keeps working: 24h (default), 7d, 0s' },
      expires: { type: 'string', description: 'expiry of the new key: a duration or a date' },
      ...common,
    },
    run: async (v, pos) => {
      onlyPositionals(pos, 1, 'keys rotate');
      const grace = str(v, 'grace');
      const graceMs = grace === undefined ? undefined : parseDuration(grace, '--grace');
      const expiresAt = expiryOf(v);
      return withManager(v, async (m) => {
        const r = await m.rotate(pos[0]!, { createdBy: 'cli', ...(graceMs !== undefined ? { graceMs } : {}), ...(expiresAt !== undefined ? { expiresAt } : {}) });
        out(
          v,
          { key: r.key, apiKey: r.summary, previous: r.previous, warning: ONCE },
          ['', `  ${r.key}`, '', ONCE, `The old key ${r.previous.id} is accepted until ${when(r.previous.graceUntil)}.`, '', ...describe(r.summary)].join('\n'),
        );
        return 0;
      });
    },
  },
};

/** Help for `palisade keys` without a sub-command. */
export function keysHelp(helpFor: (name: string, c: Command) => string): string {
  return groupHelp(KEYS_COMMANDS, helpFor);
}

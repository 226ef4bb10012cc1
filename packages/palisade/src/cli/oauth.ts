// `palisade oauth ...`: clients, users and signing keys of the built-in authorization server.
// These commands work on the store directly, so they need no running server; a running server
// sees new clients and users at once and rotated keys within oauth.keyReloadSeconds.
// Secrets are never taken as flags (they would land in shell history and `ps`): passwords come
// from a hidden prompt or standard input. A client secret is printed once, when it is created.
import { resolve } from 'node:path';
import type { PalisadeConfig, Store } from '../core/index.js';
import { ConfigSchema, loadConfigFile, parseConfig } from '../core/index.js';
import { OAuthClients, OAuthUsers, Sealer, demoOAuthSettings, resolveMasterSecret, rotateKeys } from '../identity/index.js';
import { configPathFrom, groupHelp, list, out, str, usage, withStore } from './command.js';
import type { Command, OptionSpec, Values } from './command.js';

const common: Record<string, OptionSpec> = {
  config: { type: 'string', short: 'c', description: 'configuration file (default: ./palisade.yaml when present)' },
  demo: { type: 'boolean', description: "use the demo's configuration (what `palisade start --demo` runs)" },
  json: { type: 'boolean', description: 'print JSON' },
};

async function demoConfigPath(): Promise<string | undefined> {
  const specifier = 'palisade-demo';
  try {
    return ((await import(specifier)) as { DEMO_CONFIG_PATH?: string }).DEMO_CONFIG_PATH;
  } catch {
    return undefined;
  }
}

/** `palisade start --demo` runs the authorization server for the demo API: the same settings here. */
export function withDemoOAuth(config: PalisadeConfig): PalisadeConfig {
  return deepFreeze(ConfigSchema.parse({ ...structuredClone(config), oauth: demoOAuthSettings(structuredClone(config.oauth)) }));
}

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}

async function loadConfig(v: Values): Promise<PalisadeConfig> {
  const path = str(v, 'config') ?? (v.demo === true ? await demoConfigPath() : undefined) ?? configPathFrom(v);
  const config = path !== undefined ? (await loadConfigFile(resolve(path))).config : parseConfig('', '(defaults)');
  return v.demo === true ? withDemoOAuth(config) : config;
}

interface Context {
  config: PalisadeConfig;
  store: Store;
  users: OAuthUsers;
  clients: OAuthClients;
  sealer: Sealer;
}

async function withContext<T>(v: Values, fn: (c: Context) => Promise<T>): Promise<T> {
  const config = await loadConfig(v);
  return withStore(config, (store) => {
    const sealer = new Sealer(resolveMasterSecret(config).secret);
    const users = new OAuthUsers(store, sealer, { passwordMinLength: config.oauth.passwordMinLength, totpLabel: config.oauth.totp.label, totpRequiredForRoles: config.oauth.totp.requiredForRoles });
    const clients = new OAuthClients(store, new Set(config.oauth.resources.flatMap((r) => r.scopes)));
    return fn({ config, store, users, clients, sealer });
  });
}

/** Reads a line without echoing it (a terminal), or the first line of standard input (a pipe). */
async function readSecret(prompt: string, confirm: boolean): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    const chunks: Buffer[] = [];
    for await (const c of stdin as AsyncIterable<Buffer>) chunks.push(c);
    return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
  }
  const ask = (q: string) =>
    new Promise<string>((resolvePromise, reject) => {
      process.stderr.write(q);
      let text = '';
      stdin.setRawMode(true);
      stdin.resume();
      stdin.setEncoding('utf8');
      const onData = (chunk: string) => {
        for (const ch of chunk) {
          if (ch === '\r' || ch === '\n') {
            done();
            process.stderr.write('\n');
            return resolvePromise(text);
          }
          if (ch === '\u0003') {
            done();
            process.stderr.write('\n');
            return reject(usage('cancelled'));
          }
          if (ch === '\u007f' || ch === '\b') text = [...text].slice(0, -1).join('');
          else if (ch >= ' ') text += ch;
        }
      };
      const done = () => {
        stdin.off('data', onData);
        stdin.setRawMode(false);
        stdin.pause();
      };
      stdin.on('data', onData);
    });
  const first = await ask(prompt);
  if (confirm && (await ask('Repeat it: ')) !== first) throw usage('the two passwords differ');
  return first;
}

function email(v: Values): string {
  const e = v.email;
  if (typeof e !== 'string' || e.trim() === '') throw usage('--email is required');
  return e;
}

export const OAUTH_COMMANDS: Record<string, Command> = {
  'oauth clients': {
    summary: 'Register, list and delete clients of the built-in authorization server.',
    usage:
      'palisade oauth clients create --name N [--redirect-uri URI[,URI]] [--grant authorization_code,refresh_token|client_credentials] [--scopes s1,s2] [--public]\n       palisade oauth clients list\n       palisade oauth clients delete CLIENT_ID',
    details:
      'create prints the client secret once: only its hash is stored. --public registers a browser or native app (no secret, PKCE only).\nRedirect URIs are matched exactly; use https, or http on 127.0.0.1/localhost.',
    options: {
      name: { type: 'string', description: 'client name, shown on the consent page' },
      'redirect-uri': { type: 'string', description: 'redirect URIs, comma-separated' },
      grant: { type: 'string', description: 'grant types, comma-separated (default authorization_code,refresh_token)' },
      scopes: { type: 'string', description: 'API scopes the client may be granted, comma-separated' },
      public: { type: 'boolean', description: 'a public client (no secret)' },
      ...common,
    },
    run: async (v, pos) =>
      withContext(v, async (c) => {
        const action = pos[0];
        if (action === 'create') {
          if (typeof v.name !== 'string') throw usage('--name is required');
          const redirectUris = list(v['redirect-uri']);
          const grantTypes = list(v.grant);
          const scopes = list(v.scopes);
          const r = await c.clients.create({
            name: v.name,
            ...(redirectUris ? { redirectUris } : {}),
            ...(grantTypes ? { grantTypes } : {}),
            ...(scopes ? { scopes } : {}),
            ...(v.public === true ? { public: true } : {}),
          });
          const lines = [`client_id      ${r.client.clientId}`];
          if (r.clientSecret) lines.push(`client_secret  ${r.clientSecret}`, '', 'Store the secret now: it is not shown again (only its hash is kept).');
          lines.push(`grant types    ${r.client.grantTypes.join(', ')}`);
          if (r.client.redirectUris.length) lines.push(`redirect URIs  ${r.client.redirectUris.join(', ')}`);
          if (r.client.scopes.length) lines.push(`scopes         ${r.client.scopes.join(' ')}`);
          out(v, r, lines.join('\n'));
          return 0;
        }
        if (action === 'list') {
          const all = await c.clients.list();
          out(v, all, all.length === 0 ? 'No clients.' : all.map((x) => `${x.clientId}  ${x.type.padEnd(12)}  ${x.grantTypes.join(',').padEnd(40)}  ${x.name}`).join('\n'));
          return 0;
        }
        if (action === 'delete') {
          const id = pos[1];
          if (!id) throw usage('oauth clients delete needs a client id');
          const removed = await c.clients.delete(id);
          out(v, { clientId: id, deleted: removed }, removed ? `Deleted ${id}.` : `No client ${id}.`);
          return removed ? 0 : 1;
        }
        throw usage('oauth clients needs create, list or delete');
      }),
  },
  'oauth users': {
    summary: 'Create, list and delete users of the built-in authorization server; turn TOTP on or off.',
    usage:
      'palisade oauth users create --email E [--roles r1,r2]      (password from a hidden prompt or standard input)\n       palisade oauth users password --email E\n       palisade oauth users roles --email E --roles r1,r2\n       palisade oauth users totp enable|disable --email E\n       palisade oauth users list\n       palisade oauth users delete --email E',
    details: 'Passwords are never taken as flags. `totp enable` prints the otpauth:// URI to add to an authenticator app, once.',
    options: {
      email: { type: 'string', description: 'the user (email or username)' },
      roles: { type: 'string', description: 'roles, comma-separated' },
      ...common,
    },
    run: async (v, pos) =>
      withContext(v, async (c) => {
        const [action, sub] = pos;
        if (action === 'create') {
          const username = email(v);
          const password = await readSecret(`Password for ${username}: `, true);
          const u = await c.users.create({ username, password, roles: list(v.roles) ?? [] });
          out(v, u, `Created ${u.username} (id ${u.id}, roles: ${u.roles.join(', ') || 'none'}).`);
          return 0;
        }
        if (action === 'password') {
          const username = email(v);
          await c.users.setPassword(username, await readSecret(`New password for ${username}: `, true));
          out(v, { username, changed: true }, `Password changed for ${username}.`);
          return 0;
        }
        if (action === 'roles') {
          const u = await c.users.setRoles(email(v), list(v.roles) ?? []);
          out(v, u, `${u.username}: roles ${u.roles.join(', ') || 'none'}.`);
          return 0;
        }
        if (action === 'totp' && sub === 'enable') {
          const username = email(v);
          const r = await c.users.enableTotp(username);
          out(v, { username, otpauthUri: r.uri }, `Add this to ${username}'s authenticator app (as a QR code or by hand), then keep it nowhere else:\n\n  ${r.uri}\n\nSecret (for manual entry): ${r.secret}`);
          return 0;
        }
        if (action === 'totp' && sub === 'disable') {
          const username = email(v);
          await c.users.disableTotp(username);
          out(v, { username, totp: false }, `TOTP turned off for ${username}.`);
          return 0;
        }
        if (action === 'list') {
          const all = await c.users.list();
          out(v, all, all.length === 0 ? 'No users.' : all.map((u) => `${u.username.padEnd(32)}  ${(u.totp ? 'totp' : '').padEnd(4)}  ${u.roles.join(',')}`).join('\n'));
          return 0;
        }
        if (action === 'delete') {
          const username = email(v);
          const removed = await c.users.delete(username);
          out(v, { username, deleted: removed }, removed ? `Deleted ${username}.` : `No user ${username}.`);
          return removed ? 0 : 1;
        }
        throw usage('oauth users needs create, password, roles, totp enable|disable, list or delete');
      }),
  },
  'oauth keys': {
    summary: 'Rotate the signing keys of the built-in authorization server.',
    usage: 'palisade oauth keys rotate [--reset]\n       palisade oauth keys list',
    details:
      'rotate adds new keys (ES256 and RS256) that sign from now on; the previous ones stay published for oauth.keyRotationGraceSeconds so tokens they signed still verify.\n--reset drops the previous keys at once (a lost encryption secret or a leaked key): tokens they signed stop verifying.',
    options: {
      reset: { type: 'boolean', description: 'drop the previous keys at once' },
      ...common,
    },
    run: async (v, pos) =>
      withContext(v, async (c) => {
        if (pos[0] === 'rotate') {
          const r = await rotateKeys(c.store, c.sealer, c.config.oauth.keyRotationGraceSeconds, { reset: v.reset === true });
          const until = new Date(r.graceUntil).toISOString();
          out(v, r, `New signing keys: ${r.added.join(', ')}\n${r.retired} previous key${r.retired === 1 ? '' : 's'} ${v.reset === true ? 'dropped' : `published until ${until}`}.\nA running server switches within ${c.config.oauth.keyReloadSeconds} s.`);
          return 0;
        }
        if (pos[0] === 'list') {
          const keys = (await c.store.oauth.listSigningKeys()).map((k) => ({ kid: k.kid, alg: k.alg, createdAt: k.createdAt, ...(k.retiredAt ? { retiredAt: k.retiredAt } : {}), ...(k.expiresAt ? { expiresAt: k.expiresAt } : {}) }));
          out(
            v,
            keys,
            keys.length === 0
              ? 'No keys yet: they are generated when the authorization server first starts.'
              : keys.map((k) => `${k.kid}  ${k.alg}  ${k.retiredAt ? `retired, published until ${new Date(k.expiresAt ?? 0).toISOString()}` : 'signing'}`).join('\n'),
          );
          return 0;
        }
        throw usage('oauth keys needs rotate or list');
      }),
  },
};

/** Help for `palisade oauth` without a sub-command. */
export function oauthHelp(helpFor: (name: string, c: Command) => string): string {
  return groupHelp(OAUTH_COMMANDS, helpFor);
}

// `palisade users ...`: the console's local accounts. Like `palisade keys`, these work on the store
// named by the configuration, so they need no running gateway. Passwords are hashed with scrypt;
// a generated password is printed once. Every change is written to the console's audit log.
import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Store } from '../core/index.js';
import { loadConfigFile } from '../core/index.js';
import { ConsoleHttpError, ConsoleUsers, auditWriter, generatePassword } from '../console/index.js';
import type { AuditActor, Role } from '../console/index.js';
import { configPathFrom, groupHelp, out, usage, withStore } from './command.js';
import type { Command, OptionSpec, Values } from './command.js';

const common: Record<string, OptionSpec> = {
  config: { type: 'string', short: 'c', description: 'configuration file naming the store (default: ./palisade.yaml)' },
  json: { type: 'boolean', description: 'print JSON' },
};

const ONCE = 'Store this password now: it is not shown again (only a hash of it is kept).';

function cliActor(): AuditActor {
  let name = 'unknown';
  try {
    name = userInfo().username;
  } catch {
    // No user database entry (some containers): the audit entry still says it came from the CLI.
  }
  return { username: `cli:${name}`, role: 'system' };
}

async function withUsers<T>(v: Values, fn: (u: ConsoleUsers, store: Store) => Promise<T>): Promise<T> {
  // .palisade/palisade.yaml is the working copy `palisade start --demo` runs: users of the demo's
  // console live in its store.
  const path = configPathFrom(v, ['palisade.yaml', '.palisade/palisade.yaml']);
  if (path === undefined) throw usage('users needs the configuration that names the store: pass -c palisade.yaml');
  const { config } = await loadConfigFile(resolve(path));
  try {
    return await withStore(config, (store) => fn(new ConsoleUsers(store, auditWriter(store)), store));
  } catch (err) {
    if (err instanceof ConsoleHttpError) throw usage(err.detail ?? err.code);
    throw err;
  }
}

function one(pos: string[], what: string): string {
  if (pos.length !== 1) throw usage(`${what} needs exactly one username (got ${pos.length === 0 ? 'none' : pos.join(' ')})`);
  return pos[0]!;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/** Asks for a password on the terminal without echoing it; empty means "generate one". */
async function prompt(question: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  // Echo nothing while the password is typed (readline writes through _writeToOutput).
  const muted = rl as unknown as { _writeToOutput: (s: string) => void };
  process.stderr.write(question);
  muted._writeToOutput = () => undefined;
  try {
    return await new Promise<string>((res) => rl.question('', res));
  } finally {
    rl.close();
    process.stderr.write('\n');
  }
}

/** The password from --password-stdin, typed at a terminal, or undefined (generate one). */
async function newPassword(v: Values): Promise<string | undefined> {
  if (v['password-stdin'] === true) {
    const p = await readStdin();
    if (!p) throw usage('--password-stdin read an empty password');
    return p;
  }
  if (!process.stdin.isTTY) return undefined;
  const p = await prompt('Password (at least 12 characters; empty to generate one): ');
  if (!p) return undefined;
  if ((await prompt('Again: ')) !== p) throw usage('the two passwords differ');
  return p;
}

function role(v: Values): Role {
  const r = v.role;
  if (r !== 'viewer' && r !== 'operator' && r !== 'admin') throw usage('--role must be viewer, operator or admin');
  return r;
}

export const USERS_COMMANDS: Record<string, Command> = {
  'users create': {
    summary: 'Create a console user (local sign-in); prompts for the password or generates one.',
    usage: 'palisade users create USERNAME --role admin|operator|viewer [--display-name TEXT] [--password-stdin] [-c palisade.yaml]',
    details:
      'Roles: viewer reads; operator also triages findings, blocks actors, runs scans; admin also changes the configuration, users and keys.\nWithout --password-stdin, asks on the terminal; with no terminal (or an empty answer) a password is generated and printed once.',
    options: {
      role: { type: 'string', description: 'viewer, operator or admin; required' },
      'display-name': { type: 'string', description: 'name shown in the console (default: the username)' },
      'password-stdin': { type: 'boolean', description: 'read the password from standard input' },
      ...common,
    },
    run: async (v, pos) => {
      const username = one(pos, 'users create');
      const r = role(v);
      const password = await newPassword(v);
      const displayName = typeof v['display-name'] === 'string' ? v['display-name'] : undefined;
      return withUsers(v, async (u) => {
        const created = await u.create({ username, role: r, ...(displayName ? { displayName } : {}), ...(password !== undefined ? { password } : {}) }, cliActor());
        const lines = [`Created console user ${created.user.username} (${created.user.role}).`];
        if (created.generatedPassword) lines.push('', `  ${created.generatedPassword}`, '', ONCE);
        out(v, { user: created.user, ...(created.generatedPassword ? { password: created.generatedPassword, warning: ONCE } : {}) }, lines.join('\n'));
        return 0;
      });
    },
  },
  'users list': {
    summary: 'List console users (never a password hash).',
    usage: 'palisade users list [--json] [-c palisade.yaml]',
    options: { ...common },
    run: async (v, pos) => {
      if (pos.length) throw usage('users list takes no arguments');
      return withUsers(v, async (u) => {
        const users = await u.list();
        const header = ['USERNAME', 'ROLE', 'SOURCE', 'STATE', 'CREATED'];
        const rows = users.map((x) => [x.username, x.role, x.source, x.disabled ? 'disabled' : 'enabled', new Date(x.createdAt).toISOString().slice(0, 19) + 'Z']);
        const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
        const fmt = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
        out(v, { users }, users.length === 0 ? 'No console users. Create one with: palisade users create NAME --role admin' : [fmt(header), ...rows.map(fmt)].join('\n'));
        return 0;
      });
    },
  },
  'users disable': {
    summary: 'Disable a console user: their sessions end and they cannot sign in.',
    usage: 'palisade users disable USERNAME [--enable] [-c palisade.yaml]',
    options: { enable: { type: 'boolean', description: 'enable the user again instead' }, ...common },
    run: async (v, pos) => {
      const username = one(pos, 'users disable');
      const disabled = v.enable !== true;
      return withUsers(v, async (u) => {
        const user = await u.update(username, { disabled }, cliActor());
        out(v, { user }, `${user.username} is ${disabled ? 'disabled; their sessions have ended' : 'enabled'}.`);
        return 0;
      });
    },
  },
  'users passwd': {
    summary: "Set a console user's password (prompts, or --password-stdin; generates one otherwise).",
    usage: 'palisade users passwd USERNAME [--password-stdin] [-c palisade.yaml]',
    options: { 'password-stdin': { type: 'boolean', description: 'read the password from standard input' }, ...common },
    run: async (v, pos) => {
      const username = one(pos, 'users passwd');
      const given = await newPassword(v);
      const password = given ?? generatePassword();
      return withUsers(v, async (u) => {
        const user = await u.update(username, { password }, cliActor());
        const lines = [`Password of ${user.username} changed; their sessions have ended.`];
        if (given === undefined) lines.push('', `  ${password}`, '', ONCE);
        out(v, { user, ...(given === undefined ? { password } : {}) }, lines.join('\n'));
        return 0;
      });
    },
  },
};

/** Help for `palisade users` without a sub-command. */
export function usersHelp(helpFor: (name: string, c: Command) => string): string {
  return groupHelp(USERS_COMMANDS, helpFor);
}

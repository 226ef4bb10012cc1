// What every `palisade` sub-command module shares: the command shape main.ts dispatches on, the
// usage error, option readers, and the way the store-backed commands (users, keys, oauth) find
// their configuration and open its store.
import { existsSync, readFileSync } from 'node:fs';
import type { PalisadeConfig, Store } from '../core/index.js';
import { PalisadeError } from '../core/index.js';
import { openStore } from '../store/index.js';

/** Parsed options, as node:util parseArgs returns them. */
export type Values = Record<string, string | boolean | undefined>;

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  description: string;
}

export interface Command {
  summary: string;
  usage: string;
  options: Record<string, OptionSpec>;
  details?: string;
  run(values: Values, positionals: string[]): Promise<number>;
}

export function usage(message: string): PalisadeError {
  return new PalisadeError('PALISADE_ERR_CLI_USAGE', message);
}

export function str(v: Values, name: string): string | undefined {
  const x = v[name];
  return typeof x === 'string' ? x : undefined;
}

/** A comma- or space-separated option value as a list. */
export function list(v: string | boolean | undefined): string[] | undefined {
  if (typeof v !== 'string') return undefined;
  return v
    .split(/[,\s]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Prints JSON with --json, the text otherwise. */
export function out(v: Values, json: unknown, text: string): void {
  process.stdout.write(v.json === true ? JSON.stringify(json, null, 2) + '\n' : text.endsWith('\n') ? text : text + '\n');
}

export function readVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string }).version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/**
 * The configuration file a command works on: -c when given, else the first of `fallbacks` that
 * exists in the working directory (each command keeps its own list), else undefined.
 */
export function configPathFrom(v: Values, fallbacks: readonly string[] = ['palisade.yaml']): string | undefined {
  return str(v, 'config') ?? fallbacks.find((f) => existsSync(f));
}

/** Opens the store the configuration names, runs `fn` on it, and closes it whatever happens. */
export async function withStore<T>(config: PalisadeConfig, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore({ driver: config.store.driver, path: config.store.path, ...(config.store.url ? { url: config.store.url } : {}) });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/** Help for a command group (`palisade keys` without a sub-command). */
export function groupHelp(commands: Record<string, Command>, helpFor: (name: string, c: Command) => string): string {
  return Object.entries(commands)
    .map(([n, c]) => helpFor(n, c))
    .join('\n');
}

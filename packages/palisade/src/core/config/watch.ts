// Reload on change: the file is watched (and its directory, because editors replace files by
// renaming a new one over them); a change is read, validated and handed over only when valid.
// Callers keep their current configuration when a reload is rejected.
import { watch, readFileSync } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { PalisadeError } from '../errors.js';
import { parseConfig } from './load.js';
import type { PalisadeConfig } from './schema.js';

export interface WatchOptions {
  /** A valid, changed configuration. Throwing (or rejecting) here refuses it like an invalid file. */
  onReload(result: { config: PalisadeConfig; text: string }): void | Promise<void>;
  /** A changed file that was rejected; the caller keeps its configuration. */
  onError(err: PalisadeError): void;
  env?: NodeJS.ProcessEnv;
  /** Quiet period after the last file event before reading (editors write in several steps). */
  debounceMs?: number;
  /** Text of the configuration already in force; read from the file when absent. */
  initialText?: string;
}

export type ReloadResult = { status: 'applied' } | { status: 'unchanged' } | { status: 'rejected'; error: PalisadeError };

export interface ConfigWatcher {
  /** Reads the file now (SIGHUP, admin API). Concurrent calls share one read. */
  reload(): Promise<ReloadResult>;
  close(): void;
}

export function watchConfig(path: string, opts: WatchOptions): ConfigWatcher {
  const file = resolve(path);
  const name = basename(file);
  const debounceMs = opts.debounceMs ?? 200;
  let current: string | undefined = opts.initialText;
  if (current === undefined) {
    try {
      current = readFileSync(file, 'utf8');
    } catch {
      current = undefined;
    }
  }
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<ReloadResult> | undefined;
  let again = false;
  let closed = false;

  const once = async (): Promise<ReloadResult> => {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      const err = new PalisadeError('PALISADE_ERR_CONFIG_READ', `cannot read ${path}: ${(e as Error).message}`, [], { cause: e });
      opts.onError(err);
      return { status: 'rejected', error: err };
    }
    if (text === current) return { status: 'unchanged' };
    if (text.trim() === '' && current !== undefined && current.trim() !== '') {
      // Editors truncate before writing: an empty read is almost always a write in progress, and
      // as "all defaults" it would silently drop every route. The next change event reads again.
      const err = new PalisadeError('PALISADE_ERR_CONFIG_INVALID', `${path} is empty; keeping the current configuration`);
      opts.onError(err);
      return { status: 'rejected', error: err };
    }
    let config: PalisadeConfig;
    try {
      config = parseConfig(text, path, { ...(opts.env ? { env: opts.env } : {}), baseDir: dirname(file) });
      await opts.onReload({ config, text });
    } catch (e) {
      const err = e instanceof PalisadeError ? e : new PalisadeError('PALISADE_ERR_CONFIG_INVALID', (e as Error).message, [], { cause: e });
      opts.onError(err);
      return { status: 'rejected', error: err };
    }
    current = text;
    return { status: 'applied' };
  };

  const reload = (): Promise<ReloadResult> => {
    if (running) {
      // A change during a read is read again afterwards, so the last write always wins.
      again = true;
      return running;
    }
    running = once().finally(() => {
      running = undefined;
      if (again && !closed) {
        again = false;
        void reload();
      }
    });
    return running;
  };

  const schedule = () => {
    if (closed) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      void reload();
    }, debounceMs);
    timer.unref();
  };

  const watchers: FSWatcher[] = [];
  const tryWatch = (target: string, filter?: string) => {
    try {
      const w = watch(target, { persistent: false }, (_event, changed) => {
        if (!filter || changed === null || changed.toString() === filter) schedule();
      });
      w.on('error', () => undefined);
      watchers.push(w);
    } catch {
      // A missing or unwatchable path leaves SIGHUP and the admin API as the ways to reload.
    }
  };
  tryWatch(dirname(file), name);

  return {
    reload,
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      for (const w of watchers) w.close();
    },
  };
}

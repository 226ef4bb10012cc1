// Remembered template corrections (split / merge): in the store's module state, or in a file
// (JSON or YAML list) for offline discovery.
import { readFile, writeFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import type { Store } from '../../core/index.js';
import type { TemplateOverride } from './templater.js';

export const OVERRIDES_STATE_KEY = 'watch.inventory.overrides';
const MAX_OVERRIDES = 1000;

/** Validates a list of overrides; errors name the entry and what is wrong with it. */
export function parseOverrides(value: unknown, where: string): TemplateOverride[] {
  if (!Array.isArray(value)) throw new TypeError(`${where}: expected a list of { action: split|merge, template: /path/{param} }`);
  if (value.length > MAX_OVERRIDES) throw new TypeError(`${where}: more than ${MAX_OVERRIDES} overrides`);
  return value.map((o: unknown, i) => {
    const at = `${where}[${i}]`;
    if (!o || typeof o !== 'object') throw new TypeError(`${at}: expected an object`);
    const { action, template } = o as Record<string, unknown>;
    if (action !== 'split' && action !== 'merge') throw new TypeError(`${at}.action: must be split or merge, not ${JSON.stringify(action)}`);
    if (typeof template !== 'string' || !/\/\{[^}/]+\}/.test(template) || template.length > 2048) {
      throw new TypeError(`${at}.template: must be a path template with a {parameter}, e.g. /files/{fileId}`);
    }
    const when = (o as Record<string, unknown>).at;
    return { action, template, ...(typeof when === 'number' ? { at: when } : {}) };
  });
}

export async function loadOverrides(from: Store | string): Promise<TemplateOverride[]> {
  if (typeof from === 'string') {
    let text: string;
    try {
      text = await readFile(from, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    return parseOverrides(parseYaml(text) ?? [], from);
  }
  const s = await from.getState(OVERRIDES_STATE_KEY);
  return s === undefined ? [] : parseOverrides(JSON.parse(s), OVERRIDES_STATE_KEY);
}

export async function saveOverrides(to: Store | string, list: readonly TemplateOverride[]): Promise<void> {
  const text = JSON.stringify(list, null, 2);
  if (typeof to === 'string') await writeFile(to, text + '\n');
  else await to.setState(OVERRIDES_STATE_KEY, text);
}

import type { OperatorFactory, OperatorInit } from '../types.js';
import { AhoCorasick } from './aho-corasick.js';
import { dataLines, fileList } from './common.js';
import { pmOperator } from './pm.js';

function load(param: string, init: OperatorInit, op: string): AhoCorasick {
  const phrases: string[] = [];
  for (const file of fileList(param, op)) {
    let text: string;
    try {
      text = init.readFile(file);
    } catch (e) {
      throw new Error(`@${op}: cannot read ${file}: ${(e as Error).message}`);
    }
    phrases.push(...dataLines(text));
  }
  return automatonFor(phrases);
}

/**
 * Automata by phrase list, shared within the process: CRS reads some data files in two rules,
 * and a reload of an unchanged rule set rebuilds nothing. Bounded by entries and by total text.
 */
const AUTOMATA = new Map<string, AhoCorasick>();
const AUTOMATA_MAX_ENTRIES = 64;
const AUTOMATA_MAX_CHARS = 16 * 1024 * 1024;
let automataChars = 0;

function automatonFor(phrases: string[]): AhoCorasick {
  const key = phrases.join('\n');
  const hit = AUTOMATA.get(key);
  if (hit !== undefined) return hit;
  const ac = new AhoCorasick(phrases);
  while (AUTOMATA.size > 0 && (AUTOMATA.size >= AUTOMATA_MAX_ENTRIES || automataChars + key.length > AUTOMATA_MAX_CHARS)) {
    const oldest = AUTOMATA.keys().next().value as string;
    automataChars -= oldest.length;
    AUTOMATA.delete(oldest);
  }
  if (key.length <= AUTOMATA_MAX_CHARS) {
    AUTOMATA.set(key, ac);
    automataChars += key.length;
  }
  return ac;
}

/**
 * `@pmFromFile` (alias `@pmf`): @pm with phrases read at load from data files (one per line;
 * blank lines and `#` comments skipped; paths relative to the rule file).
 */
export const pmFromFile: OperatorFactory = {
  name: 'pmFromFile',
  create(param, init) {
    const ac = load(param, init, 'pmFromFile');
    return pmOperator(() => ac);
  },
};

export const pmf: OperatorFactory = {
  name: 'pmf',
  create(param, init) {
    const ac = load(param, init, 'pmf');
    return pmOperator(() => ac);
  },
};

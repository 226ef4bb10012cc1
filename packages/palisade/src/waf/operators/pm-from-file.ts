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
  const ac = new AhoCorasick(phrases);
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

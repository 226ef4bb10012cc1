import type { Operator, OperatorFactory, OperatorResult } from '../types.js';
import { AhoCorasick } from './aho-corasick.js';
import { NO_MATCH, macroParam } from './common.js';

/** Runs a phrase automaton; with `capture`, the phrase found goes to TX:0. */
export function pmOperator(get: (tx: Parameters<Operator['execute']>[0]) => AhoCorasick): Operator {
  return {
    execute(tx, input): OperatorResult {
      const ac = get(tx);
      const i = ac.search(input);
      if (i === -1) return NO_MATCH;
      const phrase = ac.phrases[i]!;
      if (tx.capturing) tx.setCapture(0, phrase);
      return { matched: true, data: phrase };
    },
  };
}

/** `@pm`: case-insensitive match of any of the space-separated phrases (Aho–Corasick, built at load). */
export const pm: OperatorFactory = {
  name: 'pm',
  create(param) {
    if (param.trim() === '') throw new Error('@pm needs at least one phrase');
    return pmOperator(macroParam(param, (text) => new AhoCorasick(text.split(/\s+/).filter((p) => p !== ''))));
  },
};

import type { OperatorFactory, OperatorInit } from '../types.js';
import { dataLines, fileList } from './common.js';
import { ipList, ipOperator } from './ip-match.js';

function create(op: string) {
  return (param: string, init: OperatorInit) => {
    const entries: string[] = [];
    for (const file of fileList(param, op)) {
      let text: string;
      try {
        text = init.readFile(file);
      } catch (e) {
        throw new Error(`@${op}: cannot read ${file}: ${(e as Error).message}`);
      }
      entries.push(...dataLines(text));
    }
    return ipOperator(ipList(entries, `@${op} ${param}`));
  };
}

/** `@ipMatchFromFile` (alias `@ipMatchF`): @ipMatch with the list read from data files, one entry per line. */
export const ipMatchFromFile: OperatorFactory = { name: 'ipMatchFromFile', create: create('ipMatchFromFile') };
export const ipMatchF: OperatorFactory = { name: 'ipMatchF', create: create('ipMatchF') };

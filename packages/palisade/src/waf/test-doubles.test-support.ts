// Minimal operators and transformations for the engine's own tests, so they do not depend on the
// real registries (written and tested separately). Not linear-time: test inputs only.
import type { OperatorFactory, Transformation } from './types.js';

function op(name: string, create: OperatorFactory['create']): [string, OperatorFactory] {
  return [name.toLowerCase(), { name, create }];
}
const num = (s: string): number => parseInt(s, 10) || 0;

export const TEST_OPERATORS: ReadonlyMap<string, OperatorFactory> = new Map([
  op('rx', (param) => {
    const re = new RegExp(param, 's');
    return {
      execute(tx, input) {
        const m = re.exec(input);
        if (!m) return { matched: false };
        if (tx.capturing) m.forEach((g, i) => i < 10 && tx.setCapture(i, g ?? ''));
        return { matched: true, data: m[0] };
      },
    };
  }),
  op('streq', (p) => ({ execute: (tx, i) => ({ matched: i === tx.expand(p) }) })),
  op('contains', (p) => ({ execute: (tx, i) => ({ matched: i.includes(tx.expand(p)) }) })),
  op('eq', (p) => ({ execute: (tx, i) => ({ matched: num(i) === num(tx.expand(p)) }) })),
  op('ge', (p) => ({ execute: (tx, i) => ({ matched: num(i) >= num(tx.expand(p)) }) })),
  op('gt', (p) => ({ execute: (tx, i) => ({ matched: num(i) > num(tx.expand(p)) }) })),
  op('lt', (p) => ({ execute: (tx, i) => ({ matched: num(i) < num(tx.expand(p)) }) })),
  op('unconditionalMatch', () => ({ execute: () => ({ matched: true }) })),
  op('within', (p) => ({ execute: (tx, i) => ({ matched: tx.expand(p).includes(i) }) })),
  op('pm', (p) => {
    const words = p.toLowerCase().split(/\s+/).filter(Boolean);
    return {
      execute(_tx, input) {
        const l = input.toLowerCase();
        const w = words.find((x) => l.includes(x));
        return w === undefined ? { matched: false } : { matched: true, data: w };
      },
    };
  }),
]);

export let transformCalls = 0;
function t(name: string, fn: (s: string) => string): [string, Transformation] {
  return [
    name.toLowerCase(),
    {
      name,
      fn: (s) => {
        transformCalls++;
        return fn(s);
      },
    },
  ];
}

export const TEST_TRANSFORMATIONS: ReadonlyMap<string, Transformation> = new Map([
  t('lowercase', (s) => s.toLowerCase()),
  t('urlDecodeUni', (s) => s.replace(/%([0-9a-f]{2})/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16)))),
  t('removeWhitespace', (s) => s.replace(/\s+/g, '')),
  t('length', (s) => String(s.length)),
]);

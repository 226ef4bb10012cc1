/**
 * Times every rule on 64 KB adversarial inputs (long runs of the characters regexes backtrack on,
 * in the query, a header, a cookie and an urlencoded / JSON body) and reports rules over 50 ms.
 * A benchmark, not a test: it prints, it does not assert.
 */
import type { WafEngine } from 'palisade';

const SIZE = 64 * 1024;

/** `salt` makes every run's input distinct, so no cache (of an operator or transformation) can serve it. */
function inputs(salt: number): { name: string; ct: string; body: string; query: string }[] {
  const rep = (s: string) => (String(salt) + s.repeat(Math.ceil(SIZE / s.length))).slice(0, SIZE);
  const payloads: [string, string][] = [
    ['a', rep('a')],
    ['spaces', rep(' ')],
    ['quote-paren', rep("'(")],
    ['lt-script', rep('<a ')],
    ['sql-ish', rep('select 1 or ')],
    ['slash-dot', rep('../')],
    ['percent', rep('%2')],
    ['digits', rep('1.')],
    ['backslash', rep('\\x')],
    ['mixed', rep('a=b;c|d&e`$(f)')],
  ];
  const out: { name: string; ct: string; body: string; query: string }[] = [];
  for (const [name, p] of payloads) {
    const enc = encodeURIComponent(p);
    out.push({ name: `${name}/form`, ct: 'application/x-www-form-urlencoded', body: `x=${enc}`, query: '' });
    out.push({ name: `${name}/json`, ct: 'application/json', body: JSON.stringify({ x: p }), query: '' });
    out.push({ name: `${name}/query`, ct: 'text/plain', body: '', query: `?q=${enc.slice(0, 8000)}` });
  }
  return out;
}

/** Runs of each input; a rule's time is its fastest run, so that preemption on a busy machine does not count. */
const RUNS = 3;

export function timeRules(engine: WafEngine): number {
  const worst = new Map<number, { ms: number; input: string }>();
  const runs = Array.from({ length: RUNS }, (_, i) => inputs(i));
  for (let k = 0; k < runs[0]!.length; k++) {
    const best = new Map<number, number>();
    const inp = runs[0]![k]!;
    for (let run = 0; run < RUNS; run++) {
      const cur = runs[run]![k]!;
      const tx = engine.newTransaction({ clientIp: '127.0.0.1' });
      tx.profile = new Map();
      const big = cur.body.length ? cur.body.slice(0, 4096) : 'x';
      tx.processRequestHeaders({
        method: 'POST',
        uri: `/path${cur.query}`,
        protocol: 'HTTP/1.1',
        headers: [
          ['Host', 'localhost'],
          ['User-Agent', `Mozilla ${big}`],
          ['Cookie', `c=${big}`],
          ['Content-Type', cur.ct],
          ['Content-Length', String(cur.body.length)],
        ],
      });
      tx.appendRequestBody(cur.body);
      tx.processRequestBody();
      tx.processLogging();
      for (const [id, ms] of tx.profile) best.set(id, Math.min(best.get(id) ?? Infinity, ms));
    }
    for (const [id, ms] of best) {
      const w = worst.get(id);
      if (!w || ms > w.ms) worst.set(id, { ms, input: inp.name });
    }
  }
  const sorted = [...worst.entries()].sort((a, b) => b[1].ms - a[1].ms);
  console.log(`\nslowest rules on ${SIZE}-byte inputs (fastest of ${RUNS} runs each):`);
  for (const [id, w] of sorted.slice(0, 15)) console.log(`  ${id}: ${w.ms.toFixed(2)} ms (${w.input})`);
  const over = sorted.filter(([, w]) => w.ms > 50);
  console.log(over.length ? `rules over 50 ms: ${over.map(([id]) => id).join(', ')}` : 'no rule took more than 50 ms');
  return 0;
}

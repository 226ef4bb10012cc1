/**
 * The @rx engine on every CRS v4.28.0 pattern: load (compile) time, benign throughput and the
 * worst time over adversarial 64 KB inputs, for the hybrid engine Palisade uses (JS RegExp for
 * patterns the static check proves linear, RE2 for the rest) against all-RE2 and all-JS.
 *
 *   npm run bench:waf-regex [-- --size 65536 --rules ../shared/corpora/crs-4.28.0/rules]
 *
 * Prints a table and `max worst-case … ms` with PASS/FAIL against the 50 ms budget.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type * as Compile from '../packages/palisade/dist/waf/regex/compile.js';
import type * as Parse from '../packages/palisade/dist/waf/regex/parse.js';
import type * as Adversarial from '../packages/palisade/dist/waf/regex/adversarial.js';
import type * as Corpus from '../packages/palisade/dist/waf/regex/crs-corpus.js';

const dist = new URL('../../packages/palisade/dist/waf/regex/', import.meta.url);
const { compileRegex } = (await import(new URL('compile.js', dist).href)) as typeof Compile;
const { parseRegex } = (await import(new URL('parse.js', dist).href)) as typeof Parse;
const { adversarialInputs } = (await import(new URL('adversarial.js', dist).href)) as typeof Adversarial;
const { readCrsRxPatterns, distinctPatterns } = (await import(new URL('crs-corpus.js', dist).href)) as typeof Corpus;

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : dflt;
}
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const rulesDir = arg('rules', `${repoRoot}../shared/corpora/crs-4.28.0/rules`);
const size = Number(arg('size', '65536'));
const BUDGET_MS = 50;

if (!existsSync(rulesDir)) {
  console.log(`SKIP: CRS rules not found at ${rulesDir}`);
  process.exit(0);
}

const all = readCrsRxPatterns(rulesDir);
const pats = distinctPatterns(all);
const idsOf = new Map<string, string[]>();
for (const p of all) idsOf.set(p.pattern, [...(idsOf.get(p.pattern) ?? []), p.id]);
console.log(`CRS @rx: ${all.length} operators, ${pats.length} distinct patterns (${rulesDir})`);

// 1. Load time.
function timeCompile(engine?: 'js' | 're2', prefilter = true): { ms: number; list: Compile.CompiledRegex[] } {
  const t = performance.now();
  const list = pats.map((p) => compileRegex(p.pattern, engine ? { engine, prefilter } : {}));
  return { ms: performance.now() - t, list };
}
const hybrid = timeCompile();
const allRe2 = timeCompile('re2', false);
const allJs = timeCompile('js');
const nJs = hybrid.list.filter((c) => c.engine === 'js').length;
console.log(`compile all: hybrid ${hybrid.ms.toFixed(0)} ms (first run: parse+emit JIT-cold), all-RE2 (no prefilter) ${allRe2.ms.toFixed(0)} ms, all-JS ${allJs.ms.toFixed(0)} ms`);
const nPre = hybrid.list.filter((c) => c.prefilter !== null).length;
console.log(`hybrid routing: ${nJs} patterns on JS RegExp, ${pats.length - nJs} on RE2 (${nPre} of them behind a JS prefilter)`);

// 2. Benign throughput: typical header and argument values against every pattern.
const benign = [
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36',
  'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
  'gzip, deflate, br',
  'en-US,en;q=0.5',
  'api.example.com',
  '/api/v1/users/12345/orders',
  'page=2&sort=created_at&order=desc',
  'john.doe@example.com',
  'Hello world, this is a perfectly normal comment about the product.',
  '2024-05-01T12:34:56Z',
  'session=3f2a9c0e7b1d4e8f; theme=dark',
  '12345',
];
function throughput(list: Compile.CompiledRegex[]): number {
  let n = 0;
  let hits = 0;
  const t = performance.now();
  let elapsed = 0;
  while (elapsed < 1500) {
    for (const re of list) {
      for (const v of benign) {
        if (re.test(v)) hits++;
        n++;
      }
    }
    elapsed = performance.now() - t;
  }
  void hits;
  return (n / elapsed) * 1000;
}
// Warm both up once before measuring.
throughput(hybrid.list.slice(0, 5));
const tpHybrid = throughput(hybrid.list);
const tpRe2 = throughput(allRe2.list);
const tpJs = throughput(allJs.list);
console.log(`benign throughput (pattern × value executions/s, ${benign.length} values × ${pats.length} patterns):`);
console.log(`  hybrid ${(tpHybrid / 1e6).toFixed(2)} M/s · all-RE2 ${(tpRe2 / 1e6).toFixed(2)} M/s · all-JS ${(tpJs / 1e6).toFixed(2)} M/s (unsafe on attack input) · hybrid/RE2 = ${(tpHybrid / tpRe2).toFixed(2)}×`);
console.log(`  = ${((1e9 / tpHybrid)).toFixed(0)} ns per execution (hybrid)`);

// 3. Worst case over adversarial inputs, per pattern, on the engine the hybrid chose.
interface Row {
  ids: string;
  engine: string;
  worst: number;
  input: string;
}
const rows: Row[] = [];
let totalInputs = 0;
for (let i = 0; i < pats.length; i++) {
  const p = pats[i]!;
  const re = hybrid.list[i]!;
  const inputs = adversarialInputs(parseRegex(p.pattern, { flags: 's' }).root, size, i + 1);
  let worst = 0;
  let worstName = '';
  for (const { name, input } of inputs) {
    totalInputs++;
    const t = performance.now();
    re.exec(input);
    const ms = performance.now() - t;
    if (ms > worst) {
      worst = ms;
      worstName = name;
    }
  }
  rows.push({ ids: (idsOf.get(p.pattern) ?? []).slice(0, 3).join(','), engine: re.engine, worst, input: worstName });
}
rows.sort((a, b) => b.worst - a.worst);
console.log(`\nworst case per pattern over ${totalInputs} adversarial inputs of ${size} bytes (slowest 15):`);
console.log('  rule ids               engine  worst ms  input');
for (const r of rows.slice(0, 15)) console.log(`  ${r.ids.padEnd(22)} ${r.engine.padEnd(6)} ${r.worst.toFixed(2).padStart(9)}  ${r.input}`);
const maxJs = Math.max(0, ...rows.filter((r) => r.engine === 'js').map((r) => r.worst));
const maxRe2 = Math.max(0, ...rows.filter((r) => r.engine === 're2').map((r) => r.worst));
const max = Math.max(maxJs, maxRe2);
console.log(`max worst-case: ${max.toFixed(2)} ms (JS-routed ${maxJs.toFixed(2)} ms, RE2-routed ${maxRe2.toFixed(2)} ms) — ${max <= BUDGET_MS ? 'PASS' : 'FAIL'} (budget ${BUDGET_MS} ms)`);

// 4. Why not JS everywhere: the known backtracking cases, on a small input to keep this short.
for (const id of ['932240', '920190']) {
  const p = all.find((x) => x.id === id);
  if (!p) continue;
  const root = parseRegex(p.pattern, { flags: 's' }).root;
  const js = compileRegex(p.pattern, { engine: 'js' });
  const re2 = compileRegex(p.pattern, { engine: 're2' });
  let worstJs = 0;
  let worstRe2 = 0;
  for (const { input } of adversarialInputs(root, 4096, 7)) {
    let t = performance.now();
    js.exec(input);
    worstJs = Math.max(worstJs, performance.now() - t);
    t = performance.now();
    re2.exec(input);
    worstRe2 = Math.max(worstRe2, performance.now() - t);
  }
  console.log(`rule ${id} on 4 KB adversarial inputs: JS backtracking ${worstJs.toFixed(1)} ms, RE2 ${worstRe2.toFixed(2)} ms (JS grows quadratically or worse with size)`);
}
if (max > BUDGET_MS) process.exitCode = 1;

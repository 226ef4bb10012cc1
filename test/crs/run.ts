/**
 * `npm run test:crs`: the whole CRS regression suite through Palisade's WAF, with the pass rate per
 * rule file and overall. Options: a rule id prefix to filter (`npm run test:crs -- 942`),
 * `--failures` to list every failing test with the reason, `--timing` to time each rule on 64 KB
 * adversarial inputs.
 */
import { MISSING_OPERATORS, crsAvailable, loadCrsEngine, loadOverrides, loadTests, runTest } from './ftw.js';
import type { TestResult } from './ftw.js';
import { timeRules } from './timing.js';

async function main(): Promise<number> {
  if (!crsAvailable()) {
    console.log('CRS corpus not found at ../shared/corpora/crs-4.28.0: skipping the CRS regression suite.');
    return 0;
  }
  const args = process.argv.slice(2);
  const filter = args.find((a) => !a.startsWith('--'));
  const t0 = performance.now();
  const engine = loadCrsEngine();
  const loadMs = performance.now() - t0;
  console.log(`CRS 4.28.0 loaded: ${engine.rules.rules.length} rules in ${loadMs.toFixed(0)} ms (parse+compile ${engine.loadMs.toFixed(0)} ms); ${engine.warnings.length} warnings`);
  if (MISSING_OPERATORS.length) console.log(`WARNING: operators missing from the registry, replaced by never-matching stand-ins: ${MISSING_OPERATORS.join(', ')}`);
  if (args.includes('--timing')) return timeRules(engine);
  const overrides = loadOverrides();
  const tests = loadTests().filter((t) => filter === undefined || String(t.ruleId).startsWith(filter));
  const results: TestResult[] = [];
  const t1 = performance.now();
  for (const t of tests) results.push(runTest(engine, t, overrides));
  const runMs = performance.now() - t1;
  const groups = new Map<string, TestResult[]>();
  for (const r of results) {
    const g = groups.get(r.test.group) ?? [];
    g.push(r);
    groups.set(r.test.group, g);
  }
  console.log('\nrule file                                           pass / total');
  for (const [g, rs] of groups) {
    const pass = rs.filter((r) => r.ok).length;
    console.log(`${g.padEnd(52)}${String(pass).padStart(4)} / ${String(rs.length).padEnd(5)} ${((100 * pass) / rs.length).toFixed(1)}%${pass < rs.length ? '  <' : ''}`);
  }
  const pass = results.filter((r) => r.ok).length;
  const failing = results.filter((r) => !r.ok);
  const unexplained = failing.filter((r) => r.overridden === undefined);
  const stale = results.filter((r) => r.ok && r.overridden !== undefined);
  console.log(`\noverall: ${pass} / ${results.length} passed (${((100 * pass) / results.length).toFixed(2)}%), in ${(runMs / 1000).toFixed(1)} s`);
  console.log(`failing: ${failing.length} (${failing.length - unexplained.length} listed in palisade-overrides.yaml, ${unexplained.length} not listed)`);
  if (stale.length) console.log(`overrides that now pass (remove them): ${stale.map((r) => r.test.title).join(', ')}`);
  const slow = results.filter((r) => r.ms > 50);
  if (slow.length) console.log(`tests slower than 50 ms: ${slow.map((r) => `${r.test.title} (${r.ms.toFixed(0)} ms)`).join(', ')}`);
  const list = args.includes('--failures') ? failing : unexplained;
  if (list.length) {
    console.log(`\n${args.includes('--failures') ? 'failing' : 'failing, not in the override list'}:`);
    for (const r of list) console.log(`  ${r.test.title}: ${r.why}${r.overridden ? `  [override: ${r.overridden}]` : ''}`);
  }
  return unexplained.length === 0 ? 0 : 1;
}

// node --test runs every file under test/dist; this one is a program, not a test.
if (!process.env.NODE_TEST_CONTEXT) process.exitCode = await main();

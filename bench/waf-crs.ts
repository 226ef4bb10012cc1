/**
 * The WAF with OWASP CRS v4.28.0 in process: load time, and benign GET throughput on one core
 * (request headers of a browser, a query string, phases 1–5), for the engine On at PL1 (CRS
 * defaults), PL2 and PL4 (every rule runs), as req/s and as CPU µs per request (user + system
 * time of the process, steadier than req/s on a shared machine). The baseline, measured in the same run, is the same
 * transaction with an empty rule set (the cost of the engine's plumbing alone); the target is
 * ≥ 3× nginx + ModSecurity v3 + CRS, ~1,200 req/s here (docs/waf.md).
 *
 *   npm run bench:waf-crs
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { OPERATORS, RECOMMENDED_SETUP, loadWaf } from 'palisade';
import type { OperatorFactory, WafEngine } from 'palisade';

const root = fileURLToPath(new URL('../../', import.meta.url));
const crs = `${root}../shared/corpora/crs-4.28.0`;
if (!existsSync(`${crs}/rules`)) {
  console.log(`CRS not found at ${crs}: skipping`);
  process.exit(0);
}
const NGINX_MODSEC_RPS = 1200;
// Until every operator CRS uses is registered, missing ones never match (and the run says so).
const operators = new Map<string, OperatorFactory>(OPERATORS);
for (const name of ['detectSQLi', 'detectXSS']) {
  if (operators.has(name.toLowerCase())) continue;
  console.log(`WARNING: @${name} is not registered; a never-matching stand-in is used (figures are optimistic)`);
  operators.set(name.toLowerCase(), { name, create: () => ({ execute: () => ({ matched: false }) }) });
}


function load(pl: number): { waf: WafEngine; ms: number } {
  const t0 = performance.now();
  const waf = loadWaf([
    { text: RECOMMENDED_SETUP },
    { file: `${crs}/crs-setup.conf.example` },
    { text: `SecAction "id:900000,phase:1,pass,nolog,setvar:tx.blocking_paranoia_level=${pl}"` },
    { file: `${crs}/rules/*.conf` },
  ], { operators });
  return { waf, ms: performance.now() - t0 };
}

const headers: [string, string][] = [
  ['Host', 'shop.example.com'],
  ['User-Agent', 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0'],
  ['Accept', 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'],
  ['Accept-Language', 'en-US,en;q=0.5'],
  ['Accept-Encoding', 'gzip, deflate, br'],
  ['Cookie', 'session=8f3a9c2e1b7d4f60a5e3; theme=dark'],
  ['Connection', 'keep-alive'],
];

// The "varied" rows give every request its own User-Agent, cookie and argument values, so no value
// repeats: the engine's memos of transformations and of non-matching inputs (decision 0029) then
// miss, as for a flood of distinct values. Real traffic lies between the two rows.
let varied = false;

function one(waf: WafEngine, i: number): void {
  const tx = waf.newTransaction({ clientIp: '192.0.2.10', id: String(i) });
  const h = varied
    ? headers.map(([n, v]): [string, string] =>
        n === 'User-Agent' ? [n, `${v} r${i}`] : n === 'Cookie' ? [n, `session=${((i * 2654435761) >>> 0).toString(16)}; theme=dark`] : [n, v])
    : headers;
  const uri = varied ? `/products/search?q=blue-shoes-${i}&page=${i}&sort=price${i % 7}` : `/products/search?q=blue-shoes&page=${i % 10}&sort=price`;
  tx.processRequestHeaders({ method: 'GET', uri, protocol: 'HTTP/1.1', headers: h });
  tx.processRequestBody();
  tx.processResponseHeaders({ status: 200, headers: [['Content-Type', 'application/json'], ['Content-Length', '2']] });
  tx.processResponseBody();
  tx.processLogging();
  if (tx.interruption) throw new Error(`benign request interrupted by rule ${tx.interruption.ruleId}`);
}

function rps(waf: WafEngine, seconds = 3): { rps: number; cpuUs: number } {
  for (let i = 0; i < 300; i++) one(waf, i);
  let n = 0;
  const c0 = process.cpuUsage();
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) for (let k = 0; k < 50; k++) one(waf, n++);
  const c = process.cpuUsage(c0);
  return { rps: n / seconds, cpuUs: (c.user + c.system) / n };
}

const row = (label: string, r: { rps: number; cpuUs: number }): string =>
  `${label}: ${r.rps.toFixed(0)} req/s, ${r.cpuUs.toFixed(0)} µs CPU/req = ${(r.rps / NGINX_MODSEC_RPS).toFixed(1)}x nginx+ModSecurity v3 (${NGINX_MODSEC_RPS} req/s)` +
  ` (CPU-based: ${(1e6 / r.cpuUs / NGINX_MODSEC_RPS).toFixed(1)}x)`;

const empty = loadWaf([{ text: 'SecRuleEngine On' }]);
const base = rps(empty, 1);
const loads: number[] = [];
for (let i = 0; i < 3; i++) loads.push(load(1).ms);
const seconds = Number(process.env.BENCH_SECONDS ?? 3);
const levels = (process.env.BENCH_PL ?? '1,2,4').split(',').map(Number);
const results = levels.map((pl) => {
  const waf = load(pl).waf;
  varied = false;
  const r = rps(waf, seconds);
  varied = true;
  const v = rps(waf, seconds);
  return { pl, r, v };
});
// The first load is the cold one (a new process: what `palisade start` pays); later loads in the
// same process reuse compiled patterns and phrase automata (what a configuration reload pays).
console.log(`CRS load: ${loads[0]!.toFixed(0)} ms cold (first in this process), ${loads.slice(1).map((m) => m.toFixed(0)).join(', ')} ms reloading the same rules`);
console.log(`empty rule set (engine plumbing): ${base.rps.toFixed(0)} req/s, ${base.cpuUs.toFixed(0)} µs CPU/req`);
for (const { pl, r, v } of results) {
  console.log(row(`CRS PL${pl}`, r));
  console.log(row(`CRS PL${pl}, varied values`, v));
}


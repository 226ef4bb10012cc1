// npm run bench:waf — the gateway with the WAF stage running OWASP CRS v4, against nginx +
// ModSecurity v3 + the same CRS, in the same run, on the same core and the same upstream:
//   a benign GET (browser headers, a query string) and a 2 KB JSON POST, each through
//   pass-through (no WAF), CRS at paranoia level 1 and at paranoia level 2;
//   nginx rows when nginx and its ModSecurity module are installed
//   (apt-get install -y nginx libnginx-mod-http-modsecurity), said plainly when they are not.
// Figures: req/s, p99, gateway CPU µs per request, RSS after the run, rule-set load time.
// Goals (issue 5): Palisade ≥ 3× nginx+ModSecurity at PL1 and ≥ 2× at PL2; rule sets load in < 1 s.
// Benchmarks measure, never assert.
//
//   npm run bench:waf
//   BENCH_CRS=/path/to/coreruleset-4.x npm run bench:waf      # default ../shared/corpora/crs-4.28.0
//   BENCH_SECONDS=10 BENCH_CONNECTIONS=64 BENCH_ROWS=get-pl1,ngx-get-pl1 npm run bench:waf
//   BENCH_CPU_PROF=1 npm run bench:waf                          # where the gateway's CPU went, per row
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatSummary, summariseProfile, urlMarker } from './cpuprofile.js';
import { ROOT, cpuSeconds, cpus, fmt, freePort, has, runWrk, startPalisade, startPinned, table, tmp, waitForPort } from './lib.js';
import type { Proc, WrkResult } from './lib.js';
import { NGINX_MODULE, nginxConfig, palisadeConfig } from './waf-servers.js';
import { GET_HEADERS, GET_PATH, orderJson } from './waf-requests.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64);
const ONLY = process.env.BENCH_ROWS?.split(',').map((s) => s.trim()).filter(Boolean);
const PROFILE = process.env.BENCH_CPU_PROF === '1';
const CRS = process.env.BENCH_CRS ?? join(ROOT, '..', 'shared', 'corpora', 'crs-4.28.0');

function script(dir: string, name: string, method: 'GET' | 'POST', path: string, body?: string, bare = false): string {
  const file = join(dir, `${name}.lua`);
  const headers = bare ? { Host: GET_HEADERS.Host! } : { ...GET_HEADERS, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) };
  const lua = (s: string) => JSON.stringify(s); // ASCII without control characters
  writeFileSync(
    file,
    `wrk.method = ${lua(method)}\nwrk.path = ${lua(path)}\n` +
      Object.entries(headers).map(([k, v]) => `wrk.headers[${lua(k)}] = ${lua(v)}\n`).join('') +
      (body !== undefined ? `wrk.body = ${lua(body)}\n` : ''),
  );
  return file;
}

interface Row {
  id: string;
  name: string;
  server: 'palisade' | 'nginx';
  /** bare: `GET /` with a Host header only (what plain `wrk URL` sends, and what the issue's ≈ 1,200 req/s was). */
  request: 'bare' | 'get' | 'post';
  /** 0: no WAF; else the CRS paranoia level. */
  pl: number;
}

const ROWS: Row[] = [
  { id: 'bare-pl1', name: 'Palisade + CRS PL1, bare GET /', server: 'palisade', request: 'bare', pl: 1 },
  { id: 'ngx-bare-pl1', name: 'nginx + ModSecurity + CRS PL1, bare GET /', server: 'nginx', request: 'bare', pl: 1 },
  { id: 'get-pass', name: 'Palisade pass-through, GET', server: 'palisade', request: 'get', pl: 0 },
  { id: 'get-pl1', name: 'Palisade + CRS PL1, GET', server: 'palisade', request: 'get', pl: 1 },
  { id: 'get-pl2', name: 'Palisade + CRS PL2, GET', server: 'palisade', request: 'get', pl: 2 },
  { id: 'ngx-get-pass', name: 'nginx pass-through, GET', server: 'nginx', request: 'get', pl: 0 },
  { id: 'ngx-get-pl1', name: 'nginx + ModSecurity + CRS PL1, GET', server: 'nginx', request: 'get', pl: 1 },
  { id: 'ngx-get-pl2', name: 'nginx + ModSecurity + CRS PL2, GET', server: 'nginx', request: 'get', pl: 2 },
  { id: 'post-pass', name: 'Palisade pass-through, 2 KB JSON POST', server: 'palisade', request: 'post', pl: 0 },
  { id: 'post-pl1', name: 'Palisade + CRS PL1, 2 KB JSON POST', server: 'palisade', request: 'post', pl: 1 },
  { id: 'post-pl2', name: 'Palisade + CRS PL2, 2 KB JSON POST', server: 'palisade', request: 'post', pl: 2 },
  { id: 'ngx-post-pass', name: 'nginx pass-through, 2 KB JSON POST', server: 'nginx', request: 'post', pl: 0 },
  { id: 'ngx-post-pl1', name: 'nginx + ModSecurity + CRS PL1, 2 KB JSON POST', server: 'nginx', request: 'post', pl: 1 },
  { id: 'ngx-post-pl2', name: 'nginx + ModSecurity + CRS PL2, 2 KB JSON POST', server: 'nginx', request: 'post', pl: 2 },
];

interface Measured {
  result?: WrkResult;
  cpuUsPerRequest?: number;
  rssMiB?: number;
  loadMs?: number;
  invalid?: string;
}

function rssMiB(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? undefined : Number(kb) / 1024;
  } catch {
    return undefined;
  }
}

async function first(base: string, row: Row, body: string): Promise<{ status: number; body: string }> {
  const path = row.request === 'get' ? GET_PATH : row.request === 'bare' ? '/' : '/orders';
  const headers: Record<string, string> = row.request === 'bare' ? {} : { ...GET_HEADERS };
  delete headers.Host; // fetch sets its own
  const r = await fetch(base + path, row.request !== 'post' ? { headers } : { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body });
  return { status: r.status, body: await r.text() };
}

async function measure(row: Row, dir: string, upstreamPort: number, scripts: Record<Row['request'], string>, post: string): Promise<Measured> {
  const port = await freePort();
  let proc: Proc | undefined;
  const m: Measured = {};
  try {
    if (row.server === 'palisade') {
      const file = join(dir, `${row.id}.yaml`);
      writeFileSync(file, JSON.stringify(palisadeConfig(CRS, row.pl, upstreamPort, port, join(dir, `${row.id}.db`)), null, 2));
      proc = await startPalisade(file, port, PROFILE ? join(dir, 'profiles', row.id) : undefined);
      const line = proc.output().split('\n').find((l) => l.includes('waf rule set loaded'));
      if (line) m.loadMs = Number((JSON.parse(line) as { loadMs?: number }).loadMs);
    } else {
      const conf = nginxConfig(dir, row.id, row.pl, CRS, port, upstreamPort);
      const t0 = performance.now();
      proc = startPinned(cpus().sut, 'nginx', ['-c', conf, '-p', dir]);
      await waitForPort(port, 60_000, proc.child);
      if (row.pl > 0) m.loadMs = performance.now() - t0; // start-up including the rules: an upper bound
    }
    const base = `http://127.0.0.1:${port}`;
    const one = await first(base, row, post);
    if (one.status !== 200) return { invalid: `a single request was answered ${one.status}: ${one.body.slice(0, 300)}` };
    // The WAF is really on: an attack must be refused.
    if (row.pl > 0) {
      const attack = await fetch(`${base}/products/search?q=${encodeURIComponent("1' UNION SELECT username,password FROM users--")}`);
      if (attack.status !== 403) return { invalid: `a SQL injection was answered ${attack.status}: the WAF did not run` };
    }
    const wrk = { url: base, connections: CONNECTIONS, cpuList: cpus().load, script: scripts[row.request] };
    if (WARMUP > 0) await runWrk({ ...wrk, seconds: WARMUP });
    const before = cpuSeconds(proc.child.pid);
    const result = await runWrk({ ...wrk, seconds: SECONDS });
    const after = cpuSeconds(proc.child.pid);
    m.result = result;
    // nginx runs as `taskset` → nginx (exec), so the pid is nginx's own.
    m.rssMiB = rssMiB(proc.child.pid);
    if (before !== undefined && after !== undefined && result.requests > 0) m.cpuUsPerRequest = ((after - before) * 1e6) / result.requests;
    if (result.requests === 0) m.invalid = 'no request completed';
    else if (result.non2xx > 0 || result.socketErrors > 0) m.invalid = `${fmt(result.non2xx)} non-2xx, ${fmt(result.socketErrors)} socket errors`;
    return m;
  } catch (err) {
    return { invalid: `failed: ${(err as Error).message.slice(0, 500)}` };
  } finally {
    await proc?.stop();
  }
}

async function main(): Promise<void> {
  if (!has('wrk')) {
    process.stderr.write('bench:waf needs wrk: apt-get install -y wrk\n');
    process.exit(1);
  }
  if (!existsSync(join(CRS, 'rules'))) {
    process.stdout.write(`bench:waf: no CRS at ${CRS} (set BENCH_CRS to a CRS v4 folder, e.g. from palisade crs fetch): skipping\n`);
    return;
  }
  const nginx = has('nginx') && NGINX_MODULE !== undefined;
  if (!nginx) {
    process.stdout.write(
      'bench:waf: nginx with the ModSecurity module is NOT installed, so the nginx rows are skipped and there is no ratio to ModSecurity.\n' +
        '  Install them for the comparison: apt-get install -y nginx libnginx-mod-http-modsecurity\n\n',
    );
  }
  const dir = tmp('palisade-waf-');
  const { sut, load } = cpus();
  const post = orderJson();
  const scripts = { bare: script(dir, 'bare', 'GET', '/', undefined, true), get: script(dir, 'get', 'GET', GET_PATH), post: script(dir, 'post', 'POST', '/orders', post) };
  const selected = ROWS.filter((r) => (!ONLY || ONLY.includes(r.id)) && (r.server === 'palisade' || nginx));
  const upstreamPort = await freePort();
  process.stdout.write(
    `bench:waf  CRS ${CRS}\n  wrk -t1 -c${CONNECTIONS} -d${SECONDS}s (after ${WARMUP}s warm-up); gateway or nginx on CPU ${sut}, wrk + static upstream on CPU ${load}\n` +
      `  GET ${GET_PATH} with ${Object.keys(GET_HEADERS).length} browser headers; POST /orders with ${post.length} bytes of JSON\n\n`,
  );
  const upstream = startPinned(load, process.execPath, [join(import.meta.dirname ?? '.', 'static-upstream.js')], { PORT: String(upstreamPort), NODE_ENV: 'production' });
  await waitForPort(upstreamPort, 20_000, upstream.child);
  const runs = new Map<string, Measured>();
  try {
    for (const row of selected) {
      const m = await measure(row, dir, upstreamPort, scripts, post);
      runs.set(row.id, m);
      process.stdout.write(`  ${row.name}: ${m.result ? `${fmt(m.result.rps)} req/s` : ''}${m.invalid ? `  INVALID: ${m.invalid}` : ''}\n`);
    }
  } finally {
    await upstream.stop();
  }

  const rps = (id: string) => runs.get(id)?.result?.rps ?? NaN;
  const lines = selected.map((r) => {
    const m = runs.get(r.id)!;
    const pass = `${r.server === 'nginx' ? 'ngx-' : ''}${r.request}-pass`;
    const vsPass = r.pl > 0 && runs.has(pass) ? (rps(r.id) / rps(pass)).toFixed(3) : '';
    const ngx = runs.get(`ngx-${r.id}`);
    const comparable = r.server === 'palisade' && r.pl > 0 && ngx?.result !== undefined && ngx.result.rps > 0;
    const vsNginx = comparable ? `${(rps(r.id) / rps(`ngx-${r.id}`)).toFixed(2)}x` : '';
    // CPU per request is steadier than req/s on a shared machine: the same ratio from each server's own CPU time.
    const cpuRatio = comparable && m.cpuUsPerRequest && ngx.cpuUsPerRequest ? `${(ngx.cpuUsPerRequest / m.cpuUsPerRequest).toFixed(2)}x` : '';
    const goal = r.server === 'palisade' && r.pl > 0 ? (r.pl === 1 ? '>= 3x' : '>= 2x') : '';
    const met = vsNginx ? (parseFloat(vsNginx) >= (r.pl === 1 ? 3 : 2) ? 'met' : 'NOT MET') : '';
    return [
      r.name, fmt(rps(r.id)), fmt(m.result?.p99ms ?? NaN, 2), fmt(m.cpuUsPerRequest ?? NaN, 1), fmt(m.rssMiB ?? NaN, 0),
      m.loadMs !== undefined ? fmt(m.loadMs, 0) : '', vsPass, vsNginx, cpuRatio, goal, met, m.invalid ? 'NO' : 'yes',
    ];
  });
  process.stdout.write(
    '\n' + table([['row', 'req/s', 'p99 ms', 'CPU µs/req', 'RSS MiB', 'load ms', 'vs pass', 'vs nginx+ModSec', 'CPU/req ratio', 'goal', 'goal met', 'valid'], ...lines]) + '\n',
  );
  process.stdout.write(
    '\n"load ms": Palisade, the rule set\'s parse and compile time (goal < 1,000); nginx, its whole start-up with the rules (an upper bound).\n' +
      '"vs pass": throughput kept with the WAF, against the same server without it. "vs nginx+ModSec": the issue\'s ratio, same request, same paranoia level;\n' +
      '"CPU/req ratio": nginx\'s CPU per request over Palisade\'s (the same comparison, less sensitive to other load on the machine).\n',
  );
  if (PROFILE) {
    const markers = [urlMarker('waf stage', '/shield/stages/waf.js'), urlMarker('  waf engine', '/waf/'), urlMarker('    operators', '/waf/operators/'), urlMarker('    transformations', '/waf/transformations/')];
    for (const r of selected.filter((x) => x.server === 'palisade')) {
      const d = join(dir, 'profiles', r.id);
      const f = existsSync(d) ? readdirSync(d).filter((n) => n.endsWith('.cpuprofile')).sort().at(-1) : undefined;
      if (f) process.stdout.write(`\n=== ${r.name}: ${join(d, f)}\n${formatSummary(summariseProfile(join(d, f), markers), 20)}\n`);
    }
    process.stdout.write(`\nprofiles kept in ${join(dir, 'profiles')}\n`);
  } else rmSync(dir, { recursive: true, force: true });
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:waf failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});

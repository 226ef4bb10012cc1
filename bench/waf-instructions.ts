// npm run bench:waf-instructions — the bench:waf comparison counted in CPU instructions instead of
// seconds, for a machine shared with other jobs (where req/s and even CPU time per request vary
// several-fold with the load). Each server runs under valgrind's callgrind with instrumentation
// off; after start-up and a warm-up (the JIT's, for the gateway), instrumentation is switched on
// for a fixed number of requests sent one at a time on one keep-alive connection, and the process's
// instructions are divided by that number. Whole process: nginx's or Node's own HTTP work included.
// Instructions are not time (IPC differs between V8's JIT code and C++), but they do not depend on
// what else runs, and the ratio between two runs of the same server is exact.
//
//   npm run bench:waf-instructions
//   BENCH_REQUESTS=30 BENCH_ROWS=get-pl1,ngx-get-pl1 npm run bench:waf-instructions
import http from 'node:http';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PALISADE_BIN, ROOT, cpus, fmt, freePort, has, startPinned, table, tmp, waitForPort } from './lib.js';
import { NGINX_MODULE, nginxConfig, palisadeConfig } from './waf-servers.js';
import { GET_HEADERS, GET_PATH, orderJson } from './waf-requests.js';

const N = Number(process.env.BENCH_REQUESTS ?? 30);
const WARM = Number(process.env.BENCH_WARMUP_REQUESTS ?? 300);
const CRS = process.env.BENCH_CRS ?? join(ROOT, '..', 'shared', 'corpora', 'crs-4.28.0');
const ONLY = process.env.BENCH_ROWS?.split(',').map((s) => s.trim()).filter(Boolean);

type Kind = 'bare' | 'get' | 'post';
const ROWS: { id: string; server: 'palisade' | 'nginx'; kind: Kind; pl: number }[] = [];
for (const kind of ['bare', 'get', 'post'] as const) {
  for (const pl of kind === 'bare' ? [1] : [1, 2]) {
    ROWS.push({ id: `${kind}-pl${pl}`, server: 'palisade', kind, pl }, { id: `ngx-${kind}-pl${pl}`, server: 'nginx', kind, pl });
  }
}

function request(agent: http.Agent, port: number, kind: Kind, body: string, i: number): Promise<number> {
  const headers: Record<string, string> = kind === 'bare' ? { Host: GET_HEADERS.Host! } : { ...GET_HEADERS };
  if (kind === 'post') Object.assign(headers, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) });
  // A changing argument, as wrk's repeated request is not: every request is also new to the memos' key of the whole query.
  const path = kind === 'bare' ? '/' : kind === 'get' ? `${GET_PATH}&n=${i % 30}` : '/orders';
  return new Promise((resolve, reject) => {
    const r = http.request({ host: '127.0.0.1', port, method: kind === 'post' ? 'POST' : 'GET', path, headers, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    r.on('error', reject);
    r.end(kind === 'post' ? body : undefined);
  });
}

function callgrindControl(args: string[]): void {
  spawnSync('callgrind_control', args, { stdio: 'ignore' });
}

async function measure(row: (typeof ROWS)[number], dir: string, upstreamPort: number, body: string): Promise<number | string> {
  const port = await freePort();
  const out = join(dir, `cg-${row.id}.out`);
  let cmd: string[];
  if (row.server === 'palisade') {
    const file = join(dir, `${row.id}.yaml`);
    writeFileSync(file, JSON.stringify(palisadeConfig(CRS, row.pl, upstreamPort, port, join(dir, `${row.id}.db`)), null, 2));
    cmd = [process.execPath, PALISADE_BIN, 'gateway', '-c', file];
  } else cmd = ['nginx', '-c', nginxConfig(dir, row.id, row.pl, CRS, port, upstreamPort), '-p', dir];
  const child = spawn('valgrind', ['--tool=callgrind', '--instr-atstart=no', `--callgrind-out-file=${out}`, ...cmd], { stdio: 'ignore' });
  try {
    await waitForPort(port, 600_000, child);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    for (let i = 0; i < WARM; i++) {
      const s = await request(agent, port, row.kind, body, i);
      if (s !== 200) return `answered ${s}`;
    }
    callgrindControl(['-i', 'on', String(child.pid)]);
    for (let i = 0; i < N; i++) await request(agent, port, row.kind, body, i);
    callgrindControl(['-i', 'off', String(child.pid)]);
    callgrindControl(['-d', String(child.pid)]);
    agent.destroy();
  } finally {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
  let total = 0;
  for (const f of readdirSync(dir).filter((f) => f.startsWith(`cg-${row.id}.out`))) {
    const m = /^totals:\s+(\d+)/m.exec(readFileSync(join(dir, f), 'utf8'));
    if (m) total += Number(m[1]);
  }
  return total / N;
}

async function main(): Promise<void> {
  if (!has('valgrind') || !has('callgrind_control')) {
    process.stdout.write('bench:waf-instructions needs valgrind (apt-get install -y valgrind): skipping\n');
    return;
  }
  if (!existsSync(join(CRS, 'rules'))) {
    process.stdout.write(`bench:waf-instructions: no CRS at ${CRS}: skipping\n`);
    return;
  }
  const nginx = has('nginx') && NGINX_MODULE !== undefined;
  const dir = tmp('palisade-waf-instr-');
  const body = orderJson();
  const upstreamPort = await freePort();
  const upstream = startPinned(cpus().load, process.execPath, [join(import.meta.dirname ?? '.', 'static-upstream.js')], { PORT: String(upstreamPort), NODE_ENV: 'production' });
  await waitForPort(upstreamPort, 20_000, upstream.child);
  process.stdout.write(`bench:waf-instructions  CRS ${CRS}; ${N} requests counted after ${WARM} warm-up requests, one at a time on one keep-alive connection\n\n`);
  const results = new Map<string, number | string>();
  try {
    for (const row of ROWS.filter((r) => (!ONLY || ONLY.includes(r.id)) && (r.server === 'palisade' || nginx))) {
      const r = await measure(row, dir, upstreamPort, body);
      results.set(row.id, r);
      process.stdout.write(`  ${row.id}: ${typeof r === 'number' ? `${fmt(r / 1e6, 2)} M instructions/request` : `INVALID: ${r}`}\n`);
    }
  } finally {
    await upstream.stop();
  }
  const rows = [['request', 'PL', 'Palisade M instr/req', 'nginx+ModSecurity M instr/req', 'ratio', 'goal']];
  for (const row of ROWS.filter((r) => r.server === 'palisade' && results.has(r.id))) {
    const p = results.get(row.id);
    const n = results.get(`ngx-${row.id}`);
    const num = (x: number | string | undefined) => (typeof x === 'number' ? fmt(x / 1e6, 2) : (x ?? ''));
    const ratio = typeof p === 'number' && typeof n === 'number' ? `${(n / p).toFixed(2)}x` : '';
    rows.push([row.kind === 'bare' ? 'bare GET /' : row.kind === 'get' ? 'browser GET' : '2 KB JSON POST', String(row.pl), num(p), num(n), ratio, row.pl === 1 ? '>= 3x' : '>= 2x']);
  }
  process.stdout.write(`\n${table(rows)}\n`);
  rmSync(dir, { recursive: true, force: true });
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:waf-instructions failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});

// `npm run bench:discover`: how fast `palisade discover` ingests an access log, and how much
// memory it holds. A synthetic log of BENCH_LINES (default 1,000,000) lines of demo-API-like
// traffic — every documented operation plus the undocumented ones, tens of thousands of ids,
// lookups by e-mail, public and internal clients, 0.1% garbage lines — is written to a temp
// directory in the combined format and as JSON lines. Baseline: a node process that only reads
// and splits the same file into lines. Rows are run pinned to one core when taskset exists.
// Also prints the templating precision/recall of the run against the templates the generator used.
import { spawn } from 'node:child_process';
import { createWriteStream, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import { DEMO_OPENAPI_PATH } from 'palisade-demo';
import { PALISADE_BIN, fmt, has, rng, table, tmp } from './lib.js';

const LINES = Number(process.env.BENCH_LINES ?? 1_000_000);

interface Line {
  method: string;
  template: string;
  url: string;
  status: number;
}

/** The traffic mix: [weight, generator]. Templates are what the demo routes (documented or not). */
function mix(rand: () => number): Array<[number, () => Line]> {
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
  const L = (method: string, template: string, url: string, status = 200): Line => ({ method, template, url, status });
  return [
    [8, () => L('GET', '/api/health', '/api/health')],
    [3, () => L('POST', '/api/v2/auth/login', '/api/v2/auth/login', pick([200, 200, 401, 404]))],
    [6, () => L('GET', '/api/v2/users/me', '/api/v2/users/me', pick([200, 200, 401]))],
    [1, () => L('PATCH', '/api/v2/users/me', '/api/v2/users/me')],
    [2, () => L('GET', '/api/v2/users/lookup', `/api/v2/users/lookup?email=user${int(1, 50_000)}%40example.com`, pick([200, 404]))],
    [1, () => L('POST', '/api/v2/users/me/avatar', '/api/v2/users/me/avatar', pick([200, 400, 502]))],
    [12, () => L('GET', '/api/v2/products', `/api/v2/products?page=${int(1, 100)}&limit=${pick([10, 20, 50, 100])}`)],
    [5, () => L('GET', '/api/v2/products/search', `/api/v2/products/search?q=${pick(['anvil', 'rope', 'hammer', 'nail%20gun', 'kit'])}`)],
    [20, () => L('GET', '/api/v2/products/{productId}', `/api/v2/products/${int(1, 2000)}`, pick([200, 200, 200, 404]))],
    [6, () => L('GET', '/api/v2/products/{productId}/thumbnail', `/api/v2/products/${int(1, 2000)}/thumbnail?size=${pick([32, 64, 128])}`)],
    [6, () => L('GET', '/api/v2/orders', `/api/v2/orders?page=${int(1, 5)}`)],
    [3, () => L('POST', '/api/v2/orders', '/api/v2/orders', pick([201, 201, 409]))],
    [8, () => L('GET', '/api/v2/orders/{orderId}', `/api/v2/orders/${int(1000, 900_000)}`, pick([200, 404]))],
    [1, () => L('PATCH', '/api/v2/orders/{orderId}', `/api/v2/orders/${int(1000, 900_000)}`)],
    [2, () => L('GET', '/api/v2/orders/{orderId}/invoice', `/api/v2/orders/${int(1000, 900_000)}/invoice`)],
    [1, () => L('POST', '/api/v2/orders/{orderId}/shipping-quote', `/api/v2/orders/${int(1000, 900_000)}/shipping-quote`)],
    [1, () => L('POST', '/api/v2/coupons/redeem', '/api/v2/coupons/redeem', pick([200, 404]))],
    [1, () => L('GET', '/api/v2/admin/users', '/api/v2/admin/users')],
    [1, () => L('GET', '/api/v2/admin/users/{userId}', `/api/v2/admin/users/${int(1, 50_000)}`, pick([200, 403, 404]))],
    [0.3, () => L('DELETE', '/api/v2/admin/users/{userId}', `/api/v2/admin/users/${int(1, 50_000)}`, pick([204, 404]))],
    [2, () => L('GET', '/api/v1/users/{userId}', `/api/v1/users/${int(1, 50_000)}`, pick([200, 404]))],
    [1, () => L('GET', '/api/v1/account', '/api/v1/account')],
    [0.2, () => L('GET', '/debug/config', '/debug/config')],
  ];
}

const AGENTS = ['Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36', 'curl/8.5.0', 'okhttp/4.12.0', 'python-requests/2.31.0'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function clfTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

async function writeLogs(dir: string): Promise<{ combined: string; json: string; truth: Set<string> }> {
  const rand = rng(42);
  const gens = mix(rand);
  const total = gens.reduce((s, [w]) => s + w, 0);
  const truth = new Set<string>();
  const combined = join(dir, 'access.log');
  const json = join(dir, 'access.jsonl');
  const a = createWriteStream(combined);
  const b = createWriteStream(json);
  let t = Date.UTC(2026, 0, 1);
  let bufA = '';
  let bufB = '';
  for (let i = 0; i < LINES; i++) {
    t += Math.floor(rand() * 20);
    let line: string;
    let jl: string;
    if (rand() < 0.001) {
      line = 'garbage line ' + i;
      jl = '{"broken": ';
    } else {
      let r = rand() * total;
      let g = gens[0]![1];
      for (const [w, f] of gens) {
        if ((r -= w) < 0) {
          g = f;
          break;
        }
      }
      const l = g();
      truth.add(`${l.method} ${l.template}`);
      const ip = rand() < 0.3 ? `10.0.${Math.floor(rand() * 255)}.${Math.floor(rand() * 255)}` : `${Math.floor(rand() * 200) + 11}.${Math.floor(rand() * 255)}.${Math.floor(rand() * 255)}.${Math.floor(rand() * 255)}`;
      const rt = (rand() * rand() * 0.4).toFixed(3);
      const ua = AGENTS[Math.floor(rand() * AGENTS.length)]!;
      const bytes = Math.floor(rand() * 5000);
      line = `${ip} - - [${clfTime(t)}] "${l.method} ${l.url} HTTP/1.1" ${l.status} ${bytes} "-" "${ua}" ${rt}`;
      jl = JSON.stringify({ time: new Date(t).toISOString(), remote_addr: ip, request_method: l.method, request_uri: l.url, status: l.status, body_bytes_sent: bytes, request_time: Number(rt), http_user_agent: ua });
    }
    bufA += line + '\n';
    bufB += jl + '\n';
    if (bufA.length > 1 << 20) {
      if (!a.write(bufA)) await once(a, 'drain');
      if (!b.write(bufB)) await once(b, 'drain');
      bufA = bufB = '';
    }
  }
  a.end(bufA);
  b.end(bufB);
  await Promise.all([once(a, 'finish'), once(b, 'finish')]);
  return { combined, json, truth };
}

const RSS_HOOK = 'data:text/javascript,process.on("exit",()=>process.stderr.write("\\nmaxrss-kb:"+process.resourceUsage().maxRSS+"\\n"))';

async function run(args: string[]): Promise<{ seconds: number; maxRssMb: number; stderr: string }> {
  const pin = has('taskset');
  const cmd = pin ? 'taskset' : process.execPath;
  const full = pin ? ['-c', '0', process.execPath, '--import', RSS_HOOK, ...args] : ['--import', RSS_HOOK, ...args];
  const t0 = process.hrtime.bigint();
  const child = spawn(cmd, full, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const [code] = (await once(child, 'exit')) as [number];
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (code !== 0) throw new Error(`${args.join(' ')} exited ${code}: ${stderr}`);
  const m = /maxrss-kb:(\d+)/.exec(stderr);
  return { seconds, maxRssMb: m ? Number(m[1]) / 1024 : NaN, stderr };
}

const BASELINE = `
const { createReadStream } = require('node:fs');
const { StringDecoder } = require('node:string_decoder');
(async () => {
  const d = new StringDecoder('utf8'); let carry = ''; let n = 0;
  for await (const c of createReadStream(process.argv[1], { highWaterMark: 1 << 20 })) {
    const s = carry + d.write(c); let start = 0; let i;
    while ((i = s.indexOf('\\n', start)) >= 0) { const line = s.slice(start, i); if (line.length) n++; start = i + 1; }
    carry = s.slice(start);
  }
  process.stdout.write(String(n));
})();`;

async function main(): Promise<void> {
  const dir = tmp('palisade-bench-discover-');
  try {
    process.stdout.write(`writing ${fmt(LINES)} lines (combined and JSON lines) to ${dir} ...\n`);
    const { combined, json, truth } = await writeLogs(dir);
    const mb = statSync(combined).size / 1e6;
    const base = await run(['-e', BASELINE, combined]);
    const out = join(dir, 'report.json');
    const c = await run([PALISADE_BIN, 'discover', '--log', combined, '--spec', DEMO_OPENAPI_PATH, '--format', 'json', '--out', out]);
    const report = JSON.parse(readFileSync(out, 'utf8')) as { endpoints: Array<{ method: string; template: string }>; totals: { exchanges: number; shadow: number; zombie: number; orphan: number }; input: { errors: number } };
    const j = await run([PALISADE_BIN, 'discover', '--log', json, '--spec', DEMO_OPENAPI_PATH, '--format', 'json', '--out', join(dir, 'report-json.json')]);
    const rows = [
      ['row', 'seconds', 'lines/s', 'ratio', 'peak RSS MB'],
      ['baseline: read + split lines', fmt(base.seconds, 2), fmt(LINES / base.seconds), '1.00', fmt(base.maxRssMb, 0)],
      ['discover, combined log', fmt(c.seconds, 2), fmt(LINES / c.seconds), fmt(base.seconds / c.seconds, 2), fmt(c.maxRssMb, 0)],
      ['discover, JSON lines', fmt(j.seconds, 2), fmt(LINES / j.seconds), fmt(base.seconds / j.seconds, 2), fmt(j.maxRssMb, 0)],
    ];
    process.stdout.write(`\n${table(rows)}\n\n`);
    process.stdout.write(`log: ${fmt(mb, 0)} MB, ${fmt(report.totals.exchanges)} exchanges, ${fmt(report.input.errors)} unparseable lines (counted, skipped)\n`);
    process.stdout.write(`inventory: ${report.endpoints.length} endpoints; shadow ${report.totals.shadow}, zombie ${report.totals.zombie}, orphan ${report.totals.orphan}\n`);
    const shape = (k: string) => k.replace(/\{[^}]+\}/g, '{}');
    const learnt = new Set(report.endpoints.map((e) => shape(`${e.method} ${e.template}`)));
    const want = new Set([...truth].map(shape));
    const hit = [...learnt].filter((k) => want.has(k)).length;
    process.stdout.write(`templating: precision ${fmt(hit / learnt.size, 3)}, recall ${fmt(hit / want.size, 3)} (${learnt.size} learnt, ${want.size} true)\n`);
    process.stdout.write(`goal: >= 50,000 exchanges/s on one core${has('taskset') ? ' (pinned with taskset -c 0)' : ' (taskset not found: not pinned)'}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();

// npm run measure:waf-compare — detection side by side: the same seeded attack and benign corpora
// (bench/waf-corpus.ts) sent to nginx + ModSecurity v3 and to Palisade's gateway, both running
// the same OWASP CRS at paranoia levels 1 and 2 with the same engine settings (bench/waf-servers.ts).
// Prints, per engine and level, attacks refused / total (per class) and benign requests refused
// (false positives, per kind), then every request the two engines answered differently: those are
// where an engine bug would show. The bar (issue 5): at least as many attacks as ModSecurity, no
// more false positives. A measurement, not a test: it never fails on the figures.
//
//   npm run measure:waf-compare
//   WAF_COMPARE_SEED=7 WAF_COMPARE_PL=1 npm run measure:waf-compare
//   BENCH_CRS=/path/to/coreruleset-4.x npm run measure:waf-compare
import http from 'node:http';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { attackCorpus, benignCorpus } from './waf-corpus.js';
import type { CorpusRequest } from './waf-corpus.js';
import { ROOT, freePort, has, startPalisade, startPinned, tmp, waitForPort } from './lib.js';
import type { Proc } from './lib.js';
import { NGINX_MODULE, nginxConfig, palisadeConfig } from './waf-servers.js';

const SEED = Number(process.env.WAF_COMPARE_SEED ?? 20251129);
const LEVELS = (process.env.WAF_COMPARE_PL ?? '1,2').split(',').map(Number);
const CONCURRENCY = Number(process.env.WAF_COMPARE_CONCURRENCY ?? 4);
const CRS = process.env.BENCH_CRS ?? join(ROOT, '..', 'shared', 'corpora', 'crs-4.28.0');

type Engine = 'modsecurity' | 'palisade';

/** One request on a keep-alive agent; the status, or -1 when the server closed or refused it. */
function send(agent: http.Agent, port: number, req: CorpusRequest): Promise<number> {
  return new Promise((resolve) => {
    const headers: Record<string, string> = { ...req.headers };
    if (req.body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(req.body));
    let r: http.ClientRequest;
    try {
      r = http.request({ host: '127.0.0.1', port, method: req.method, path: req.path, headers, agent }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? -1));
        res.on('error', () => resolve(-1));
      });
    } catch {
      // Node refuses to send it (an invalid path or header): not the WAF's doing.
      resolve(-2);
      return;
    }
    r.setTimeout(30_000, () => r.destroy());
    r.on('error', () => resolve(-1));
    r.end(req.body);
  });
}

async function runCorpus(port: number, corpus: readonly CorpusRequest[]): Promise<number[]> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const out = new Array<number>(corpus.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < corpus.length) {
        const i = next++;
        out[i] = await send(agent, port, corpus[i]!);
      }
    }),
  );
  agent.destroy();
  return out;
}

async function startEngine(engine: Engine, pl: number, dir: string, upstreamPort: number): Promise<{ proc: Proc; port: number }> {
  const port = await freePort();
  if (engine === 'palisade') {
    const file = join(dir, `palisade-pl${pl}.yaml`);
    writeFileSync(file, JSON.stringify(palisadeConfig(CRS, pl, upstreamPort, port, join(dir, `palisade-pl${pl}.db`)), null, 2));
    return { proc: await startPalisade(file, port), port };
  }
  const conf = nginxConfig(dir, `cmp-pl${pl}`, pl, CRS, port, upstreamPort);
  const proc = startPinned('0', 'nginx', ['-c', conf, '-p', dir]);
  await waitForPort(port, 60_000, proc.child);
  return { proc, port };
}

/** Refused = anything but 2xx (the upstream answers 200 to everything); -2 = not sendable. */
const refused = (status: number): boolean => status !== -2 && (status < 200 || status > 299);

function tally(corpus: readonly CorpusRequest[], statuses: readonly number[]): Map<string, { n: number; refused: number }> {
  const m = new Map<string, { n: number; refused: number }>();
  corpus.forEach((c, i) => {
    if (statuses[i] === -2) return;
    const t = m.get(c.category) ?? { n: 0, refused: 0 };
    t.n++;
    if (refused(statuses[i]!)) t.refused++;
    m.set(c.category, t);
  });
  return m;
}

function describe(c: CorpusRequest): string {
  const p = c.payload.replace(/\s+/g, ' ');
  return `${c.method} ${c.path.slice(0, 70)}${c.body !== undefined ? ` [${c.headers['Content-Type']}]` : ''}  payload: ${p.slice(0, 110)}`;
}

async function main(): Promise<void> {
  if (!existsSync(join(CRS, 'rules'))) {
    process.stdout.write(`measure:waf-compare: no CRS at ${CRS} (set BENCH_CRS): skipping\n`);
    return;
  }
  if (!has('nginx') || NGINX_MODULE === undefined) {
    process.stdout.write('measure:waf-compare needs nginx and its ModSecurity module (apt-get install -y nginx libnginx-mod-http-modsecurity): skipping\n');
    return;
  }
  const attacks = attackCorpus(SEED);
  const benign = benignCorpus(SEED);
  const dir = tmp('palisade-waf-compare-');
  const upstreamPort = await freePort();
  const upstream = startPinned('1', process.execPath, [join(import.meta.dirname ?? '.', 'static-upstream.js')], { PORT: String(upstreamPort), NODE_ENV: 'production' });
  await waitForPort(upstreamPort, 20_000, upstream.child);
  process.stdout.write(`measure:waf-compare  CRS ${CRS}, seed ${SEED}: ${attacks.length} attacks, ${benign.length} benign requests, paranoia levels ${LEVELS.join(', ')}\n`);
  const results = new Map<string, { attacks: number[]; benign: number[] }>();
  try {
    for (const pl of LEVELS) {
      for (const engine of ['modsecurity', 'palisade'] as const) {
        const { proc } = await startEngine(engine, pl, dir, upstreamPort).then(async (s) => {
          const t0 = performance.now();
          const a = await runCorpus(s.port, attacks);
          const b = await runCorpus(s.port, benign);
          results.set(`${engine}:${pl}`, { attacks: a, benign: b });
          process.stdout.write(`  ${engine} PL${pl}: ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
          return s;
        });
        await proc.stop();
      }
    }
  } finally {
    await upstream.stop();
  }

  for (const pl of LEVELS) {
    const m = results.get(`modsecurity:${pl}`)!;
    const p = results.get(`palisade:${pl}`)!;
    const ta = [tally(attacks, m.attacks), tally(attacks, p.attacks)];
    const tb = [tally(benign, m.benign), tally(benign, p.benign)];
    const sum = (t: Map<string, { n: number; refused: number }>) => [...t.values()].reduce((a, x) => ({ n: a.n + x.n, refused: a.refused + x.refused }), { n: 0, refused: 0 });
    const rows: string[][] = [['', 'nginx + ModSecurity', 'Palisade']];
    for (const cat of ta[0]!.keys()) rows.push([`  attacks: ${cat}`, ...ta.map((t) => `${t.get(cat)!.refused}/${t.get(cat)!.n}`)]);
    rows.push(['attacks detected', ...ta.map((t) => `${sum(t).refused}/${sum(t).n}`)]);
    for (const cat of tb[0]!.keys()) rows.push([`  benign: ${cat}`, ...tb.map((t) => `${t.get(cat)!.refused}/${t.get(cat)!.n}`)]);
    rows.push(['false positives', ...tb.map((t) => `${sum(t).refused}/${sum(t).n}`)]);
    const [ma, pa] = ta.map((t) => sum(t).refused) as [number, number];
    const [mb, pb] = tb.map((t) => sum(t).refused) as [number, number];
    const width = Math.max(...rows.map((r) => r[0]!.length));
    process.stdout.write(`\nCRS paranoia level ${pl}\n${rows.map((r) => `${r[0]!.padEnd(width)}  ${r[1]!.padStart(20)}  ${r[2]!.padStart(10)}`).join('\n')}\n`);
    process.stdout.write(`bar: attacks >= ModSecurity's (${pa} vs ${ma}: ${pa >= ma ? 'met' : 'NOT MET'}), false positives <= ModSecurity's (${pb} vs ${mb}: ${pb <= mb ? 'met' : 'NOT MET'})\n`);
    const diff = (label: string, corpus: readonly CorpusRequest[], ms: readonly number[], ps: readonly number[]) => {
      const lines = corpus.flatMap((c, i) => (refused(ms[i]!) !== refused(ps[i]!) && ms[i] !== -2 ? [`    [${c.category}] ModSecurity ${ms[i]}, Palisade ${ps[i]}: ${describe(c)}`] : []));
      if (lines.length > 0) process.stdout.write(`  ${label} answered differently (${lines.length}):\n${lines.join('\n')}\n`);
    };
    diff('attacks', attacks, m.attacks, p.attacks);
    diff('benign requests', benign, m.benign, p.benign);
  }
  rmSync(dir, { recursive: true, force: true });
}

main().catch((err: unknown) => {
  process.stderr.write(`measure:waf-compare failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});

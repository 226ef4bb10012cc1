// Shared plumbing for the benchmarks: pinned child processes, free ports, wrk runs and tables.
// Benchmarks measure; they never assert. Every figure is compared with a baseline from the same run.
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import net from 'node:net';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir, availableParallelism } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PalisadeConfigInput } from 'palisade';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const PALISADE_BIN = join(ROOT, 'packages/palisade/dist/cli/main.js');
export const DEMO_MAIN = join(ROOT, 'demo/dist/main.js');

export function has(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** CPU sets: the system under test on one core, load generator and upstream on the other. */
export function cpus(): { sut: string; load: string } {
  const n = availableParallelism();
  if (n < 2) return { sut: '0', load: '0' };
  return { sut: '0', load: n > 2 ? `1-${n - 1}` : '1' };
}

export function tmp(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address() as net.AddressInfo;
      s.close(() => resolvePort(a.port));
    });
  });
}

export async function waitForPort(port: number, timeoutMs = 20_000, child?: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child && child.exitCode !== null) throw new Error(`process exited with ${child.exitCode} before listening on ${port}`);
    const ok = await new Promise<boolean>((r) => {
      const c = net.connect(port, '127.0.0.1');
      c.once('connect', () => {
        c.destroy();
        r(true);
      });
      c.once('error', () => r(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on ${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface Proc {
  child: ChildProcess;
  stop(): Promise<void>;
  output(): string;
}

export function startPinned(cpuList: string, cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Proc {
  const useTaskset = has('taskset');
  const child = spawn(useTaskset ? 'taskset' : cmd, useTaskset ? ['-c', cpuList, cmd, ...args] : args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    if (out.length < 200_000) out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    if (out.length < 200_000) out += d.toString();
  });
  return {
    child,
    output: () => out,
    stop: () =>
      new Promise<void>((r) => {
        if (child.exitCode !== null) return r();
        const t = setTimeout(() => child.kill('SIGKILL'), 5000);
        child.once('exit', () => {
          clearTimeout(t);
          r();
        });
        child.kill('SIGTERM');
      }),
  };
}

export interface WrkResult {
  rps: number;
  p50ms: number;
  p99ms: number;
  /** Non-2xx/3xx responses plus socket errors: any of them makes a run's figures suspect. */
  errors: number;
  /** wrk's "Non-2xx or 3xx responses" alone (refusals such as 429, 400, 503). */
  non2xx: number;
  socketErrors: number;
  requests: number;
}

function toMs(v: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(v.trim());
  if (!m) return NaN;
  const n = Number(m[1]);
  return m[2] === 'us' ? n / 1000 : m[2] === 'ms' ? n : m[2] === 's' ? n * 1000 : n * 60_000;
}

export function parseWrk(out: string): WrkResult {
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN);
  const p50 = /\s50%\s+(\S+)/.exec(out)?.[1];
  const p99 = /\s99%\s+(\S+)/.exec(out)?.[1];
  const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? 0);
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const sockErrors = sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0;
  return { rps, p50ms: p50 ? toMs(p50) : NaN, p99ms: p99 ? toMs(p99) : NaN, errors: non2xx + sockErrors, non2xx, socketErrors: sockErrors, requests };
}

/**
 * Starts the gateway on the system-under-test core. With profileDir, V8 writes a CPU profile there
 * when the process exits (so stop() it before reading). A gateway that never listens is stopped
 * here: the caller has no handle to it yet.
 */
export async function startPalisade(configFile: string, port: number, profileDir?: string): Promise<Proc> {
  const nodeArgs = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const p = startPinned(cpus().sut, process.execPath, [...nodeArgs, PALISADE_BIN, 'gateway', '-c', configFile]);
  try {
    await waitForPort(port, 20_000, p.child);
  } catch (err) {
    await p.stop();
    throw new Error(`${(err as Error).message}\n${p.output().slice(-2000)}`, { cause: err });
  }
  return p;
}

const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim()) || 100;

/**
 * CPU time (user + system, all threads) a process has used so far, from /proc; undefined where
 * there is no /proc. Read before and after a run, it tells whether the process under test was the
 * bottleneck (near 100% of its core) and what one request costs it.
 */
export function cpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may contain spaces and parentheses; fields are counted after its last ')'.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

export interface CoreTimes {
  /** Seconds the core ran anything (user, system, interrupts). */
  busy: number;
  /** Seconds the hypervisor gave the core to someone else. */
  steal: number;
}

/**
 * A core's times so far, from /proc/stat; undefined where there is none. Its busy time minus the
 * gateway's own CPU time is what else ran on the gateway's core: other jobs on a shared machine
 * that make a row slower for reasons unrelated to the code under test.
 */
export function coreTimes(core: number): CoreTimes | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8')
      .split('\n')
      .find((l) => l.startsWith(`cpu${core} `));
    if (!line) return undefined;
    const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number) as number[];
    return { busy: (user! + nice! + system! + irq! + softirq!) / CLOCK_TICKS, steal: (steal ?? 0) / CLOCK_TICKS };
  } catch {
    return undefined;
  }
}

export interface WrkOptions {
  url: string;
  seconds: number;
  connections: number;
  threads?: number;
  script?: string;
  cpuList: string;
}

export function runWrk(o: WrkOptions): Promise<WrkResult & { raw: string }> {
  const args = [`-t${o.threads ?? 1}`, `-c${o.connections}`, `-d${o.seconds}s`, '--latency'];
  if (o.script) args.push('-s', o.script);
  args.push(o.url);
  const p = startPinned(o.cpuList, 'wrk', args);
  return new Promise((r, reject) => {
    p.child.once('error', reject);
    p.child.once('exit', () => {
      const raw = p.output();
      r({ ...parseWrk(raw), raw });
    });
  });
}

/** A wrk Lua script that POSTs a fixed body. */
export function postScript(dir: string, body: string, contentType = 'application/json'): string {
  const file = join(dir, 'post.lua');
  writeFileSync(file, `wrk.method = "POST"\nwrk.body = ${JSON.stringify(body)}\nwrk.headers["Content-Type"] = "${contentType}"\n`);
  return file;
}

export function fmt(n: number, digits = 0): string {
  return Number.isFinite(n) ? n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : 'n/a';
}

export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')).join('\n');
}

/** mulberry32: a small, fast, seeded PRNG, so a benchmark's traffic is the same from run to run. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Defaults = NonNullable<PalisadeConfigInput['defaults']>;

/** Every stage that is on by default, off: what is left is routing and forwarding (and what a row turns on). */
export const PASS_THROUGH: Defaults = {
  ipFilter: { enabled: false },
  limits: { enabled: false },
  methods: { enabled: false },
  cors: { enabled: false },
  securityHeaders: { enabled: false },
  errorScrubbing: { enabled: false },
  record: { enabled: false },
  xml: { enabled: false },
};

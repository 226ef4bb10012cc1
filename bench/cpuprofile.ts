// Where a gateway's CPU went, from the .cpuprofile that BENCH_CPU_PROF=1 makes V8 write: self time
// by function and by module, and time spent under chosen code (inclusive), as plain text, so a
// benchmark run can be read without opening DevTools.
//
//   node bench/dist/cpuprofile.js /tmp/palisade-abuse-XXXX/profiles/ratelimit-memory/*.cpuprofile [top]
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { ROOT, fmt, table } from './lib.js';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples?: number[];
  timeDeltas?: number[];
}

/** Code whose inclusive time is reported: a frame matches when `test` says so. */
export interface Marker {
  label: string;
  test(frame: CallFrame): boolean;
}

export const urlMarker = (label: string, fragment: string): Marker => ({ label, test: (f) => f.url.includes(fragment) });

/** The code the abuse benchmark's stages run through, by file or package. */
export const STAGE_MARKERS: readonly Marker[] = [
  urlMarker('rateLimit stage (shield/stages/rate-limit)', '/shield/stages/rate-limit.js'),
  urlMarker('  window counters (store/counters)', '/store/counters/'),
  urlMarker('  rate-limiter-flexible', '/node_modules/rate-limiter-flexible/'),
  urlMarker('  ioredis', '/node_modules/ioredis/'),
  urlMarker('contract stage (shield/stages/contract)', '/shield/stages/contract.js'),
  urlMarker('  core/openapi/contract', '/core/openapi/contract.js'),
  // ajv compiles schemas to functions with no script URL, named validate<N>.
  { label: '  ajv compiled validators', test: (f) => f.url === '' && /^validate\d*$/.test(f.functionName) },
  urlMarker('  ajv-formats', '/node_modules/ajv-formats/'),
  // V8 builtins such as JSON.parse have no frame of their own: their time is their caller's self time.
  urlMarker('request body guard (shield/body)', '/shield/body.js'),
  urlMarker('prom-client (metrics)', '/node_modules/prom-client/'),
];

export interface ProfileSummary {
  /** Sampled time that was not idle, in ms. */
  busyMs: number;
  byFunction: Array<[string, number]>;
  byModule: Array<[string, number]>;
  /** Inclusive ms per marker (time with a matching frame anywhere on the stack). */
  markers: Array<[string, number]>;
}

function shortUrl(url: string): string {
  const root = pathToFileURL(ROOT).href + '/';
  const u = url.startsWith(root) ? url.slice(root.length) : url;
  const nm = u.lastIndexOf('/node_modules/');
  return nm >= 0 ? u.slice(nm + '/node_modules/'.length) : u;
}

function moduleOf(f: CallFrame): string {
  if (f.url === '') return f.functionName.startsWith('(') ? f.functionName : '(native, or code compiled at run time)';
  const nm = f.url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const parts = f.url.slice(nm + '/node_modules/'.length).split('/');
    return `npm ${parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]}`;
  }
  const u = shortUrl(f.url);
  if (u.startsWith('node:')) return u.split('/').slice(0, 2).join('/');
  return u;
}

const sortDesc = (m: Map<string, number>): Array<[string, number]> => [...m.entries()].sort((a, b) => b[1] - a[1]);

export function summariseProfile(file: string, markers: readonly Marker[] = []): ProfileSummary {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  // Labels of every marker on a node's stack, memoised: stacks share their prefixes.
  const labelCache = new Map<number, readonly string[]>();
  const labelsOf = (id: number): readonly string[] => {
    const hit = labelCache.get(id);
    if (hit) return hit;
    const up = parent.get(id);
    const inherited = up === undefined ? [] : labelsOf(up);
    const frame = byId.get(id)!.callFrame;
    const own = markers.filter((m) => !inherited.includes(m.label) && m.test(frame)).map((m) => m.label);
    const all = own.length > 0 ? [...inherited, ...own] : inherited;
    labelCache.set(id, all);
    return all;
  };

  const fn = new Map<string, number>();
  const mod = new Map<string, number>();
  const inc = new Map<string, number>(markers.map((m) => [m.label, 0]));
  let busyUs = 0;
  const samples = p.samples ?? [];
  const deltas = p.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    // A sample stands for the time until the next one (DevTools' reading too).
    const us = deltas[i + 1] ?? 0;
    const node = byId.get(samples[i]!);
    if (!node) continue;
    const f = node.callFrame;
    if (f.functionName === '(idle)') continue;
    busyUs += us;
    const where = f.url ? ` ${shortUrl(f.url)}:${f.lineNumber + 1}` : '';
    const key = `${f.functionName || '(anonymous)'}${where}`;
    fn.set(key, (fn.get(key) ?? 0) + us);
    const m = moduleOf(f);
    mod.set(m, (mod.get(m) ?? 0) + us);
    for (const l of labelsOf(node.id)) inc.set(l, inc.get(l)! + us);
  }
  const ms = (e: Array<[string, number]>): Array<[string, number]> => e.map(([k, v]) => [k, v / 1000]);
  return { busyMs: busyUs / 1000, byFunction: ms(sortDesc(fn)), byModule: ms(sortDesc(mod)), markers: ms([...inc.entries()]) };
}

export function formatSummary(s: ProfileSummary, top = 15): string {
  const pct = (v: number) => `${((100 * v) / s.busyMs).toFixed(1)}%`;
  const rows = (title: string, e: Array<[string, number]>) => table([[title, 'ms', 'busy'], ...e.slice(0, top).map(([k, v]) => [k, fmt(v), pct(v)])]);
  const parts = [`busy ${fmt(s.busyMs)} ms sampled`, rows('self time by module', s.byModule), rows('self time by function', s.byFunction)];
  if (s.markers.length > 0) parts.push(table([['inclusive (on the stack)', 'ms', 'busy'], ...s.markers.map(([k, v]) => [k, fmt(v), pct(v)])]));
  return parts.join('\n\n');
}

/**
 * What `other` spends per request beyond `base`, function by function (µs per request): the cost
 * a stage adds, wherever it lands (its own frames, promises, headers, GC).
 */
export function diffPerRequest(base: ProfileSummary, baseRequests: number, other: ProfileSummary, otherRequests: number, top = 15): string {
  const perReq = (ms: number, n: number) => (ms * 1000) / n;
  const b = new Map(base.byFunction);
  const keys = new Set([...b.keys(), ...other.byFunction.map(([k]) => k)]);
  const o = new Map(other.byFunction);
  const d = [...keys].map((k): [string, number] => [k, perReq(o.get(k) ?? 0, otherRequests) - perReq(b.get(k) ?? 0, baseRequests)]).sort((x, y) => y[1] - x[1]);
  const total = perReq(other.busyMs, otherRequests) - perReq(base.busyMs, baseRequests);
  return [
    `busy µs/request: ${fmt(perReq(base.busyMs, baseRequests), 1)} -> ${fmt(perReq(other.busyMs, otherRequests), 1)} (${total >= 0 ? '+' : ''}${fmt(total, 1)})`,
    table([['largest increases by function', 'µs/req'], ...d.slice(0, top).map(([k, v]) => [k, `+${fmt(v, 2)}`])]),
  ].join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write('usage: node bench/dist/cpuprofile.js <file.cpuprofile> [top]\n');
    process.exit(2);
  }
  process.stdout.write(formatSummary(summariseProfile(file, STAGE_MARKERS), Number(process.argv[3] ?? 25)) + '\n');
}

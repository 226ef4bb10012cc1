// npm run bench:abuse — what the abuse protections cost, as ratios to Palisade pass-through in the
// same run and against the same static upstream:
//   GET:  pass-through, rateLimit counted in memory, rateLimit counted in Redis (store.redis)
//   POST: pass-through with a 2 KB JSON body, the same body validated by the contract stage
// Goals (the issue): memory rate limit >= 0.95 of pass-through, Redis >= 0.80, contract >= 0.85.
// The gateway gets one core; wrk and the upstream share the other. Benchmarks measure, never assert.
//
//   BENCH_SECONDS=10 BENCH_CONNECTIONS=64 npm run bench:abuse
//   BENCH_CPU_PROF=1 npm run bench:abuse     # also profiles each gateway and prints where its CPU went
//   BENCH_ROUNDS=3 npm run bench:abuse       # rows repeated, medians: steadier ratios on a noisy machine
//   BENCH_ROWS=a,b npm run bench:abuse       # only some rows
//   BENCH_RETRIES=0 npm run bench:abuse      # keep rows that other processes disturbed (default: measure again, twice)
//   BENCH_REDIS_URL=redis://127.0.0.1:6380 npm run bench:abuse
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import type { PalisadeConfigInput } from 'palisade';
import { diffPerRequest, formatSummary, STAGE_MARKERS, summariseProfile } from './cpuprofile.js';
import type { ProfileSummary } from './cpuprofile.js';
import { PASS_THROUGH, coreTimes, cpuSeconds, cpus, fmt, freePort, has, postScript, runWrk, startPalisade, startPinned, table, tmp, waitForPort } from './lib.js';
import type { Defaults, Proc, WrkResult } from './lib.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64);
const PROFILE = process.env.BENCH_CPU_PROF === '1';
/** Rounds of all rows; with more than one, figures are medians and ratios pair rows measured side by side. */
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 1));
/** BENCH_ROWS=a,b runs only those rows (when profiling one stage, say). */
const ONLY = process.env.BENCH_ROWS?.split(',').map((s) => s.trim()).filter(Boolean);
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
/** Unique per run, so counters never carry over from an earlier run and can be deleted after. */
const REDIS_PREFIX = `palisade-bench-${Date.now().toString(36)}-${process.pid}:`;
const BODY_BYTES = 2048;
/** Below this share of its core busy (gateway and others), the gateway was not the bottleneck and its ratios say little. */
const SATURATED = 0.9;
/** Above this share of the gateway's core taken by others, a row's figures are disturbed (Redis rows excepted: Redis is expected there). */
const DISTURBED = 0.05;
/** How many times a disturbed row is measured again before its figures are kept anyway. */
const RETRIES = Number(process.env.BENCH_RETRIES ?? 2);

/**
 * Two windows, as a real policy has (a burst window and a quota), so the cost of two counters is
 * measured; limits so high nothing is ever refused. failMode closed: a Redis failure becomes a 503
 * that wrk counts, instead of a request let through uncounted that would flatter the figure.
 */
const RATE_LIMIT: Defaults['rateLimit'] = {
  enabled: true,
  failMode: 'closed',
  limits: [
    { name: 'per-second', key: 'ip', points: 1_000_000_000, durationSeconds: 1 },
    { name: 'per-hour', key: 'ip', points: 1_000_000_000, durationSeconds: 3600 },
  ],
};

const ORDER_PATH = '/orders';

/** A small OpenAPI 3.1 document whose one write operation has a schema like a real order API's. */
function openApiDocument(): Record<string, unknown> {
  const address = {
    type: 'object',
    required: ['name', 'line1', 'city', 'postalCode', 'country'],
    properties: {
      name: { type: 'string', minLength: 1, maxLength: 100 },
      line1: { type: 'string', minLength: 1, maxLength: 200 },
      line2: { type: 'string', maxLength: 200 },
      city: { type: 'string', minLength: 1, maxLength: 100 },
      postalCode: { type: 'string', pattern: '^[A-Z0-9 -]{3,10}$' },
      country: { type: 'string', pattern: '^[A-Z]{2}$' },
      phone: { type: 'string', pattern: '^\\+[1-9][0-9]{6,14}$' },
    },
  };
  const lineItem = {
    type: 'object',
    additionalProperties: false,
    required: ['sku', 'name', 'quantity', 'unitPrice'],
    properties: {
      sku: { type: 'string', pattern: '^[A-Z]{3}-[0-9]{5}$' },
      name: { type: 'string', minLength: 1, maxLength: 120 },
      quantity: { type: 'integer', minimum: 1, maximum: 1000 },
      unitPrice: { type: 'number', exclusiveMinimum: 0, maximum: 100000 },
      discountPercent: { type: 'number', minimum: 0, maximum: 100 },
      backorder: { type: 'boolean' },
    },
  };
  const order = {
    type: 'object',
    additionalProperties: false,
    required: ['orderId', 'customerId', 'customerEmail', 'createdAt', 'currency', 'channel', 'shippingAddress', 'items', 'totals'],
    properties: {
      orderId: { type: 'string', format: 'uuid' },
      customerId: { type: 'string', pattern: '^cus_[A-Za-z0-9]{14}$' },
      customerEmail: { type: 'string', format: 'email', maxLength: 254 },
      createdAt: { type: 'string', format: 'date-time' },
      deliveryDate: { type: 'string', format: 'date' },
      currency: { type: 'string', enum: ['EUR', 'USD', 'GBP', 'JPY', 'CHF'] },
      status: { type: 'string', enum: ['draft', 'submitted', 'paid'], default: 'submitted' },
      channel: { type: 'string', enum: ['web', 'mobile', 'pos', 'partner'] },
      priority: { type: 'integer', minimum: 0, maximum: 9 },
      giftWrap: { type: 'boolean' },
      couponCode: { type: ['string', 'null'], pattern: '^[A-Z0-9]{6,12}$' },
      notes: { type: 'string', maxLength: 1000 },
      shippingAddress: { $ref: '#/components/schemas/Address' },
      billingAddress: { $ref: '#/components/schemas/Address' },
      items: { type: 'array', minItems: 1, maxItems: 100, items: { $ref: '#/components/schemas/LineItem' } },
      totals: {
        type: 'object',
        required: ['subtotal', 'tax', 'total'],
        properties: {
          subtotal: { type: 'number', minimum: 0 },
          tax: { type: 'number', minimum: 0 },
          shipping: { type: 'number', minimum: 0 },
          total: { type: 'number', minimum: 0 },
        },
      },
    },
  };
  return {
    openapi: '3.1.0',
    info: { title: 'bench orders', version: '1.0.0' },
    paths: {
      [ORDER_PATH]: {
        post: {
          operationId: 'createOrder',
          requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/OrderRequest' } } } },
          responses: { '200': { description: 'the order' }, '400': { description: 'invalid order' } },
        },
      },
    },
    components: { schemas: { Address: address, LineItem: lineItem, OrderRequest: order } },
  };
}

/**
 * An order valid against the document, grown item by item to just under `bytes` and topped up
 * with the notes field to exactly `bytes` (ASCII only, so characters are bytes).
 */
function orderBody(bytes: number): string {
  const address = { name: 'Ada Lovelace', line1: '12 St James Square', line2: 'Flat 3', city: 'London', postalCode: 'SW1Y 4JH', country: 'GB', phone: '+442079460000' };
  const items: Array<Record<string, unknown>> = [];
  const order = (notes: string) => {
    const subtotal = Math.round(items.reduce((a, i) => a + (i.quantity as number) * (i.unitPrice as number), 0) * 100) / 100;
    const tax = Math.round(subtotal * 20) / 100;
    return JSON.stringify({
      orderId: '0190d6a4-6b1e-7c3a-9f2d-5e8b1a2c3d4e',
      customerId: 'cus_A1b2C3d4E5f6G7',
      customerEmail: 'ada.lovelace@example.com',
      createdAt: '2026-11-01T09:30:00.000Z',
      deliveryDate: '2026-11-05',
      currency: 'GBP',
      status: 'submitted',
      channel: 'web',
      priority: 3,
      giftWrap: false,
      couponCode: 'AUTUMN2026',
      notes,
      shippingAddress: address,
      billingAddress: { ...address, line2: 'Accounts' },
      items,
      totals: { subtotal, tax, shipping: 4.95, total: Math.round((subtotal + tax + 4.95) * 100) / 100 },
    });
  };
  for (let i = 0; ; i++) {
    const item = { sku: `ORD-${String(10000 + i)}`, name: `Replacement part ${i} for the analytical engine`, quantity: 1 + (i % 4), unitPrice: 12.5 + i, discountPercent: i % 3 === 0 ? 10 : 0, backorder: i % 5 === 0 };
    items.push(item);
    if (Buffer.byteLength(order('')) > bytes) {
      items.pop();
      break;
    }
  }
  const text = 'Please deliver to the side entrance and ring twice. ';
  const room = bytes - Buffer.byteLength(order(''));
  return order(text.repeat(Math.ceil(room / text.length)).slice(0, room));
}

/** A copy that breaks several rules, to show that the contract stage really validates. */
function invalidBody(valid: string): string {
  const o = JSON.parse(valid) as Record<string, unknown>;
  return JSON.stringify({ ...o, customerEmail: 'not an address', currency: 'XXX', items: [{ sku: 'bad', name: '', quantity: 0, unitPrice: -1 }] });
}

// --- Redis: reachability and cleanup over RESP, so the benchmark needs no client of its own. ---

function resp(args: readonly string[]): string {
  return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
}

/** Sends commands (AUTH first when the URL has credentials) and returns the first line of the last reply. */
function redisCommand(url: URL, args: readonly string[], timeoutMs = 2000): Promise<string> {
  const auth = url.password ? [resp(url.username ? ['AUTH', decodeURIComponent(url.username), decodeURIComponent(url.password)] : ['AUTH', decodeURIComponent(url.password)])] : [];
  const db = url.pathname.length > 1 ? [resp(['SELECT', url.pathname.slice(1)])] : [];
  const sent = [...auth, ...db, resp(args)];
  return new Promise((resolve, reject) => {
    const s = net.connect(Number(url.port || 6379), url.hostname);
    let buf = '';
    const t = setTimeout(() => s.destroy(new Error(`no answer from ${url.host} in ${timeoutMs} ms`)), timeoutMs);
    s.once('connect', () => s.write(sent.join('')));
    s.on('data', (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split('\r\n');
      // Every reply used here (status, error, integer) is one line; the last one answers `args`.
      if (lines.length > sent.length) {
        clearTimeout(t);
        s.end();
        resolve(lines[sent.length - 1]!);
      }
    });
    s.once('error', (err) => {
      clearTimeout(t);
      reject(err);
    });
  });
}

async function redisReachable(url: URL): Promise<string | undefined> {
  // The benchmark checks and cleans Redis over plain RESP; TLS would need a client of its own.
  if (url.protocol !== 'redis:') return `BENCH_REDIS_URL must be a redis:// URL, not ${url.protocol}//`;
  try {
    const r = await redisCommand(url, ['PING']);
    return r === '+PONG' ? undefined : `PING answered ${r}`;
  } catch (err) {
    return (err as Error).message;
  }
}

/** Deletes this run's counters (the hour window would otherwise linger for an hour). */
async function redisCleanup(url: URL): Promise<number> {
  const script = "local n = 0 for _, k in ipairs(redis.call('KEYS', ARGV[1])) do redis.call('DEL', k) n = n + 1 end return n";
  const r = await redisCommand(url, ['EVAL', script, '0', `${REDIS_PREFIX}*`]);
  return r.startsWith(':') ? Number(r.slice(1)) : NaN;
}

// --- The rows. ---

interface Row {
  id: 'a' | 'b' | 'c' | 'd' | 'e';
  name: string;
  method: 'GET' | 'POST';
  defaults: Defaults;
  /** store.redis for this row. */
  redis?: boolean;
  /** Checks beyond "a request gets 2xx" that show the stage under test is really on; an error message, else undefined. */
  check?(port: number): Promise<string | undefined>;
}

interface Measured {
  row: Row;
  result?: WrkResult;
  /** Share of one core the gateway used during the measured run. */
  cpu?: number;
  /** Gateway CPU microseconds per request. */
  cpuUsPerRequest?: number;
  /** Share of the gateway's core that other processes (or the hypervisor) took during the run. */
  interference?: number;
  /** Requests the gateway served while it was profiled (warm-up included). */
  requestsServed?: number;
  /** Why the figures cannot be trusted, or why the row did not run. */
  invalid?: string;
  skipped?: string;
}

async function request(port: number, method: 'GET' | 'POST', body?: string): Promise<{ status: number; headers: Headers; text: string }> {
  const r = await fetch(`http://127.0.0.1:${port}${ORDER_PATH}`, {
    method,
    ...(method === 'POST' ? { body, headers: { 'content-type': 'application/json' } } : {}),
  });
  return { status: r.status, headers: r.headers, text: await r.text() };
}

const rateLimited = async (port: number): Promise<string | undefined> => {
  const r = await request(port, 'GET');
  return r.headers.get('ratelimit-policy') ? undefined : 'no RateLimit-Policy header: the rateLimit stage did not count this request';
};

function rows(body: string): Row[] {
  return [
    { id: 'a', name: 'pass-through GET', method: 'GET', defaults: PASS_THROUGH },
    { id: 'b', name: 'rateLimit memory GET', method: 'GET', defaults: { ...PASS_THROUGH, rateLimit: RATE_LIMIT }, check: rateLimited },
    { id: 'c', name: 'rateLimit Redis GET', method: 'GET', defaults: { ...PASS_THROUGH, rateLimit: RATE_LIMIT }, redis: true, check: rateLimited },
    { id: 'd', name: `pass-through POST ${fmt(BODY_BYTES)} B`, method: 'POST', defaults: PASS_THROUGH },
    {
      id: 'e',
      name: `contract POST ${fmt(BODY_BYTES)} B`,
      method: 'POST',
      defaults: { ...PASS_THROUGH, contract: { enabled: true } },
      async check(port) {
        const r = await request(port, 'POST', invalidBody(body));
        return r.status === 400 && r.text.includes('contract-violation') ? undefined : `an invalid order was answered ${r.status}, not 400 contract-violation: the contract stage is not validating`;
      },
    },
  ];
}

function config(row: Row, upstreamPort: number, port: number, dir: string, openapi: string): PalisadeConfigInput {
  return {
    gateway: { listen: { host: '127.0.0.1', port } },
    admin: { enabled: false },
    store: { path: join(dir, `bench-${row.id}.db`), ...(row.redis ? { redis: { url: REDIS_URL, keyPrefix: REDIS_PREFIX } } : {}) },
    log: { level: 'warn' },
    apis: [{ name: 'bench', upstream: `http://127.0.0.1:${upstreamPort}`, openapi }],
    defaults: row.defaults,
  };
}

async function measure(row: Row, upstreamPort: number, dir: string, openapi: string, post: { script: string; body: string }, profileDir?: string): Promise<Measured> {
  const { load } = cpus();
  const port = await freePort();
  const file = join(dir, `${row.id}.yaml`);
  // JSON is YAML: the typed object catches a misspelt setting at compile time.
  writeFileSync(file, JSON.stringify(config(row, upstreamPort, port, dir, openapi), null, 2));
  let proc: Proc | undefined;
  try {
    proc = await startPalisade(file, port, profileDir);
    const first = await request(port, row.method, row.method === 'POST' ? post.body : undefined);
    if (first.status >= 300) return { row, invalid: `a single request was answered ${first.status}: ${first.text.slice(0, 500)}` };
    const why = await row.check?.(port);
    if (why) return { row, invalid: why };
    const url = `http://127.0.0.1:${port}${ORDER_PATH}`;
    const wrk = { url, connections: CONNECTIONS, cpuList: load, ...(row.method === 'POST' ? { script: post.script } : {}) };
    const warm = WARMUP > 0 ? (await runWrk({ ...wrk, seconds: WARMUP })).requests : 0;
    const core = Number(cpus().sut);
    const cpuBefore = cpuSeconds(proc.child.pid);
    const coreBefore = coreTimes(core);
    const started = process.hrtime.bigint();
    const result = await runWrk({ ...wrk, seconds: SECONDS });
    const wall = Number(process.hrtime.bigint() - started) / 1e9;
    const cpuAfter = cpuSeconds(proc.child.pid);
    const coreAfter = coreTimes(core);
    const used = cpuBefore !== undefined && cpuAfter !== undefined ? cpuAfter - cpuBefore : undefined;
    const m: Measured = { row, result, requestsServed: warm + result.requests };
    if (used !== undefined) {
      m.cpu = used / wall;
      if (result.requests > 0) m.cpuUsPerRequest = (used * 1e6) / result.requests;
      if (coreBefore && coreAfter) {
        const others = coreAfter.busy - coreBefore.busy - used + (coreAfter.steal - coreBefore.steal);
        m.interference = Math.max(0, others / wall);
      }
    }
    const problems: string[] = [];
    if (result.non2xx > 0) problems.push(`${fmt(result.non2xx)} non-2xx/3xx responses`);
    if (result.socketErrors > 0) problems.push(`${fmt(result.socketErrors)} socket errors`);
    if (!Number.isFinite(result.rps)) problems.push(`wrk printed no figures:\n${result.raw.slice(-1000)}`);
    if (problems.length > 0) m.invalid = problems.join(', ');
    return m;
  } catch (err) {
    return { row, invalid: `failed: ${(err as Error).message}` };
  } finally {
    await proc?.stop();
  }
}

function profileOf(dir: string, row: Row, round: number): string | undefined {
  const d = profileDirOf(dir, row, round);
  if (!existsSync(d)) return undefined;
  // A row measured again leaves several; V8 names them by time, and the last one is the one kept.
  const f = readdirSync(d)
    .filter((n) => n.endsWith('.cpuprofile'))
    .sort()
    .at(-1);
  return f ? join(d, f) : undefined;
}

const profileDirOf = (dir: string, row: Row, round: number): string => join(dir, 'profiles', `${row.id}-round${round + 1}`);

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** A row's rounds in one line of figures: medians, and invalid when any round was. */
interface Combined {
  row: Row;
  runs: readonly Measured[];
  rps: number;
  p50ms: number;
  p99ms: number;
  non2xx: number;
  cpu?: number;
  cpuUsPerRequest?: number;
  interference?: number;
  invalid?: string;
  skipped?: string;
}

function combine(row: Row, runs: readonly Measured[]): Combined {
  const results = runs.flatMap((m) => (m.result ? [m.result] : []));
  const defined = (xs: ReadonlyArray<number | undefined>) => xs.filter((x): x is number => x !== undefined);
  const cpu = defined(runs.map((m) => m.cpu));
  const perReq = defined(runs.map((m) => m.cpuUsPerRequest));
  const others = defined(runs.map((m) => m.interference));
  const invalid = runs.flatMap((m, i) => (m.invalid ? [runs.length > 1 ? `round ${i + 1}: ${m.invalid}` : m.invalid] : []));
  const skipped = runs.find((m) => m.skipped)?.skipped;
  return {
    row,
    runs,
    rps: median(results.map((r) => r.rps)),
    p50ms: median(results.map((r) => r.p50ms)),
    p99ms: median(results.map((r) => r.p99ms)),
    non2xx: results.reduce((a, r) => a + r.non2xx, 0),
    ...(cpu.length > 0 ? { cpu: median(cpu) } : {}),
    ...(perReq.length > 0 ? { cpuUsPerRequest: median(perReq) } : {}),
    ...(others.length > 0 ? { interference: median(others) } : {}),
    ...(invalid.length > 0 ? { invalid: invalid.join('; ') } : {}),
    ...(skipped ? { skipped } : {}),
  };
}

async function main(): Promise<void> {
  if (!has('wrk')) {
    process.stderr.write('bench:abuse needs wrk: apt-get install -y wrk\n');
    process.exit(1);
  }
  const dir = tmp('palisade-abuse-');
  const { sut, load } = cpus();
  const body = orderBody(BODY_BYTES);
  const openapi = join(dir, 'openapi.json');
  writeFileSync(openapi, JSON.stringify(openApiDocument(), null, 2));
  const script = postScript(dir, body);
  const redisUrl = new URL(REDIS_URL);
  const redisDown = await redisReachable(redisUrl);
  const selected = rows(body).filter((r) => !ONLY || ONLY.includes(r.id));

  process.stdout.write(
    `bench:abuse  wrk -t1 -c${CONNECTIONS} -d${SECONDS}s (after ${WARMUP}s warm-up)${ROUNDS > 1 ? ` x ${ROUNDS} rounds, medians` : ''}  gateway on CPU ${sut}, wrk + static upstream on CPU ${load}\n` +
      `  POST body: ${fmt(Buffer.byteLength(body))} bytes of JSON (${(JSON.parse(body) as { items: unknown[] }).items.length} line items), valid against the OpenAPI 3.1 document${PROFILE ? ` ${openapi}` : ''}\n` +
      `  Redis: ${redisDown ? `not reachable at ${REDIS_URL} (${redisDown})` : `${REDIS_URL}, key prefix ${REDIS_PREFIX}`}\n\n`,
  );

  const upstreamPort = await freePort();
  const upstream = startPinned(load, process.execPath, [join(import.meta.dirname ?? '.', 'static-upstream.js')], { PORT: String(upstreamPort), NODE_ENV: 'production' });
  await waitForPort(upstreamPort, 20_000, upstream.child);

  const runs = new Map<Row['id'], Measured[]>(selected.map((r) => [r.id, []]));
  try {
    for (let round = 0; round < ROUNDS; round++) {
      // Every other round runs backwards, so slow drift of the machine does not always favour the same rows.
      const order = round % 2 === 0 ? selected : [...selected].reverse();
      for (const row of order) {
        const tag = `  ${ROUNDS > 1 ? `[${round + 1}/${ROUNDS}] ` : ''}${row.id}) ${row.name}`;
        if (row.redis && redisDown) {
          const skipped = `Redis not reachable at ${REDIS_URL}; start one with: redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no (or set BENCH_REDIS_URL)`;
          runs.get(row.id)!.push({ row, skipped });
          process.stdout.write(`${tag}: skipped: ${skipped}\n`);
          continue;
        }
        let m = await measure(row, upstreamPort, dir, openapi, { script, body }, PROFILE ? profileDirOf(dir, row, round) : undefined);
        // Another job on the gateway's core makes a row slow for no reason of its own: measure it again.
        for (let retry = 1; retry <= RETRIES && !row.redis && !m.invalid && (m.interference ?? 0) > DISTURBED; retry++) {
          process.stdout.write(`${tag}: ${fmt(m.result?.rps ?? NaN)} req/s, but others took ${((m.interference ?? 0) * 100).toFixed(0)}% of the gateway's core; measuring again\n`);
          m = await measure(row, upstreamPort, dir, openapi, { script, body }, PROFILE ? profileDirOf(dir, row, round) : undefined);
        }
        runs.get(row.id)!.push(m);
        const r = m.result;
        process.stdout.write(`${tag}: ${r ? `${fmt(r.rps)} req/s` : ''}${m.invalid ? `  INVALID: ${m.invalid}` : ''}\n`);
      }
    }
  } finally {
    await upstream.stop();
    if (!redisDown) {
      const n = await redisCleanup(redisUrl).catch(() => NaN);
      if (!Number.isFinite(n)) process.stdout.write(`  (could not delete this run's Redis keys ${REDIS_PREFIX}*)\n`);
    }
  }

  const measured = new Map(selected.map((r) => [r.id, combine(r, runs.get(r.id)!)]));
  const head = [['row', 'req/s', 'p50 ms', 'p99 ms', 'non-2xx', 'gateway CPU', 'others on its core', 'CPU µs/req', 'valid']];
  const lines = [...measured.values()].map((m) => [
    `${m.row.id}) ${m.row.name}`,
    fmt(m.rps),
    fmt(m.p50ms, 2),
    fmt(m.p99ms, 2),
    m.skipped ? '-' : fmt(m.non2xx),
    m.cpu !== undefined ? `${(m.cpu * 100).toFixed(0)}%` : '-',
    m.interference !== undefined ? `${(m.interference * 100).toFixed(0)}%` : '-',
    m.cpuUsPerRequest !== undefined ? fmt(m.cpuUsPerRequest, 1) : '-',
    m.skipped ? 'skipped' : m.invalid ? 'NO' : 'yes',
  ]);
  process.stdout.write('\n' + table([...head, ...lines]) + '\n\n');

  const isDisturbed = (m: Combined) => !m.row.redis && m.interference !== undefined && m.interference > DISTURBED;
  const ratio = (x: Row['id'], base: Row['id'], goal?: number): string[] => {
    const a = measured.get(x);
    const b = measured.get(base);
    const label = `${x}/${base}  ${a?.row.name ?? x} / ${b?.row.name ?? base}`;
    const goalText = goal !== undefined ? `>= ${goal.toFixed(2)}` : '';
    if (!a || !b || a.skipped || b.skipped) return [label, 'n/a', goalText, '-', '-', '-', ''];
    // Rounds pair a row with its baseline measured next to it; the median of those pairs is the figure.
    const perRound = a.runs.flatMap((m, i) => {
      const y = b.runs[i]?.result;
      return m.result && y ? [m.result.rps / y.rps] : [];
    });
    const v = median(perRound);
    const both = a.cpuUsPerRequest !== undefined && b.cpuUsPerRequest !== undefined;
    // What the ratio would be were the gateway alone on its core: others' load inflates CPU time far less than it cuts req/s.
    const byCpu = both ? (b.cpuUsPerRequest! / a.cpuUsPerRequest!).toFixed(3) : '-';
    const cost = both ? fmt(a.cpuUsPerRequest! - b.cpuUsPerRequest!, 1) : '-';
    let met = goal === undefined ? '' : v >= goal ? 'met' : 'NOT MET';
    if (a.invalid || b.invalid) met = 'invalid run';
    else if (met && (isDisturbed(a) || isDisturbed(b))) met += ' (disturbed)';
    return [label, v.toFixed(3), goalText, met, byCpu, cost, perRound.length > 1 ? perRound.map((r) => r.toFixed(3)).join(' ') : ''];
  };
  const ratios: Array<[Row['id'], Row['id'], number | undefined]> = [
    ['b', 'a', 0.95],
    ['c', 'a', 0.8],
    ['e', 'd', 0.85],
    ['d', 'a', undefined],
  ];
  process.stdout.write(
    table([
      ['ratio (req/s)', 'value', 'goal', 'goal met', 'by CPU µs/req', 'CPU µs/req added', ROUNDS > 1 ? 'per round' : ''],
      ...ratios.filter(([x, y]) => measured.has(x) && measured.has(y)).map(([x, y, g]) => ratio(x, y, g)),
    ]) + '\n',
  );
  // A core left idle means the gateway waited: on wrk, the upstream or Redis, not on its own code.
  const unsaturated = [...measured.values()].filter((m) => m.cpu !== undefined && m.cpu + (m.interference ?? 0) < SATURATED);
  if (unsaturated.length > 0) {
    process.stdout.write(
      `\nnote: the gateway's core was idle more than ${((1 - SATURATED) * 100).toFixed(0)}% of the time in ${unsaturated.map((m) => m.row.id).join(', ')}: the load side (wrk + upstream) or Redis limited those rows, so their ratios understate or overstate the gateway's own cost.\n`,
    );
  }

  const disturbed = [...measured.values()].filter(isDisturbed);
  if (disturbed.length > 0) {
    process.stdout.write(
      `\nnote: other processes took more than ${DISTURBED * 100}% of the gateway's core in ${disturbed.map((m) => m.row.id).join(', ')}: the machine is shared or busy, so those figures are low; run again, or with BENCH_ROUNDS=3.\n`,
    );
  }
  if (ROUNDS === 1) process.stdout.write('\nOne round: on a shared machine a ratio moves by several hundredths between runs; BENCH_ROUNDS=3 gives medians.\n');

  // Configurations, stores and the document are of no use after the run; profiles are.
  if (!PROFILE) rmSync(dir, { recursive: true, force: true });
  if (PROFILE) {
    process.stdout.write(`\nCPU profiles: ${join(dir, 'profiles')} (profiling slows every row; read the ratios from a run without it)\n`);
    const summaries = new Map<Row['id'], { s: ProfileSummary; requests: number }>();
    for (const m of measured.values()) {
      const f = profileOf(dir, m.row, 0);
      const requests = m.runs[0]?.requestsServed;
      if (!f || !requests) continue;
      const s = summariseProfile(f, STAGE_MARKERS);
      summaries.set(m.row.id, { s, requests });
      process.stdout.write(`\n=== ${m.row.id}) ${m.row.name}: ${f}\n${formatSummary(s, 12)}\n`);
    }
    for (const [x, base, goal] of ratios) {
      const a = summaries.get(x);
      const b = summaries.get(base);
      // Only the stage rows: POST against GET is body handling, not a protection.
      if (a && b && goal !== undefined) process.stdout.write(`\n=== what ${x}) adds to ${base}) (round 1 profiles; start-up included)\n${diffPerRequest(b.s, b.requests, a.s, a.requests)}\n`);
    }
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:abuse failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});

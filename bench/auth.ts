// npm run bench:auth — what identity costs the gateway, as ratios to pass-through in the same run
// and against the same static upstream:
//   per method: JWT HS256 (shared secret), RS256 and ES256 (keys from a JWKS URL, cached), API key
//   (hashed, in the SQLite store), each with a fresh token per request (the verified-token cache
//   never hits: the full signature check every time) and, for ES256, with tokens reused the way a
//   client reuses its access token until it expires;
//   then ES256 + RBAC (a role rule) + an ownership rule (path.userId == principal.id), and the same
//   with response property filtering.
// Goal (the issue): ES256 + RBAC + ownership >= 0.75 of pass-through.
// Every row sends the same requests (an Authorization header, a /users/{id}/orders path) through
// the same wrk script, so the only difference is the stages. Benchmarks measure, never assert.
//
//   BENCH_SECONDS=10 BENCH_CONNECTIONS=64 npm run bench:auth
//   BENCH_ROWS=a,d,g npm run bench:auth     # only some rows
//   BENCH_ROUNDS=3 npm run bench:auth       # rows repeated, medians
//   BENCH_TOKENS=20000 npm run bench:auth   # distinct tokens in the "fresh" rows (default 20,000)
//   BENCH_CPU_PROF=1 npm run bench:auth     # also profiles each gateway and prints where its CPU went
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import type { JWK } from 'jose';
import type { PalisadeConfigInput } from 'palisade';
import { formatSummary, summariseProfile, urlMarker } from './cpuprofile.js';
import { PALISADE_BIN, PASS_THROUGH, cpuSeconds, cpus, fmt, freePort, has, runWrk, startPalisade, startPinned, table, tmp, waitForPort } from './lib.js';
import type { Defaults, Proc, WrkResult } from './lib.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64);
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 1));
const ONLY = process.env.BENCH_ROWS?.split(',').map((s) => s.trim()).filter(Boolean);
/** More than the verifier's cache (4,096), so the "fresh" rows verify every signature. */
const FRESH_TOKENS = Number(process.env.BENCH_TOKENS ?? 20_000);
/** One token per connection: what 64 clients holding their access tokens send. */
const REUSED_TOKENS = CONNECTIONS;
const API_KEYS = 16;
const PROFILE = process.env.BENCH_CPU_PROF === '1';
const ISSUER = 'https://login.bench.test';
const AUDIENCE = 'https://api.bench.test';

type Alg = 'HS256' | 'RS256' | 'ES256';

const OPENAPI = {
  openapi: '3.1.0',
  info: { title: 'bench orders', version: '1.0.0' },
  paths: {
    '/users/{userId}/orders': {
      get: {
        operationId: 'listOrders',
        parameters: [{ name: 'userId', in: 'path', required: true, schema: { type: 'string' } }],
        responses: { '200': { description: 'the orders' } },
      },
    },
  },
};

interface Keys {
  secret: string;
  jwksUrl: string;
  sign(alg: Alg, sub: string): Promise<string>;
  close(): Promise<void>;
}

/** Key pairs for RS256 and ES256 published as a JWKS on loopback (fetched once by the gateway), and an HS256 secret. */
async function keys(): Promise<Keys> {
  const rs = await generateKeyPair('RS256');
  const es = await generateKeyPair('ES256');
  const secret = randomBytes(48).toString('base64url');
  const jwks: { keys: JWK[] } = {
    keys: [
      { ...(await exportJWK(rs.publicKey)), kid: 'rs-1', alg: 'RS256', use: 'sig' },
      { ...(await exportJWK(es.publicKey)), kid: 'es-1', alg: 'ES256', use: 'sig' },
    ],
  };
  const body = JSON.stringify(jwks);
  const server = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(body));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const hmac = new TextEncoder().encode(secret);
  return {
    secret,
    jwksUrl: `http://127.0.0.1:${port}/jwks.json`,
    sign(alg, sub) {
      const kid = alg === 'RS256' ? 'rs-1' : alg === 'ES256' ? 'es-1' : undefined;
      const jwt = new SignJWT({ roles: ['customer'], scope: 'orders:read' })
        .setProtectedHeader({ alg, typ: 'JWT', ...(kid ? { kid } : {}) })
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setSubject(sub)
        .setIssuedAt()
        .setExpirationTime('2h');
      return jwt.sign(alg === 'HS256' ? hmac : alg === 'RS256' ? rs.privateKey : es.privateKey);
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** A wrk script cycling through (Authorization, path) pairs: one request, the next pair. */
function script(dir: string, name: string, pairs: ReadonlyArray<readonly [string, string]>): string {
  const file = join(dir, `${name}.lua`);
  const lua = (s: string) => JSON.stringify(s); // tokens and paths are ASCII without quotes or backslashes
  writeFileSync(
    file,
    `local auth = {${pairs.map((p) => lua(p[0])).join(',')}}\n` +
      `local paths = {${pairs.map((p) => lua(p[1])).join(',')}}\n` +
      `local n = #auth\nlocal i = 0\n` +
      `request = function()\n  i = i + 1\n  if i > n then i = 1 end\n  return wrk.format("GET", paths[i], { ["Authorization"] = auth[i] })\nend\n`,
  );
  return file;
}

async function tokenPairs(k: Keys, alg: Alg, count: number): Promise<Array<[string, string]>> {
  const out: Array<[string, string]> = [];
  for (let i = 0; i < count; i++) {
    const sub = `user-${i}`;
    out.push([`Bearer ${await k.sign(alg, sub)}`, `/users/${sub}/orders`]);
  }
  return out;
}

/** Keys issued through the CLI, as an operator would: `palisade keys create`. */
function apiKeys(configFile: string, count: number): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (let i = 0; i < count; i++) {
    const r = spawnSync(process.execPath, [PALISADE_BIN, 'keys', 'create', '-c', configFile, '--api', 'bench', '--name', `bench ${i}`, '--scopes', 'orders:read'], { encoding: 'utf8' });
    const key = /pal_[A-Za-z0-9_-]+/.exec(r.stdout)?.[0];
    if (r.status !== 0 || !key) throw new Error(`palisade keys create failed (${r.status}): ${r.stderr || r.stdout}`);
    out.push([`ApiKey ${key}`, `/users/key-${i}/orders`]);
  }
  return out;
}

interface Row {
  id: string;
  name: string;
  defaults(k: Keys): Defaults;
  /** Which requests wrk sends. */
  pairs: 'es-reused' | 'hs-fresh' | 'rs-fresh' | 'es-fresh' | 'apikey';
  /** What the first request must show for the row to count: the stages really ran. */
  expect?: (r: { status: number; body: string }) => string | undefined;
}

const jwt = (k: Keys, alg: Alg): NonNullable<Defaults['authenticate']> => ({
  enabled: true,
  methods: ['jwt'],
  jwt: { issuer: ISSUER, audience: AUDIENCE, algorithms: [alg], ...(alg === 'HS256' ? { secret: k.secret } : { jwksUrl: k.jwksUrl }) },
});

const RBAC_OWNER: NonNullable<Defaults['authorize']> = {
  enabled: true,
  rules: [{ name: 'own-orders', operations: ['listOrders'], roles: ['customer'], owner: 'path.userId == principal.id' }],
};

const FILTERED: NonNullable<Defaults['authorize']> = {
  enabled: true,
  rules: [{ name: 'own-orders', operations: ['listOrders'], roles: ['customer'], owner: 'path.userId == principal.id', readable: { customer: ['status', 'items[].id', 'items[].name'] } }],
};

const ROWS: Row[] = [
  { id: 'a', name: 'pass-through', defaults: () => PASS_THROUGH, pairs: 'es-reused' },
  { id: 'b', name: 'JWT HS256, fresh tokens', defaults: (k) => ({ ...PASS_THROUGH, authenticate: jwt(k, 'HS256') }), pairs: 'hs-fresh' },
  { id: 'c', name: 'JWT RS256 JWKS, fresh tokens', defaults: (k) => ({ ...PASS_THROUGH, authenticate: jwt(k, 'RS256') }), pairs: 'rs-fresh' },
  { id: 'd', name: 'JWT ES256 JWKS, fresh tokens', defaults: (k) => ({ ...PASS_THROUGH, authenticate: jwt(k, 'ES256') }), pairs: 'es-fresh' },
  { id: 'e', name: 'JWT ES256 JWKS, reused tokens', defaults: (k) => ({ ...PASS_THROUGH, authenticate: jwt(k, 'ES256') }), pairs: 'es-reused' },
  { id: 'f', name: `API key (${API_KEYS} keys)`, defaults: () => ({ ...PASS_THROUGH, authenticate: { enabled: true, methods: ['apiKey'] } }), pairs: 'apikey' },
  { id: 'g', name: 'ES256 reused + RBAC + owner', defaults: (k) => ({ ...PASS_THROUGH, authenticate: jwt(k, 'ES256'), authorize: RBAC_OWNER }), pairs: 'es-reused' },
  { id: 'h', name: 'ES256 fresh + RBAC + owner', defaults: (k) => ({ ...PASS_THROUGH, authenticate: jwt(k, 'ES256'), authorize: RBAC_OWNER }), pairs: 'es-fresh' },
  {
    id: 'i',
    name: 'ES256 reused + RBAC + owner + property filter',
    defaults: (k) => ({ ...PASS_THROUGH, authenticate: jwt(k, 'ES256'), authorize: FILTERED }),
    pairs: 'es-reused',
    expect: (r) => (r.body.includes('price') ? 'the response still has price: property filtering did not run' : undefined),
  },
];

interface Measured {
  result?: WrkResult;
  cpuUsPerRequest?: number;
  invalid?: string;
}

function config(row: Row, k: Keys, upstreamPort: number, port: number, dir: string, openapi: string): PalisadeConfigInput {
  return {
    gateway: { listen: { host: '127.0.0.1', port } },
    admin: { enabled: false },
    store: { path: join(dir, 'bench.db') },
    log: { level: 'warn' },
    apis: [{ name: 'bench', upstream: `http://127.0.0.1:${upstreamPort}`, openapi }],
    defaults: row.defaults(k),
  };
}

async function once(url: string, auth: string): Promise<{ status: number; body: string }> {
  const r = await fetch(url, { headers: { authorization: auth } });
  return { status: r.status, body: await r.text() };
}

async function measure(row: Row, k: Keys, pairs: ReadonlyArray<readonly [string, string]>, luaFile: string, upstreamPort: number, dir: string, openapi: string): Promise<Measured> {
  const port = await freePort();
  const file = join(dir, `${row.id}.yaml`);
  writeFileSync(file, JSON.stringify(config(row, k, upstreamPort, port, dir, openapi), null, 2));
  let proc: Proc | undefined;
  try {
    proc = await startPalisade(file, port, PROFILE ? join(dir, 'profiles', row.id) : undefined);
    const base = `http://127.0.0.1:${port}`;
    const [auth, path] = pairs[0]!;
    const first = await once(base + path, auth);
    if (first.status !== 200) return { invalid: `a single request was answered ${first.status}: ${first.body.slice(0, 300)}` };
    const why = row.expect?.(first);
    if (why) return { invalid: why };
    // The stages are on: someone else's orders must be refused where an owner rule applies.
    if (row.defaults(k).authorize) {
      const other = pairs[1] ?? pairs[0]!;
      const cross = await once(base + other[1], auth);
      if (cross.status !== 404 && cross.status !== 403) return { invalid: `another user's orders were answered ${cross.status}: the owner rule did not run` };
    } else if (row.defaults(k).authenticate) {
      const anon = await fetch(base + path);
      if (anon.status !== 401) return { invalid: `a request without credentials was answered ${anon.status}: authentication did not run` };
    }
    const wrk = { url: base, connections: CONNECTIONS, cpuList: cpus().load, script: luaFile };
    if (WARMUP > 0) await runWrk({ ...wrk, seconds: WARMUP });
    const before = cpuSeconds(proc.child.pid);
    const result = await runWrk({ ...wrk, seconds: SECONDS });
    const after = cpuSeconds(proc.child.pid);
    const m: Measured = { result };
    if (before !== undefined && after !== undefined && result.requests > 0) m.cpuUsPerRequest = ((after - before) * 1e6) / result.requests;
    if (result.non2xx > 0 || result.socketErrors > 0) m.invalid = `${fmt(result.non2xx)} non-2xx, ${fmt(result.socketErrors)} socket errors`;
    return m;
  } catch (err) {
    return { invalid: `failed: ${(err as Error).message}` };
  } finally {
    await proc?.stop();
  }
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

async function main(): Promise<void> {
  if (!has('wrk')) {
    process.stderr.write('bench:auth needs wrk: apt-get install -y wrk\n');
    process.exit(1);
  }
  const dir = tmp('palisade-auth-');
  const { sut, load } = cpus();
  const k = await keys();
  const openapi = join(dir, 'openapi.json');
  writeFileSync(openapi, JSON.stringify(OPENAPI));
  const selected = ROWS.filter((r) => !ONLY || ONLY.includes(r.id));
  const upstreamPort = await freePort();
  process.stdout.write(
    `bench:auth  wrk -t1 -c${CONNECTIONS} -d${SECONDS}s (after ${WARMUP}s warm-up)${ROUNDS > 1 ? ` x ${ROUNDS} rounds, medians` : ''}  gateway on CPU ${sut}, wrk + static upstream on CPU ${load}\n` +
      `  fresh rows: ${fmt(FRESH_TOKENS)} distinct tokens in turn (more than the verified-token cache holds); reused rows: ${REUSED_TOKENS} tokens\n\n`,
  );

  const pools = new Map<Row['pairs'], Array<[string, string]>>();
  const need = new Set(selected.map((r) => r.pairs));
  process.stdout.write('  signing tokens...\n');
  if (need.has('es-reused')) pools.set('es-reused', await tokenPairs(k, 'ES256', REUSED_TOKENS));
  if (need.has('hs-fresh')) pools.set('hs-fresh', await tokenPairs(k, 'HS256', FRESH_TOKENS));
  if (need.has('rs-fresh')) pools.set('rs-fresh', await tokenPairs(k, 'RS256', FRESH_TOKENS));
  if (need.has('es-fresh')) pools.set('es-fresh', await tokenPairs(k, 'ES256', FRESH_TOKENS));
  if (need.has('apikey')) {
    process.stdout.write(`  issuing ${API_KEYS} API keys with palisade keys create...\n`);
    const f = join(dir, 'keys.yaml');
    writeFileSync(f, JSON.stringify(config(ROWS[0]!, k, upstreamPort, 1, dir, openapi)));
    pools.set('apikey', apiKeys(f, API_KEYS));
  }
  const scripts = new Map([...pools].map(([name, pairs]) => [name, script(dir, name, pairs)]));

  const upstream = startPinned(load, process.execPath, [join(import.meta.dirname ?? '.', 'static-upstream.js')], { PORT: String(upstreamPort), NODE_ENV: 'production' });
  await waitForPort(upstreamPort, 20_000, upstream.child);
  const runs = new Map<string, Measured[]>(selected.map((r) => [r.id, []]));
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? selected : [...selected].reverse();
      for (const row of order) {
        const m = await measure(row, k, pools.get(row.pairs)!, scripts.get(row.pairs)!, upstreamPort, dir, openapi);
        runs.get(row.id)!.push(m);
        process.stdout.write(`  ${ROUNDS > 1 ? `[${round + 1}/${ROUNDS}] ` : ''}${row.id}) ${row.name}: ${m.result ? `${fmt(m.result.rps)} req/s` : ''}${m.invalid ? `  INVALID: ${m.invalid}` : ''}\n`);
      }
    }
  } finally {
    await upstream.stop();
    await k.close();
  }

  const rps = (id: string) => median(runs.get(id)!.flatMap((m) => (m.result ? [m.result.rps] : [])));
  const us = (id: string) => median(runs.get(id)!.flatMap((m) => (m.cpuUsPerRequest !== undefined ? [m.cpuUsPerRequest] : [])));
  const p99 = (id: string) => median(runs.get(id)!.flatMap((m) => (m.result ? [m.result.p99ms] : [])));
  const valid = (id: string) => runs.get(id)!.every((m) => !m.invalid);
  const base = selected.some((r) => r.id === 'a') ? 'a' : undefined;
  const lines = selected.map((r) => {
    const ratio = base ? rps(r.id) / rps(base) : NaN;
    const added = base ? us(r.id) - us(base) : NaN;
    const goal = r.id === 'g' || r.id === 'h' ? '>= 0.75' : '';
    const met = goal ? (ratio >= 0.75 ? 'met' : 'NOT MET') : '';
    return [`${r.id}) ${r.name}`, fmt(rps(r.id)), fmt(p99(r.id), 2), fmt(us(r.id), 1), r.id === base ? '-' : fmt(added, 1), r.id === base ? '1.000' : ratio.toFixed(3), goal, met, valid(r.id) ? 'yes' : 'NO'];
  });
  process.stdout.write(
    '\n' + table([['row', 'req/s', 'p99 ms', 'CPU µs/req', 'µs added', 'ratio to a', 'goal', 'goal met', 'valid'], ...lines]) + '\n',
  );
  process.stdout.write(
    '\n"µs added" is the gateway CPU one request costs beyond pass-through: the per-request price of the method or rule.\n' +
      'The goal row of the issue is g (a client reuses its access token, as OAuth clients do until it expires); h shows the worst case, a new token on every request.\n',
  );
  if (PROFILE) {
    const markers = [
      urlMarker('authenticate stage', '/shield/stages/authenticate.js'),
      urlMarker('  identity/', '/identity/'),
      urlMarker('  jose', '/node_modules/jose/'),
      urlMarker('authorize stage', '/shield/stages/authorize'),
    ];
    for (const r of selected) {
      const d = join(dir, 'profiles', r.id);
      const f = existsSync(d) ? readdirSync(d).filter((n) => n.endsWith('.cpuprofile')).sort().at(-1) : undefined;
      if (f) process.stdout.write(`\n=== ${r.id}) ${r.name}: ${join(d, f)}\n${formatSummary(summariseProfile(join(d, f), markers), 15)}\n`);
    }
    process.stdout.write(`\nprofiles kept in ${join(dir, 'profiles')}\n`);
  } else rmSync(dir, { recursive: true, force: true });
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:auth failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});

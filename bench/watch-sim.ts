// Traffic simulator for Watch's detectors: realistic benign traffic from many users (browsing,
// logins with typos, human pagination, mobile clients behind shared carrier-grade NAT addresses,
// app polling, partner API keys, a flash-sale burst, accidental WAF matches, deleted products) mixed
// with labelled attacks of every kind. Runs the real DetectionEngine and AlertManager on simulated
// time and reports, per detector: recall, false alerts per 100 000 benign requests, and time to
// detect (simulated time from an attack's first request to its alert).
//
//   npm run bench:watch -- [--benign 1000000] [--instances 12] [--seed 7]
//
// Benchmarks measure; they never assert. The baseline of the throughput ratio is the same traffic
// through decoding alone (templating, parsing), measured in the same run.
import type { AlertRecord, Exchange, ObservedExchange, WatchDetectSettings, DetectorKey } from 'palisade';
import { AlertManager, ConfigSchema, DetectionEngine, DETECTOR_IDS } from 'palisade';
import { rng } from './lib.js';

// ---------------------------------------------------------------- arguments and randomness

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : def;
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} must be a positive number`);
  return v;
}

const BENIGN_TARGET = arg('benign', 1_000_000);
const INSTANCES = arg('instances', 12);
const SEED = arg('seed', 7);

const R = rng(SEED);
const int = (lo: number, hi: number) => lo + Math.floor(R() * (hi - lo + 1));
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(R() * xs.length)]!;
const exp = (mean: number) => -Math.log(1 - R()) * mean;
/** Human think time: log-normal, median ~4 s, long tail. */
const think = () => Math.min(120_000, Math.exp(Math.log(4000) + 0.9 * gauss()));
function gauss(): number {
  return Math.sqrt(-2 * Math.log(1 - R())) * Math.cos(2 * Math.PI * R());
}

// ---------------------------------------------------------------- the world

const T0 = Date.UTC(2025, 5, 2, 8, 0, 0);
const MIN = 60_000;

/** Residential ISPs: a few hundred /16s, as real eyeball traffic concentrates. */
const ISP_NETS = Array.from({ length: 300 }, () => `${int(24, 223)}.${int(0, 255)}`);
const homeIp = () => `${pick(ISP_NETS)}.${int(0, 255)}.${int(1, 254)}`;
/** Carrier-grade NAT: many mobile users share each of a few hundred addresses. */
const CGNAT = Array.from({ length: 250 }, () => `100.${int(64, 127)}.${int(0, 255)}.${int(1, 254)}`);
/** Attackers: hosting ranges and botnets, disjoint from the users' networks by construction. */
const attackerIp = () => `${int(2, 23)}.${int(0, 255)}.${int(0, 255)}.${int(1, 254)}`;

const USERS = 60_000;
const PRODUCTS = 50_000;
interface User {
  id: string;
  email: string;
  home: string;
  mobile: boolean;
  orders: number[];
}
const users: User[] = Array.from({ length: USERS }, (_, i) => ({
  id: `u${i}`,
  email: `user${i}@mail.example`,
  home: homeIp(),
  mobile: R() < 0.4,
  orders: Array.from({ length: int(0, 8) }, () => int(1, 2_000_000)),
}));
const BROWSER_UAS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
  'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0',
];
const APP_UAS = ['ShopApp/5.2.1 (iPhone; iOS 17.4)', 'ShopApp/5.2.0 (Android 14; Pixel 8)', 'okhttp/4.12.0'];

// ---------------------------------------------------------------- exchanges

let seq = 0;
/** Attack instance of each exchange id (absent: benign). */
const label = new Map<string, number>();

interface Req {
  t: number;
  ip: string;
  method?: string;
  url: string;
  status: number;
  principal?: string;
  apiKey?: string;
  credential?: string;
  session?: string;
  ua: string;
  body?: string;
  responseBody?: string;
  waf?: string;
}

function make(r: Req, attack: number | undefined): ObservedExchange {
  const id = `e${++seq}`;
  if (attack !== undefined) label.set(id, attack);
  const x: Exchange = {
    id,
    startedAt: Math.round(r.t),
    method: r.method ?? 'GET',
    url: r.url,
    clientIp: r.ip,
    requestHeaders: { 'user-agent': r.ua },
    requestBytes: 0,
    status: r.status,
    responseHeaders: {},
    responseBytes: 0,
    timings: { total: 10 },
    verdicts: r.waf ? [{ stage: 'waf', outcome: 'deny', code: r.waf }] : [],
  };
  if (r.principal) x.principal = { id: r.principal, method: 'jwt', roles: [] };
  if (r.apiKey) x.principal = { id: r.apiKey, method: 'apiKey', roles: [] };
  if (r.body !== undefined) x.requestBodySample = r.body;
  if (r.responseBody !== undefined) x.responseBodySample = r.responseBody;
  return { exchange: x, ...(r.credential ? { credential: r.credential } : {}), ...(r.session ? { session: r.session } : {}) };
}

/** A source of requests in time order: a user session, a poller, an attack. Returns undefined when done. */
type Source = { next(): Req | undefined; attack?: number };

// ---------------------------------------------------------------- benign sources

const loginBody = (u: string) => JSON.stringify({ username: u, password: '[redacted]' });
const productList = (ids: number[]) => JSON.stringify({ items: ids.map((id) => ({ id, name: 'x' })) });
/** The flash sale: product traffic ×2.5 for ten minutes, a busy minute not an attack. */
const SALE_START = T0 + 150 * MIN;
const SALE_END = SALE_START + 10 * MIN;

function session(start: number): Source {
  const u = pick(users);
  const ip = u.mobile ? pick(CGNAT) : u.home;
  // Mobile users sometimes hop to home wifi mid-session: two networks for one token.
  const second = u.mobile && R() < 0.3 ? u.home : undefined;
  const ua = u.mobile ? pick(APP_UAS) : pick(BROWSER_UAS);
  const cred = `tok-${++seq}`;
  const sess = u.mobile ? undefined : `sess-${seq}`;
  const steps: Array<(t: number) => Req> = [];
  const auth = (r: Omit<Req, 'ip' | 'ua' | 't'>, t: number): Req => ({ ...r, t, ip: second && t > start + 5 * MIN ? second : ip, ua, principal: u.id, credential: cred, ...(sess ? { session: sess } : {}) });
  // Login, with the occasional typo (and rarely a forgotten password: a few failures, then gives up).
  const typo = R() < 0.06;
  const forgot = R() < 0.01;
  if (forgot) {
    for (let i = 0; i < int(2, 5); i++) steps.push((t) => ({ t, ip, ua, method: 'POST', url: '/api/login', status: 401, body: loginBody(u.email) }));
    if (R() < 0.5) steps.push((t) => ({ t, ip, ua, method: 'POST', url: '/api/password-reset', status: 202, body: JSON.stringify({ email: u.email }) }));
  } else {
    if (typo) steps.push((t) => ({ t, ip, ua, method: 'POST', url: '/api/login', status: 401, body: loginBody(R() < 0.5 ? u.email : u.email.replace('@', '@@')) }));
    steps.push((t) => ({ t, ip, ua, method: 'POST', url: '/api/login', status: 200, body: loginBody(u.email) }));
    // Browse: a listing (human pagination: a few pages), product views, own orders, a search.
    const visits = int(3, 30);
    let page = 1;
    let shown: number[] = [];
    for (let i = 0; i < visits; i++) {
      const k = R();
      if (k < 0.25) {
        const p = page;
        const ids = Array.from({ length: 20 }, () => int(1, PRODUCTS));
        shown = ids;
        steps.push((t) => auth({ url: `/api/products?page=${p}&limit=20`, status: 200, responseBody: productList(ids) }, t));
        page = R() < 0.4 ? page + 1 : 1;
      } else if (k < 0.6) {
        const id = shown.length && R() < 0.8 ? pick(shown) : int(1, PRODUCTS);
        steps.push((t) => auth({ url: `/api/products/${id}`, status: R() < 0.01 ? 404 : R() < 0.003 ? 500 : 200 }, t));
      } else if (k < 0.7 && u.orders.length) {
        steps.push((t) => auth({ url: '/api/orders', status: 200, responseBody: JSON.stringify({ orders: u.orders.map((id) => ({ id })) }) }, t));
        const o = pick(u.orders);
        steps.push((t) => auth({ url: `/api/orders/${o}`, status: 200 }, t));
      } else if (k < 0.85) {
        const q = pick(['shoes', 'red dress', "o'brien", 'usb c', 'lamp']);
        // An apostrophe in a name trips a WAF rule now and then: accidental, one-off.
        steps.push((t) => auth({ url: `/api/search?q=${encodeURIComponent(q)}`, status: R() < 0.005 ? 500 : 200, ...(q.includes("'") && R() < 0.3 ? { waf: 'attack-sqli' } : {}) }, t));
      } else if (k < 0.87) {
        // Looking someone up to share a wishlist: themselves or a friend, mostly found.
        const who = R() < 0.7 ? u.email : pick(users).email.replace('user', R() < 0.15 ? 'nobody' : 'user');
        steps.push((t) => auth({ url: `/api/users/lookup?email=${encodeURIComponent(who)}`, status: who.startsWith('nobody') ? 404 : 200 }, t));
      } else {
        steps.push((t) => auth({ url: '/api/cart', status: 200 }, t));
      }
    }
  }
  let t = start;
  let i = 0;
  // Mobile apps poll for notifications every 30 s, machine-regular, for the whole session.
  return {
    next() {
      if (i >= steps.length) return undefined;
      const r = steps[i++]!(t);
      const sale = t >= SALE_START && t < SALE_END;
      t += sale ? think() / 2.5 : think();
      return r;
    },
  };
}

const MOBILE = users.filter((x) => x.mobile);

function poller(start: number): Source {
  const u = pick(MOBILE);
  const ip = pick(CGNAT);
  const cred = `tok-p${++seq}`;
  let t = start;
  let n = int(10, 60);
  return {
    next() {
      if (n-- <= 0) return undefined;
      const r: Req = { t, ip, ua: APP_UAS[0]!, url: '/api/notifications', status: 200, principal: u.id, credential: cred };
      t += 30_000 + (R() - 0.5) * 200;
      return r;
    },
  };
}

/** A partner integration with an API key, calling from two servers in one data centre. */
function partner(start: number, k: number): Source {
  const net = `${int(24, 223)}.${int(0, 255)}`;
  const ips = [`${net}.10.1`, `${net}.10.2`];
  let t = start;
  let n = int(50, 200);
  return {
    next() {
      if (n-- <= 0) return undefined;
      const r: Req = { t, ip: pick(ips), ua: 'partner-sync/2.0', url: `/api/orders/${int(1, 2_000_000)}/status`, status: 200, apiKey: `partner-${k}`, credential: `key-${k}` };
      t += exp(8000);
      return r;
    },
  };
}

// ---------------------------------------------------------------- attacks

interface Attack {
  n: number;
  kind: DetectorKey;
  variant: string;
  start: number;
  source: Source;
}

function windowed(start: number, durationMs: number, gap: () => number, one: (t: number, i: number) => Req | undefined): Source {
  let t = start;
  let i = 0;
  return {
    next() {
      if (t > start + durationMs) return undefined;
      const r = one(t, i++);
      t += gap();
      return r ?? this.next();
    },
  };
}

function attack(kind: DetectorKey, n: number, start: number): Attack {
  const ip = attackerIp();
  const dur = int(4, 8) * MIN;
  const mk = (variant: string, source: Source): Attack => ({ n, kind, variant, start, source });
  switch (kind) {
    case 'credentialStuffing':
      return mk('one address, breached pairs', windowed(start, dur, () => exp(int(400, 1500)), (t) => ({ t, ip, ua: pick(BROWSER_UAS), method: 'POST', url: '/api/login', status: R() < 0.01 ? 200 : 401, body: loginBody(`leak${int(1, 1e7)}@mail.example`) })));
    case 'distributedStuffing': {
      const bots = Array.from({ length: 2000 }, attackerIp);
      return mk('botnet, a few attempts per address', windowed(start, dur, () => exp(int(100, 250)), (t) => ({ t, ip: pick(bots), ua: pick(BROWSER_UAS), method: 'POST', url: '/api/login', status: R() < 0.01 ? 200 : 401, body: loginBody(`leak${int(1, 1e7)}@mail.example`) })));
    }
    case 'bruteForce': {
      const victim = pick(users).email;
      const rotate = R() < 0.5;
      return mk(rotate ? 'rotating addresses' : 'one address', windowed(start, dur, () => exp(int(2000, 5000)), (t) => ({ t, ip: rotate ? attackerIp() : ip, ua: pick(BROWSER_UAS), method: 'POST', url: '/api/login', status: 401, body: loginBody(victim) })));
    }
    case 'bola': {
      const u = pick(users);
      const seqWalk = R() < 0.5;
      let id = int(1000, 1_000_000);
      return mk(seqWalk ? 'sequential ids' : 'random ids', windowed(start, dur, () => exp(int(500, 2000)), (t) => {
        id = seqWalk ? id + 1 : int(1, 2_000_000);
        return { t, ip: u.home, ua: pick(BROWSER_UAS), url: `/api/orders/${id}`, status: R() < 0.7 ? 403 : 200, principal: u.id, credential: `stolen-${n}` };
      }));
    }
    case 'scraping': {
      const pages = R() < 0.5;
      const gap = int(300, 1500);
      let p = 0;
      return mk(pages ? 'pagination walk' : 'regular crawl of product pages', windowed(start, dur, () => (pages ? exp(gap) : gap * (0.95 + R() * 0.1)), (t) => ({ t, ip, ua: pick(BROWSER_UAS), url: pages ? `/api/products?page=${++p}&limit=100` : `/api/products/${int(1, PRODUCTS)}`, status: 200 })));
    }
    case 'accountEnumeration':
      return mk('lookup oracle', windowed(start, dur, () => exp(int(500, 2000)), (t) => {
        const known = R() < 0.2;
        return { t, ip, ua: 'python-requests/2.31', url: `/api/users/lookup?email=${known ? pick(users).email : `guess${int(1, 1e7)}@corp.example`}`, status: known ? 200 : 404 };
      }));
    case 'tokenReuse': {
      const u = pick(users);
      const bots = Array.from({ length: 30 }, attackerIp);
      return mk('stolen token from many networks', windowed(start, dur, () => exp(int(2000, 6000)), (t) => ({ t, ip: pick(bots), ua: pick(APP_UAS), url: pick(['/api/me', '/api/orders', '/api/cart']), status: 200, principal: u.id, credential: `leaked-${n}` })));
    }
    case 'scanner': {
      const v = pick(['tool', 'wordlist', 'waf']);
      const tool = pick(['sqlmap/1.8.2#stable (https://sqlmap.org)', 'Mozilla/5.00 (Nikto/2.5.0) (Evasions:None) (Test:000001)', 'Nuclei - Open-source project (github.com/projectdiscovery/nuclei)', 'Fuzz Faster U Fool v2.1.0', 'gobuster/3.6', 'Mozilla/5.0 zgrab/0.x', 'masscan/1.3 (https://github.com/robertdavidgraham/masscan)']);
      return mk(v, windowed(start, dur, () => exp(int(50, 400)), (t, i) => {
        if (v === 'tool') return { t, ip, ua: tool, url: `/api/${pick(['admin', 'products', 'debug', 'users'])}?id=${i}`, status: pick([200, 404, 403]) };
        if (v === 'wordlist') return { t, ip, ua: pick(BROWSER_UAS), url: `/${pick(['admin', 'backup', '.env', '.git/config', 'wp-admin', 'api/v1/debug', 'server-status', 'phpinfo.php', 'config.json'])}${i % 50}`, status: 404 };
        return { t, ip, ua: pick(BROWSER_UAS), url: `/api/search?q=${i}`, status: 403, waf: pick(['attack-sqli', 'attack-xss', 'attack-rce', 'attack-lfi', 'attack-protocol']) };
      }));
    }
    case 'injection': {
      const u = R() < 0.5 ? pick(users) : undefined;
      return mk(u ? 'authenticated principal' : 'anonymous address', windowed(start, dur, () => exp(int(1000, 4000)), (t) => ({ t, ip, ua: pick(BROWSER_UAS), url: `/api/search?q=${encodeURIComponent("' or 1=1--")}`, status: 403, waf: R() < 0.8 ? 'attack-sqli' : 'attack-xss', ...(u ? { principal: u.id, credential: `inj-${n}` } : {}) })));
    }
    case 'errorSpike':
      // Crafted input that crashes the search backend: half the searches fail for a few minutes.
      return mk('crafted input crashing an endpoint', windowed(start, 3 * MIN, () => exp(int(150, 400)), (t) => ({ t, ip: attackerIp(), ua: pick(BROWSER_UAS), url: `/api/products/${int(1, PRODUCTS)}?fields=${'%F0'.repeat(int(100, 300))}`, status: 500 })));
    case 'trafficSpike': {
      const bots = Array.from({ length: 500 }, attackerIp);
      return mk('layer-7 flood on one endpoint', windowed(start, 3 * MIN, () => exp(int(10, 30)), (t) => ({ t, ip: pick(bots), ua: pick(BROWSER_UAS), url: `/api/search?q=${int(1, 1e6)}`, status: 200 })));
    }
  }
}

// ---------------------------------------------------------------- the run

/** A min-heap of sources by the time of their next request. */
class Heap {
  private a: Array<{ t: number; r: Req; s: Source }> = [];
  get size(): number {
    return this.a.length;
  }
  push(s: Source): void {
    const r = s.next();
    if (!r) return;
    const a = this.a;
    a.push({ t: r.t, r, s });
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p]!.t <= a[i]!.t) break;
      [a[p], a[i]] = [a[i]!, a[p]!];
      i = p;
    }
  }
  pop(): { r: Req; s: Source } | undefined {
    const a = this.a;
    if (a.length === 0) return undefined;
    const top = a[0]!;
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const rr = l + 1;
        let m = i;
        if (l < a.length && a[l]!.t < a[m]!.t) m = l;
        if (rr < a.length && a[rr]!.t < a[m]!.t) m = rr;
        if (m === i) break;
        [a[m], a[i]] = [a[i]!, a[m]!];
        i = m;
      }
    }
    return top;
  }
  peekTime(): number {
    return this.a[0]?.t ?? Infinity;
  }
}

function generate(): { traffic: ObservedExchange[]; attacks: Attack[]; benign: number } {
  // About 150 sessions a minute (~20 requests each on average): a million benign requests span
  // five hours or so, room for every attack instance to stand alone beyond the alert cooldown.
  const sessionRate = 2.5 / 1000; // per ms of simulated time
  const heap = new Heap();
  const attacks: Attack[] = [];
  const keys = Object.keys(DETECTOR_IDS) as DetectorKey[];
  // Attacks start after 45 minutes (baselines warm) and are spread over the run; global and
  // per-endpoint ones are spaced beyond the cooldown so each instance can alert on its own.
  const estMinutes = Math.ceil(BENIGN_TARGET / 3000) + 10;
  let n = 0;
  const span = estMinutes - 55;
  const slot = span / INSTANCES;
  keys.forEach((k, ki) => {
    for (let i = 0; i < INSTANCES; i++) {
      // Kinds are staggered within each slot, so attacks of different kinds rarely coincide.
      const at = slot * i + (slot * ki) / keys.length + R() * Math.max(1, slot / keys.length - 1);
      attacks.push(attack(k, n++, T0 + Math.round((45 + at) * MIN)));
    }
  });
  attacks.sort((a, b) => a.start - b.start);
  let ai = 0;
  const traffic: ObservedExchange[] = [];
  let benign = 0;
  let nextSession = T0;
  let partners = 0;
  for (;;) {
    // Benign traffic keeps flowing until the target is reached and every attack has started.
    const more = benign < BENIGN_TARGET || ai < attacks.length;
    if (more && nextSession <= heap.peekTime()) {
      const sale = nextSession >= SALE_START && nextSession < SALE_END;
      const k = R();
      if (k < 0.9) heap.push(session(nextSession));
      else if (k < 0.995) heap.push(poller(nextSession));
      else heap.push(partner(nextSession, partners++ % 40));
      nextSession += exp(1 / (sessionRate * (sale ? 2.5 : 1)));
      continue;
    }
    if (ai < attacks.length && attacks[ai]!.start <= heap.peekTime()) {
      const a = attacks[ai++]!;
      a.source.attack = a.n;
      heap.push(a.source);
      continue;
    }
    const top = heap.pop();
    if (!top) {
      if (!more) break;
      continue;
    }
    const isAttack = top.s.attack;
    traffic.push(make(top.r, isAttack));
    if (isAttack === undefined) benign++;
    heap.push(top.s);
  }
  return { traffic, attacks, benign };
}

function settings(): WatchDetectSettings {
  return ConfigSchema.parse({}).watch.detect;
}

async function main(): Promise<void> {
  const g0 = performance.now();
  const { traffic, attacks, benign } = generate();
  const genMs = performance.now() - g0;
  const simMinutes = (traffic.at(-1)!.exchange.startedAt - T0) / MIN;
  console.log(`generated ${traffic.length.toLocaleString('en')} exchanges (${benign.toLocaleString('en')} benign, ${(traffic.length - benign).toLocaleString('en')} attack) over ${simMinutes.toFixed(0)} simulated minutes in ${(genMs / 1000).toFixed(1)} s; ${attacks.length} attack instances, seed ${SEED}`);

  // Baseline: decoding only (templating, URL parsing), all detectors off.
  const off = settings();
  for (const k of Object.keys(off.detectors) as DetectorKey[]) off.detectors[k].enabled = false;
  const base = new DetectionEngine(off);
  const b0 = performance.now();
  for (const o of traffic) base.observe(o);
  const baseMs = performance.now() - b0;

  const s = settings();
  const engine = new DetectionEngine(s);
  const alerts: AlertRecord[] = [];
  const manager = new AlertManager({ detect: s, now: () => 0 });
  let peakRss = process.memoryUsage().rss;
  const detectedAt = new Map<string, number>(); // `${detector id}|${instance}` → first detection time
  const d0 = performance.now();
  for (let i = 0; i < traffic.length; i++) {
    for (const d of engine.observe(traffic[i]!)) {
      // Recall and time to detect are scored on detections (before deduplication: a repeat folded
      // into an open alert still detected its attack); false alerts on the alerts themselves.
      for (const id of d.samples) {
        const n = label.get(id);
        const k = `${d.detector.id}|${n}`;
        if (n !== undefined && !detectedAt.has(k)) detectedAt.set(k, d.at);
      }
      const a = await manager.handle(d);
      if (a) alerts.push(a);
    }
    if (i % 100_000 === 0) peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }
  const detMs = performance.now() - d0;
  peakRss = Math.max(peakRss, process.memoryUsage().rss);

  // Score: an alert is true when one of its sample exchanges belongs to an attack.
  const falseByDetector = new Map<string, AlertRecord[]>();
  for (const a of alerts) {
    if (a.sampleExchangeIds.some((id) => label.has(id))) continue;
    falseByDetector.set(a.detector, [...(falseByDetector.get(a.detector) ?? []), a]);
  }
  const rows: string[][] = [['detector', 'instances', 'detected', 'recall', 'false alerts', 'per 100k benign', 'TTD median s', 'TTD max s', 'other detectors that also fired']];
  let allRecall = 0;
  for (const k of Object.keys(DETECTOR_IDS) as DetectorKey[]) {
    const id = DETECTOR_IDS[k];
    const mine = attacks.filter((a) => a.kind === k);
    const ttd: number[] = [];
    const missed: string[] = [];
    for (const a of mine) {
      const at = detectedAt.get(`${id}|${a.n}`);
      if (at === undefined) missed.push(a.variant);
      else ttd.push((at - a.start) / 1000);
    }
    ttd.sort((x, y) => x - y);
    const also = new Set<string>();
    for (const a of mine) for (const other of Object.values(DETECTOR_IDS)) if (other !== id && detectedAt.has(`${other}|${a.n}`)) also.add(other.replace('PAL-WATCH-', ''));
    const f = falseByDetector.get(id) ?? [];
    const recall = mine.length ? ttd.length / mine.length : 1;
    allRecall += recall;
    rows.push([
      id,
      String(mine.length),
      String(ttd.length),
      `${(recall * 100).toFixed(1)} %${missed.length ? ` (missed: ${[...new Set(missed)].join('; ')})` : ''}`,
      String(f.length),
      ((f.length / benign) * 100_000).toFixed(2),
      ttd.length ? ttd[Math.floor(ttd.length / 2)]!.toFixed(1) : '-',
      ttd.length ? ttd[ttd.length - 1]!.toFixed(1) : '-',
      [...also].join(', ') || '-',
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i]!)).join('  '));
  const falseTotal = [...falseByDetector.values()].reduce((n, xs) => n + xs.length, 0);
  console.log(`\nmean recall ${((allRecall / Object.keys(DETECTOR_IDS).length) * 100).toFixed(1)} %, false alerts ${falseTotal} in ${benign.toLocaleString('en')} benign requests (${((falseTotal / benign) * 100_000).toFixed(2)} per 100 000)`);
  for (const [det, xs] of falseByDetector) for (const a of xs.slice(0, 3)) console.log(`  false: ${det} ${a.actor.kind}:${a.actor.id} ${a.endpoint ?? ''} ${JSON.stringify(a.figures)}`);
  console.log(`throughput: ${Math.round(traffic.length / (detMs / 1000)).toLocaleString('en')} exchanges/s with every detector vs ${Math.round(traffic.length / (baseMs / 1000)).toLocaleString('en')} decoding only (ratio ${(detMs / baseMs).toFixed(2)}×); tracked keys at the end ${engine.tracked().toLocaleString('en')}; peak RSS ${(peakRss / 1048576).toFixed(0)} MiB (the simulated traffic itself is held in memory)`);
  if (process.env.SIM_DEBUG) {
    const k = process.env.SIM_DEBUG as DetectorKey;
    for (const a of attacks.filter((x) => x.kind === k)) console.log(`instance ${a.n} ${a.variant} start ${((a.start - T0) / MIN).toFixed(1)} min`);
    for (const a of alerts.filter((x) => x.detector === DETECTOR_IDS[k])) console.log(`alert ${((a.firstSeenAt - T0) / MIN).toFixed(1)} min ${a.actor.id} ${JSON.stringify(a.figures)} samples ${a.sampleExchangeIds.map((id) => label.get(id) ?? '-').join(',')}`);
  }
}

await main();

// Each detector against a positive case (the attack shape) and a negative one (benign traffic
// that looks closest to it), through the whole engine: decoding, templating, detectors.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DetectionEngine } from './registry.js';
import type { Detection, DetectorKey } from './registry.js';
import type { ObservedExchange } from './event.js';
import { wafClassesOf } from './event.js';
import { credentialFingerprintsForTest, T0, detectSettings, ex } from './test-support.js';
import type { StageOutcome, WatchDetectSettings } from '../../core/index.js';

function run(xs: ObservedExchange[], patch?: (s: WatchDetectSettings) => void): Detection[] {
  const engine = new DetectionEngine(detectSettings(patch));
  const out: Detection[] = [];
  for (const x of xs) out.push(...engine.observe(x));
  return out;
}

function fired(ds: Detection[], key: DetectorKey): Detection[] {
  return ds.filter((d) => d.key === key);
}

const login = (t: number, ip: string, user: string, ok: boolean) =>
  ex({ t, ip, method: 'POST', url: '/api/login', status: ok ? 200 : 401, body: JSON.stringify({ username: user, password: '[redacted]' }) });

describe('credential stuffing', () => {
  it('fires on one address failing for many accounts', () => {
    const xs = Array.from({ length: 30 }, (_, i) => login(T0 + i * 1000, '203.0.113.5', `user${i}@mail.test`, i === 7));
    const d = fired(run(xs), 'credentialStuffing');
    assert.equal(d.length, 1);
    assert.deepEqual(d[0]!.actor, { kind: 'ip', id: '203.0.113.5' });
    assert.equal(d[0]!.figures['distinctAccounts'], 12);
    assert.ok(d[0]!.samples.length > 0);
  });
  it('stays quiet for a shared NAT address where most logins succeed', () => {
    // 200 users behind one address, one in five mistypes once.
    const xs: ObservedExchange[] = [];
    for (let i = 0; i < 200; i++) {
      if (i % 5 === 0) xs.push(login(T0 + i * 2000, '192.0.2.1', `u${i}`, false));
      xs.push(login(T0 + i * 2000 + 500, '192.0.2.1', `u${i}`, true));
    }
    assert.equal(fired(run(xs), 'credentialStuffing').length, 0);
  });
});

describe('distributed credential stuffing', () => {
  const benign = (from: number, minutes: number, out: ObservedExchange[]) => {
    for (let m = 0; m < minutes; m++) for (let i = 0; i < 30; i++) out.push(login(T0 + (from + m) * 60_000 + i * 1900, `10.0.${m % 200}.${i}`, `u${i}`, i % 12 !== 0));
  };
  it('fires when the failure ratio jumps far above its baseline, from many addresses', () => {
    const xs: ObservedExchange[] = [];
    benign(0, 40, xs);
    for (let i = 0; i < 120; i++) xs.push(login(T0 + 40 * 60_000 + i * 400, `100.${64 + (i % 50)}.${i}.9`, `victim${i}`, false));
    xs.sort((a, b) => a.exchange.startedAt - b.exchange.startedAt);
    const d = fired(run(xs), 'distributedStuffing');
    assert.equal(d.length, 1);
    assert.equal(d[0]!.actor.kind, 'global');
    assert.ok(d[0]!.at - (T0 + 40 * 60_000) < 60_000);
  });
  it('does not fire during warm-up nor on a steady ratio', () => {
    const xs: ObservedExchange[] = [];
    benign(0, 120, xs);
    assert.equal(fired(run(xs), 'distributedStuffing').length, 0);
    // An attack in the first minutes (warm-up) is not judged against a baseline that does not exist.
    const early = Array.from({ length: 100 }, (_, i) => login(T0 + i * 300, `100.64.${i}.1`, `v${i}`, false));
    assert.equal(fired(run(early), 'distributedStuffing').length, 0);
  });
});

describe('brute force', () => {
  it('fires on many failures for one account from rotating addresses, naming them', () => {
    const xs = Array.from({ length: 20 }, (_, i) => login(T0 + i * 20_000, `198.51.${i}.7`, 'alice@acme.test', false));
    const d = fired(run(xs), 'bruteForce');
    assert.equal(d.length, 1);
    assert.deepEqual(d[0]!.actor, { kind: 'account', id: 'alice@acme.test' });
    assert.ok((d[0]!.addresses ?? []).length >= 2);
  });
  it('fires on a burst of failures before the long window fills', () => {
    const xs = Array.from({ length: 10 }, (_, i) => login(T0 + i * 5_000, '198.51.100.4', 'carol@acme.test', false));
    const d = fired(run(xs), 'bruteForce');
    assert.equal(d.length, 1);
    assert.equal(d[0]!.at, T0 + 7 * 5_000, 'at the 8th failure (burstFailures)');
    assert.equal(d[0]!.figures.burstFailures, 8);
  });
  it('stays quiet for a person who gives up and for a script retrying a stale password every minute', () => {
    const person = Array.from({ length: 5 }, (_, i) => login(T0 + i * 4_000, '10.1.1.1', 'dave@acme.test', false));
    const script = Array.from({ length: 14 }, (_, i) => login(T0 + i * 60_000, '10.1.1.2', 'svc@acme.test', false));
    assert.equal(fired(run([...person, ...script].sort((a, b) => a.exchange.startedAt - b.exchange.startedAt)), 'bruteForce').length, 0);
  });
  it('stays quiet for typos spread over many accounts', () => {
    const xs = Array.from({ length: 3000 }, (_, i) => login(T0 + i * 300, `10.1.${i % 250}.1`, `user${i % 700}`, i % 4 === 0));
    assert.equal(fired(run(xs), 'bruteForce').length, 0);
  });
});

describe('BOLA', () => {
  it('fires on sequential ids walked by one principal', () => {
    const xs = Array.from({ length: 40 }, (_, i) => ex({ t: T0 + i * 500, url: `/api/orders/${1000 + i}`, principal: { id: 'mallory' }, status: 200 }));
    const d = fired(run(xs), 'bola');
    assert.equal(d.length, 1);
    assert.deepEqual(d[0]!.actor, { kind: 'principal', id: 'mallory' });
    assert.equal(d[0]!.endpoint, 'GET /api/orders/{orderId}');
  });
  it('fires on random ids mostly refused', () => {
    const xs = Array.from({ length: 40 }, (_, i) => ex({ t: T0 + i * 500, url: `/api/orders/${(i * 7919) % 100000}`, principal: { id: 'mallory' }, status: i % 3 === 0 ? 200 : 403 }));
    assert.equal(fired(run(xs), 'bola').length, 1);
  });
  it('stays quiet for a user opening many of their own (non-adjacent, allowed) objects', () => {
    const xs = Array.from({ length: 60 }, (_, i) => ex({ t: T0 + i * 5000, url: `/api/products/${(i * 7919) % 100000}`, principal: { id: 'bob' }, status: 200 }));
    assert.equal(fired(run(xs), 'bola').length, 0);
  });
});

describe('scraping', () => {
  it('fires on a long pagination walk', () => {
    const xs = Array.from({ length: 60 }, (_, i) => ex({ t: T0 + i * 700, url: `/api/products?page=${i + 1}&limit=50`, ip: '203.0.113.80' }));
    const d = fired(run(xs), 'scraping');
    assert.equal(d.length, 1);
    assert.equal(d[0]!.detail, 'pagination walk');
  });
  it('fires on machine-regular requests over many distinct URLs', () => {
    const xs = Array.from({ length: 150 }, (_, i) => ex({ t: T0 + i * 1000, url: `/api/products/${(i * 7919) % 100000}`, ip: '203.0.113.81' }));
    const d = fired(run(xs, (s) => (s.detectors.bola.enabled = false)), 'scraping');
    assert.equal(d.length, 1);
    assert.equal(d[0]!.detail, 'machine-regular timing');
  });
  it('stays quiet for a regular poller of one URL and for a human paging a little', () => {
    const poll = Array.from({ length: 300 }, (_, i) => ex({ t: T0 + i * 2000, url: '/api/notifications', principal: { id: 'phone' } }));
    const human = Array.from({ length: 8 }, (_, i) => ex({ t: T0 + i * 4000 + (i % 3) * 1700, url: `/api/products?page=${i + 1}`, principal: { id: 'h' } }));
    assert.equal(fired(run([...poll, ...human].sort((a, b) => a.exchange.startedAt - b.exchange.startedAt)), 'scraping').length, 0);
  });
});

describe('account enumeration', () => {
  it('fires on many identifiers looked up with many misses', () => {
    const xs = Array.from({ length: 30 }, (_, i) => ex({ t: T0 + i * 800, url: `/api/users/lookup?email=person${i}@corp.test`, ip: '203.0.113.9', status: i % 4 === 0 ? 200 : 404 }));
    const d = fired(run(xs), 'accountEnumeration');
    assert.equal(d.length, 1);
    assert.equal(d[0]!.endpoint, 'GET /api/users/lookup');
  });
  it('stays quiet for users behind one address finding themselves', () => {
    const xs = Array.from({ length: 40 }, (_, i) => ex({ t: T0 + i * 10_000, url: `/api/users/lookup?email=person${i}@corp.test`, ip: '192.0.2.44', status: i % 10 === 0 ? 404 : 200 }));
    assert.equal(fired(run(xs), 'accountEnumeration').length, 0);
  });
});

describe('token reuse', () => {
  it('fires on one token from many networks', () => {
    const tok = credentialFingerprintsForTest('Bearer eyJleak');
    const xs = Array.from({ length: 12 }, (_, i) => ex({ t: T0 + i * 3000, url: '/api/me', ip: `${20 + i}.${i}.1.1`, credential: tok }));
    const d = fired(run(xs), 'tokenReuse');
    assert.equal(d.length, 1);
    assert.deepEqual(d[0]!.actor, { kind: 'token', id: tok });
    assert.ok(d[0]!.addresses!.length >= 8);
  });
  it('stays quiet for a phone moving between wifi and mobile networks', () => {
    const xs = Array.from({ length: 100 }, (_, i) => ex({ t: T0 + i * 5000, url: '/api/me', ip: i % 2 ? `100.64.${i % 7}.3` : '81.2.69.160', credential: 'tokA', session: 's1' }));
    assert.equal(fired(run(xs), 'tokenReuse').length, 0);
  });
});

describe('scanner', () => {
  it('fires at once on an attack tool User-Agent', () => {
    const d = fired(run([ex({ t: T0, url: '/', ua: 'sqlmap/1.7.2#stable (https://sqlmap.org)', ip: '203.0.113.66' })]), 'scanner');
    assert.equal(d.length, 1);
    assert.equal(d[0]!.detail, 'sqlmap');
    assert.equal(d[0]!.severity, 'high');
  });
  it('fires on a wordlist walk of 404s', () => {
    const xs = Array.from({ length: 60 }, (_, i) => ex({ t: T0 + i * 200, url: `/${['admin', 'backup', '.git', 'wp-login.php', 'config'][i % 5]}${i}`, status: 404, ip: '203.0.113.67' }));
    assert.equal(fired(run(xs), 'scanner').length, 1);
  });
  it('fires on many WAF attack classes', () => {
    const xs = ['attack-sqli', 'attack-xss', 'attack-rce'].map((c, i) => ex({ t: T0 + i, url: '/api/x', waf: [c], ip: '203.0.113.68' }));
    assert.equal(fired(run(xs), 'scanner').length, 1);
  });
  it('stays quiet for ordinary browsers with a few 404s and words like "zappos" in the User-Agent', () => {
    const xs = Array.from({ length: 200 }, (_, i) => ex({ t: T0 + i * 1000, url: `/api/products/${i}`, status: i % 20 === 0 ? 404 : 200, ua: 'ZapposApp/3.1 (iPhone; iOS 17)' }));
    assert.equal(fired(run(xs), 'scanner').length, 0);
  });
});

describe('injection', () => {
  it('fires on repeated WAF matches from one actor', () => {
    const xs = Array.from({ length: 6 }, (_, i) => ex({ t: T0 + i * 1000, url: `/api/search?q=' or ${i}=${i}--`, waf: ['attack-sqli'], principal: { id: 'eve' } }));
    const d = fired(run(xs), 'injection');
    assert.equal(d.length, 1);
    assert.equal(d[0]!.figures['wafMatches'], 5);
  });
  it('stays quiet for one accidental match per user', () => {
    const xs = Array.from({ length: 50 }, (_, i) => ex({ t: T0 + i * 1000, url: '/api/search?q=O%27Brien', waf: i % 10 === 0 ? ['attack-sqli'] : [], principal: { id: `u${i}` } }));
    assert.equal(fired(run(xs), 'injection').length, 0);
  });
});

describe('error and traffic spikes', () => {
  const steady = (minutes: number, perMinute: number, errorEvery: number, out: ObservedExchange[], from = 0) => {
    for (let m = 0; m < minutes; m++) for (let i = 0; i < perMinute; i++) out.push(ex({ t: T0 + (from + m) * 60_000 + Math.floor((i * 60_000) / perMinute), url: `/api/items/${i}`, status: i % errorEvery === 0 ? 500 : 200, ip: `10.2.${i % 200}.1` }));
  };
  it('fires on an error spike after the warm-up', () => {
    const xs: ObservedExchange[] = [];
    steady(40, 100, 50, xs);
    steady(1, 100, 2, xs, 40);
    const d = fired(run(xs), 'errorSpike');
    assert.equal(d.length, 1);
    assert.equal(d[0]!.actor.kind, 'endpoint');
  });
  it('fires on a traffic spike after the warm-up, not on a doubling', () => {
    const xs: ObservedExchange[] = [];
    steady(40, 100, 1000, xs);
    steady(5, 200, 1000, xs, 40);
    assert.equal(fired(run(xs), 'trafficSpike').length, 0, 'twice the usual rate is a busy minute');
    steady(1, 1000, 1000, xs, 45);
    const d = fired(run(xs), 'trafficSpike');
    // Once per bucket it fills (the alert manager folds the repeats): the flood minute spans two.
    assert.ok(d.length >= 1 && d.length <= 2, `fired ${d.length} times`);
    assert.ok(d.every((x) => x.at >= T0 + 45 * 60_000 && x.at < T0 + 46 * 60_000));
  });
  it('judges the last bucketSeconds, so a flood starting late in a bucket fires before the next bucket fills', () => {
    const xs: ObservedExchange[] = [];
    steady(40, 100, 1000, xs);
    // 8 requests a second from 40:40: the bucket it starts in stays under 4× the baseline, and the
    // next one alone would reach it only ~41 s in (TTD ~61 s); the sliding rate gets there ~26 s in.
    const start = T0 + 40 * 60_000 + 40_000;
    const flood = Array.from({ length: 8 * 90 }, (_, i) => ex({ t: start + i * 125, url: `/api/items/${i % 100}`, ip: `10.9.${i % 200}.1` }));
    steady(3, 100, 1000, xs, 40);
    const d = fired(run([...xs, ...flood].sort((a, b) => a.exchange.startedAt - b.exchange.startedAt)), 'trafficSpike');
    assert.ok(d.length >= 1);
    assert.ok(d[0]!.at - start <= 50_000, `detected after ${(d[0]!.at - start) / 1000} s`);
  });
  it('adopts a lasting change of level after ten buckets instead of alerting forever', () => {
    const xs: ObservedExchange[] = [];
    steady(40, 100, 1000, xs);
    steady(60, 800, 1000, xs, 40);
    const d = fired(run(xs, (s) => (s.cooldownMinutes = 1)), 'trafficSpike');
    assert.ok(d.length >= 10 && d.length <= 12, `fired ${d.length} times`);
    assert.ok(d.at(-1)!.at < T0 + 55 * 60_000, 'quiet once the new level is learnt');
  });
  it('stays quiet on steady traffic with its usual errors', () => {
    const xs: ObservedExchange[] = [];
    steady(90, 100, 50, xs);
    const ds = run(xs);
    assert.equal(fired(ds, 'errorSpike').length + fired(ds, 'trafficSpike').length, 0);
  });
});

describe('attack classes from the WAF stage', () => {
  it('reads the classes the WAF stage records (CRS attack-* tags), blocked or only scored', () => {
    const base = ex({ t: T0, url: '/api/search' }).exchange;
    const waf = (outcome: StageOutcome['outcome'], attacks: string[], code?: string): StageOutcome => ({
      stage: 'waf',
      outcome,
      ...(code ? { code } : {}),
      waf: { mode: 'blocking', inboundScore: 10, outboundScore: 0, attacks, matched: [] },
    });
    assert.deepEqual(wafClassesOf({ ...base, verdicts: [waf('deny', ['attack-sqli', 'attack-xss'], 'waf-blocked')] }), ['attack-sqli', 'attack-xss']);
    assert.deepEqual(wafClassesOf({ ...base, verdicts: [waf('continue', ['attack-rce'])] }), ['attack-rce']);
    assert.deepEqual(wafClassesOf({ ...base, verdicts: [waf('continue', [])] }), []);
    assert.deepEqual(wafClassesOf({ ...base, verdicts: [{ stage: 'contract', outcome: 'deny', code: 'contract-violation' }] }), []);
  });
});

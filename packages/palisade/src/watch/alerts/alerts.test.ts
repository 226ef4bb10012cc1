// Alert deduplication and cooldown, automatic responses, and every sink against a local server.
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { after, describe, it } from 'node:test';
import type { AlertRecord, AlertStore } from '../../core/index.js';
import type { Detection } from '../detect/registry.js';
import { detectSettings, T0 } from '../detect/test-support.js';
import { AlertManager } from './manager.js';
import type { AlertSink } from './manager.js';
import { SIGNATURE_HEADER, slackSink, verifySignature, webhookSink, signatureHeader } from './http-sink.js';
import { StdoutSink, SyslogSink, formatSyslog } from './syslog-sink.js';
import { buildSinks } from './sinks.js';

const scanner = { id: 'PAL-WATCH-SCANNER', title: 'Scanner', category: 'API8:2023' as const, severity: 'medium' as const, remediation: 'Block it.' };

function detection(at: number, over: Partial<Detection> = {}): Detection {
  return { detector: scanner, key: 'scanner', at, actor: { kind: 'ip', id: '203.0.113.9' }, figures: { requests: 50 }, samples: [`x${at}`], ...over };
}

class MemAlerts implements AlertStore {
  rows = new Map<string, AlertRecord>();
  writes = 0;
  async upsert(a: AlertRecord) {
    this.writes++;
    this.rows.set(a.id, structuredClone(a));
  }
  async get(id: string) {
    return this.rows.get(id);
  }
  async list() {
    return [...this.rows.values()];
  }
  async prune() {
    return 0;
  }
}

class MemSink implements AlertSink {
  readonly name = 'mem';
  readonly stats = { sent: 0, failed: 0, dropped: 0 };
  got: AlertRecord[] = [];
  send(a: AlertRecord) {
    this.got.push(a);
  }
  async close() {}
}

describe('alert manager', () => {
  it('folds repeats of one (detector, actor, endpoint) within the cooldown, then alerts again', async () => {
    const store = new MemAlerts();
    const sink = new MemSink();
    const m = new AlertManager({ detect: detectSettings((s) => (s.cooldownMinutes = 10)), store, sinks: [sink] });
    const first = await m.handle(detection(T0));
    assert.ok(first);
    assert.equal(await m.handle(detection(T0 + 60_000)), undefined);
    assert.equal(await m.handle(detection(T0 + 120_000)), undefined);
    const other = await m.handle(detection(T0 + 130_000, { actor: { kind: 'ip', id: '203.0.113.10' } }));
    assert.ok(other, 'another actor is another incident');
    const otherEndpoint = await m.handle(detection(T0 + 130_000, { endpoint: 'GET /x' }));
    assert.ok(otherEndpoint, 'another endpoint is another incident');
    assert.equal(sink.got.length, 3, 'folded repeats are not sent again');
    const stored = store.rows.get(first.id)!;
    assert.equal(stored.count, 3);
    assert.equal(stored.lastSeenAt, T0 + 120_000);
    assert.deepEqual(stored.sampleExchangeIds, [`x${T0}`, `x${T0 + 60_000}`, `x${T0 + 120_000}`]);
    const again = await m.handle(detection(T0 + 10 * 60_000 + 1));
    assert.ok(again && again.id !== first.id, 'after the cooldown a new alert opens');
    assert.equal(await m.handle(detection(T0 + 11 * 60_000)), undefined, '...and is the one later repeats fold into');
    assert.equal(store.rows.get(again.id)!.count, 2, 'a repeat a minute later is written through');
    assert.equal(m.folded, 3);
  });

  it('stores but does not send alerts below minSeverity', async () => {
    const sink = new MemSink();
    const m = new AlertManager({ detect: detectSettings(), sinks: [sink], minSeverity: 'high' });
    assert.ok(await m.handle(detection(T0)));
    assert.equal(sink.got.length, 0);
    assert.ok(await m.handle(detection(T0, { severity: 'high', actor: { kind: 'ip', id: '198.51.100.1' } })));
    assert.equal(sink.got.length, 1);
  });

  it('blocks the actor\'s addresses when the detector\'s response says so, and records it', async () => {
    const placed: Array<{ entry: string; ttlMs: number; createdBy: string }> = [];
    const responder = { block: async (b: { entry: string; ttlMs: number; createdBy: string }) => void placed.push(b) };
    const m = new AlertManager({ detect: detectSettings(), responder, now: () => 1000 });
    const a = await m.handle(detection(T0));
    assert.deepEqual(placed.map((p) => [p.entry, p.ttlMs, p.createdBy]), [['203.0.113.9', 60 * 60_000, 'watch:PAL-WATCH-SCANNER']]);
    assert.deepEqual(a?.response, { action: 'block', targets: ['203.0.113.9'], until: 1000 + 60 * 60_000 });
    // Token reuse answers with an alert only by default; non-address actors are never blocked by id.
    const t = await m.handle({ ...detection(T0), key: 'tokenReuse', detector: { ...scanner, id: 'PAL-WATCH-TOKEN-REUSE' }, actor: { kind: 'token', id: 'abc' }, addresses: ['1.2.3.4'] });
    assert.equal(t?.response, undefined);
    assert.equal(placed.length, 1);
  });

  it('tightens the rate limit of a principal wherever it calls from, or of the addresses of other actors', async () => {
    const held: Array<{ target: string; limit: number; windowSeconds: number; ttlMs: number; createdBy: string }> = [];
    const blocked: string[] = [];
    const responder = { block: async (b: { entry: string }) => void blocked.push(b.entry), rateLimit: async (o: (typeof held)[number]) => void held.push(o) };
    const detect = detectSettings((d) => {
      d.detectors.scraping.response = { action: 'rate-limit', limit: 10, windowSeconds: 60, minutes: 20, maxTargets: 2 };
      d.detectors.tokenReuse.response = { action: 'rate-limit', limit: 5, windowSeconds: 30, minutes: 10, maxTargets: 2 };
    });
    const m = new AlertManager({ detect, responder, now: () => 1000 });
    const scraping = { ...scanner, id: 'PAL-WATCH-SCRAPING' };
    const a = await m.handle({ ...detection(T0), key: 'scraping', detector: scraping, actor: { kind: 'principal', id: 'mallory' }, addresses: ['198.51.100.1'] });
    assert.deepEqual(a?.response, { action: 'rate-limit', targets: ['principal:mallory'], until: 1000 + 20 * 60_000 });
    const t = await m.handle({ ...detection(T0), key: 'tokenReuse', detector: { ...scanner, id: 'PAL-WATCH-TOKEN-REUSE' }, actor: { kind: 'token', id: 'abc' }, addresses: ['198.51.100.1', 'not-an-ip', '198.51.100.2', '198.51.100.3'] });
    assert.deepEqual(t?.response?.targets, ['198.51.100.1', '198.51.100.2'], 'addresses only, at most maxTargets');
    assert.deepEqual(
      held.map((h) => [h.target, h.limit, h.windowSeconds, h.ttlMs, h.createdBy]),
      [
        ['principal:mallory', 10, 60, 20 * 60_000, 'watch:PAL-WATCH-SCRAPING'],
        ['198.51.100.1', 5, 30, 10 * 60_000, 'watch:PAL-WATCH-TOKEN-REUSE'],
        ['198.51.100.2', 5, 30, 10 * 60_000, 'watch:PAL-WATCH-TOKEN-REUSE'],
      ],
    );
    assert.deepEqual(blocked, [], 'a rate-limit response blocks nothing');
    assert.equal(m.rateLimits, 3);
    // Without a rate-limit control (an older host), the response is skipped, not turned into a block.
    const bare = new AlertManager({ detect, responder: { block: responder.block }, now: () => 1000 });
    assert.equal((await bare.handle({ ...detection(T0), key: 'scraping', detector: scraping, actor: { kind: 'principal', id: 'm2' } }))?.response, undefined);
  });
});

function listen(server: http.Server): Promise<string> {
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
}

const sample: AlertRecord = {
  id: '0190-alert',
  detector: 'PAL-WATCH-BOLA',
  title: 'BOLA enumeration <x>',
  severity: 'high',
  category: 'API1:2023',
  actor: { kind: 'principal', id: 'mallory' },
  endpoint: 'GET /orders/{orderId}',
  figures: { distinctIds: 40 },
  sampleExchangeIds: ['x1'],
  remediation: 'Check ownership "always"] here',
  firstSeenAt: T0,
  lastSeenAt: T0,
  count: 1,
};

describe('sinks', () => {
  const servers: Array<{ close(): void }> = [];
  after(() => servers.forEach((s) => s.close()));

  it('webhook: signed JSON, verified by the receiver; retried with backoff after a 503', async () => {
    const secret = 'whsec-0123456789abcdef';
    const got: Array<{ body: string; sig: string }> = [];
    let calls = 0;
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        calls++;
        if (calls === 1) return res.writeHead(503).end();
        got.push({ body: Buffer.concat(chunks).toString('utf8'), sig: String(req.headers[SIGNATURE_HEADER]) });
        res.writeHead(204).end();
      });
    });
    servers.push(server);
    const url = await listen(server);
    const sink = webhookSink({ url: `${url}/hook`, secret, timeoutMs: 2000, retries: 3, queueSize: 10, backoffMs: 20 });
    sink.send(sample);
    await sink.close();
    assert.equal(calls, 2);
    assert.equal(sink.stats.sent, 1);
    assert.equal(got.length, 1);
    assert.deepEqual(JSON.parse(got[0]!.body), { type: 'palisade.alert', alert: sample });
    assert.ok(verifySignature(secret, got[0]!.body, got[0]!.sig), got[0]!.sig);
    assert.equal(verifySignature('another-secret-xxxxxxxx', got[0]!.body, got[0]!.sig), false);
    assert.equal(verifySignature(secret, got[0]!.body + ' ', got[0]!.sig), false, 'a changed body fails');
    const old = signatureHeader(secret, got[0]!.body, Date.now() - 3600_000);
    assert.equal(verifySignature(secret, got[0]!.body, old), false, 'a replayed old signature fails');
  });

  it('webhook: a full queue drops the oldest, a 400 is not retried', async () => {
    let calls = 0;
    const server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        calls++;
        res.writeHead(400).end();
      });
    });
    servers.push(server);
    const url = await listen(server);
    const sink = webhookSink({ url, timeoutMs: 2000, retries: 3, queueSize: 2, backoffMs: 10 });
    for (let i = 0; i < 5; i++) sink.send({ ...sample, id: `a${i}` });
    await sink.close();
    assert.ok(sink.stats.dropped >= 2, JSON.stringify(sink.stats));
    assert.equal(calls, sink.stats.failed, 'one attempt per alert: 400 is final');
  });

  it('slack: text and blocks', async () => {
    let body: { text: string; blocks: Array<{ type: string; fields?: unknown[] }> } | undefined;
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof body;
        res.writeHead(200).end('ok');
      });
    });
    servers.push(server);
    const url = await listen(server);
    const sink = slackSink({ url, timeoutMs: 2000, retries: 0, queueSize: 10 });
    sink.send(sample);
    await sink.close();
    assert.ok(body);
    assert.match(body.text, /^\[high\] BOLA enumeration &lt;x&gt; — principal mallory on GET \/orders\/\{orderId\}$/);
    assert.deepEqual(body.blocks.map((b) => b.type), ['header', 'section', 'section', 'section', 'context']);
    assert.equal(body.blocks[1]!.fields!.length, 4);
  });

  it('syslog over UDP: one RFC 5424 datagram', async () => {
    const sock = dgram.createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    servers.push(sock);
    const got = new Promise<string>((r) => sock.once('message', (m) => r(m.toString('utf8'))));
    const sink = new SyslogSink({ host: '127.0.0.1', port: (sock.address() as AddressInfo).port, protocol: 'udp', facility: 10, appName: 'palisade' });
    sink.send(sample);
    const line = await got;
    await sink.close();
    // <PRI>1 TIMESTAMP HOST APP PROCID MSGID [SD] BOM MSG; PRI = 10*8 + 3 (high → error).
    assert.match(line, /^<83>1 \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \S+ palisade \d+ PAL-WATCH-BOLA \[palisade@32473 alertId="0190-alert" detector="PAL-WATCH-BOLA" category="API1:2023" actorKind="principal" actor="mallory" endpoint="GET \/orders\/\{orderId\}"\] \ufeffBOLA/);
  });

  it('syslog over TCP: octet-counted frames', async () => {
    const frames: string[] = [];
    let buf = '';
    const done = new Promise<void>((resolve) => {
      const server = net.createServer((s) => {
        s.setEncoding('utf8');
        s.on('data', (d: string) => {
          buf += d;
          for (;;) {
            const sp = buf.indexOf(' ');
            if (sp < 0) break;
            const len = Number(buf.slice(0, sp));
            const bytes = Buffer.from(buf.slice(sp + 1), 'utf8');
            if (bytes.length < len) break;
            frames.push(bytes.subarray(0, len).toString('utf8'));
            buf = bytes.subarray(len).toString('utf8');
          }
          if (frames.length === 2) resolve();
        });
      });
      servers.push(server);
      server.listen(0, '127.0.0.1', () => {
        const sink = new SyslogSink({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, protocol: 'tcp', facility: 4, appName: 'pal' });
        sink.send(sample);
        sink.send({ ...sample, id: 'second', severity: 'low' });
        void done.then(() => sink.close());
      });
    });
    await done;
    assert.equal(frames.length, 2);
    assert.match(frames[0]!, /^<35>1 /);
    assert.match(frames[1]!, /^<37>1 .*alertId="second"/);
  });

  it('syslog escapes structured-data values', () => {
    const line = formatSyslog({ ...sample, actor: { kind: 'ip', id: 'a"b]c\\d' } }, { facility: 1, appName: 'p', host: 'h', procId: '1', now: 0 });
    assert.ok(line.includes('actor="a\\"b\\]c\\\\d"'), line);
  });

  it('stdout: one JSON line per alert', () => {
    let out = '';
    const w = new Writable({ write: (c: Buffer, _e, cb) => ((out += c.toString()), cb()) });
    const s = new StdoutSink(w);
    s.send(sample);
    assert.deepEqual(JSON.parse(out.trim()), { type: 'palisade.alert', alert: sample });
  });

  it('secrets come from the environment; a missing one is a configuration error naming the option', () => {
    const alerts = { minSeverity: 'low' as const, retentionDays: 90, sinks: [{ type: 'webhook' as const, url: 'https://hooks.example/x', secretEnv: 'HOOK_KEY', timeoutMs: 1000, retries: 1, queueSize: 10 }] };
    assert.throws(() => buildSinks(alerts, {}), /watch\.alerts\.sinks\[0\]\.secretEnv: the environment variable HOOK_KEY/);
    assert.equal(buildSinks(alerts, { HOOK_KEY: 'k'.repeat(32) })[0]!.name, 'webhook');
  });
});

// RFC 5424 syslog over UDP (one datagram per message, RFC 5426) or TCP (octet-counted framing,
// RFC 6587), and JSON lines on stdout. Both never block detection: UDP is fire-and-forget, TCP
// keeps a bounded queue while (re)connecting.
import dgram from 'node:dgram';
import net from 'node:net';
import { hostname } from 'node:os';
import type { Writable } from 'node:stream';
import type { AlertRecord, Severity } from '../../core/index.js';
import type { AlertSink } from './manager.js';

/** Syslog severities (RFC 5424 §6.2.1) for ours. */
const SYSLOG_SEVERITY: Record<Severity, number> = { critical: 2, high: 3, medium: 4, low: 5, info: 6 };

/** PARAM-VALUE escaping (RFC 5424 §6.3.3): ", \ and ] take a backslash. */
function sdValue(s: string): string {
  return s.replace(/[\\"\]]/g, (c) => `\\${c}`);
}

/** NILVALUE when empty, else printable US-ASCII without spaces, cut to the field's length. */
function header(s: string, max: number): string {
  const v = s.replace(/[^\x21-\x7e]/g, '').slice(0, max);
  return v || '-';
}

export function formatSyslog(a: AlertRecord, o: { facility: number; appName: string; host?: string; procId?: string; now?: number }): string {
  const pri = o.facility * 8 + SYSLOG_SEVERITY[a.severity];
  const ts = new Date(o.now ?? Date.now()).toISOString();
  const sd =
    `[palisade@32473 alertId="${sdValue(a.id)}" detector="${sdValue(a.detector)}" category="${sdValue(a.category)}" ` +
    `actorKind="${sdValue(a.actor.kind)}" actor="${sdValue(a.actor.id)}"${a.endpoint ? ` endpoint="${sdValue(a.endpoint)}"` : ''}]`;
  const msg = `${a.title}: ${a.actor.kind} ${a.actor.id}${a.endpoint ? ` on ${a.endpoint}` : ''} ${JSON.stringify(a.figures)}`;
  // The BOM marks MSG as UTF-8 (§6.4).
  return `<${pri}>1 ${ts} ${header(o.host ?? hostname(), 255)} ${header(o.appName, 48)} ${header(o.procId ?? String(process.pid), 128)} ${header(a.detector, 32)} ${sd} \ufeff${msg}`;
}

export class SyslogSink implements AlertSink {
  readonly name = 'syslog';
  readonly stats = { sent: 0, failed: 0, dropped: 0 };
  private udp: dgram.Socket | undefined;
  private tcp: net.Socket | undefined;
  private connecting = false;
  private readonly pending: Buffer[] = [];
  private closed = false;

  constructor(
    private readonly o: { host: string; port: number; protocol: 'udp' | 'tcp'; facility: number; appName: string; queueSize?: number; onError?: (what: string, err: unknown) => void },
  ) {}

  send(alert: AlertRecord): void {
    if (this.closed) return;
    const line = Buffer.from(formatSyslog(alert, this.o), 'utf8');
    if (this.o.protocol === 'udp') {
      if (!this.udp) {
        this.udp = dgram.createSocket(this.o.host.includes(':') ? 'udp6' : 'udp4');
        this.udp.on('error', (err) => this.o.onError?.('syslog (udp)', err));
        this.udp.unref();
      }
      this.udp.send(line, this.o.port, this.o.host, (err) => {
        if (err) this.stats.failed++;
        else this.stats.sent++;
      });
      return;
    }
    // Octet counting: "<length> <message>", so messages may contain newlines.
    const frame = Buffer.concat([Buffer.from(`${line.length} `), line]);
    if (this.pending.length >= (this.o.queueSize ?? 1000)) {
      this.pending.shift();
      this.stats.dropped++;
    }
    this.pending.push(frame);
    this.flushTcp();
  }

  private flushTcp(): void {
    if (this.tcp && !this.connecting) {
      for (let f = this.pending.shift(); f; f = this.pending.shift()) {
        this.tcp.write(f);
        this.stats.sent++;
      }
      return;
    }
    if (this.connecting) return;
    this.connecting = true;
    const s = net.createConnection({ host: this.o.host, port: this.o.port });
    s.setNoDelay(true);
    s.on('connect', () => {
      this.connecting = false;
      this.tcp = s;
      this.flushTcp();
    });
    s.on('error', (err) => {
      this.o.onError?.('syslog (tcp)', err);
    });
    s.on('close', () => {
      this.connecting = false;
      if (this.tcp === s) this.tcp = undefined;
      // Messages written to a dead socket are lost; what is still queued waits for the next alert.
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const t = this.tcp;
    if (t) await new Promise<void>((r) => t.end(() => r()));
    this.udp?.close();
  }
}

export class StdoutSink implements AlertSink {
  readonly name = 'stdout';
  readonly stats = { sent: 0, failed: 0, dropped: 0 };
  constructor(private readonly out: Writable = process.stdout) {}
  send(alert: AlertRecord): void {
    this.out.write(JSON.stringify({ type: 'palisade.alert', alert }) + '\n');
    this.stats.sent++;
  }
  async close(): Promise<void> {}
}

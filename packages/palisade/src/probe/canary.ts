// The out-of-band canary: a listener on the scanner's loopback (or an address the target can
// reach) that records every request whose path carries a token. A hit proves the target fetched
// the URL the scanner planted: server-side request forgery, without guessing from responses.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';

export interface CanaryHit {
  token: string;
  method: string;
  path: string;
  userAgent?: string;
  at: number;
}

const MAX_HITS = 10_000;

export class Canary {
  private server: http.Server | undefined;
  private base = '';
  private readonly hits: CanaryHit[] = [];

  async start(host = '127.0.0.1', publicUrl?: string): Promise<void> {
    this.server = http.createServer((req, res) => {
      const m = /\/palisade-canary\/([a-f0-9]{16,64})/.exec(req.url ?? '');
      if (m && this.hits.length < MAX_HITS) this.hits.push({ token: m[1]!, method: req.method ?? 'GET', path: req.url ?? '/', ...(req.headers['user-agent'] ? { userAgent: req.headers['user-agent'] } : {}), at: Date.now() });
      // A tiny PNG-looking answer keeps image fetchers from failing loudly.
      res.writeHead(200, { 'content-type': 'text/plain' }).end('palisade canary');
      req.resume();
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(0, host, () => resolve());
    });
    const { port } = this.server.address() as AddressInfo;
    this.base = publicUrl ? publicUrl.replace(/\/+$/, '') : `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  }

  /** A fresh URL; `token` identifies it in the hits. */
  url(): { url: string; token: string } {
    const token = randomBytes(12).toString('hex');
    return { url: `${this.base}/palisade-canary/${token}`, token };
  }

  /** The plain base URL (exploration uses it for URL-valued fields). */
  get baseUrl(): string {
    return this.base;
  }

  async waitFor(token: string, ms = 1500): Promise<CanaryHit | undefined> {
    const until = Date.now() + ms;
    for (;;) {
      const hit = this.hits.find((h) => h.token === token);
      if (hit || Date.now() >= until) return hit;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async close(): Promise<void> {
    const s = this.server;
    if (!s) return;
    await new Promise<void>((resolve) => {
      s.closeAllConnections();
      s.close(() => resolve());
    });
  }
}

// The baseline every Palisade throughput figure is divided by: the smallest reasonable reverse
// proxy one would write with node:http and undici (pooled keep-alive, streamed both ways).
import http from 'node:http';
import { pipeline } from 'node:stream/promises';
import { Pool } from 'undici';
import type { Dispatcher } from 'undici';

const upstream = process.env.UPSTREAM ?? 'http://127.0.0.1:3001';
const port = Number(process.env.PORT ?? 0);
const pool = new Pool(upstream, { connections: 128 });
const HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'host', 'te', 'trailer', 'proxy-connection']);

const server = http.createServer(async (req, res) => {
  try {
    const headers: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined && !HOP.has(k)) headers[k] = v;
    const hasBody = req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined;
    const r = await pool.request({
      path: req.url ?? '/',
      method: (req.method ?? 'GET') as Dispatcher.HttpMethod,
      headers,
      body: hasBody ? req : null,
    });
    const out: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(r.headers)) if (v !== undefined && !HOP.has(k)) out[k] = v;
    res.writeHead(r.statusCode, out);
    await pipeline(r.body, res);
  } catch {
    if (!res.headersSent) res.writeHead(502).end();
    else res.destroy();
  }
});
server.keepAliveTimeout = 5000;
server.listen(port, '127.0.0.1', () => {
  const a = server.address();
  process.stdout.write(`listening ${typeof a === 'object' && a ? a.port : port}\n`);
});
process.on('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  void pool.close().then(() => process.exit(0));
});

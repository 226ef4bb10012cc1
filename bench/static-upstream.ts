// A fixed, cheap upstream (BENCH_UPSTREAM=static) that isolates the proxy's cost from the demo's.
import http from 'node:http';

const body = JSON.stringify({ status: 'ok', items: Array.from({ length: 5 }, (_, i) => ({ id: i, name: `item ${i}`, price: 10 + i })) });
const server = http.createServer((req, res) => {
  if (req.method === 'POST') {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body));
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PALISADE_DEMO_PORT ?? process.env.PORT ?? 0), '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));

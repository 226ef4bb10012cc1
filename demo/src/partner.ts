// A stand-in for "Speedy Parcels", the third-party shipping partner Acme Shop asks for quotes.
// It runs as its own loopback listener so the shop's route table holds only the shop, and it
// behaves: the point of DEMO-API10 is what the shop does when a partner does not.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ShippingQuote {
  carrier: string;
  price: number;
  currency: string;
  etaDays: number;
  note: string;
}

/** What the well-behaved partner quotes for an order: a function of the order id only. */
export function simulatedQuote(orderId: number): ShippingQuote {
  return { carrier: 'Speedy Parcels', price: 4.99 + (orderId % 3), currency: 'USD', etaDays: 2 + (orderId % 4), note: 'Leave at the front door' };
}

export interface RunningPartner {
  url: string;
  close(): Promise<void>;
}

export async function startPartnerSimulator(host: string): Promise<RunningPartner> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://partner');
    const order = Number(url.searchParams.get('order'));
    if (req.method !== 'GET' || url.pathname !== '/v1/quotes' || !Number.isSafeInteger(order) || order < 1) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(simulatedQuote(order)));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

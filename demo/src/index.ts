// The Acme Shop demo API: deliberately vulnerable (see VULNERABILITIES.md), for Palisade's demo,
// tests and benchmarks. Listens on loopback only unless told otherwise.
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createDemoServer } from './app.js';

export { DEMO_JWT_SECRET } from './app.js';
export { DEMO_USERS, FLASH_SALE_PRODUCT_ID, FLASH_SALE_STOCK, WELCOME_COUPON, PRODUCT_COUNT } from './db.js';
export type { DemoUser } from './db.js';

/** The demo's OpenAPI 3.1 document (documented endpoints only: the shadow ones are the point). */
export const DEMO_OPENAPI_PATH = fileURLToPath(new URL('../openapi.yaml', import.meta.url));
/** Shield configuration for the demo, used by `palisade start --demo`. */
export const DEMO_CONFIG_PATH = fileURLToPath(new URL('../palisade.yaml', import.meta.url));

export interface RunningDemo {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startDemo(opts: { host?: string; port?: number; partnerUrl?: string; quiet?: boolean } = {}): Promise<RunningDemo> {
  const host = opts.host ?? '127.0.0.1';
  const { server, options } = createDemoServer(opts.partnerUrl ? { partnerUrl: opts.partnerUrl } : {});
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 3001, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  options.selfUrl = url;
  if (!opts.quiet) process.stdout.write(`Acme Shop demo API (deliberately vulnerable) on ${url}\n`);
  return {
    url,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

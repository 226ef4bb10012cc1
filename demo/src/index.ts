// The Acme Shop demo API: deliberately vulnerable (see ../VULNERABILITIES.md), used by
// `palisade start --demo`, the tests and the benchmarks. It listens on loopback unless told otherwise.
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createDemoServer } from './app.js';
import { startPartnerSimulator } from './partner.js';
import type { RunningPartner } from './partner.js';

import type { TrustedIssuer } from './auth.js';

export { DEMO_JWT_SECRET, TOKEN_ISSUER, TRUSTED_ALGORITHMS } from './auth.js';
export type { TrustedIssuer } from './auth.js';
export {
  ADMIN,
  ALICE,
  BOB,
  CAROL,
  DEMO_ORDERS,
  DEMO_USERS,
  FLASH_SALE_PRODUCT_ID,
  FLASH_SALE_STOCK,
  PRODUCT_COUNT,
  STARTING_BALANCE,
  WELCOME_COUPON,
  WELCOME_COUPON_CREDIT,
} from './db.js';
export type { DemoUser } from './db.js';
export { THUMBNAIL_DOCUMENTED_MAX, THUMBNAIL_HARD_LIMIT } from './thumbnail.js';

/** The demo's OpenAPI 3.1 document. It lists the documented operations only: the shadow ones are the point. */
export const DEMO_OPENAPI_PATH = fileURLToPath(new URL('../openapi.yaml', import.meta.url));
/** The catalogue of the demo's vulnerabilities. */
export const DEMO_VULNERABILITIES_PATH = fileURLToPath(new URL('../VULNERABILITIES.md', import.meta.url));
/** Shield configuration for the demo, used by `palisade start --demo`. */
export const DEMO_CONFIG_PATH = fileURLToPath(new URL('../palisade.yaml', import.meta.url));
export const DEMO_DEFAULT_PORT = 3001;

export interface DemoOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 3001; 0 picks a free port. */
  port?: number;
  /**
   * Base URL of the shipping partner (the shop calls `GET {partnerUrl}/v1/quotes?order={id}`).
   * Default: a well-behaved simulator started on loopback alongside the demo.
   */
  partnerUrl?: string;
  /**
   * An identity provider whose access tokens the shop also accepts (ES256/RS256 from its JWKS, with
   * iss, aud and exp checked; `sub` is the user id, the `roles` claim the role). `palisade start
   * --demo` passes its built-in authorization server. The shop's own weak tokens keep working.
   */
  trustedIssuer?: TrustedIssuer;
  /** Do not print the URL. */
  quiet?: boolean;
}

export interface RunningDemo {
  url: string;
  port: number;
  close(): Promise<void>;
}

function hostForUrl(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

export async function startDemo(opts: DemoOptions = {}): Promise<RunningDemo> {
  const host = opts.host ?? '127.0.0.1';
  const port = opts.port ?? DEMO_DEFAULT_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`startDemo: port must be an integer from 0 to 65535, got ${port}`);
  let partner: RunningPartner | undefined;
  let partnerUrl = opts.partnerUrl;
  if (partnerUrl === undefined) {
    partner = await startPartnerSimulator(host === '::1' || host === '::' ? '::1' : '127.0.0.1');
    partnerUrl = partner.url;
  }
  let created: ReturnType<typeof createDemoServer>;
  try {
    created = createDemoServer({ partnerUrl, ...(opts.trustedIssuer ? { trustedIssuer: opts.trustedIssuer } : {}) });
  } catch (err) {
    await partner?.close();
    throw err;
  }
  const { server, shop } = created;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    shop.close();
    await partner?.close();
    throw err;
  }
  const bound = (server.address() as AddressInfo).port;
  const url = `http://${hostForUrl(host)}:${bound}`;
  if (!opts.quiet) process.stdout.write(`Acme Shop demo API (deliberately vulnerable: never expose it) on ${url}\n`);
  let closing: Promise<void> | undefined;
  return {
    url,
    port: bound,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }).then(async () => {
        shop.close();
        await partner?.close();
      })),
  };
}

#!/usr/bin/env node
// Runs the demo API on its own: 127.0.0.1 (PALISADE_DEMO_HOST) port 3001 (PALISADE_DEMO_PORT);
// PALISADE_DEMO_PARTNER_URL points the shipping-quote feature at another partner;
// PALISADE_DEMO_TRUSTED_ISSUER (with PALISADE_DEMO_TRUSTED_JWKS_URL, PALISADE_DEMO_TRUSTED_AUDIENCE)
// makes it accept that identity provider's access tokens too.
import { DEMO_DEFAULT_PORT, startDemo } from './index.js';

const rawPort = process.env.PALISADE_DEMO_PORT ?? String(DEMO_DEFAULT_PORT);
const port = Number(rawPort);
if (!/^[0-9]{1,5}$/.test(rawPort) || port > 65535) {
  process.stderr.write(`PALISADE_DEMO_PORT must be a port number (0-65535), got '${rawPort}'\n`);
  process.exit(2);
}
const partnerUrl = process.env.PALISADE_DEMO_PARTNER_URL;
const issuer = process.env.PALISADE_DEMO_TRUSTED_ISSUER;
const jwksUrl = process.env.PALISADE_DEMO_TRUSTED_JWKS_URL;
const audience = process.env.PALISADE_DEMO_TRUSTED_AUDIENCE;
if ((jwksUrl || audience) && !issuer) {
  process.stderr.write('PALISADE_DEMO_TRUSTED_JWKS_URL and PALISADE_DEMO_TRUSTED_AUDIENCE need PALISADE_DEMO_TRUSTED_ISSUER\n');
  process.exit(2);
}
const trustedIssuer = issuer ? { issuer, ...(jwksUrl ? { jwksUrl } : {}), ...(audience ? { audience } : {}) } : undefined;
let demo;
try {
  demo = await startDemo({ port, host: process.env.PALISADE_DEMO_HOST ?? '127.0.0.1', ...(partnerUrl ? { partnerUrl } : {}), ...(trustedIssuer ? { trustedIssuer } : {}) });
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(2);
}
const stop = (): void => {
  void demo.close().then(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);

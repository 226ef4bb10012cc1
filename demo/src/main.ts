#!/usr/bin/env node
// Runs the demo API on its own: 127.0.0.1 (PALISADE_DEMO_HOST) port 3001 (PALISADE_DEMO_PORT);
// PALISADE_DEMO_PARTNER_URL points the shipping-quote feature at another partner.
import { DEMO_DEFAULT_PORT, startDemo } from './index.js';

const rawPort = process.env.PALISADE_DEMO_PORT ?? String(DEMO_DEFAULT_PORT);
const port = Number(rawPort);
if (!/^[0-9]{1,5}$/.test(rawPort) || port > 65535) {
  process.stderr.write(`PALISADE_DEMO_PORT must be a port number (0-65535), got '${rawPort}'\n`);
  process.exit(2);
}
const partnerUrl = process.env.PALISADE_DEMO_PARTNER_URL;
const demo = await startDemo({ port, host: process.env.PALISADE_DEMO_HOST ?? '127.0.0.1', ...(partnerUrl ? { partnerUrl } : {}) });
const stop = (): void => {
  void demo.close().then(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);

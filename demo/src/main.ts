#!/usr/bin/env node
// Runs the demo API alone: PALISADE_DEMO_PORT (default 3001) on 127.0.0.1.
import { startDemo } from './index.js';

const port = Number(process.env.PALISADE_DEMO_PORT ?? 3001);
const demo = await startDemo({ port, host: process.env.PALISADE_DEMO_HOST ?? '127.0.0.1' });
const stop = () => void demo.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

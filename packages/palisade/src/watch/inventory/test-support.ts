// Builds Exchanges for the watch tests.
import type { Exchange } from '../../core/index.js';

let seq = 0;

export function exchange(method: string, url: string, status = 200, extra: Partial<Exchange> = {}): Exchange {
  seq++;
  return {
    id: `x${seq}`,
    startedAt: 1_700_000_000_000 + seq,
    method,
    url,
    clientIp: '203.0.113.9',
    requestHeaders: {},
    requestBytes: 0,
    status,
    responseHeaders: { 'content-type': 'application/json' },
    responseBytes: 0,
    timings: { total: 10 },
    verdicts: [],
    ...extra,
  };
}

// Wires Watch's detectors into `palisade start`: Shield's recorder hook feeds them, Watch's /alerts
// endpoints join the admin API, and automatic blocks and rate-limit tightening go through Shield's
// controls. The cli is the one place allowed to import both shield/ and watch/ (decision 0026).
// With cluster workers, the workers send their batches to the primary, where this one runtime
// runs (decision 0041).
import type { Logger } from 'pino';
import type { PalisadeConfig } from '../core/index.js';
import type { AdminExtension, ExchangeObserver, RunningShield } from '../shield/index.js';
import { buildSinks, createWatchRuntime } from '../watch/index.js';
import type { WatchRuntime } from '../watch/index.js';

export interface WatchHooks {
  /** Options for startShield. */
  options: { observeExchanges?: ExchangeObserver; adminExtensions?: readonly AdminExtension[] };
  /** Starts the runtime once Shield runs (it needs Shield's store and block control). */
  attach(running: RunningShield): WatchRuntime | undefined;
}

export function watchHooks(config: PalisadeConfig, log: Logger, workers: number): WatchHooks {
  if (!config.watch.detect.enabled) return { options: {}, attach: () => undefined };
  let runtime: WatchRuntime | undefined;
  let lastError = 0;
  const onError = (what: string, err: unknown) => {
    // One line per 10 s at most; never the alert's sink URL or secret (the sinks leave them out).
    const now = Date.now();
    if (now - lastError < 10_000) return;
    lastError = now;
    log.warn({ err: err instanceof Error ? err.message : undefined }, `watch: ${what}`);
  };
  // Built now: a sink whose secret is missing from the environment stops the start before Shield listens.
  const sinks = buildSinks(config.watch.alerts, process.env, onError);
  return {
    options: {
      // Exchanges recorded before the runtime exists (the first milliseconds) are not judged.
      observeExchanges: (batch) => runtime?.feed(batch),
      adminExtensions: [{ adminRoute: async (req) => (runtime ? runtime.adminRoute(req) : undefined) }],
    },
    attach(running) {
      runtime = createWatchRuntime(config, { store: running.store, blocks: running.blocks, rateLimits: running.rateLimits, sinks, onError });
      log.info({ detectors: runtime.engine.detectors.map((d) => d.detector.id), workers }, 'watch: detectors running');
      return runtime;
    },
  };
}

// Keeps a live endpoint inventory in `palisade start`: Shield's exchange observer (the same hook
// that feeds Watch's detectors) feeds a watch Inventory, which the console reads. On start it is
// seeded from the most recent recorded exchanges, so a restart does not begin from nothing, and
// the template splits made in the console (saved in the store) are applied again.
import type { Logger } from 'pino';
import type { Exchange, PalisadeConfig, Store } from '../core/index.js';
import type { ExchangeObserver } from '../shield/index.js';
import { Inventory, loadOverrides } from '../watch/index.js';

/** Recorded exchanges read back when the inventory starts, at most. */
export const INVENTORY_SEED_EXCHANGES = 20_000;
const PAGE = 1000;

export interface InventoryHooks {
  observe: ExchangeObserver;
  /** Applies saved overrides and seeds from the store; resolves once done (the inventory answers meanwhile). */
  attach(store: Store): Promise<void>;
  inventory(): Inventory;
}

export function inventoryHooks(config: PalisadeConfig, log: Logger): InventoryHooks {
  const c = config.watch.inventory;
  const inv = new Inventory({ maxEndpoints: c.maxEndpoints, internalNetworks: c.internalNetworks, customClasses: c.sensitiveClasses });
  // Ids observed live while the seed is read: the seed skips them so nothing counts twice.
  let live: Set<string> | undefined = new Set();
  const observe: ExchangeObserver = (batch) => {
    for (const o of batch) {
      try {
        if (neverForwarded(o.exchange)) continue;
        inv.ingest(o.exchange);
        if (live && live.size < 100_000) live.add(o.exchange.id);
      } catch (err) {
        log.warn({ err: err instanceof Error ? err.message : String(err) }, 'inventory: an exchange could not be ingested');
      }
    }
  };
  return {
    observe,
    inventory: () => inv,
    async attach(store) {
      try {
        for (const o of await loadOverrides(store)) inv.applyOverride(o);
        const seed: Exchange[] = [];
        let before: number | undefined;
        let beforeId: string | undefined;
        while (seed.length < INVENTORY_SEED_EXCHANGES) {
          const page = await store.recentExchanges({ limit: PAGE, ...(before !== undefined ? { before, beforeId } : {}) });
          seed.push(...page);
          const last = page.at(-1);
          if (page.length < PAGE || !last) break;
          before = last.startedAt;
          beforeId = last.id;
        }
        const seen = live ?? new Set<string>();
        for (let i = seed.length - 1; i >= 0; i--) if (!seen.has(seed[i]!.id) && !neverForwarded(seed[i]!)) inv.ingest(seed[i]!);
        log.info({ endpoints: inv.size, seeded: seed.length }, 'inventory: live endpoint inventory running');
      } catch (err) {
        log.warn({ err: err instanceof Error ? err.message : String(err) }, 'inventory: seeding from the store failed; learning from new traffic only');
      } finally {
        live = undefined;
      }
    },
  };
}

/**
 * Requests Shield refused before the API saw them (a blocked address, a path the contract does not
 * know) say nothing about the API's endpoints: counting them would list an attacker's probes as
 * shadow endpoints. Refusals after forwarding (response validation) still count.
 */
function neverForwarded(x: Exchange): boolean {
  return x.blockedBy !== undefined && x.timings.upstream === undefined;
}

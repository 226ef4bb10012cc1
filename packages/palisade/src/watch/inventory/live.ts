// Live inventory: follows the exchanges Shield records into the store. The store pages newest
// first, so each poll reads back to the cursor and ingests oldest first. Exchanges are written
// asynchronously in batches, so one that started earlier may land after later ones: a look-back
// window re-reads the last seconds and a bounded set of recent ids skips what was already seen.
import type { Exchange, Store } from '../../core/index.js';
import type { Inventory } from './inventory.js';

export const CURSOR_STATE_KEY = 'watch.inventory.cursor';

export interface FollowOptions {
  intervalMs?: number;
  /** How far behind the newest exchange seen a late one is still picked up. Default 10 s. */
  lookbackMs?: number;
  /**
   * Pages of 1000 read per poll at most (default 20). The store pages newest first only, so a
   * backlog larger than this is not caught up: its older part is skipped, and `truncatedPolls`
   * counts the polls where that happened (poll more often, or raise this).
   */
  maxPagesPerPoll?: number;
  /** Persist the cursor under CURSOR_STATE_KEY (default true). */
  persistCursor?: boolean;
  onError?: (err: unknown) => void;
}

const PAGE = 1000;

export class StoreFollower {
  private cursor = -Infinity;
  private readonly recent = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  private loaded = false;
  private resumed = false;
  /** Polls that stopped at maxPagesPerPoll before reaching the cursor: exchanges were skipped. */
  truncatedPolls = 0;
  private readonly opts: Required<Omit<FollowOptions, 'onError'>> & Pick<FollowOptions, 'onError'>;

  constructor(
    private readonly store: Store,
    private readonly inventory: Inventory,
    opts: FollowOptions = {},
  ) {
    this.opts = { intervalMs: opts.intervalMs ?? 5000, lookbackMs: opts.lookbackMs ?? 10_000, maxPagesPerPoll: opts.maxPagesPerPoll ?? 20, persistCursor: opts.persistCursor ?? true, ...(opts.onError ? { onError: opts.onError } : {}) };
  }

  /** Reads what is new since the last poll; resolves to the number of exchanges ingested. */
  poll(): Promise<number> {
    this.running ??= this.once().finally(() => (this.running = undefined));
    return this.running;
  }

  private async once(): Promise<number> {
    if (!this.loaded) {
      this.loaded = true;
      const saved = this.opts.persistCursor ? await this.store.getState(CURSOR_STATE_KEY) : undefined;
      if (saved !== undefined && Number.isFinite(Number(saved))) {
        this.cursor = Number(saved);
        // The ids seen before a restart are gone: resume strictly after the cursor (late
        // arrivals from before the restart are not recovered).
        this.resumed = true;
      }
    }
    const floor = this.resumed ? this.cursor + 1 : this.cursor - this.opts.lookbackMs;
    this.resumed = false;
    const fresh: Exchange[] = [];
    let before: number | undefined;
    let beforeId: string | undefined;
    let pages = 0;
    for (;;) {
      const page = await this.store.recentExchanges({ limit: PAGE, ...(before !== undefined ? { before, beforeId } : {}) });
      pages++;
      let done = page.length < PAGE;
      for (const x of page) {
        if (x.startedAt < floor) {
          done = true;
          break;
        }
        if (!this.recent.has(x.id)) fresh.push(x);
      }
      const last = page[page.length - 1];
      if (done || !last) break;
      if (pages >= this.opts.maxPagesPerPoll) {
        this.truncatedPolls++;
        break;
      }
      before = last.startedAt;
      beforeId = last.id;
    }
    fresh.reverse();
    for (const x of fresh) {
      this.inventory.ingest(x);
      this.recent.set(x.id, x.startedAt);
      if (x.startedAt > this.cursor) this.cursor = x.startedAt;
    }
    // Ids older than the look-back window can no longer be read again: forget them.
    const keep = this.cursor - this.opts.lookbackMs;
    for (const [id, at] of this.recent) if (at < keep) this.recent.delete(id);
    if (fresh.length > 0 && this.opts.persistCursor) await this.store.setState(CURSOR_STATE_KEY, String(this.cursor));
    return fresh.length;
  }

  start(): void {
    if (this.timer) return;
    const tick = () => {
      this.poll()
        .catch((e: unknown) => this.opts.onError?.(e))
        .finally(() => {
          if (this.timer) this.timer = setTimeout(tick, this.opts.intervalMs).unref();
        });
    };
    this.timer = setTimeout(tick, 0).unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }
}

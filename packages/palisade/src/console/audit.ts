// The audit log of admin actions: every successful change made through the console (and the
// `palisade users` commands) lands here. Entries describe the change, never a secret: callers
// pass names, ids and new values of non-secret fields only.
import type { Logger } from 'pino';
import type { ConsoleAuditEntry, Store } from '../core/index.js';
import { uuidv7 } from '../core/index.js';

export interface AuditActor {
  username: string;
  /** The role at the time; 'system' for the CLI and automatic actions. */
  role: string;
}

export type AuditFn = (actor: AuditActor, action: string, target: string, detail?: Record<string, unknown>) => Promise<ConsoleAuditEntry>;

/**
 * An audit writer over the store. A failure to write is logged and rethrown: a change whose
 * audit entry cannot be written is reported as failed rather than silently unaudited.
 */
export function auditWriter(store: Store, log?: Logger, now: () => number = Date.now): AuditFn {
  // Entries are listed and paged by id, so ids must grow strictly even within one millisecond
  // (UUIDv7's random bits do not order): each id's time is at least the previous one's plus 1 ms.
  let lastIdTime = 0;
  return async (actor, action, target, detail = {}) => {
    const at = now();
    lastIdTime = Math.max(at, lastIdTime + 1);
    const entry: ConsoleAuditEntry = { id: uuidv7(lastIdTime), at, actor: actor.username, role: actor.role, action, target: target.slice(0, 1024), detail };
    try {
      await store.consoleUsers.addAudit(entry);
    } catch (err) {
      log?.error({ err: (err as Error).message, action, target }, 'console: audit entry not written');
      throw err;
    }
    log?.info({ actor: actor.username, action, target }, 'console: audit');
    return entry;
  };
}

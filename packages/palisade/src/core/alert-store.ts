// The part of the Store port that keeps Watch's alerts (watch/alerts), reached as `store.alerts`.
// An alert is one (detector, actor, endpoint) incident: repeated firings within the cooldown
// update the same record (count, lastSeenAt, figures) instead of adding rows.
import type { OwaspApiCategory, Severity } from './model.js';

/** Who an alert is about. The id of a token or API key is a hash or public id, never a secret. */
export type ActorKind = 'ip' | 'principal' | 'apiKey' | 'token' | 'session' | 'account' | 'global' | 'endpoint';

export interface AlertActor {
  kind: ActorKind;
  id: string;
}

/** What Watch did about an alert, automatically. */
export interface AlertResponse {
  action: 'block' | 'rate-limit';
  /** The block list entries (IP addresses) or rate-limit keys it applied to. */
  targets: string[];
  /** Epoch ms when the response lapses. */
  until: number;
}

export interface AlertRecord {
  /** Stable for the incident: the same (detector, actor, endpoint) within the cooldown keeps it. */
  id: string;
  /** Permanent detector id, e.g. 'PAL-WATCH-CRED-STUFFING'. */
  detector: string;
  title: string;
  severity: Severity;
  category: OwaspApiCategory;
  actor: AlertActor;
  /** Endpoint template ('GET /users/{userId}') when the detector works per endpoint. */
  endpoint?: string;
  /** The window figures that fired it (distinct usernames, failure ratio, z-score...). */
  figures: Record<string, number>;
  /** A few exchange ids from the window, newest last: evidence to open in the admin API. */
  sampleExchangeIds: string[];
  remediation: string;
  /** Epoch ms of the first firing (simulated or wall time: the exchanges' clock). */
  firstSeenAt: number;
  lastSeenAt: number;
  /** Firings folded into this record. */
  count: number;
  response?: AlertResponse;
}

export interface AlertQuery {
  /** Most alerts returned: default 100, at most 1000 (larger values are capped). */
  limit?: number;
  detector?: string;
  actorId?: string;
  /** Only alerts last seen at or after this epoch ms. */
  since?: number;
}

export interface AlertStore {
  /** Inserts the alert, or replaces the record with the same id (the latest state of the incident wins). */
  upsert(alert: AlertRecord): Promise<void>;
  get(id: string): Promise<AlertRecord | undefined>;
  /** Newest first by lastSeenAt, then id. */
  list(query?: AlertQuery): Promise<AlertRecord[]>;
  /** Deletes alerts last seen before `before` (epoch ms); returns how many. */
  prune(before: number): Promise<number>;
}

// The part of the Store port that keeps API keys (identity/api-keys.ts), reached as `store.apiKeys`.
// A store never sees a key in clear: only its public id and a hash of its secret part.

/** One issued API key, as stored. */
export interface ApiKeyRecord {
  /** The key's public id (the middle part of `pal_<id>_<secret>`): safe to show and to log. */
  id: string;
  /** The API (apis[].name) the key is valid for. */
  api: string;
  /** What the key is for, chosen by the operator ("billing batch job"). */
  name: string;
  scopes: string[];
  roles: string[];
  tenant?: string;
  /** Self-describing hash of the secret part ("sha256$<base64url>"); never the secret. */
  secretHash: string;
  createdAt: number;
  /** Who issued it: 'cli', 'admin-api', ... */
  createdBy?: string;
  /** Epoch ms from which the key is refused. Absent: no expiry. */
  expiresAt?: number;
  /** Epoch ms from which the key is refused because an operator revoked it. */
  revokedAt?: number;
  /** Last time a gateway accepted the key, written in batches: minutes late at most. */
  lastUsedAt?: number;
  /** Set when the key was rotated: the id of its successor. */
  replacedBy?: string;
  /** Set on a successor: the id of the key it replaced. */
  replaces?: string;
  /** With replacedBy: the epoch ms until which this (old) key is still accepted. */
  graceUntil?: number;
}

/** What `create` and `rotate` store; the other fields start empty. */
export type NewApiKey = Omit<ApiKeyRecord, 'revokedAt' | 'lastUsedAt' | 'replacedBy' | 'replaces' | 'graceUntil'>;

/** Filters for `list`. */
export interface ApiKeyQuery {
  /** Only the keys of this API. */
  api?: string;
  /** Most keys returned: default 1000, at most 10000 (larger values are capped). */
  limit?: number;
}

/** One observed use of a key, for `touch`. */
export interface ApiKeyUse {
  id: string;
  at: number;
}

export interface ApiKeyStore {
  /** Stores a new key; undefined when the id is taken. */
  create(key: NewApiKey): Promise<ApiKeyRecord | undefined>;
  get(id: string): Promise<ApiKeyRecord | undefined>;
  /** Keys newest first (by createdAt, then id), revoked and expired ones included. */
  list(query?: ApiKeyQuery): Promise<ApiKeyRecord[]>;
  /**
   * Marks the key revoked at `at` (default: now) and returns it; revoking twice keeps the first
   * time. Undefined when there is no key with this id.
   */
  revoke(id: string, at?: number): Promise<ApiKeyRecord | undefined>;
  /**
   * In one transaction: marks key `id` replaced by `successor.id`, valid until `graceUntil`, and
   * stores the successor (with `replaces` = id). Only a key that is neither revoked, nor already
   * replaced, nor expired at `successor.createdAt` can be rotated: otherwise nothing changes and
   * this returns undefined. Returns the successor as stored.
   */
  rotate(id: string, successor: NewApiKey, graceUntil: number): Promise<ApiKeyRecord | undefined>;
  /**
   * Records uses in one write, moving each key's lastUsedAt forward only (never back). Callers
   * batch uses in memory and call this every few seconds, not once per request. Returns how many
   * keys changed.
   */
  touch(uses: readonly ApiKeyUse[]): Promise<number>;
}

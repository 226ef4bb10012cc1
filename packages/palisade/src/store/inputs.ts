// Argument checks shared by both stores, so both reject the same inputs the same way.
import type { NewBlock, RetentionPolicy } from '../core/index.js';
import { canonicalBlockEntry } from './block-entry.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Rows removed per retention statement unless a store is configured otherwise. */
export const DEFAULT_RETENTION_CHUNK = 5000;

export interface RetentionPlan {
  now: number;
  /** Exchanges that started before this epoch-ms time are too old. */
  cutoff: number;
  keep: number;
}

export function retentionPlan(p: RetentionPolicy): RetentionPlan {
  if (!(Number.isFinite(p.maxAgeDays) && p.maxAgeDays > 0)) {
    throw new RangeError(`Retention maxAgeDays must be a positive number, got ${String(p.maxAgeDays)}.`);
  }
  if (!(Number.isSafeInteger(p.maxExchanges) && p.maxExchanges >= 0)) {
    throw new RangeError(`Retention maxExchanges must be a non-negative integer, got ${String(p.maxExchanges)}.`);
  }
  const now = p.now ?? Date.now();
  if (!Number.isFinite(now)) throw new RangeError('Retention now must be a finite epoch-ms time.');
  return { now, cutoff: Math.floor(now - p.maxAgeDays * DAY_MS), keep: p.maxExchanges };
}

export function chunkSize(n: number | undefined): number {
  if (n === undefined) return DEFAULT_RETENTION_CHUNK;
  if (!(Number.isSafeInteger(n) && n >= 1)) throw new RangeError(`retentionChunkSize must be a positive integer, got ${String(n)}.`);
  return n;
}

export interface ValidBlock {
  entry: string;
  reason: string;
  createdBy: string;
  expiresAt: number | null;
}

export function validBlock(b: NewBlock): ValidBlock {
  const entry = canonicalBlockEntry(b.entry);
  if (typeof b.reason !== 'string') throw new TypeError('Block reason must be a string.');
  if (typeof b.createdBy !== 'string' || b.createdBy === '') throw new TypeError('Block createdBy must be a non-empty string.');
  if (b.expiresAt !== undefined && !Number.isFinite(b.expiresAt)) throw new TypeError('Block expiresAt must be a finite epoch-ms time.');
  return { entry, reason: b.reason, createdBy: b.createdBy, expiresAt: b.expiresAt === undefined ? null : Math.trunc(b.expiresAt) };
}

/** The canonical entry, or undefined when the text cannot name a block (so nothing can match it). */
export function lookupEntry(entry: string): string | undefined {
  try {
    return canonicalBlockEntry(entry);
  } catch {
    return undefined;
  }
}

export function validStateKey(key: string): string {
  if (typeof key !== 'string' || key === '' || key.length > 200) throw new TypeError('State keys are non-empty strings of at most 200 characters.');
  return key;
}

export function validStateValue(value: string): string {
  if (typeof value !== 'string') throw new TypeError('State values are strings; serialise structured state as JSON.');
  return value;
}

/** Lets queued I/O and timers run between chunks of a long synchronous job. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

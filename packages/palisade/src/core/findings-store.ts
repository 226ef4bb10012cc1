// The part of the Store port that keeps findings (from scans, spec audits and Watch) with their
// triage state, and the history of palisade.yaml changes made from the console, reached as
// `store.findings`. A finding is keyed by its content fingerprint, so the same problem reported by
// a later scan updates one record and keeps the status people gave it.
import type { Confidence, Evidence, OwaspApiCategory, Severity } from './model.js';

export type FindingSource = 'scan' | 'audit' | 'watch';
export const FINDING_SOURCES: readonly FindingSource[] = ['scan', 'audit', 'watch'];

/** Triage states. 'fixed' is also set by the system when a later scan of the same scope no longer reports the finding. */
export type FindingStatus = 'new' | 'confirmed' | 'accepted-risk' | 'false-positive' | 'fixed';
export const FINDING_STATUSES: readonly FindingStatus[] = ['new', 'confirmed', 'accepted-risk', 'false-positive', 'fixed'];

/**
 * A palisade.yaml change that would block a finding (a virtual patch), as intent: the console turns
 * it into YAML against the configuration in force when someone previews or applies it.
 */
export type ProtectionIntent =
  | { kind: 'require-auth'; operation: string }
  | { kind: 'rate-limit'; operation?: string; points: number; durationSeconds: number }
  | { kind: 'contract'; strict?: boolean; rejectUnknownProperties?: boolean }
  | { kind: 'waf' }
  | { kind: 'owner-rule'; operation: string; owner: string }
  | { kind: 'admin-only'; operation: string }
  | { kind: 'property-rule'; operation: string; side: 'readable' | 'writable'; properties: string[] }
  | { kind: 'block-ip'; entry: string }
  | { kind: 'login-guard'; method: string; path: string; usernameField?: string }
  | { kind: 'ssrf-guard'; jsonPaths: string[] }
  | { kind: 'max-page-size'; max: number };

/** What every source reports; the store adds the triage fields. */
export interface FindingInput {
  /** Stable content fingerprint (probe/baseline.ts fingerprintFinding, or the detector's own). */
  fingerprint: string;
  source: FindingSource;
  checkId: string;
  title: string;
  severity: Severity;
  category: OwaspApiCategory;
  cwe?: number;
  confidence?: Confidence;
  api?: string;
  operation?: { method: string; path: string; operationId?: string };
  description?: string;
  evidence: Evidence[];
  remediation: { summary: string; details?: string; shieldPolicy?: string };
  protection?: ProtectionIntent;
  /** Which run reported it last (a scan id, an alert id). */
  scanId?: string;
  /** What a run covered ('scan:<target>', 'audit:<spec>', 'watch'): markMissingFixed works per scope. */
  scope?: string;
  /** When it was seen (epoch ms): the first upsert sets firstSeenAt, every one sets lastSeenAt. */
  seenAt: number;
}

export interface StoredFinding extends Omit<FindingInput, 'seenAt'> {
  firstSeenAt: number;
  lastSeenAt: number;
  status: FindingStatus;
  /** Who set the status ('palisade' when the system did). Absent while new and untouched. */
  statusBy?: string;
  statusAt?: number;
  statusNote?: string;
}

export interface FindingQuery {
  status?: FindingStatus | readonly FindingStatus[];
  severity?: Severity | readonly Severity[];
  source?: FindingSource;
  scope?: string;
  /** Case-insensitive text searched in the title, check id, operation and fingerprint. */
  q?: string;
  /** Most findings returned: default 200, at most 5000. */
  limit?: number;
}

export interface ConfigChange {
  id: string;
  at: number;
  /** The console user (or 'cli', 'palisade') who made it. */
  actor: string;
  /** The finding whose protection it applied, when it came from one. */
  findingFingerprint?: string;
  /** Absolute path of the file changed. */
  path: string;
  summary: string;
  before: string;
  after: string;
  undoneAt?: number;
  undoneBy?: string;
}

export type NewConfigChange = Omit<ConfigChange, 'id' | 'undoneAt' | 'undoneBy'>;

export interface FindingStore {
  /**
   * Inserts the finding or updates the one with the same fingerprint: everything it reports is
   * replaced, firstSeenAt and the triage status are kept. A finding marked 'fixed' that is
   * reported again is a regression: it becomes 'new' again (statusBy 'palisade').
   */
  upsert(finding: FindingInput): Promise<{ finding: StoredFinding; created: boolean }>;
  get(fingerprint: string): Promise<StoredFinding | undefined>;
  /** Most severe first, then most recently seen. */
  list(query?: FindingQuery): Promise<StoredFinding[]>;
  /** Sets the triage status; undefined when there is no such finding. */
  setStatus(fingerprint: string, status: FindingStatus, by: string, at: number, note?: string): Promise<StoredFinding | undefined>;
  /**
   * A run of `scope` reported only `seen`: its other open findings (new, confirmed, accepted-risk)
   * are marked fixed by `by`. False positives stay as they are. Returns how many changed.
   */
  markMissingFixed(scope: string, seen: readonly string[], by: string, at: number): Promise<number>;
  /** Findings per severity among those not fixed nor false positives. */
  countOpen(): Promise<Record<Severity, number>>;

  /** Records a configuration change and returns it with its id. */
  addChange(change: NewConfigChange): Promise<ConfigChange>;
  getChange(id: string): Promise<ConfigChange | undefined>;
  /** Newest first; default 50, at most 500. */
  listChanges(limit?: number): Promise<ConfigChange[]>;
  /** Marks a change undone; false when it does not exist or already was. */
  markUndone(id: string, by: string, at: number): Promise<boolean>;
}

// The part of the Store port that keeps the scans started from the console, reached as
// `store.scans`: one record per scan with its live progress, its outcome and its HTML report.
// The findings themselves live in `store.findings`; a scan keeps only its counts and notes.
import type { Severity } from './model.js';

export type ScanStatus = 'queued' | 'running' | 'finished' | 'failed' | 'cancelled';
export const SCAN_STATUSES: readonly ScanStatus[] = ['queued', 'running', 'finished', 'failed', 'cancelled'];

/** Where a running scan stands, written about once a second while it runs. */
export interface ScanProgress {
  /** 'queued', 'importing', 'running', 'reporting', 'done'. */
  phase: string;
  /** Operations the scan exercises (known once the description is imported). */
  operations: number;
  requests: number;
  findings: number;
  /** Epoch ms of this snapshot. */
  updatedAt: number;
}

/** The outcome of a finished scan: counts, budgets and the scanner's notes. */
export interface ScanSummary {
  findings: number;
  bySeverity: Record<Severity, number>;
  requests: number;
  operations: number;
  checks: number;
  durationMs: number;
  /** Budget exhaustion, skipped checks, identities not proven (bounded). */
  notes: string[];
  /** Fingerprints of the findings reported (bounded): they open in /findings. */
  fingerprints: string[];
  /** What storing the findings in store.findings did; absent when they were only counted here. */
  stored?: { created: number; updated: number; fixed: number };
}

export interface ScanRecord {
  id: string;
  /** Base URL scanned. */
  target: string;
  /** The API description: a file path, a URL or 'graphql:<endpoint>'; 'inline' for a posted document. */
  specSource: string;
  /** The configured API (apis[].name) scanned, when one was named. */
  api?: string;
  status: ScanStatus;
  /** Who asked for it (a console username). */
  startedBy: string;
  /** Epoch ms when it was queued. */
  createdAt: number;
  startedAt?: number;
  finishedAt?: number;
  progress?: ScanProgress;
  summary?: ScanSummary;
  /** Why it failed or was cancelled; safe to show (no credentials). */
  error?: string;
  /** Whether an HTML report is stored (read it with getReport). */
  hasReport: boolean;
}

export interface NewScan {
  id: string;
  target: string;
  specSource: string;
  api?: string;
  startedBy: string;
  createdAt: number;
}

/** Fields a scan's run changes; an absent field is left as it is. */
export interface ScanPatch {
  status?: ScanStatus;
  startedAt?: number;
  finishedAt?: number;
  progress?: ScanProgress;
  summary?: ScanSummary;
  error?: string;
}

export interface ScanQuery {
  /** Most scans returned: default 50, at most 500 (larger values are capped). */
  limit?: number;
  status?: ScanStatus;
  /** Paging: only scans created strictly before this epoch ms. */
  before?: number;
}

/** Largest HTML report a scan keeps, in characters: a bigger one is refused (the caller stores a notice instead). */
export const MAX_SCAN_REPORT_CHARS = 4 * 1024 * 1024;

export interface ScanStore {
  /** Stores a new scan as queued; throws on a duplicate id. */
  create(scan: NewScan): Promise<ScanRecord>;
  get(id: string): Promise<ScanRecord | undefined>;
  /** Newest first (by createdAt, then id). */
  list(query?: ScanQuery): Promise<ScanRecord[]>;
  /** Applies the patch; the updated scan, or undefined when there is none with this id. */
  update(id: string, patch: ScanPatch): Promise<ScanRecord | undefined>;
  /** Stores the scan's HTML report (at most MAX_SCAN_REPORT_CHARS); false when there is no such scan. */
  setReport(id: string, html: string): Promise<boolean>;
  getReport(id: string): Promise<string | undefined>;
  /**
   * Marks every queued or running scan failed with `reason` at `at`: scans run in the process, so
   * after a restart nothing is running them any more. Returns how many changed.
   */
  failUnfinished(reason: string, at: number): Promise<number>;
  /** Deletes all but the newest `keep` scans (and their reports); returns how many were deleted. */
  prune(keep: number): Promise<number>;
}

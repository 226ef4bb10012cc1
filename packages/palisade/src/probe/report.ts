/**
 * What a scan or an audit hands to the reporters (SARIF, JUnit, HTML, JSON, Markdown): one shape
 * for both, so a pipeline can render, diff and triage them alike.
 */
import type { Finding } from '../core/index.js';

export interface OperationRef {
  method: string;
  path: string;
  operationId?: string;
}

/** One operation's row in the coverage section. */
export interface CoverageRow {
  operation: OperationRef;
  /** Could the scanner build a request for it (parameters, body, an identity that may call it)? */
  exercisable: boolean;
  /** Why not, when it could not be exercised. */
  reason?: string;
  /** At least one request got an answer (any status). */
  reached: boolean;
  /** At least one request got a 2xx. */
  answered2xx: boolean;
  /** Check ids that ran against this operation. */
  testedBy: string[];
  /** Check ids whose requests to this operation a Palisade gateway refused (problem+json). */
  blockedBy?: string[];
}

/**
 * A check whose attack requests a Palisade gateway (Shield) refused with its problem types: what
 * it did not find may have been stopped in front of the API, not absent from it.
 */
export interface BlockedCheck {
  checkId: string;
  title: string;
  category: string;
  /** Requests the check sent, and how many Shield refused. */
  requests: number;
  blocked: number;
  /** Problem type codes (urn:palisade:problem:<code>) and how often each answered. */
  problems: Record<string, number>;
  /** Operations whose requests were refused (METHOD /template), or the URL path for undocumented ones. */
  operations: string[];
  /** Whether the check still reported findings (some requests got through). */
  found: boolean;
  /** One refused request and Shield's answer. */
  example?: Finding['evidence'][number];
}

/** A defect found while importing the input (wrong servers, tabs in YAML, missing security...). */
export interface ImportDefect {
  severity: 'error' | 'warning';
  message: string;
  /** JSON pointer into the document, when known. */
  pointer?: string;
  line?: number;
}

/** Triage state of a finding, from the baseline file. */
export type TriageState = 'new' | 'confirmed' | 'accepted' | 'false-positive' | 'fixed';

export interface ReportedFinding extends Finding {
  /** From the baseline: absent or 'new' means not seen before. */
  triage?: TriageState;
  /** Why it was accepted or marked a false positive (from the baseline). */
  triageReason?: string;
  /** SARIF/IDE location: the spec file and line the finding points at (audit). */
  location?: { file: string; line?: number; pointer?: string };
}

export interface ProbeReport {
  kind: 'scan' | 'audit';
  tool: { name: string; version: string };
  /** The spec file or URL. */
  spec?: string;
  /** The base URL that was attacked (scan). */
  target?: string;
  startedAt: number;
  finishedAt: number;
  findings: ReportedFinding[];
  coverage?: CoverageRow[];
  /** Scan through a Palisade gateway: checks whose attacks it refused. */
  blocked?: BlockedCheck[];
  importDefects?: ImportDefect[];
  /** Audit score 0–100 (higher is better). */
  score?: number;
  stats?: { requests: number; durationMs: number; checks: number; operations: number };
}

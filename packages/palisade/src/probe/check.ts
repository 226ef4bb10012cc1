// What a scanner check is and what it may use. A check is one file in checks/ exporting a Check;
// it sends requests through the context (budgets, identities, evidence) and reports findings that
// carry evidence and were confirmed by a second observation.
import type { Confidence, Evidence, OwaspApiCategory, Severity } from '../core/index.js';
import type { ApiModel, ScanOperation } from './import/index.js';
import type { Exploration } from './explore.js';
import type { Session } from './identities.js';
import type { Runner, ScanRequest, ScanResponse } from './runner.js';
import type { ScanConfig } from './scan-config.js';
import type { Canary } from './canary.js';

export interface CheckMeta {
  /** Permanent: PAL-SCAN-<AREA>-NNN. */
  id: string;
  title: string;
  category: OwaspApiCategory;
  cwe: number;
  severity: Severity;
  /** What the check sends and how it confirms (docs/scanner.md repeats it). */
  description: string;
  remediation: { summary: string; shieldPolicy?: string };
  /** Sends DELETE, or changes objects the scanner did not create: runs only with `destructive: true`. */
  destructive?: boolean;
  /** Checks run in ascending order; those that change state last (default 50). */
  order?: number;
}

export interface Check extends CheckMeta {
  run(ctx: CheckContext): Promise<void>;
}

export interface FindingInput {
  operation?: Pick<ScanOperation, 'method' | 'path' | 'operationId'>;
  /** Defaults to the check's. */
  title?: string;
  severity?: Severity;
  confidence: Confidence;
  description?: string;
  evidence: Evidence[];
  /** Stable parts for the fingerprint: parameter, property or header names. Never volatile values. */
  parts?: string[];
}

export interface CheckContext {
  readonly check: CheckMeta;
  readonly model: ApiModel;
  readonly config: ScanConfig;
  readonly runner: Runner;
  readonly explore: Exploration;
  readonly canary: Canary;
  readonly anonymous: Session;
  /** Every identity but anonymous. */
  readonly users: readonly Session[];
  /** Operations that can be exercised and are not excluded. */
  readonly operations: readonly ScanOperation[];
  readonly destructiveAllowed: boolean;
  /** Paths of the login operations of the identities. */
  readonly loginPaths: readonly string[];
  /** Sends as `session` (anonymous when omitted), charged to this check. */
  send(req: ScanRequest, session?: Session): Promise<ScanResponse>;
  /** Sends exactly the headers given: no identity credentials added (forged tokens). */
  sendRaw(req: ScanRequest): Promise<ScanResponse>;
  report(f: FindingInput): void;
  /** Marks an operation as tested by this check (coverage). */
  tested(op: ScanOperation): void;
  isExcluded(path: string): boolean;
  note(message: string): void;
}

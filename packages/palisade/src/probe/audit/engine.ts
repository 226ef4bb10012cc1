// `palisade audit`: loads the document (validated by core/openapi, read raw here for locations),
// runs every rule, and turns occurrences into reported findings with fingerprints and a score.
import type { Severity } from '../../core/index.js';
import { loadDocument } from '../../core/index.js';
import { fingerprintFinding } from '../baseline.js';
import type { CoverageRow, ProbeReport, ReportedFinding } from '../report.js';
import type { AuditModel } from './model.js';
import { buildModel } from './model.js';
import type { AuditRule, Occurrence } from './rule.js';
import { AUDIT_RULES } from './rules/index.js';
import type { Reader } from './source.js';
import { SpecSource } from './source.js';

export interface AuditOptions {
  /** Rules to run (default: all). */
  rules?: readonly AuditRule[];
  /** Skip the OpenAPI schema validation by swagger-parser (tests of in-memory documents). */
  validate?: boolean;
  /** The tool version written into the report. */
  version?: string;
  /** Fixed clock for reproducible reports. */
  now?: () => number;
  reader?: Reader;
}

/** Score weights per severity; see docs/audit.md for the formula. */
export const SCORE_WEIGHTS: Readonly<Record<Severity, number>> = { critical: 15, high: 8, medium: 3, low: 1, info: 0 };
/** Penalty points that take the score from 100 to 100/e (≈37). */
export const SCORE_SCALE = 40;

/**
 * 0–100, higher is better. Each rule that fires costs its severity weight, scaled by how much of
 * the API it affects: a quarter for firing at all, the rest in proportion to the share of
 * operations affected (document-wide problems count as all). The sum maps to 100·e^(−P/40), so
 * the score is bounded, falls fastest for the first problems, and does not grow with the size of
 * the document: ten endpoints with one unbounded field each weigh what one endpoint with one does
 * in a one-endpoint API.
 */
export function auditScore(results: ReadonlyArray<{ rule: Pick<AuditRule, 'severity'>; occurrences: readonly Occurrence[] }>, operationCount: number): number {
  let penalty = 0;
  for (const { rule, occurrences } of results) {
    if (occurrences.length === 0) continue;
    const affected = new Set<string>();
    let documentWide = false;
    for (const o of occurrences) {
      const ops = o.affects ?? (o.operation ? [o.operation] : undefined);
      if (!ops) documentWide = true;
      else for (const op of ops) affected.add(`${op.method} ${op.path}`);
    }
    const share = documentWide || operationCount === 0 ? 1 : Math.min(1, affected.size / operationCount);
    penalty += SCORE_WEIGHTS[rule.severity] * (0.25 + 0.75 * share);
  }
  return Math.round(100 * Math.exp(-penalty / SCORE_SCALE));
}

export interface AuditResult {
  report: ProbeReport;
  model: AuditModel;
}

function toFinding(model: AuditModel, rule: AuditRule, o: Occurrence, createdAt: number): ReportedFinding {
  const op = o.operation;
  const line = model.source.line(o.loc);
  return {
    fingerprint: fingerprintFinding({ checkId: rule.id, ...(op ? { operation: op } : {}), parts: [o.key] }),
    checkId: rule.id,
    title: rule.title,
    category: rule.category,
    cwe: rule.cwe,
    severity: rule.severity,
    confidence: rule.confidence,
    source: 'audit',
    ...(op ? { operation: { method: op.method, path: op.path, ...(op.operationId ? { operationId: op.operationId } : {}) } } : {}),
    description: rule.description,
    evidence: [{ matched: o.message }],
    remediation: { summary: rule.remediation, ...(rule.shieldPolicy ? { shieldPolicy: rule.shieldPolicy } : {}) },
    createdAt,
    location: { file: model.source.displayPath(o.loc.file), ...(line ? { line } : {}), pointer: o.loc.pointer },
  };
}

/** Audits an in-memory or on-disk source; the document is not validated here. */
export function auditSource(source: SpecSource, opts: AuditOptions = {}): AuditResult {
  const now = opts.now ?? Date.now;
  const startedAt = now();
  const model = buildModel(source);
  const rules = opts.rules ?? AUDIT_RULES;
  const results = rules.map((rule) => {
    try {
      return { rule, occurrences: rule.check(model) };
    } catch (err) {
      // A rule that trips over an unusual document must not hide the others' findings.
      source.defects.push({ severity: 'warning', message: `${rule.id} could not run: ${(err as Error).message}` });
      return { rule, occurrences: [] };
    }
  });
  const findings: ReportedFinding[] = [];
  const seen = new Set<string>();
  for (const { rule, occurrences } of results)
    for (const o of occurrences) {
      const f = toFinding(model, rule, o, startedAt);
      if (seen.has(f.fingerprint)) continue; // the same problem reached twice (a shared node)
      seen.add(f.fingerprint);
      findings.push(f);
    }
  const opRules = rules.map((r) => r.id);
  const coverage: CoverageRow[] = model.operations.map((op) => ({
    operation: { method: op.method, path: op.path, ...(op.operationId ? { operationId: op.operationId } : {}) },
    exercisable: true,
    reached: false,
    answered2xx: false,
    testedBy: opRules,
  }));
  if (model.version === 'unknown') source.defects.push({ severity: 'error', message: `${source.displayPath(source.root)}: not an OpenAPI 3.x or Swagger 2.0 document (no openapi: 3.x / swagger: "2.0")`, pointer: '' });
  const report: ProbeReport = {
    kind: 'audit',
    tool: { name: 'palisade', version: opts.version ?? '0.0.0' },
    spec: source.displayPath(source.root),
    startedAt,
    finishedAt: now(),
    findings,
    coverage,
    importDefects: source.defects,
    score: auditScore(results, model.operations.length),
    stats: { requests: 0, durationMs: 0, checks: rules.length, operations: model.operations.length },
  };
  report.stats!.durationMs = report.finishedAt - report.startedAt;
  return { report, model };
}

/**
 * Audits a document on disk. It is first loaded and validated the way Shield loads it
 * (swagger-parser: OpenAPI schema, $refs); a failure becomes an import defect and the raw
 * document is still audited, so a broken document gets both its errors and its findings.
 */
export async function auditFile(path: string, opts: AuditOptions = {}): Promise<AuditResult> {
  let invalid: string | undefined;
  if (opts.validate !== false) {
    try {
      await loadDocument(path);
    } catch (err) {
      invalid = (err as Error).message;
    }
  }
  const source = new SpecSource(path, opts.reader);
  if (invalid) source.defects.unshift({ severity: 'error', message: `not a valid OpenAPI document: ${invalid}` });
  return auditSource(source, opts);
}

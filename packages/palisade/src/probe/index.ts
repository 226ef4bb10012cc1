// probe/: the module's face. The static audit and the reporters (A), the scanner (B).
export type { ProbeReport, ReportedFinding, CoverageRow, ImportDefect, TriageState, OperationRef } from './report.js';
// Audit, reporters and baselines.
export { auditFile, auditSource, auditScore, SCORE_WEIGHTS, SCORE_SCALE } from './audit/engine.js';
export type { AuditOptions, AuditResult } from './audit/engine.js';
export { AUDIT_RULES } from './audit/rules/index.js';
export type { AuditRule } from './audit/rule.js';
export { SpecSource } from './audit/source.js';
export { renderReport, REPORT_FORMATS, reportFileName, summarize } from './reporters/index.js';
export type { ReportFormat } from './reporters/index.js';
export { fingerprintFinding, loadBaseline, parseBaseline, applyBaseline, writeBaseline, baselineFor, staleEntries } from './baseline.js';
export type { Baseline, BaselineEntry, FingerprintInput } from './baseline.js';
// The DAST scanner (palisade scan).
export { runScan } from './scanner.js';
export type { ScanOptions, ScanResult, ScanStats } from './scanner.js';
export { ScanCancelled } from './runner.js';
export { loadScanConfig, parseScanConfig, ScanConfigSchema } from './scan-config.js';
export type { ScanConfig, IdentityConfig } from './scan-config.js';
export { importApi, importApiText, IMPORT_LIMITS } from './import/index.js';
export type { ApiModel, ScanOperation, ScanParam, InputFormat } from './import/index.js';
export { SCAN_CHECKS } from './checks/index.js';
export type { Check, CheckContext, CheckMeta, FindingInput } from './check.js';

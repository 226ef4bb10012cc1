// What every reporter needs: one order of findings, counts, and labels.
import type { Severity } from '../../core/index.js';
import { OWASP_API_TOP10, SEVERITIES } from '../../core/index.js';
import type { ProbeReport, ReportedFinding } from '../report.js';

export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}

/** Severity, check, operation, location, fingerprint: the same report renders the same bytes. */
export function compareFindings(a: ReportedFinding, b: ReportedFinding): number {
  return (
    severityRank(a.severity) - severityRank(b.severity) ||
    a.checkId.localeCompare(b.checkId) ||
    (a.operation?.path ?? '').localeCompare(b.operation?.path ?? '') ||
    (a.operation?.method ?? '').localeCompare(b.operation?.method ?? '') ||
    (a.location?.file ?? '').localeCompare(b.location?.file ?? '') ||
    (a.location?.line ?? 0) - (b.location?.line ?? 0) ||
    a.fingerprint.localeCompare(b.fingerprint)
  );
}

export function sortedFindings(report: ProbeReport): ReportedFinding[] {
  return [...report.findings].sort(compareFindings);
}

/** Findings that count: not accepted, not false positives. */
export function isOpen(f: ReportedFinding): boolean {
  return f.triage !== 'accepted' && f.triage !== 'false-positive' && f.triage !== 'fixed';
}

export interface Summary {
  total: number;
  open: number;
  bySeverity: Record<Severity, number>;
  byCategory: Array<{ category: string; name: string; count: number }>;
  newCount: number;
  suppressed: number;
}

export function summarize(report: ProbeReport): Summary {
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  const cats = new Map<string, number>();
  let open = 0;
  let newCount = 0;
  for (const f of report.findings) {
    if (!isOpen(f)) continue;
    open++;
    if (f.triage === undefined || f.triage === 'new') newCount++;
    bySeverity[f.severity]++;
    cats.set(f.category, (cats.get(f.category) ?? 0) + 1);
  }
  const byCategory = [...cats.entries()]
    .map(([category, count]) => ({ category, name: OWASP_API_TOP10[category as keyof typeof OWASP_API_TOP10] ?? category, count }))
    .sort((a, b) => Number(a.category.slice(3).split(':')[0]) - Number(b.category.slice(3).split(':')[0]));
  return { total: report.findings.length, open, bySeverity, byCategory, newCount, suppressed: report.findings.length - open };
}

export function operationLabel(f: Pick<ReportedFinding, 'operation'>): string {
  return f.operation ? `${f.operation.method} ${f.operation.path}` : '';
}

export function whereLabel(f: ReportedFinding): string {
  const loc = f.location ? `${f.location.file}${f.location.line ? `:${f.location.line}` : ''}` : '';
  const op = operationLabel(f);
  return [op, loc].filter(Boolean).join(' — ') || 'the whole API';
}

export function cweUrl(cwe: number): string {
  return `https://cwe.mitre.org/data/definitions/${cwe}.html`;
}

export function owaspName(category: string): string {
  return OWASP_API_TOP10[category as keyof typeof OWASP_API_TOP10] ?? category;
}

export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** Drops C0 controls (other than tab and newline) and lone surrogates, which break XML and terminals. */
export function cleanText(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\ufffe\uffff]/g, '\ufffd').replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}

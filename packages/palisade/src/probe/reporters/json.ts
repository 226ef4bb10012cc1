// JSON: the ProbeReport itself, findings and coverage in a stable order, keys sorted, so two runs
// over the same input give the same bytes and a diff shows what changed.
import type { ProbeReport } from '../report.js';
import { compareFindings } from './common.js';

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return Object.fromEntries(
      Object.keys(o)
        .filter((k) => o[k] !== undefined)
        .sort()
        .map((k) => [k, canonical(o[k])]),
    );
  }
  return v;
}

export function renderJson(report: ProbeReport): string {
  const r: ProbeReport = {
    ...report,
    findings: [...report.findings].sort(compareFindings),
    ...(report.coverage ? { coverage: [...report.coverage].sort((a, b) => a.operation.path.localeCompare(b.operation.path) || a.operation.method.localeCompare(b.operation.method)).map((c) => ({ ...c, testedBy: [...c.testedBy].sort() })) } : {}),
  };
  return JSON.stringify(canonical(r), null, 2) + '\n';
}

// JUnit XML for CI test views: one test suite per operation (plus one for document-wide checks),
// one test case per check that ran against it; a finding is a failure, an accepted or
// false-positive finding a skipped test with the reason.
import type { ProbeReport, ReportedFinding } from '../report.js';
import { cleanText, isoTime, operationLabel, sortedFindings } from './common.js';

export function xmlEscape(s: string): string {
  return cleanText(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

function attrs(a: Record<string, string | number>): string {
  return Object.entries(a)
    .map(([k, v]) => ` ${k}="${xmlEscape(String(v))}"`)
    .join('');
}

function failureBody(f: ReportedFinding): string {
  const lines = [
    `${f.severity.toUpperCase()} ${f.checkId} ${f.title} (${f.category}${f.cwe ? `, CWE-${f.cwe}` : ''})`,
    ...(f.location ? [`at ${f.location.file}${f.location.line ? `:${f.location.line}` : ''}${f.location.pointer ? ` (${f.location.pointer})` : ''}`] : []),
    ...f.evidence.flatMap((e) => [
      ...(e.request ? [`request: ${e.request.method} ${e.request.url}`] : []),
      ...(e.response ? [`response: ${e.response.status}${e.response.bodyExcerpt ? ` ${e.response.bodyExcerpt.slice(0, 500)}` : ''}`] : []),
      ...(e.matched ? [`matched: ${e.matched}`] : []),
    ]),
    `fix: ${f.remediation.summary}`,
    `fingerprint: ${f.fingerprint}`,
  ];
  return lines.join('\n');
}

interface Case {
  name: string;
  findings: ReportedFinding[];
}

export function renderJunit(report: ProbeReport): string {
  const suites = new Map<string, Map<string, Case>>();
  const suite = (name: string): Map<string, Case> => {
    let s = suites.get(name);
    if (!s) suites.set(name, (s = new Map()));
    return s;
  };
  const DOC = '(document)';
  for (const row of report.coverage ?? []) {
    const s = suite(`${row.operation.method} ${row.operation.path}`);
    for (const id of row.testedBy) if (!s.has(id)) s.set(id, { name: id, findings: [] });
  }
  for (const f of sortedFindings(report)) {
    const s = suite(operationLabel(f) || DOC);
    let c = s.get(f.checkId);
    if (!c) s.set(f.checkId, (c = { name: f.checkId, findings: [] }));
    c.findings.push(f);
  }
  const names = [...suites.keys()].sort((a, b) => (a === DOC ? -1 : b === DOC ? 1 : a.split(' ')[1]!.localeCompare(b.split(' ')[1]!) || a.localeCompare(b)));
  const out: string[] = [];
  let tests = 0;
  let failures = 0;
  let skipped = 0;
  const body: string[] = [];
  for (const name of names) {
    const cases = [...suites.get(name)!.values()].sort((a, b) => a.name.localeCompare(b.name));
    let sf = 0;
    let ss = 0;
    const lines: string[] = [];
    for (const c of cases) {
      const open = c.findings.filter((f) => f.triage !== 'accepted' && f.triage !== 'false-positive');
      const title = c.findings[0]?.title;
      const caseName = title ? `${c.name} ${title}` : c.name;
      if (open.length > 0) {
        sf++;
        const worst = open[0]!;
        lines.push(
          `    <testcase${attrs({ classname: name, name: caseName })}>`,
          `      <failure${attrs({ type: worst.severity, message: `${open.length} finding${open.length === 1 ? '' : 's'}: ${worst.evidence[0]?.matched ?? worst.title}`.slice(0, 500) })}>${xmlEscape(open.map(failureBody).join('\n\n'))}</failure>`,
          `    </testcase>`,
        );
      } else if (c.findings.length > 0) {
        ss++;
        const f = c.findings[0]!;
        lines.push(`    <testcase${attrs({ classname: name, name: caseName })}>`, `      <skipped${attrs({ message: `${f.triage}${f.triageReason ? `: ${f.triageReason}` : ''}`.slice(0, 500) })}/>`, `    </testcase>`);
      } else lines.push(`    <testcase${attrs({ classname: name, name: caseName })}/>`);
    }
    tests += cases.length;
    failures += sf;
    skipped += ss;
    body.push(`  <testsuite${attrs({ name, tests: cases.length, failures: sf, errors: 0, skipped: ss, timestamp: isoTime(report.startedAt).replace(/\.\d+Z$/, '') })}>`, ...lines, '  </testsuite>');
  }
  const defects = report.importDefects ?? [];
  if (defects.length > 0) {
    const errs = defects.filter((d) => d.severity === 'error');
    body.push(`  <testsuite${attrs({ name: 'import', tests: 1, failures: 0, errors: errs.length > 0 ? 1 : 0, skipped: 0 })}>`);
    body.push(`    <testcase${attrs({ classname: 'import', name: 'document imports cleanly' })}>`);
    if (errs.length > 0) body.push(`      <error${attrs({ type: 'import', message: errs[0]!.message.slice(0, 500) })}>${xmlEscape(errs.map((d) => d.message).join('\n'))}</error>`);
    const warns = defects.filter((d) => d.severity === 'warning');
    if (warns.length > 0) body.push(`      <system-out>${xmlEscape(warns.map((d) => `warning: ${d.message}`).join('\n'))}</system-out>`);
    body.push('    </testcase>', '  </testsuite>');
    tests += 1;
  }
  const time = ((report.finishedAt - report.startedAt) / 1000).toFixed(3);
  out.push('<?xml version="1.0" encoding="UTF-8"?>');
  out.push(`<testsuites${attrs({ name: `palisade ${report.kind}${report.spec ? ` ${report.spec}` : ''}`, tests, failures, errors: defects.some((d) => d.severity === 'error') ? 1 : 0, skipped, time })}>`);
  out.push(...body, '</testsuites>');
  return out.join('\n') + '\n';
}

// `palisade audit SPEC`: the static security audit of an OpenAPI document, rendered by the probe
// reporters; the exit code gates CI on new findings (baseline) and the score.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Severity } from '../core/index.js';
import { SEVERITIES } from '../core/index.js';
import { REPORT_FORMATS, applyBaseline, auditFile, loadBaseline, renderReport, reportFileName, summarize, writeBaseline } from '../probe/index.js';
import type { Baseline, ProbeReport, ReportFormat } from '../probe/index.js';
import { readVersion, str, usage } from './command.js';
import type { Command } from './command.js';

/** Parses --format sarif,junit,html. */
export function parseFormats(v: string | undefined): ReportFormat[] {
  if (v === undefined) return [];
  const out: ReportFormat[] = [];
  for (const f of v.split(/[,\s]+/).filter(Boolean)) {
    const name = f === 'markdown' ? 'md' : f === 'xml' ? 'junit' : f;
    if (!REPORT_FORMATS.includes(name as ReportFormat)) throw usage(`--format: unknown format "${f}" (use ${REPORT_FORMATS.join(', ')})`);
    if (!out.includes(name as ReportFormat)) out.push(name as ReportFormat);
  }
  return out;
}

export function parseSeverity(v: string | undefined, option: string): Severity | undefined {
  if (v === undefined || v === 'none') return undefined;
  if (!SEVERITIES.includes(v as Severity)) throw usage(`${option}: "${v}" is not a severity (use ${SEVERITIES.join(', ')} or none)`);
  return v as Severity;
}

/** The findings that break the build: new (not in the baseline) and at least as severe as the threshold. */
export function gateFailures(report: ProbeReport, failOn: Severity | undefined): number {
  if (!failOn) return 0;
  const limit = SEVERITIES.indexOf(failOn);
  return report.findings.filter((f) => (f.triage === undefined || f.triage === 'new') && SEVERITIES.indexOf(f.severity) <= limit).length;
}

function summaryText(report: ProbeReport, baselineUsed: boolean): string {
  const s = summarize(report);
  const lines = [
    `palisade audit ${report.spec ?? ''}: score ${report.score ?? '-'}/100, ${report.stats?.operations ?? 0} operations, ${report.stats?.checks ?? 0} rules`,
    `  findings: ${SEVERITIES.map((x) => `${s.bySeverity[x]} ${x}`).join(', ')}${baselineUsed ? ` — ${s.newCount} new, ${s.suppressed} accepted or false positive` : ''}`,
  ];
  for (const c of s.byCategory) lines.push(`  ${c.category.padEnd(10)} ${String(c.count).padStart(3)}  ${c.name}`);
  const defects = report.importDefects ?? [];
  for (const d of defects.slice(0, 10)) lines.push(`  ${d.severity}: ${d.message}`);
  if (defects.length > 10) lines.push(`  ... and ${defects.length - 10} more import defects`);
  return lines.join('\n') + '\n';
}

export const AUDIT_COMMANDS: Record<string, Command> = {
  audit: {
    summary: 'Audit an OpenAPI document (3.0, 3.1, Swagger 2.0) for security problems; reports in SARIF, JUnit, JSON, HTML, Markdown.',
    usage: 'palisade audit openapi.yaml [--format sarif,junit,html,json,md] [--out DIR] [--fail-on high] [--baseline FILE] [--min-score N]',
    details:
      'Without --out, one --format is printed to standard output (the summary goes to standard error); with --out, each format is written to DIR/palisade-audit.<ext>.\n' +
      'Exit code 1 when a new finding (not accepted in the baseline) is at least as severe as --fail-on, when the score is below --min-score, or when the document has import errors; otherwise 0. Every rule is described in docs/audit.md.',
    options: {
      format: { type: 'string', short: 'f', description: 'report formats, comma-separated: sarif, junit, json, html, md' },
      out: { type: 'string', short: 'o', description: 'directory the reports are written to (created if missing)' },
      'fail-on': { type: 'string', description: 'exit 1 when a new finding has this severity or worse: critical, high, medium, low, info, none (default none)' },
      baseline: { type: 'string', short: 'b', description: 'baseline file (YAML/JSON) of accepted findings: only new findings count for --fail-on' },
      'write-baseline': { type: 'string', description: 'write the current findings to this baseline file (keeps the triage of entries already there)' },
      'min-score': { type: 'string', description: 'exit 1 when the score (0-100) is below this' },
      quiet: { type: 'boolean', short: 'q', description: 'no summary' },
    },
    run: async (v, pos) => {
      const spec = pos[0];
      if (!spec) throw usage('audit needs the OpenAPI document: palisade audit openapi.yaml');
      if (pos.length > 1) throw usage(`audit takes one document, got ${pos.length}: ${pos.join(' ')}`);
      if (!existsSync(spec)) throw usage(`audit: ${spec} does not exist`);
      const formats = parseFormats(str(v, 'format'));
      const out = str(v, 'out');
      if (!out && formats.length > 1) throw usage('--format lists several formats: give --out DIR to write them');
      const failOn = parseSeverity(str(v, 'fail-on'), '--fail-on');
      const minScoreText = str(v, 'min-score');
      const minScore = minScoreText === undefined ? undefined : Number(minScoreText);
      if (minScore !== undefined && (!Number.isInteger(minScore) || minScore < 0 || minScore > 100)) throw usage(`--min-score: "${minScoreText}" is not a whole number from 0 to 100`);
      const baselinePath = str(v, 'baseline');
      let baseline: Baseline | undefined;
      if (baselinePath) baseline = loadBaseline(baselinePath);

      const { report } = await auditFile(spec, { version: readVersion() });
      if (baseline) applyBaseline(report, baseline);
      const writeTo = str(v, 'write-baseline');
      if (writeTo) writeBaseline(writeTo, report, writeTo === baselinePath ? baseline : existsSync(writeTo) ? loadBaseline(writeTo) : undefined);

      const toStdout = !out && formats.length === 1;
      if (out) {
        mkdirSync(out, { recursive: true });
        for (const f of formats) writeFileSync(join(out, reportFileName('audit', f)), renderReport(f, report));
      } else if (toStdout) process.stdout.write(renderReport(formats[0]!, report));
      if (v.quiet !== true) {
        const text = summaryText(report, baseline !== undefined) + (out && formats.length ? `  reports: ${formats.map((f) => join(out, reportFileName('audit', f))).join(', ')}\n` : '') + (writeTo ? `  baseline written to ${writeTo}\n` : '');
        (toStdout ? process.stderr : process.stdout).write(text);
      }
      const failures = gateFailures(report, failOn);
      const importErrors = (report.importDefects ?? []).filter((d) => d.severity === 'error').length;
      const reasons: string[] = [];
      if (failures > 0) reasons.push(`${failures} new finding${failures === 1 ? '' : 's'} at ${failOn} or above`);
      if (minScore !== undefined && (report.score ?? 0) < minScore) reasons.push(`score ${report.score} is below --min-score ${minScore}`);
      if (importErrors > 0) reasons.push(`${importErrors} import error${importErrors === 1 ? '' : 's'}`);
      if (reasons.length > 0) {
        process.stderr.write(`audit failed: ${reasons.join('; ')}\n`);
        return 1;
      }
      return 0;
    },
  },
};

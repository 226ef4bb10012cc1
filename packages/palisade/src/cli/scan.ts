// `palisade scan`: the DAST scanner against a running API, rendered by the probe reporters; the
// exit code follows --fail-on over new findings only (those not in the --baseline).
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SEVERITIES } from '../core/index.js';
import { applyBaseline, loadBaseline, loadScanConfig, parseScanConfig, renderReport, reportFileName, runScan, summarize } from '../probe/index.js';
import type { ProbeReport, ScanConfig } from '../probe/index.js';
import { gateFailures, parseFormats, parseSeverity } from './audit.js';
import { readVersion, str, usage } from './command.js';
import type { Command } from './command.js';

function summaryText(report: ProbeReport, notes: string[], baselineUsed: boolean): string {
  const s = summarize(report);
  const stats = report.stats;
  const coverage = report.coverage ?? [];
  const lines = [
    `palisade scan ${report.target ?? ''}: ${stats?.operations ?? 0} operations (${coverage.filter((c) => c.answered2xx).length} answered 2xx), ${stats?.checks ?? 0} checks, ${stats?.requests ?? 0} requests in ${((stats?.durationMs ?? 0) / 1000).toFixed(1)} s`,
    `  findings: ${SEVERITIES.map((x) => `${s.bySeverity[x]} ${x}`).join(', ')}${baselineUsed ? ` — ${s.newCount} new, ${s.suppressed} accepted or false positive` : ''}`,
  ];
  for (const f of report.findings) lines.push(`  ${f.severity.padEnd(8)} ${f.checkId.padEnd(20)} ${f.operation ? `${f.operation.method} ${f.operation.path}` : '(API-wide)'}  ${f.title}`);
  for (const d of (report.importDefects ?? []).slice(0, 10)) lines.push(`  import ${d.severity}: ${d.message}`);
  for (const n of notes.slice(0, 20)) lines.push(`  note: ${n}`);
  return lines.join('\n') + '\n';
}

export const SCAN_COMMANDS: Record<string, Command> = {
  scan: {
    summary: 'Scan a running API (DAST) from its OpenAPI/Swagger/HAR/Postman description, as several users; reports in SARIF, JUnit, JSON, HTML, Markdown.',
    usage: 'palisade scan [--config palisade-scan.yaml] [--spec openapi.yaml] [--target URL] [--format sarif,junit,html,json,md] [--out DIR] [--fail-on high] [--baseline FILE] [--dry-run]',
    details:
      'The scan sends real requests, and with `destructive: true` in the configuration it deletes and changes data: scan a test environment. Identities, budgets and checks are set in palisade-scan.yaml (docs/scan-config.md); every check is described in docs/scanner.md.\n' +
      'Without --out, one --format is printed to standard output (the summary goes to standard error). Exit code 1 when a new finding (not in the baseline) is at least as severe as --fail-on, 0 otherwise; 2 for usage errors.',
    options: {
      config: { type: 'string', short: 'c', description: 'scan configuration (palisade-scan.yaml)' },
      spec: { type: 'string', short: 's', description: 'API description: file or URL (OpenAPI 3.x, Swagger 2.0, HAR, Postman 2.1, WSDL 1.1, GraphQL introspection JSON) or graphql:<endpoint URL>; overrides spec: in the configuration' },
      target: { type: 'string', short: 't', description: 'base URL of the API to scan; overrides target: and the description\'s servers' },
      format: { type: 'string', short: 'f', description: 'report formats, comma-separated: sarif, junit, json, html, md' },
      out: { type: 'string', short: 'o', description: 'directory the reports are written to (created if missing)' },
      'fail-on': { type: 'string', description: 'exit 1 when a new finding has this severity or worse: critical, high, medium, low, info, none (default none)' },
      baseline: { type: 'string', short: 'b', description: 'baseline file of triaged findings: only new findings count for --fail-on' },
      'dry-run': { type: 'boolean', description: 'list what would be sent (sign-ins, exploration requests, checks) without sending anything' },
      quiet: { type: 'boolean', short: 'q', description: 'no summary and no progress line' },
    },
    run: async (v, pos) => {
      if (pos.length > 0) throw usage(`scan takes no positional arguments (got ${pos.join(' ')}): use --spec and --target`);
      const formats = parseFormats(str(v, 'format'));
      const out = str(v, 'out');
      if (!out && formats.length > 1) throw usage('--format lists several formats: give --out DIR to write them');
      const failOn = parseSeverity(str(v, 'fail-on'), '--fail-on');
      const configPath = str(v, 'config');
      if (configPath && !existsSync(configPath)) throw usage(`--config: ${configPath} does not exist`);
      const config: ScanConfig = configPath ? loadScanConfig(configPath) : parseScanConfig({}, '(defaults)');
      const baselinePath = str(v, 'baseline');
      const baseline = baselinePath ? loadBaseline(baselinePath) : undefined;
      const quiet = v.quiet === true;
      const tty = process.stderr.isTTY && !quiet;
      const spec = str(v, 'spec');
      const target = str(v, 'target');
      const result = await runScan({
        config,
        ...(spec ? { spec } : {}),
        ...(target ? { target } : {}),
        dryRun: v['dry-run'] === true,
        version: readVersion(),
        ...(tty ? { progress: (line: string) => process.stderr.write(`\r\x1b[2K${line}`) } : {}),
      });
      if (tty) process.stderr.write('\n');
      if (result.plan) {
        process.stdout.write(`${result.plan.join('\n')}\n`);
        return 0;
      }
      const report = result.report;
      if (baseline) applyBaseline(report, baseline);
      const toStdout = !out && formats.length === 1;
      if (out) {
        mkdirSync(out, { recursive: true });
        for (const f of formats) writeFileSync(join(out, reportFileName('scan', f)), renderReport(f, report));
      } else if (toStdout) process.stdout.write(renderReport(formats[0]!, report));
      if (!quiet) (toStdout ? process.stderr : process.stdout).write(summaryText(report, result.notes, baseline !== undefined) + (out && formats.length ? `  reports: ${formats.map((f) => join(out, reportFileName('scan', f))).join(', ')}\n` : ''));
      const failures = gateFailures(report, failOn);
      if (failures > 0) {
        process.stderr.write(`scan failed: ${failures} new finding${failures === 1 ? '' : 's'} at ${failOn} or above\n`);
        return 1;
      }
      return 0;
    },
  },
};

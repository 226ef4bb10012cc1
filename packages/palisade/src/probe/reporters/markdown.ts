// Markdown for a pull-request comment: a summary table, the top findings, the rest collapsed; never
// longer than a comment may be.
import type { ProbeReport, ReportedFinding } from '../report.js';
import { SEVERITIES } from '../../core/index.js';
import { isOpen, sortedFindings, summarize, whereLabel } from './common.js';

/** GitHub refuses comments above 65,536 characters; stay well below. */
export const MARKDOWN_MAX_CHARS = 60_000;
const TOP = 10;

/** Text safe inside a table cell or a line: no markup, no pipes, no line breaks, no HTML. */
export function mdText(s: string): string {
  // Entities first (GitHub renders HTML in comments), then Markdown's own punctuation.
  return s
    .replace(/[\r\n]+/g, ' ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[\\`*_{}[\]()#+!|~]/g, (c) => `\\${c}`);
}

function fence(s: string, lang = ''): string {
  const ticks = '`'.repeat(Math.max(3, ...[...s.matchAll(/`+/g)].map((m) => m[0].length + 1)));
  return `${ticks}${lang}\n${s}\n${ticks}`;
}

const ICON: Record<string, string> = { critical: '🟥', high: '🟧', medium: '🟨', low: '🟦', info: '⬜' };

function findingBlock(f: ReportedFinding): string {
  const lines = [`**${ICON[f.severity]} ${f.severity.toUpperCase()} · ${mdText(f.checkId)} · ${mdText(f.title)}**${f.triage === 'new' ? ' · _new_' : ''}  `, `${mdText(whereLabel(f))} · ${mdText(f.category)}${f.cwe ? ` · CWE-${f.cwe}` : ''}  `];
  for (const e of f.evidence.slice(0, 3)) if (e.matched) lines.push(`> ${mdText(e.matched)}  `);
  lines.push(`Fix: ${mdText(f.remediation.summary)}`);
  return lines.join('\n');
}

function details(f: ReportedFinding): string {
  const parts = [`<details><summary>${ICON[f.severity]} ${mdText(f.checkId)} ${mdText(f.title)} — ${mdText(whereLabel(f))}</summary>`, ''];
  if (f.description) parts.push(mdText(f.description), '');
  for (const e of f.evidence.slice(0, 3)) {
    if (e.request) parts.push(fence(`${e.request.method} ${e.request.url}${e.request.body ? `\n\n${e.request.body.slice(0, 1000)}` : ''}`, 'http'));
    if (e.response) parts.push(fence(`${e.response.status}${e.response.bodyExcerpt ? `\n\n${e.response.bodyExcerpt.slice(0, 1000)}` : ''}`));
    if (e.matched) parts.push(`Matched: ${mdText(e.matched)}`);
  }
  parts.push('', `**Fix:** ${mdText(f.remediation.summary)}`);
  if (f.remediation.shieldPolicy) parts.push('', 'Shield policy (palisade.yaml):', '', fence(f.remediation.shieldPolicy, 'yaml'));
  parts.push('', `<sub>fingerprint ${f.fingerprint}</sub>`, '', '</details>');
  return parts.join('\n');
}

export function renderMarkdown(report: ProbeReport, maxChars = MARKDOWN_MAX_CHARS): string {
  const s = summarize(report);
  const open = sortedFindings(report).filter(isOpen);
  const head: string[] = [];
  const title = report.kind === 'audit' ? `Palisade audit of \`${mdText(report.spec ?? 'the API')}\`` : `Palisade scan of \`${mdText(report.target ?? report.spec ?? 'the API')}\``;
  head.push(`### ${title}`, '');
  const scoreText = report.score !== undefined ? `Score **${report.score}/100** · ` : '';
  head.push(`${scoreText}**${s.open}** open finding${s.open === 1 ? '' : 's'} (${s.newCount} new)${s.suppressed ? `, ${s.suppressed} accepted or false positive` : ''}.`, '');
  head.push(`| ${SEVERITIES.map((x) => `${ICON[x]} ${x}`).join(' | ')} |`, `|${SEVERITIES.map(() => '---:').join('|')}|`, `| ${SEVERITIES.map((x) => String(s.bySeverity[x])).join(' | ')} |`, '');
  if (s.byCategory.length > 0) {
    head.push('| OWASP API Top 10 2023 | findings |', '|---|---:|');
    for (const c of s.byCategory) head.push(`| ${mdText(c.category)} ${mdText(c.name)} | ${c.count} |`);
    head.push('');
  }
  const blocked = report.blocked ?? [];
  if (blocked.length > 0) head.push(`**Blocked by Shield:** ${blocked.length} check${blocked.length === 1 ? '' : 's'} had attack requests refused by the gateway — ${blocked.map((c) => `${mdText(c.checkId)} (${c.blocked}/${c.requests}${c.found ? ', found anyway' : ''})`).join(', ')}.`, '');
  const defects = report.importDefects ?? [];
  if (defects.length > 0) head.push(`**Import defects:** ${defects.length} (${defects.filter((d) => d.severity === 'error').length} errors). ${mdText(defects[0]!.message.slice(0, 300))}`, '');
  const top = open.slice(0, TOP);
  const body: string[] = [];
  if (top.length > 0) body.push(`#### Top findings`, '', top.map(findingBlock).join('\n\n'), '');
  const rest: string[] = [];
  if (open.length > 0) rest.push('#### All open findings', '');
  const tail = (omitted: number) => (omitted > 0 ? `\n_${omitted} more finding${omitted === 1 ? '' : 's'} not shown here: see the full report (HTML, SARIF or JSON)._\n` : '');
  let text = head.join('\n') + '\n' + body.join('\n');
  if (text.length > maxChars) text = head.join('\n') + '\n';
  let shown = 0;
  let acc = text + '\n' + rest.join('\n') + '\n';
  for (const f of open) {
    const d = details(f) + '\n';
    if (acc.length + d.length + 200 > maxChars) break;
    acc += d;
    shown++;
  }
  if (open.length === 0) acc = text + '\nNo open findings.\n';
  acc += tail(open.length - shown);
  acc += `\n<sub>palisade ${mdText(report.tool.version)} · ${report.kind}${report.stats ? ` · ${report.stats.checks} checks · ${report.stats.operations} operations` : ''}</sub>\n`;
  return acc.length > maxChars ? acc.slice(0, maxChars - 20) + '\n\n_(truncated)_\n' : acc;
}

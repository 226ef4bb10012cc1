// The rule reference of docs/audit.md, generated from the rules so the two cannot drift apart.
import { OWASP_API_TOP10 } from '../../core/index.js';
import { AUDIT_RULES } from './rules/index.js';

export const RULES_BEGIN = '<!-- audit-rules:begin (generated from packages/palisade/src/probe/audit/rules; do not edit by hand) -->';
export const RULES_END = '<!-- audit-rules:end -->';

export function renderAuditRulesDoc(): string {
  const out: string[] = [RULES_BEGIN, '', '| id | severity | category | CWE | rule |', '|---|---|---|---|---|'];
  for (const r of AUDIT_RULES) out.push(`| [${r.id}](#${r.id.toLowerCase()}) | ${r.severity} | ${r.category} | CWE-${r.cwe} | ${r.title} |`);
  for (const r of AUDIT_RULES) {
    out.push('', `### ${r.id}`, '', `**${r.title}** — ${r.severity}, ${r.category} ${OWASP_API_TOP10[r.category]}, [CWE-${r.cwe}](https://cwe.mitre.org/data/definitions/${r.cwe}.html), confidence ${r.confidence}.`, '');
    out.push(`*What it looks for.* ${r.description}`, '', `*How to fix.* ${r.remediation}`);
    if (r.shieldPolicy) out.push('', '*Shield policy meanwhile* (palisade.yaml):', '', '```yaml', r.shieldPolicy, '```');
  }
  out.push('', RULES_END);
  return out.join('\n');
}

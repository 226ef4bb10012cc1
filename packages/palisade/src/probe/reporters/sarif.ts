// SARIF 2.1.0 for GitHub code scanning and other SARIF consumers: one rule per check id, one
// result per finding, located in the spec file (line) and at the operation (logical location),
// with partialFingerprints so alerts survive unrelated edits, and security-severity for ranking.
import type { Severity } from '../../core/index.js';
import type { ProbeReport, ReportedFinding } from '../report.js';
import { cleanText, cweUrl, isoTime, operationLabel, owaspName, sortedFindings } from './common.js';

export const SARIF_SCHEMA_URI = 'https://json.schemastore.org/sarif-2.1.0.json';
const INFO_URI = 'https://github.com/palisade-security/palisade';

/** GitHub ranks by these: ≥9 critical, ≥7 high, ≥4 medium, >0 low. */
const SECURITY_SEVERITY: Record<Severity, string> = { critical: '9.5', high: '8.0', medium: '5.5', low: '3.0', info: '0.5' };
const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { critical: 'error', high: 'error', medium: 'warning', low: 'note', info: 'note' };
const PRECISION = { confirmed: 'very-high', firm: 'high', tentative: 'medium' } as const;

type Json = Record<string, unknown>;

function text(s: string): string {
  return cleanText(s);
}

function ruleFor(f: ReportedFinding, docsBase: string): Json {
  const help = [f.remediation.summary, f.remediation.details, f.remediation.shieldPolicy ? `Shield policy:\n${f.remediation.shieldPolicy}` : undefined].filter(Boolean).join('\n\n');
  const markdown = [
    `**${f.title}** (${f.category} ${owaspName(f.category)}${f.cwe ? `, [CWE-${f.cwe}](${cweUrl(f.cwe)})` : ''})`,
    f.description ?? '',
    `**Fix:** ${f.remediation.summary}`,
    f.remediation.details ?? '',
    f.remediation.shieldPolicy ? `**Shield policy** (palisade.yaml):\n\n\`\`\`yaml\n${f.remediation.shieldPolicy}\n\`\`\`` : '',
  ]
    .filter(Boolean)
    .join('\n\n');
  const tags = ['security', f.source === 'audit' ? 'openapi' : 'dast', f.category, ...(f.cwe ? [`external/cwe/cwe-${f.cwe}`] : [])];
  return {
    id: f.checkId,
    name: f.title.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : '')).replace(/^./, (c) => c.toUpperCase()),
    shortDescription: { text: text(f.title) },
    fullDescription: { text: text(f.description ?? f.title) },
    help: { text: text(help), markdown: text(markdown) },
    helpUri: `${docsBase}#${f.checkId.toLowerCase()}`,
    defaultConfiguration: { level: LEVEL[f.severity] },
    properties: { tags, precision: PRECISION[f.confidence], 'security-severity': SECURITY_SEVERITY[f.severity], 'problem.severity': LEVEL[f.severity] === 'note' ? 'recommendation' : LEVEL[f.severity] },
  };
}

function artifactUri(path: string): string {
  // SARIF wants a URI reference; relative paths resolve against the checkout (%SRCROOT%).
  return path
    .split('/')
    .map((s) => encodeURIComponent(s))
    .join('/');
}

export function renderSarif(report: ProbeReport): string {
  const findings = sortedFindings(report);
  const docsBase = `${INFO_URI}/blob/main/docs/${report.kind === 'audit' ? 'audit' : 'scanner'}.md`;
  const rules: Json[] = [];
  const index = new Map<string, number>();
  for (const f of [...findings].sort((a, b) => a.checkId.localeCompare(b.checkId)))
    if (!index.has(f.checkId)) {
      index.set(f.checkId, rules.length);
      rules.push(ruleFor(f, docsBase));
    }
  const specIsFile = report.spec !== undefined && !/^[a-z][a-z0-9+.-]*:\/\//i.test(report.spec);
  const results = findings.map((f) => {
    const file = f.location?.file ?? (specIsFile ? report.spec : undefined);
    const op = operationLabel(f);
    const location: Json = {};
    if (file) {
      location.physicalLocation = {
        artifactLocation: { uri: artifactUri(file), uriBaseId: '%SRCROOT%' },
        // Code scanning needs a region to show an alert in a file; without a line, the first.
        region: { startLine: f.location?.line ?? 1 },
      };
    }
    if (f.operation) location.logicalLocations = [{ name: f.operation.operationId ?? op, fullyQualifiedName: op, kind: 'function' }];
    if (f.location?.pointer !== undefined) location.message = { text: `JSON pointer ${f.location.pointer || '/'}` };
    const matched = f.evidence.map((e) => e.matched).filter((m): m is string => typeof m === 'string');
    const message = `${f.title}${matched.length ? `: ${matched.join('; ')}` : op ? ` (${op})` : ''}`;
    const result: Json = {
      ruleId: f.checkId,
      ruleIndex: index.get(f.checkId),
      level: LEVEL[f.severity],
      kind: 'fail',
      message: { text: text(message) },
      locations: file || f.operation ? [location] : [],
      partialFingerprints: { 'palisadeFingerprint/v1': f.fingerprint },
      properties: {
        'security-severity': SECURITY_SEVERITY[f.severity],
        severity: f.severity,
        confidence: f.confidence,
        category: f.category,
        ...(f.triage ? { triage: f.triage } : {}),
      },
    };
    if (f.triage) result.baselineState = f.triage === 'new' ? 'new' : 'unchanged';
    if (f.triage === 'accepted' || f.triage === 'false-positive')
      result.suppressions = [{ kind: 'external', status: 'accepted', justification: text(`${f.triage}${f.triageReason ? `: ${f.triageReason}` : ''}`) }];
    const evidence = f.evidence.filter((e) => e.request || e.response);
    if (evidence.length > 0) {
      // Scanner evidence: the request that showed the problem and what came back. (SARIF
      // attachments would need an artifact file per exchange; a property keeps it inline.)
      (result.properties as Json).evidence = evidence.slice(0, 5).map((e) =>
        text(
          [e.request ? `${e.request.method} ${e.request.url}` : '', e.response ? `-> ${e.response.status}${e.response.bodyExcerpt ? `\n${e.response.bodyExcerpt}` : ''}` : '', e.matched ? `matched: ${e.matched}` : '']
            .filter(Boolean)
            .join('\n')
            .slice(0, 4000),
        ),
      );
    }
    return result;
  });
  const run: Json = {
    tool: {
      driver: {
        name: 'Palisade',
        semanticVersion: /^\d+\.\d+\.\d+/.test(report.tool.version) ? report.tool.version : undefined,
        version: report.tool.version,
        informationUri: INFO_URI,
        rules,
      },
    },
    automationDetails: { id: `palisade/${report.kind}/` },
    invocations: [{ executionSuccessful: !(report.importDefects ?? []).some((d) => d.severity === 'error'), startTimeUtc: isoTime(report.startedAt), endTimeUtc: isoTime(report.finishedAt), toolExecutionNotifications: (report.importDefects ?? []).map((d) => ({ level: d.severity === 'error' ? 'error' : 'warning', message: { text: text(d.message) } })) }],
    originalUriBaseIds: { '%SRCROOT%': { description: { text: 'The root of the checkout the spec paths are relative to.' } } },
    results,
    properties: { kind: report.kind, ...(report.score !== undefined ? { score: report.score } : {}), ...(report.target ? { target: report.target } : {}), ...(report.spec ? { spec: report.spec } : {}) },
  };
  return JSON.stringify({ $schema: SARIF_SCHEMA_URI, version: '2.1.0', runs: [run] }, null, 2) + '\n';
}

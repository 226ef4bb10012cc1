// The reporters: one ProbeReport (scan or audit) rendered as SARIF 2.1.0, JUnit XML, JSON, HTML or
// Markdown.
import type { ProbeReport } from '../report.js';
import { renderHtml } from './html.js';
import { renderJson } from './json.js';
import { renderJunit } from './junit.js';
import { renderMarkdown } from './markdown.js';
import { renderSarif } from './sarif.js';

export type ReportFormat = 'sarif' | 'junit' | 'json' | 'html' | 'md';
export const REPORT_FORMATS: readonly ReportFormat[] = ['sarif', 'junit', 'json', 'html', 'md'];

const EXTENSIONS: Record<ReportFormat, string> = { sarif: 'sarif', junit: 'junit.xml', json: 'json', html: 'html', md: 'md' };

export function renderReport(format: ReportFormat, report: ProbeReport): string {
  switch (format) {
    case 'sarif':
      return renderSarif(report);
    case 'junit':
      return renderJunit(report);
    case 'json':
      return renderJson(report);
    case 'html':
      return renderHtml(report);
    case 'md':
      return renderMarkdown(report);
  }
}

/** palisade-audit.sarif, palisade-scan.junit.xml, ... */
export function reportFileName(kind: ProbeReport['kind'], format: ReportFormat): string {
  return `palisade-${kind}.${EXTENSIONS[format]}`;
}

export { summarize } from './common.js';
export type { Summary } from './common.js';

// One self-contained HTML page: inline CSS, no script, no external request (fonts, images, styles
// are all local or system), every value escaped. <details> makes it browsable without JavaScript.
import type { Severity } from '../../core/index.js';
import { SEVERITIES } from '../../core/index.js';
import type { ProbeReport, ReportedFinding } from '../report.js';
import { cleanText, cweUrl, isOpen, isoTime, owaspName, sortedFindings, summarize, whereLabel } from './common.js';

export function htmlEscape(s: string): string {
  return cleanText(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

const e = htmlEscape;

/** Escapes `text` and wraps each occurrence of `needle` in <mark>. */
export function highlight(text: string, needle: string | undefined): string {
  if (!needle || needle.length < 2 || needle.length > 500) return e(text);
  const parts = text.split(needle);
  if (parts.length === 1) return e(text);
  return parts.map(e).join(`<mark>${e(needle)}</mark>`);
}

const CSS = `
:root{--bg:#f7f7f8;--fg:#1d1d22;--muted:#5d6170;--card:#fff;--line:#e2e3e8;--code:#f0f1f4;--mark:#ffe58a;
--critical:#b0122a;--high:#d9480f;--medium:#b08900;--low:#1c6fd1;--info:#6b7280;--ok:#2b8a3e}
@media (prefers-color-scheme:dark){:root{--bg:#15161a;--fg:#e6e6ea;--muted:#9aa0ae;--card:#1e2026;--line:#2f323b;--code:#262932;--mark:#6b5500;
--critical:#ff6b81;--high:#ff922b;--medium:#ffd43b;--low:#74c0fc;--info:#adb5bd;--ok:#69db7c}}
*{box-sizing:border-box}body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
main{max-width:1100px;margin:0 auto;padding:24px 20px 64px}h1{font-size:1.6em;margin:.2em 0}h2{font-size:1.25em;margin:1.6em 0 .6em;border-bottom:1px solid var(--line);padding-bottom:.3em}
h3{font-size:1.05em;margin:1.2em 0 .5em}.muted{color:var(--muted)}code,pre{font:13px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
pre{background:var(--code);padding:10px 12px;border-radius:6px;overflow:auto;white-space:pre-wrap;word-break:break-word;margin:.4em 0}
code{background:var(--code);padding:1px 4px;border-radius:4px}mark{background:var(--mark);color:inherit;padding:0 2px;border-radius:2px}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(120px,1fr));gap:10px;margin:16px 0}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:10px 14px}.card b{display:block;font-size:1.7em;line-height:1.2}
.score b{font-size:2.2em}.sev-critical{color:var(--critical)}.sev-high{color:var(--high)}.sev-medium{color:var(--medium)}.sev-low{color:var(--low)}.sev-info{color:var(--info)}
.badge{display:inline-block;border-radius:999px;padding:0 9px;font-size:12px;font-weight:600;border:1px solid currentColor;white-space:nowrap}
table{border-collapse:collapse;width:100%;background:var(--card);border:1px solid var(--line);border-radius:8px;overflow:hidden}
th,td{text-align:left;padding:6px 10px;border-bottom:1px solid var(--line);vertical-align:top}th{font-weight:600;color:var(--muted);font-size:13px}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}.bar{height:8px;border-radius:4px;background:currentColor;display:inline-block;vertical-align:middle}
details.f{background:var(--card);border:1px solid var(--line);border-left:4px solid var(--sevc);border-radius:8px;margin:8px 0;padding:0 14px}
details.f>summary{cursor:pointer;padding:10px 0;list-style:none;display:flex;gap:10px;align-items:baseline;flex-wrap:wrap}
details.f>summary::-webkit-details-marker{display:none}details.f[open]>summary{border-bottom:1px solid var(--line)}
.f .id{font:12px ui-monospace,monospace;color:var(--muted)}.f .where{color:var(--muted);font-size:13px;flex-basis:100%}
.f .body{padding:8px 0 14px}.kv{display:grid;grid-template-columns:140px 1fr;gap:4px 12px;margin:8px 0}.kv dt{color:var(--muted)}.kv dd{margin:0}
.yes{color:var(--ok)}.no{color:var(--muted)}.triage{font-size:12px;color:var(--muted)}footer{margin-top:40px;color:var(--muted);font-size:13px}
`;

function sevBadge(s: Severity): string {
  return `<span class="badge sev-${s}">${e(s)}</span>`;
}

function findingHtml(f: ReportedFinding): string {
  const rows: string[] = [];
  rows.push(`<dl class="kv"><dt>Check</dt><dd><code>${e(f.checkId)}</code> · ${e(f.category)} ${e(owaspName(f.category))}${f.cwe ? ` · <a href="${e(cweUrl(f.cwe))}">CWE-${f.cwe}</a>` : ''}</dd>`);
  rows.push(`<dt>Where</dt><dd>${e(whereLabel(f))}${f.location?.pointer !== undefined ? ` <span class="muted">(<code>${e(f.location.pointer || '/')}</code>)</span>` : ''}</dd>`);
  rows.push(`<dt>Confidence</dt><dd>${e(f.confidence)}</dd>`);
  if (f.triage) rows.push(`<dt>Triage</dt><dd>${e(f.triage)}${f.triageReason ? ` — ${e(f.triageReason)}` : ''}</dd>`);
  rows.push(`<dt>Fingerprint</dt><dd><code>${e(f.fingerprint)}</code></dd></dl>`);
  if (f.description) rows.push(`<p>${e(f.description)}</p>`);
  for (const ev of f.evidence.slice(0, 5)) {
    if (ev.request) {
      const headers = Object.entries(ev.request.headers ?? {})
        .map(([k, v]) => `${k}: ${v}`)
        .join('\n');
      rows.push(`<h4>Request</h4><pre>${highlight(`${ev.request.method} ${ev.request.url}${headers ? `\n${headers}` : ''}${ev.request.body ? `\n\n${ev.request.body.slice(0, 4000)}` : ''}`, ev.matched)}</pre>`);
    }
    if (ev.response) {
      const headers = Object.entries(ev.response.headers ?? {})
        .map(([k, v]) => `${k}: ${v}`)
        .join('\n');
      rows.push(`<h4>Response</h4><pre>${highlight(`${ev.response.status}${headers ? `\n${headers}` : ''}${ev.response.bodyExcerpt ? `\n\n${ev.response.bodyExcerpt.slice(0, 4000)}` : ''}`, ev.matched)}</pre>`);
    }
    if (ev.matched) rows.push(`<p><b>Found:</b> <mark>${e(ev.matched)}</mark></p>`);
  }
  rows.push(`<h4>How to fix</h4><p>${e(f.remediation.summary)}</p>`);
  if (f.remediation.details) rows.push(`<p>${e(f.remediation.details)}</p>`);
  if (f.remediation.shieldPolicy) rows.push(`<h4>Shield policy <span class="muted">(palisade.yaml, a virtual patch while the API is fixed)</span></h4><pre>${e(f.remediation.shieldPolicy)}</pre>`);
  const summaryWhere = f.evidence.find((x) => x.matched)?.matched ?? whereLabel(f);
  return `<details class="f" style="--sevc:var(--${f.severity})"><summary>${sevBadge(f.severity)} <b>${e(f.title)}</b> <span class="id">${e(f.checkId)}</span>${f.triage && f.triage !== 'new' ? ` <span class="triage">${e(f.triage)}</span>` : f.triage === 'new' ? ' <span class="badge">new</span>' : ''}<span class="where">${e(summaryWhere)}</span></summary><div class="body">${rows.join('\n')}</div></details>`;
}

export function renderHtml(report: ProbeReport): string {
  const s = summarize(report);
  const findings = sortedFindings(report);
  const open = findings.filter(isOpen);
  const closed = findings.filter((f) => !isOpen(f));
  const subject = report.kind === 'audit' ? report.spec ?? 'OpenAPI document' : report.target ?? report.spec ?? 'API';
  const out: string[] = [];
  out.push('<!DOCTYPE html>', '<html lang="en"><head><meta charset="utf-8">', '<meta name="viewport" content="width=device-width, initial-scale=1">');
  // No script, no external resource: the page stays inert and readable offline.
  out.push(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`);
  out.push(`<title>Palisade ${e(report.kind)} — ${e(subject)}</title>`, `<style>${CSS}</style></head><body><main>`);
  out.push(`<p class="muted">Palisade ${e(report.tool.version)} · ${report.kind === 'audit' ? 'static OpenAPI audit' : 'DAST scan'} · ${e(isoTime(report.startedAt))}</p>`);
  out.push(`<h1>${report.kind === 'audit' ? 'Audit of' : 'Scan of'} <code>${e(subject)}</code></h1>`);
  if (report.kind === 'scan' && report.spec) out.push(`<p class="muted">Specification: <code>${e(report.spec)}</code></p>`);

  out.push('<div class="cards">');
  if (report.score !== undefined) out.push(`<div class="card score"><b class="${report.score >= 80 ? 'yes' : report.score >= 50 ? 'sev-medium' : 'sev-critical'}">${report.score}</b>score / 100</div>`);
  out.push(`<div class="card"><b>${s.open}</b>open findings${s.newCount !== s.open ? ` (${s.newCount} new)` : ''}</div>`);
  for (const sev of SEVERITIES) out.push(`<div class="card"><b class="sev-${sev}">${s.bySeverity[sev]}</b>${sev}</div>`);
  if (report.stats) out.push(`<div class="card"><b>${report.stats.operations}</b>operations</div>`);
  out.push('</div>');
  if (s.suppressed > 0) out.push(`<p class="muted">${s.suppressed} finding${s.suppressed === 1 ? '' : 's'} accepted or marked false positive in the baseline (listed at the end).</p>`);

  if (s.byCategory.length > 0) {
    const max = Math.max(...s.byCategory.map((c) => c.count));
    out.push('<h2>By OWASP API Security Top 10 (2023) category</h2><table><thead><tr><th>Category</th><th class="n">Findings</th><th style="width:40%"></th></tr></thead><tbody>');
    for (const c of s.byCategory) out.push(`<tr><td><b>${e(c.category)}</b> ${e(c.name)}</td><td class="n">${c.count}</td><td><span class="bar sev-low" style="width:${Math.max(2, Math.round((100 * c.count) / max))}%"></span></td></tr>`);
    out.push('</tbody></table>');
  }

  out.push('<h2>Findings</h2>');
  if (open.length === 0) out.push('<p class="yes">No open findings.</p>');
  for (const sev of SEVERITIES) {
    const inSev = open.filter((f) => f.severity === sev);
    if (inSev.length === 0) continue;
    out.push(`<h3 class="sev-${sev}">${e(sev[0]!.toUpperCase() + sev.slice(1))} (${inSev.length})</h3>`);
    const cats = [...new Set(inSev.map((f) => f.category))].sort((a, b) => Number(a.slice(3).split(':')[0]) - Number(b.slice(3).split(':')[0]));
    for (const c of cats) {
      out.push(`<p class="muted"><b>${e(c)}</b> ${e(owaspName(c))}</p>`);
      for (const f of inSev.filter((x) => x.category === c)) out.push(findingHtml(f));
    }
  }

  const blocked = report.blocked ?? [];
  if (blocked.length > 0) {
    out.push('<h2>Blocked by Shield</h2>', '<p>The gateway in front of the API refused these checks\' attack requests with its own problem types: what they did not find was stopped before the API, which does not say the API itself is safe.</p>');
    out.push('<table><thead><tr><th>Check</th><th class="n">Refused</th><th>Problem types</th><th>Operations</th><th>Found anyway</th></tr></thead><tbody>');
    for (const c of blocked) out.push(`<tr><td><code>${e(c.checkId)}</code> ${e(c.title)}</td><td class="n">${c.blocked} of ${c.requests}</td><td>${Object.entries(c.problems).map(([k, n]) => `<code>${e(k)}</code> ${n}`).join(', ')}</td><td>${c.operations.slice(0, 8).map((o) => `<code>${e(o)}</code>`).join(' ')}${c.operations.length > 8 ? ` +${c.operations.length - 8}` : ''}</td><td>${c.found ? '<span class="no">yes</span>' : '<span class="yes">no</span>'}</td></tr>`);
    out.push('</tbody></table>');
  }

  const cov = report.coverage ?? [];
  if (cov.length > 0) {
    out.push('<h2>Coverage</h2>');
    const reached = cov.filter((r) => r.reached).length;
    const ok = cov.filter((r) => r.answered2xx).length;
    if (report.kind === 'scan') out.push(`<p>${cov.length} operations imported · ${reached} reached · ${ok} answered 2xx.</p>`);
    else out.push(`<p>${cov.length} operations audited by ${report.stats?.checks ?? 0} rules.</p>`);
    const counts = new Map<string, number>();
    for (const f of open) if (f.operation) counts.set(`${f.operation.method} ${f.operation.path}`, (counts.get(`${f.operation.method} ${f.operation.path}`) ?? 0) + 1);
    out.push(`<table><thead><tr><th>Operation</th>${report.kind === 'scan' ? '<th>Exercisable</th><th>Reached</th><th>2xx</th>' : ''}<th class="n">Checks</th><th class="n">Findings</th></tr></thead><tbody>`);
    for (const r of [...cov].sort((a, b) => a.operation.path.localeCompare(b.operation.path) || a.operation.method.localeCompare(b.operation.method))) {
      const label = `${r.operation.method} ${r.operation.path}`;
      const yn = (b: boolean) => (b ? '<span class="yes">yes</span>' : '<span class="no">no</span>');
      out.push(
        `<tr><td><code>${e(label)}</code>${r.operation.operationId ? ` <span class="muted">${e(r.operation.operationId)}</span>` : ''}</td>${report.kind === 'scan' ? `<td>${yn(r.exercisable)}${r.reason ? ` <span class="muted">${e(r.reason)}</span>` : ''}</td><td>${yn(r.reached)}</td><td>${yn(r.answered2xx)}</td>` : ''}<td class="n" title="${e(r.testedBy.join(', '))}">${r.testedBy.length}</td><td class="n">${counts.get(label) ?? 0}</td></tr>`,
      );
    }
    out.push('</tbody></table>');
  }

  const defects = report.importDefects ?? [];
  if (defects.length > 0) {
    out.push('<h2>Import defects</h2><table><thead><tr><th>Severity</th><th>Problem</th><th>Where</th></tr></thead><tbody>');
    for (const d of defects) out.push(`<tr><td class="${d.severity === 'error' ? 'sev-critical' : 'sev-medium'}">${e(d.severity)}</td><td>${e(d.message)}</td><td>${d.pointer !== undefined ? `<code>${e(d.pointer || '/')}</code>` : ''}${d.line ? ` line ${d.line}` : ''}</td></tr>`);
    out.push('</tbody></table>');
  }

  if (closed.length > 0) {
    out.push('<h2>Accepted and false positives</h2>');
    for (const f of closed) out.push(findingHtml(f));
  }
  const stats = report.stats;
  out.push(`<footer>Generated by Palisade ${e(report.tool.version)} from ${e(isoTime(report.startedAt))} to ${e(isoTime(report.finishedAt))}${stats ? ` · ${stats.checks} checks · ${stats.operations} operations${report.kind === 'scan' ? ` · ${stats.requests} requests` : ''}` : ''}.</footer>`);
  out.push('</main></body></html>');
  return out.join('\n') + '\n';
}

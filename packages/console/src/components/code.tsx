// Renderers for configuration text: unified diffs and validation issues.
import type { ConfigIssue } from '../api/types';

export function DiffView({ diff, label }: { diff: string; label: string }) {
  const lines = diff.replace(/\n$/, '').split('\n');
  return (
    <pre className="code diff" tabIndex={0} aria-label={label} data-testid="yaml-diff">
      {lines.map((l, i) => {
        const cls = l.startsWith('+++') || l.startsWith('---') ? 'd-file' : l.startsWith('+') ? 'd-add' : l.startsWith('-') ? 'd-del' : l.startsWith('@@') ? 'd-hunk' : '';
        return (
          <span key={i} className={`d-line ${cls}`}>
            {cls === 'd-add' && <span className="sr-only">added: </span>}
            {cls === 'd-del' && <span className="sr-only">removed: </span>}
            {l}
            {'\n'}
          </span>
        );
      })}
    </pre>
  );
}

export function IssueList({ issues }: { issues: ConfigIssue[] }) {
  if (issues.length === 0) return null;
  return (
    <ul className="issues" role="alert">
      {issues.map((i, k) => (
        <li key={k}>
          {i.line ? <span className="mono">line {i.line}: </span> : null}
          {i.path ? <span className="mono">{i.path}: </span> : null}
          {i.message}
        </li>
      ))}
    </ul>
  );
}


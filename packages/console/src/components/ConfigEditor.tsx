// The palisade.yaml editor: a plain textarea with line numbers, validation issues shown next to
// their line (and listed below for screen readers and narrow screens), "Save & reload".
import { useMemo, useRef, useState } from 'react';
import { ApiError, api } from '../api/client';
import type { ConfigIssue, ConfigView } from '../api/types';
import { Async, InlineError, useAction, useApi } from './ui';

const LINE_HEIGHT = 20; // px; the CSS of .editor uses the same value.

export function ConfigEditor() {
  const state = useApi<ConfigView>('/config');
  const [generation, setGeneration] = useState(0);
  return (
    <Async state={state} label="Loading the configuration…">
      {(d) => (
        <Editor
          key={generation}
          view={d}
          onSaved={() => {
            state.reload();
            setGeneration((g) => g + 1);
          }}
        />
      )}
    </Async>
  );
}

function Editor({ view, onSaved }: { view: ConfigView; onSaved: () => void }) {
  const [text, setText] = useState(view.yaml);
  const [issues, setIssues] = useState<ConfigIssue[]>(view.issues ?? []);
  const [status, setStatus] = useState<string | undefined>(view.valid ? undefined : 'The configuration in force has issues (listed below).');
  const [saved, setSaved] = useState<string | undefined>();
  const action = useAction();
  const taRef = useRef<HTMLTextAreaElement>(null);
  const gutterRef = useRef<HTMLDivElement>(null);
  const issueColRef = useRef<HTMLDivElement>(null);
  const lineCount = useMemo(() => text.split('\n').length, [text]);
  const byLine = useMemo(() => {
    const m = new Map<number, ConfigIssue[]>();
    for (const i of issues) if (i.line) m.set(i.line, [...(m.get(i.line) ?? []), i]);
    return m;
  }, [issues]);
  const dirty = text !== view.yaml;

  const syncScroll = () => {
    const ta = taRef.current;
    if (!ta) return;
    if (gutterRef.current) gutterRef.current.scrollTop = ta.scrollTop;
    if (issueColRef.current) issueColRef.current.scrollTop = ta.scrollTop;
  };
  const goToLine = (line: number) => {
    const ta = taRef.current;
    if (!ta) return;
    const lines = ta.value.split('\n');
    let start = 0;
    for (let i = 0; i < line - 1 && i < lines.length; i++) start += (lines[i]?.length ?? 0) + 1;
    const end = start + (lines[line - 1]?.length ?? 0);
    ta.focus();
    ta.setSelectionRange(start, end);
    ta.scrollTop = Math.max(0, (line - 3) * LINE_HEIGHT);
    syncScroll();
  };

  const validate = async () => {
    setSaved(undefined);
    const r = await action.run(() => api.post<{ valid: boolean; issues: ConfigIssue[] }>('/config/validate', { yaml: text }));
    if (r) {
      setIssues(r.issues ?? []);
      setStatus(r.valid ? 'The configuration is valid.' : `${r.issues.length} issue${r.issues.length === 1 ? '' : 's'} found.`);
    }
  };
  const save = async () => {
    setSaved(undefined);
    const r = await action.run(async () => {
      try {
        await api.put('/config', { yaml: text });
        return true;
      } catch (err) {
        if (err instanceof ApiError && err.problem?.issues) {
          setIssues(err.problem.issues);
          setStatus(`Not saved: ${err.problem.issues.length} issue${err.problem.issues.length === 1 ? '' : 's'} found.`);
          return false;
        }
        throw err;
      }
    });
    if (r) {
      setIssues([]);
      setStatus(undefined);
      setSaved('Saved and reloaded. The previous version is kept in the change history.');
      onSaved();
    }
  };

  return (
    <section aria-labelledby="config-h">
      <div className="panel-head">
        <h2 id="config-h">
          palisade.yaml {view.path && <span className="mono small muted">{view.path}</span>}
        </h2>
        <div className="row-actions">
          <button type="button" className="btn" onClick={() => void validate()} disabled={action.busy}>
            Validate
          </button>
          <button type="button" className="btn btn-primary" onClick={() => void save()} disabled={action.busy || !dirty}>
            {action.busy ? 'Working…' : 'Save & reload'}
          </button>
        </div>
      </div>
      <p className="small muted">Secrets are shown redacted; leave their placeholders unchanged to keep the stored values.</p>
      <p role="status" className={issues.length ? 'warn-text' : 'ok-text'}>
        {saved ?? status}
      </p>
      <InlineError message={action.error} />
      <div className="editor">
        <div className="editor-gutter" ref={gutterRef} aria-hidden="true">
          <div className="editor-lines">
            {Array.from({ length: lineCount }, (_, i) => (
              <div key={i} className={byLine.has(i + 1) ? 'ln ln-err' : 'ln'}>
                {byLine.has(i + 1) ? '⚠ ' : ''}
                {i + 1}
              </div>
            ))}
          </div>
        </div>
        <textarea
          ref={taRef}
          className="editor-text"
          value={text}
          onChange={(e) => setText(e.target.value)}
          onScroll={syncScroll}
          spellCheck={false}
          autoCapitalize="off"
          autoCorrect="off"
          wrap="off"
          aria-label="palisade.yaml"
          aria-describedby="config-issues"
          data-testid="config-editor"
        />
        <div className="editor-issues" ref={issueColRef} aria-hidden="true">
          <div className="editor-lines" style={{ height: lineCount * LINE_HEIGHT }}>
            {[...byLine.entries()].map(([line, list]) => (
              <div key={line} className="issue-mark" style={{ top: (line - 1) * LINE_HEIGHT }} title={list.map((i) => i.message).join('\n')}>
                ← {list[0]?.message}
                {list.length > 1 ? ` (+${list.length - 1})` : ''}
              </div>
            ))}
          </div>
        </div>
      </div>
      <div id="config-issues">
        {issues.length > 0 && (
          <ul className="issues" aria-label="Validation issues">
            {issues.map((i, k) => (
              <li key={k}>
                {i.line ? (
                  <button type="button" className="link-btn mono" onClick={() => goToLine(i.line ?? 1)}>
                    line {i.line}
                    {i.column ? `:${i.column}` : ''}
                  </button>
                ) : null}{' '}
                {i.path && <span className="mono">{i.path}: </span>}
                {i.message}
              </li>
            ))}
          </ul>
        )}
      </div>
    </section>
  );
}

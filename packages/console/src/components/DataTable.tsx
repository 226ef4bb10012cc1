// The console's table frame: the scrolling wrapper, the header row and the body, so every list
// spells its headers the same way (scope="col", hide-sm columns, a screen-reader-only label for
// the actions column).
import type { ReactNode } from 'react';

/** A header: its text, or the text with the cell's class (`hide-sm`, `num`); `hidden` labels it for screen readers only. */
export type Column = string | { label: string; className?: string; hidden?: boolean };

export function DataTable({ columns, testId, children }: { columns: readonly Column[]; testId?: string; children: ReactNode }) {
  return (
    <div className="table-wrap">
      <table className="table" data-testid={testId}>
        <thead>
          <tr>
            {columns.map((c) => {
              const col = typeof c === 'string' ? { label: c } : c;
              return (
                <th key={col.label} scope="col" className={col.className}>
                  {col.hidden ? <span className="sr-only">{col.label}</span> : col.label}
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}

/** The last column of a table whose rows end with buttons. */
export const ACTIONS_COLUMN: Column = { label: 'Actions', hidden: true };

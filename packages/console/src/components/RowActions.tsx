// The small buttons at the end of a table row (Rotate, Revoke, Delete…), drawn alike everywhere.

export interface RowAction {
  label: string;
  /** Names the row too, for screen readers: "Revoke ci-pipeline". */
  ariaLabel?: string;
  onClick: () => void;
  disabled?: boolean;
  danger?: boolean;
}

export function RowActions({ actions }: { actions: readonly RowAction[] }) {
  return (
    <>
      {actions.map((a, i) => (
        <button key={i} type="button" className={a.danger ? 'btn btn-sm btn-danger' : 'btn btn-sm'} onClick={a.onClick} disabled={a.disabled} aria-label={a.ariaLabel}>
          {a.label}
        </button>
      ))}
    </>
  );
}

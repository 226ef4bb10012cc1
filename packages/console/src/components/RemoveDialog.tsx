// Confirming the removal (delete, revoke) of one listed item: the confirmation runs through the
// tab's useAction, so its busy state and error show in the dialog, then closes it and reloads.
import type { ReactNode } from 'react';
import { ConfirmDialog, type useAction } from './ui';

export function RemoveDialog<T>({
  item,
  title,
  message,
  confirmLabel,
  action,
  remove,
  onClose,
  onRemoved,
}: {
  /** The item asked about; undefined keeps the dialog closed. */
  item: T | undefined;
  title: string;
  message: ReactNode;
  confirmLabel: string;
  action: ReturnType<typeof useAction>;
  remove: (item: T) => Promise<unknown>;
  onClose: () => void;
  onRemoved: () => void;
}) {
  return (
    <ConfirmDialog
      open={item !== undefined}
      title={title}
      message={message}
      confirmLabel={confirmLabel}
      danger
      busy={action.busy}
      error={action.error}
      onCancel={onClose}
      onConfirm={() =>
        void action.run(async () => {
          if (item !== undefined) await remove(item);
          onClose();
          onRemoved();
        })
      }
    />
  );
}

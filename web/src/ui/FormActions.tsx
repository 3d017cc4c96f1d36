/**
 * A form's buttons: submit (saying `busyLabel`, "Saving…" unless told, while busy) and, when
 * there is somewhere to go back to, Cancel.
 */
export function FormActions({ submit, onCancel }: { submit?: { label: string; busy: boolean; disabled?: boolean; busyLabel?: string }; onCancel?: () => void }) {
  return (
    <div className="form-actions">
      {submit ? (
        <button type="submit" className="btn btn-primary" disabled={submit.busy || submit.disabled}>
          {submit.busy ? (submit.busyLabel ?? 'Saving…') : submit.label}
        </button>
      ) : null}
      {onCancel ? (
        <button type="button" className="btn" onClick={onCancel}>
          Cancel
        </button>
      ) : null}
    </div>
  );
}

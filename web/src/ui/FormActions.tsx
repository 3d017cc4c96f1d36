import { useEffect, useRef } from 'react';

/**
 * A form's buttons: submit (saying `busyLabel`, "Saving…" unless told, while busy) and, when
 * there is somewhere to go back to, Cancel.
 *
 * The submit button is disabled while busy, and a disabled button loses the focus to the page:
 * a keyboard user who pressed it would start again from the top. So when the focus was on it as
 * the save began and nothing else took it meanwhile (a refusal's field does), it comes back.
 */
export function FormActions({ submit, onCancel }: { submit?: { label: string; busy: boolean; disabled?: boolean; busyLabel?: string }; onCancel?: () => void }) {
  const button = useRef<HTMLButtonElement>(null);
  const hadFocus = useRef(false);
  const busy = submit?.busy ?? false;
  useEffect(() => {
    if (busy) return;
    if (hadFocus.current && (!document.activeElement || document.activeElement === document.body)) button.current?.focus();
    hadFocus.current = false;
  }, [busy]);
  return (
    <div className="form-actions">
      {submit ? (
        <button
          ref={button}
          type="submit"
          className="btn btn-primary"
          disabled={submit.busy || submit.disabled}
          // A click (or Enter on the button) focuses it first; Enter in a field also "clicks" it, with the focus staying in the field.
          onClick={(e) => {
            hadFocus.current = document.activeElement === e.currentTarget;
          }}
        >
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

import { useEffect, useRef } from 'react';

/**
 * Save of an editor that starts afresh from each saved version (the form remounts with it).
 * The remount removes the button the admin pressed, and a disabled one could not take the focus
 * back, so the focus fell to the page: this one is only marked unavailable while there is
 * nothing to save (aria-disabled), and mounted `afterSave` it takes the focus back — unless
 * something else has it.
 */
export function SaveDraftButton({ label, canSave, onSave, afterSave }: { label: string; canSave: boolean; onSave(): void; afterSave: boolean }) {
  const button = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (afterSave && (!document.activeElement || document.activeElement === document.body)) button.current?.focus();
  }, [afterSave]);
  return (
    <button ref={button} type="button" className="btn btn-primary" aria-disabled={canSave ? undefined : true} onClick={() => canSave && onSave()}>
      {label}
    </button>
  );
}

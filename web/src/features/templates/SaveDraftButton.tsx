import { useEffect, useRef, useState } from 'react';

/**
 * Save of an editor that starts afresh from each saved version (the form remounts with it).
 * The remount removes the button the admin pressed, and a disabled one could not take the focus
 * back, so the focus fell to the page: this one is only marked unavailable while there is
 * nothing to save (aria-disabled), and mounted `afterSave` it takes the focus back — unless
 * something else has it.
 *
 * While `onSave` runs it is unavailable too (aria-disabled, "Saving…"): a double click sent the
 * same version twice, and the second save was refused as a conflict with the first. The ref
 * holds from the click itself, before React shows the state.
 */
export function SaveDraftButton({ label, canSave, onSave, afterSave }: { label: string; canSave: boolean; onSave(): Promise<unknown>; afterSave: boolean }) {
  const button = useRef<HTMLButtonElement>(null);
  const running = useRef(false);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (afterSave && (!document.activeElement || document.activeElement === document.body)) button.current?.focus();
  }, [afterSave]);
  const click = () => {
    if (!canSave || running.current) return;
    running.current = true;
    setBusy(true);
    void onSave().finally(() => {
      running.current = false;
      setBusy(false);
    });
  };
  return (
    <button ref={button} type="button" className="btn btn-primary" aria-disabled={canSave && !busy ? undefined : true} aria-busy={busy || undefined} onClick={click}>
      {busy ? 'Saving…' : label}
    </button>
  );
}

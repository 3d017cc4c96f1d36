import { useEffect, useRef, useState } from 'react';
import { ConfirmButton } from '../../ui/index.js';
import type { BulkQuestion } from './bulk-question.js';

/**
 * "Retry all" / "Cancel all": asks its question with the numbers, then acts. When the filter's
 * messages hold none it could change ("None of the 12 matching messages can be retried: they
 * were sent."), it says so with only a way back: a "Yes" there would do nothing.
 */
export function BulkButton({ label, className, question, keepLabel, onConfirm, busy }: { label: string; className: string; question: BulkQuestion; keepLabel: string; onConfirm: () => void; busy: boolean }) {
  if (!question.none) return <ConfirmButton label={label} className={className} question={question.text} keepLabel={keepLabel} onConfirm={onConfirm} busy={busy} />;
  return <NothingToDo label={label} className={className} text={question.text} />;
}

function NothingToDo({ label, className, text }: { label: string; className: string; text: string }) {
  const [open, setOpen] = useState(false);
  // As ConfirmButton does: closing the answer gives the focus back to the button that asked.
  const refocus = useRef(false);
  const trigger = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (open || !refocus.current) return;
    refocus.current = false;
    trigger.current?.focus();
  }, [open]);
  const close = () => {
    refocus.current = true;
    setOpen(false);
  };
  if (!open) {
    return (
      <button ref={trigger} type="button" className={className} onClick={() => setOpen(true)}>
        {label}
      </button>
    );
  }
  return (
    // Information, not a warning: the blue of a notice, not the red of a question that changes things.
    <span className="alert alert-info bulk-told" role="group" aria-label={text} onKeyDown={(e) => e.key === 'Escape' && close()}>
      <span data-testid="bulk-told">{text}</span>{' '}
      <button type="button" className="btn btn-small" autoFocus onClick={close}>
        OK
      </button>
    </span>
  );
}

import { useEffect, useRef, useState } from 'react';

/**
 * A destructive button that asks first; the question is a real dialog the keyboard can answer.
 * `srLabel` names what it acts on for screen readers when a list repeats the same label
 * ("Remove" → "Remove ann@example.com").
 * `keepLabel` names the way out where "Cancel" would be read as the action itself: after
 * "Cancel all?", a "Cancel" button that cancels nothing misleads ("Keep them").
 */
export function ConfirmButton({ label, question, onConfirm, busy, className = 'btn btn-danger', srLabel, keepLabel = 'Cancel' }: {
  label: string;
  question: string;
  onConfirm: () => void;
  busy?: boolean;
  className?: string;
  srLabel?: string;
  keepLabel?: string;
}) {
  const [open, setOpen] = useState(false);
  // Answering the question (Yes, Cancel or Escape) removes the button that had the focus: it goes back
  // to the button that asked instead of dropping to the page. After Yes it waits while `busy` (a
  // disabled button takes no focus), and never takes the focus from where something else put it.
  const refocus = useRef(false);
  const trigger = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (open || !refocus.current || busy) return;
    refocus.current = false;
    const active = document.activeElement;
    if (!active || active === document.body) trigger.current?.focus();
  }, [open, busy]);
  const cancel = () => {
    refocus.current = true;
    setOpen(false);
  };
  if (!open) {
    return (
      <button ref={trigger} type="button" className={className} onClick={() => setOpen(true)} disabled={busy}>
        {label}
        {srLabel ? <span className="sr-only"> {srLabel}</span> : null}
      </button>
    );
  }
  return (
    <span
      className="confirm"
      role="group"
      aria-label={question}
      onKeyDown={(e) => {
        if (e.key === 'Escape') cancel();
      }}
    >
      <span className="confirm-q">{question}</span>
      <button
        type="button"
        className="btn btn-danger"
        autoFocus
        onClick={() => {
          refocus.current = true;
          setOpen(false);
          onConfirm();
        }}
      >
        Yes, {label.toLowerCase()}
      </button>
      <button type="button" className="btn" onClick={cancel}>
        {keepLabel}
      </button>
    </span>
  );
}

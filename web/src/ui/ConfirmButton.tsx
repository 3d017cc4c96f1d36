import { useState } from 'react';

/** A destructive button that asks first; the question is a real dialog the keyboard can answer. */
export function ConfirmButton({ label, question, onConfirm, busy, className = 'btn btn-danger' }: { label: string; question: string; onConfirm: () => void; busy?: boolean; className?: string }) {
  const [open, setOpen] = useState(false);
  if (!open) {
    return (
      <button type="button" className={className} onClick={() => setOpen(true)} disabled={busy}>
        {label}
      </button>
    );
  }
  return (
    <span className="confirm" role="group" aria-label={question}>
      <span className="confirm-q">{question}</span>
      <button
        type="button"
        className="btn btn-danger"
        autoFocus
        onClick={() => {
          setOpen(false);
          onConfirm();
        }}
      >
        Yes, {label.toLowerCase()}
      </button>
      <button type="button" className="btn" onClick={() => setOpen(false)}>
        Cancel
      </button>
    </span>
  );
}

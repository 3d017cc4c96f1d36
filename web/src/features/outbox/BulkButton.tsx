import { useEffect, useRef, useState } from 'react';
import type { BulkQuestion } from './bulk-question.js';

/**
 * The shortest time the question stays after *Yes*: a double click's second click (up to half a
 * second later) lands on its spent *Yes*, not on a row of the list that moved up into its place.
 */
const HOLD_MS = 500;

type Phase = 'closed' | 'open' | 'acting';

/** What the spent *Yes* says while the request runs. */
const ACTING: Record<string, string> = { 'Retry all': 'Retrying…', 'Cancel all': 'Cancelling…' };

/**
 * "Retry all" / "Cancel all": asks its question with the numbers, then acts. When the filter's
 * messages hold none it could change ("None of the 12 matching messages can be retried: they
 * were sent."), it says so with only a way back: a "Yes" there would do nothing.
 *
 * After *Yes* the question stays where it is, its *Yes* spent (it takes no second click), until
 * the request has settled and at least HOLD_MS passed. `onConfirm` resolves whether it was done:
 * then the page's result takes the focus; refused (the page says why), the focus goes back to
 * this button. One component for all of it: the question's count may turn to "none" as the
 * action settles, and a switch of component there dropped the focus to the page.
 */
export function BulkButton({ label, className, question, keepLabel, onConfirm, busy }: { label: string; className: string; question: BulkQuestion; keepLabel: string; onConfirm: () => Promise<boolean>; busy: boolean }) {
  const [phase, setPhase] = useState<Phase>('closed');
  // The question answered *Yes*: kept as asked while acting (the counts change as the action lands).
  const [asked, setAsked] = useState('');
  const refocus = useRef(false);
  // Set at the first *Yes*, so a second click in the same instant (before a render) does nothing.
  const spent = useRef(false);
  const trigger = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (phase !== 'closed' || !refocus.current) return;
    refocus.current = false;
    const active = document.activeElement;
    if (!active || active === document.body) trigger.current?.focus();
  }, [phase]);
  const close = () => {
    refocus.current = true;
    setPhase('closed');
  };
  const yes = async () => {
    if (phase !== 'open' || spent.current) return;
    spent.current = true;
    setAsked(question.text);
    setPhase('acting');
    const hold = new Promise((r) => window.setTimeout(r, HOLD_MS));
    const done = await onConfirm();
    await hold;
    // Done: the result the page shows has the focus. Refused: back to this button.
    refocus.current = !done;
    spent.current = false;
    setPhase('closed');
  };

  if (phase === 'closed') {
    return (
      <button
        ref={trigger}
        type="button"
        className={className}
        disabled={busy}
        onClick={() => setPhase('open')}
      >
        {label}
      </button>
    );
  }
  // Open, the question follows the counts as they arrive: "none" (counted past the page shown) is told, not asked.
  if (phase === 'open' && question.none) {
    return (
      // Information, not a warning: the blue of a notice, not the red of a question that changes things.
      <span className="alert alert-info bulk-told" role="group" aria-label={question.text} onKeyDown={(e) => e.key === 'Escape' && close()}>
        <span data-testid="bulk-told">{question.text}</span>{' '}
        <button type="button" className="btn btn-small" autoFocus onClick={close}>
          OK
        </button>
      </span>
    );
  }
  const acting = phase === 'acting';
  const text = acting ? asked : question.text;
  return (
    <span className="confirm" role="group" aria-label={text} aria-busy={acting || undefined} onKeyDown={(e) => e.key === 'Escape' && !acting && close()}>
      <span className="confirm-q">{text}</span>
      {/* Spent while acting, not disabled: a disabled button would drop the focus to the page. */}
      <button type="button" className="btn btn-danger" autoFocus aria-disabled={acting || undefined} onClick={() => void yes()}>
        {acting ? (ACTING[label] ?? `${label}…`) : `Yes, ${label.toLowerCase()}`}
      </button>
      <button type="button" className="btn" aria-disabled={acting || undefined} onClick={() => !acting && close()}>
        {keepLabel}
      </button>
    </span>
  );
}
